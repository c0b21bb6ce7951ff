"""Without a mouse, and on a phone: a keyboard-only walkthrough that solves a problem and reads
an explanation, the one-answer-box switch to the math keyboard, and the 390 px layout (no
sideways scroll, touch targets of at least 44 px, screenshots in var/screenshots/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from curriculum.models import Problem
from tests.browser_helpers import log_in
from tests.inference.fake_openai import FakeOpenAI
from tutor.models import Attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


ACTIVE = """() => {
  const e = document.activeElement;
  if (!e) return "";
  if (e.matches("input, textarea, select, math-field")) return e.id;
  return (e.getAttribute("aria-label") || e.innerText || e.value || e.id || "").trim();
}"""


def tab_to(page, name: str | re.Pattern, *, limit: int = 60, back: bool = False) -> None:
    """Press Tab (or Shift+Tab) until the focused element's name matches; fail if it never
    does, so every control used below is proven reachable by keyboard."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        label = page.evaluate(ACTIVE)
        seen.append(label[:40])
        if name.search(label) if isinstance(name, re.Pattern) else label == name:
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{label!r} has focus but no visible focus outline"
            return
    raise AssertionError(f"{name!r} not reached by Tab; focus went through {seen}")


def test_keyboard_only_solves_a_problem_and_reads_an_explanation(
    browser, remote_engine, live_daphne, celery_worker_session, demo, student
):
    FakeOpenAI.words = ["<think>", "Adding. ", "</think>"] + [
        f"Step {i}: $-7 + {i} = {i - 7}$.\n" for i in range(12)
    ]
    FakeOpenAI.delay = 0.02
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    try:
        page.goto(f"{live_daphne}/accounts/login/")
        tab_to(page, "id_username")
        page.keyboard.type("demo-student")
        page.keyboard.press("Tab")
        page.keyboard.type("tutor-demo")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/courses/$"))

        tab_to(page, "Pre-algebra: a first taste")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/courses/demo-prealgebra/$"))
        tab_to(page, "Integer arithmetic")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/problems/\d+/$"))
        problem = Problem.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
        right = problem.answer_spec["key"][0]

        tab_to(page, "answer-text")
        page.keyboard.type(str(int(right) + 1))
        page.keyboard.press("Enter")
        page.locator("#verdict .verdict-wrong").wait_for()
        tab_to(page, "Show a hint")
        page.keyboard.press("Enter")
        page.locator("#hints .hint").first.wait_for()
        tab_to(page, "answer-text", back=True)
        page.keyboard.press("Control+A")
        page.keyboard.type(right)
        page.keyboard.press("Enter")
        page.locator("#verdict .verdict-correct").wait_for()

        tab_to(page, "Explain step by step")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('.explanation .gen-status')?.dataset.state === 'done'",
            timeout=60_000,
        )
        assert "Step 11" in page.locator(".gen-answer").inner_text()
        # The streamed text was announced in pieces, with its math as MathML.
        assert page.locator(".gen-announce math").count() >= 1
        tab_to(page, "Next problem →", back=True)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf".*/problems/(?!{problem.pk}/)\d+/$"))
    finally:
        context.close()
    verdicts = list(
        Attempt.objects.filter(learner=student, problem=problem)
        .order_by("id")
        .values_list("verdict", flat=True)
    )
    assert verdicts == ["wrong", "correct"]


def test_one_answer_box_and_the_math_keyboard_by_choice(browser, live_server, demo, student):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    problem = Problem.objects.get(skill__course=demo, slug="add-fractions")
    try:
        log_in(page, live_server.url)
        page.goto(f"{live_server.url}/problems/{problem.pk}/")
        switch = page.get_by_role("button", name="Use the math keyboard instead")
        switch.wait_for()
        # One box at a time: the plain-text box, and no math field, until the student asks.
        assert page.locator("#answer-text").is_visible()
        assert not page.locator("#answer-math").is_visible()
        tab_to(page, "Use the math keyboard instead")
        page.keyboard.press("Enter")
        page.locator("#answer-math").wait_for(state="visible")
        assert not page.locator("#answer-text").is_visible()
        page.wait_for_function("() => document.activeElement.id === 'answer-math'")
        page.keyboard.type("5/6")
        page.keyboard.press("Enter")
        page.locator("#verdict .verdict-correct").wait_for()
        # What was stored is the math field's LaTeX (MathLive writes \frac56), read as 5/6.
        attempt = Attempt.objects.get(learner=student)
        assert attempt.raw_input.startswith("\\frac") and attempt.verdict == "correct"
        # The choice is remembered; switching back shows the math as plain text.
        page.reload()
        page.locator("#answer-math").wait_for(state="visible")
        page.get_by_role("button", name="Type as plain text instead").click()
        assert page.locator("#answer-text").is_visible()
        assert not page.locator("#answer-math").is_visible()
    finally:
        context.close()


# Interactive elements smaller than 44 × 44 CSS px, except links inside a sentence (the
# inline exception of WCAG 2.5.8) and controls that are not shown.
SMALL_TARGETS = """() => {
  const out = [];
  const sel = "a[href], button, input:not([type=hidden]), select, textarea, summary, math-field";
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === "hidden") continue;
    if (el.closest("[hidden], .sr-only")) continue;
    if (el.matches(".skip-link") && r.left < 0) continue;
    if (el.tagName === "A") {
      const block = el.closest("p, li, td, th, dd, figcaption, caption, span.help");
      if (block && block.innerText.trim() !== el.innerText.trim()) continue;  // in a sentence
    }
    if (r.width < 44 - 0.5 || r.height < 44 - 0.5)
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${(el.innerText || el.value || "").trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return out;
}"""
NO_SIDEWAYS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _phone_check(page, name: str) -> None:
    assert page.evaluate(NO_SIDEWAYS), f"{name}: the page scrolls sideways at 390 px"
    small = page.evaluate(SMALL_TARGETS)
    assert not small, f"{name}: touch targets under 44 px: {small}"
    page.screenshot(path=str(SCREENSHOTS / f"phone-{name}.png"), full_page=True)


def test_phone_layout_at_390px(
    browser, remote_engine, live_daphne, celery_worker_session, demo, student
):
    FakeOpenAI.words = ["<think>", "Adding. ", "</think>"] + [
        f"Step {i}: a longer line $\\frac{{-7}}{{12}} + \\frac{{{i}}}{{12}} = x$ to wrap.\n"
        for i in range(8)
    ]
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    problem = Problem.objects.get(skill__course=demo, slug="add-fractions")
    try:
        log_in(page, live_daphne)
        _phone_check(page, "course-list")
        page.goto(f"{live_daphne}/courses/{demo.slug}/")
        _phone_check(page, "course")
        page.goto(f"{live_daphne}/problems/{problem.pk}/")
        page.locator(".statement .katex").first.wait_for()
        _phone_check(page, "problem")
        page.locator("#answer-text").fill("2/5")
        page.get_by_role("button", name="Check answer").tap()
        page.locator("#verdict .verdict").wait_for()
        page.get_by_role("button", name="Show a hint").tap()
        page.locator("#hints .hint").first.wait_for()
        _phone_check(page, "problem-verdict-hint")
        page.get_by_role("button", name="Use the math keyboard instead").tap()
        page.locator("#answer-math").wait_for(state="visible")
        _phone_check(page, "problem-math-keyboard")
        page.get_by_role("button", name="Explain step by step").tap()
        page.wait_for_function(
            "() => document.querySelector('.explanation .gen-status')?.dataset.state === 'done'",
            timeout=60_000,
        )
        _phone_check(page, "explanation")
    finally:
        context.close()
