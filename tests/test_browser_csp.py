"""The strict Content-Security-Policy in real Chromium: KaTeX typesets, MathLive's math
keyboard fills the answer box, htmx posts and swaps, and the browser reports no violation."""

from __future__ import annotations

import pytest

from curriculum.models import Problem
from tutor.models import Attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_work_under_the_csp_without_violations(page, live_server, demo, student):
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    page.on("pageerror", lambda exc: violations.append(f"page error: {exc}"))

    response = page.goto(f"{live_server.url}/accounts/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.get_by_label("Username").fill("demo-student")
    page.get_by_label("Password").fill("tutor-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/courses/")

    problem = Problem.objects.filter(skill__course=demo, answer_spec__kind="number").first()
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    page.locator(".statement .katex").first.wait_for()  # KaTeX ran under the policy
    # MathLive loaded and upgraded the field; the student chooses it; typing fills the answer.
    page.get_by_role("button", name="Use the math keyboard instead").click()
    page.locator(".mathfield-wrap").wait_for(state="visible")
    field = page.locator("#answer-math")
    # MathLive's own typing command (as its virtual keyboard does): it emits input events.
    field.evaluate("(mf) => { mf.focus(); mf.executeCommand(['typedText', '12']); }")
    page.wait_for_function("() => document.getElementById('answer-text').value === '12'")
    rendered = page.evaluate(
        "() => document.getElementById('answer-math').shadowRoot.textContent.length"
    )
    assert rendered > 0
    # htmx posts the answer and swaps the verdict in.
    page.get_by_role("button", name="Check answer").click()
    page.locator("#verdict .verdict").wait_for()
    assert Attempt.objects.filter(learner=student, problem=problem, raw_input="12").exists()
    page.wait_for_timeout(300)  # late violations (fonts, styles) reach the console
    assert violations == [], violations
