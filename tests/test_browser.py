"""End to end in headless Chromium against a live server (Playwright, Debian's chromium)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from curriculum.models import Problem
from tutor.models import Attempt, HintReveal

# Screenshots for people to look at (git-ignored).
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, live_server, username="demo-student", password="tutor-demo"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/courses/")


def _served_problem(page, live_server) -> Problem:
    page.wait_for_url(re.compile(rf"{live_server.url}/problems/\d+/"))
    return Problem.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))


def test_student_solves_a_problem_in_the_browser(page, live_server, demo, student):
    _log_in(page, live_server)
    page.get_by_role("link", name="Pre-algebra: a first taste").click()
    page.get_by_role("link", name="Integer arithmetic").click()

    # The adaptive policy serves a problem of the skill (which one depends on the learner).
    problem = _served_problem(page, live_server)
    assert problem.skill.slug == "integers"
    right = problem.answer_spec["key"][0]
    wrong = str(int(right) + 1)
    # KaTeX typeset the statement.
    page.locator(".statement .katex").first.wait_for()

    answer = page.locator("#answer-text")
    answer.fill(wrong)
    answer.press("Enter")
    verdict = page.locator("#verdict .verdict")
    verdict.wait_for()
    assert "Not quite" in verdict.inner_text()
    assert answer.input_value() == wrong  # nothing typed is lost

    page.get_by_role("button", name="Show a hint").click()
    page.locator("#hints .hint").first.wait_for()
    hints = list(problem.hints.order_by("order").values_list("text", flat=True))
    assert hints[0].split("$")[0].strip()[:15] in page.locator("#hints").inner_text()
    # KaTeX typesets a revealed hint's math. Which problem is served varies, and some first
    # hints are words only ("A negative times a positive is negative."): reveal up to the first
    # hint with math.
    with_math = next(i for i, text in enumerate(hints) if "$" in text)
    for shown in range(1, with_math + 1):
        page.get_by_role("button", name="Show another hint").click()
        page.locator("#hints .hint").nth(shown).wait_for()
    page.locator("#hints .hint .katex").first.wait_for()

    answer.fill(right)
    page.get_by_role("button", name="Check answer").click()
    page.locator("#verdict .verdict-correct").wait_for()
    assert "Correct" in page.locator("#verdict").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "problem-solved.png"), full_page=True)

    assert list(
        Attempt.objects.filter(learner=student).order_by("id").values_list("verdict", flat=True)
    ) == ["wrong", "correct"]
    assert HintReveal.objects.filter(learner=student).count() == with_math + 1

    page.get_by_role("link", name="Next problem →", exact=True).click()
    page.wait_for_url(re.compile(rf"{live_server.url}/problems/(?!{problem.pk}/)\d+/"))
    page.locator(".statement .katex").first.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "next-problem.png"), full_page=True)


def test_keyboard_only_and_phone_width(browser, live_server, demo, student):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _log_in(page, live_server)
        problem = Problem.objects.get(skill__slug="integers", slug="add-negatives")
        page.goto(f"{live_server.url}/problems/{problem.pk}/")  # opened directly
        # The first Tab reaches the skip link; the page never scrolls sideways on a phone.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.locator("#answer-text").focus()
        page.keyboard.type("5")
        page.keyboard.press("Enter")
        page.locator("#verdict .verdict-correct").wait_for()
    finally:
        context.close()
