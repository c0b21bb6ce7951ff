"""In headless Chromium against a live daphne server (HTTP and websockets): a teacher's open
dashboard updates when a student in a second browser context answers, without a reload."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from curriculum.models import Problem
from tutor.models import Attempt, Classroom

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _context(browser, **kwargs):
    context = browser.new_context(**kwargs)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("tutor-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_dashboard_updates_live_when_a_student_answers(browser, daphne_server, demo, student):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    teacher_ctx, board = _context(browser)
    student_ctx, practice = _context(browser)
    try:
        _log_in(board, daphne_server, "demo-teacher")
        board.goto(f"{daphne_server}/teach/classes/{classroom.pk}/")
        board.locator('#live-status[data-state="open"]').wait_for()
        cell = board.locator(f"#cell-{student.pk}-{problem.skill_id}")
        assert "Not started" in cell.inner_text()
        board.evaluate("window.__notReloaded = true")

        _log_in(practice, daphne_server, "demo-student")
        practice.goto(f"{daphne_server}/problems/{problem.pk}/")
        answer = practice.locator("#answer-text")
        answer.fill("-5")
        answer.press("Enter")
        practice.locator("#verdict .verdict").wait_for()
        answered = time.monotonic()

        # Within 2 s of the verdict the teacher sees the answer, the cell and the totals.
        board.locator("#activity li", has_text="-5").first.wait_for(timeout=2_000)
        elapsed = time.monotonic() - answered
        assert "Not started" not in cell.inner_text()
        assert "1 answer" in board.locator(f"#row-{student.pk}-summary").inner_text()
        assert board.evaluate("window.__notReloaded === true")  # no reload happened
        assert elapsed < 2.0
        board.screenshot(path=str(SCREENSHOTS / "dashboard-live.png"), full_page=True)
    finally:
        student_ctx.close()
        teacher_ctx.close()


def _history(student, demo) -> None:
    """A week of answers on every skill, so the drill-down has charts to draw."""
    now = timezone.now()
    problems = list(Problem.objects.filter(skill__course=demo))
    for day in range(7):
        for i, problem in enumerate(problems):
            # Stored directly: Playwright's loop owns this thread, so no live events from here.
            ok = (i + day) % 3 != 0
            a = Attempt.objects.create(
                learner=student,
                problem=problem,
                raw_input="5" if ok else "7",
                verdict="correct" if ok else "wrong",
                feedback_code="x",
            )
            Attempt.objects.filter(pk=a.pk).update(
                created_at=now - timedelta(days=6 - day, minutes=i), time_taken_ms=20_000 * (i + 1)
            )


def test_dashboard_keyboard_and_phone_width(browser, daphne_server, demo, student):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    _history(student, demo)
    context, page = _context(browser, viewport={"width": 375, "height": 740})
    try:
        _log_in(page, daphne_server, "demo-teacher")
        page.goto(f"{daphne_server}/teach/classes/{classroom.pk}/")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        # The page never scrolls sideways on a phone; the wide grid scrolls inside its region.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        # Sorting works from the keyboard: focus the select, choose, submit.
        page.get_by_label("Sort students by").select_option("mastery")
        page.get_by_role("button", name="Sort").press("Enter")
        page.wait_for_url("**sort=mastery**")
        # The student page too, with its charts.
        page.goto(f"{daphne_server}/teach/classes/{classroom.pk}/students/{student.pk}/")
        assert page.locator("svg.chart").count() == 3
        assert page.locator("#mastery-chart-title").text_content().startswith("Estimated mastery")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        page.screenshot(path=str(SCREENSHOTS / "dashboard-student-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1100, "height": 900})
        page.locator('section[aria-labelledby="charts-title"]').screenshot(
            path=str(SCREENSHOTS / "dashboard-student-charts.png")
        )
    finally:
        context.close()


DROP_SOCKET = """() => {
  // Drop the dashboard's socket as a network failure would (code 1006): htmx reconnects.
  const wrapper = document.querySelector('[ws-connect]')['htmx-internal-data'].webSocket;
  const socket = wrapper.socket, onclose = socket.onclose;
  socket.onclose = null;
  socket.close();
  onclose({ code: 1006 });
}"""


def test_dashboard_catches_up_after_a_reconnect(browser, daphne_server, demo, student):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    context, board = _context(browser)
    try:
        _log_in(board, daphne_server, "demo-teacher")
        board.goto(f"{daphne_server}/teach/classes/{classroom.pk}/")
        board.locator('#live-status[data-state="open"]').wait_for()
        # An answer the socket never hears about (stored directly, no event)...
        Attempt.objects.create(
            learner=student,
            problem=problem,
            raw_input="missed-42",
            verdict="wrong",
            feedback_code="x",
        )
        board.evaluate(DROP_SOCKET)
        board.locator('#live-status[data-state="closed"]').wait_for()
        # ...shows up once the socket is back, without a reload.
        board.locator('#live-status[data-state="open"]').wait_for()
        board.locator("#activity li", has_text="missed-42").wait_for(timeout=5_000)
        assert "1 answer" in board.locator(f"#row-{student.pk}-summary").inner_text()
    finally:
        context.close()
