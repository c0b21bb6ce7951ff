"""Accessibility, measured: axe-core on every page and fragment a student, a teacher and an
admin sees (0 serious or critical violations), a keyboard-only walkthrough, and phone layout.

Each audit's full result is written to var/a11y/<page>.json (docs/accessibility.md)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from curriculum.models import Hint, Problem
from curriculum.services import load_curriculum
from tests.a11y import Audits
from tests.browser_helpers import log_in as log_in_student
from tests.inference.fake_openai import FakeOpenAI
from tutor.models import Classroom

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "var" / "screenshots"
OATUTOR_FIXTURE = REPO / "tests" / "curriculum" / "fixtures" / "oatutor"
MINI = REPO / "tests" / "curriculum" / "fixtures" / "mini"


def log_in(page, base_url: str, username: str = "demo-student") -> None:
    if username == "demo-student":
        log_in_student(page, base_url)
        return
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("tutor-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r".*/(teach|courses)/$"))


def _context(browser, **kwargs):
    context = browser.new_context(**kwargs)
    page = context.new_page()
    page.set_default_timeout(20_000)
    return context, page


def _scaffolded_problem() -> tuple[Problem, Hint]:
    report = load_curriculum(OATUTOR_FIXTURE, fmt="oatutor")
    assert report.imported, report.errors
    hint = (
        Hint.objects.filter(kind="scaffold", order=0, problem__is_active=True)
        .exclude(answer_spec=None)
        .select_related("problem")
        .order_by("pk")
        .first()
    )
    assert hint is not None
    return hint.problem, hint


def test_student_pages_have_no_serious_violations(
    browser, remote_engine, live_daphne, celery_worker_session, demo, student
):
    FakeOpenAI.words = ["<think>", "I add. ", "</think>"] + [
        f"Step {i}: $-7 + {i} = {i - 7}$.\n" for i in range(60)
    ]
    FakeOpenAI.delay = 0.05
    scaffolded, scaffold = _scaffolded_problem()
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    context, page = _context(browser)
    audits = Audits(page)
    try:
        page.goto(f"{live_daphne}/accounts/login/")
        audits("login")
        page.goto(f"{live_daphne}/accounts/signup/")
        audits("signup")
        page.goto(f"{live_daphne}/accounts/password_reset/")
        audits("password-reset")
        log_in(page, live_daphne)
        audits("course-list")
        page.goto(f"{live_daphne}/courses/{demo.slug}/")
        audits("course-detail")
        page.goto(f"{live_daphne}/classes/join/")
        audits("join-class")

        page.goto(f"{live_daphne}/problems/{problem.pk}/")
        page.locator(".statement .katex").first.wait_for()
        audits("problem")
        answer = page.locator("#answer-text")
        answer.fill("1/")
        answer.press("Enter")
        page.locator("#verdict .verdict-invalid").wait_for()
        audits("problem-verdict-invalid")
        answer.fill("7")
        answer.press("Enter")
        page.locator("#verdict .verdict-wrong").wait_for()
        audits("problem-verdict-wrong")
        page.get_by_role("button", name="Show a hint").click()
        page.locator("#hints .hint").first.wait_for()
        audits("problem-hint")
        page.get_by_role("button", name="Use the math keyboard instead").click()
        page.locator("math-field#answer-math").wait_for(state="visible")
        audits("problem-math-keyboard")
        page.get_by_role("button", name="Type as plain text instead").click()
        answer.fill("5")
        answer.press("Enter")
        page.locator("#verdict .verdict-correct").wait_for()
        audits("problem-verdict-correct")

        page.get_by_role("button", name="Explain step by step").click()
        page.wait_for_function(
            "() => document.querySelectorAll('.gen-answer .katex').length >= 3", timeout=30_000
        )
        audits("explanation-streaming")
        page.wait_for_function(
            "() => document.querySelector('.explanation .gen-status').dataset.state === 'done'",
            timeout=60_000,
        )
        audits("explanation-finished")

        page.goto(f"{live_daphne}/problems/{scaffolded.pk}/")
        page.get_by_role("button", name="Show a hint").click()
        step = page.locator(f"#scaffold-{scaffold.pk}")
        step.fill("0")
        step.press("Enter")
        page.locator(f"#scaffold-{scaffold.pk}-verdict .verdict").wait_for()
        audits("problem-scaffold")

        page.goto(f"{live_daphne}/me/attempts/")
        audits("my-work")
        page.goto(f"{live_daphne}/accounts/password_change/")
        audits("password-change")
    finally:
        context.close()
    audits.assert_clean()


def _history(student, course) -> None:
    """Answers on the class's course so the grid, the drill-down and its charts have data."""
    from datetime import timedelta

    from django.utils import timezone

    from tutor.models import Attempt

    now = timezone.now()
    for day in range(4):
        for i, problem in enumerate(Problem.objects.filter(skill__course=course)):
            ok = (i + day) % 3 != 0
            a = Attempt.objects.create(
                learner=student,
                problem=problem,
                raw_input="5" if ok else "7",
                verdict="correct" if ok else "wrong",
                feedback_code="correct" if ok else "wrong",
            )
            Attempt.objects.filter(pk=a.pk).update(
                created_at=now - timedelta(days=3 - day, minutes=i), time_taken_ms=15_000 * (i + 1)
            )


def test_teacher_pages_have_no_serious_violations(browser, live_daphne, demo, student, teacher):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    _history(student, demo)
    problem = Problem.objects.get(skill__course=demo, slug="multiply-signs")
    board_ctx, board = _context(browser)
    student_ctx, practice = _context(browser)
    audits = Audits(board)
    try:
        log_in(board, live_daphne, "demo-teacher")
        board.goto(f"{live_daphne}/teach/")
        audits("teach")
        board.goto(f"{live_daphne}/teach/classes/{classroom.pk}/")
        board.locator('#live-status[data-state="open"]').wait_for()
        audits("class-dashboard")
        # One width: on a wide screen the header and footer line up with the wide grid page.
        board.set_viewport_size({"width": 1600, "height": 900})
        edges = board.evaluate(
            """() => ["header nav", "main", "footer"].map(
                 s => Math.round(document.querySelector(s).getBoundingClientRect().left))"""
        )
        assert len(set(edges)) == 1, edges
        board.set_viewport_size({"width": 1280, "height": 720})
        # A live update arrives while the teacher watches.
        log_in(practice, live_daphne, "demo-student")
        practice.goto(f"{live_daphne}/problems/{problem.pk}/")
        practice.locator("#answer-text").fill("-11")
        practice.locator("#answer-text").press("Enter")
        practice.locator("#verdict .verdict").wait_for()
        board.locator("#activity li", has_text="-11").first.wait_for(timeout=5_000)
        audits("class-dashboard-live")
        board.goto(f"{live_daphne}/teach/classes/{classroom.pk}/students/{student.pk}/")
        audits("student-drill-down")
        board.goto(f"{live_daphne}/teach/classes/{classroom.pk}/roster/")
        audits("roster")
        board.goto(f"{live_daphne}/teach/classes/{classroom.pk}/assignments/new/")
        audits("assignment-form")
        board.get_by_role("button", name="Assign").click()
        board.locator(".errors").first.wait_for()
        audits("assignment-form-errors")
        board.goto(f"{live_daphne}/teach/classes/new/")
        audits("class-form")
        board.goto(f"{live_daphne}/students/{student.pk}/attempts/")
        audits("student-attempts")
    finally:
        student_ctx.close()
        board_ctx.close()
    audits.assert_clean()


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, f"pkg/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def test_admin_pages_have_no_serious_violations(
    browser, live_daphne, celery_worker_session, demo, admin_user_demo
):
    context, page = _context(browser)
    audits = Audits(page)
    try:
        log_in(page, live_daphne, "demo-admin")
        page.goto(f"{live_daphne}/curriculum/")
        audits("curricula")
        page.locator("#id_package").set_input_files(
            files=[{"name": "mini.zip", "mimeType": "application/zip", "buffer": _zip(MINI)}]
        )
        page.get_by_role("button", name="Check package").click()
        page.wait_for_url(re.compile(r".*/curriculum/imports/\d+/"))
        page.locator("#job-progress.job-validated").wait_for(timeout=60_000)
        audits("upload-dry-run")
        page.get_by_role("button", name="Confirm import").click()
        page.locator("#job-progress.job-done").wait_for(timeout=60_000)
        audits("upload-imported")
        page.goto(f"{live_daphne}/curriculum/")
        broken = (
            (MINI / "course.yaml")
            .read_text()
            .replace("prerequisites: [adding]", "prerequisites: [nope]")
        )
        page.locator("#id_package").set_input_files(
            files=[{"name": "course.yaml", "mimeType": "text/yaml", "buffer": broken.encode()}]
        )
        page.get_by_role("button", name="Check package").click()
        page.locator("#job-progress.job-invalid").wait_for(timeout=60_000)
        audits("upload-rejected")
        page.goto(f"{live_daphne}/courses/")
        audits("admin-course-list")
        page.goto(f"{live_daphne}/admin/")
        audits("django-admin-index")
        page.goto(f"{live_daphne}/admin/curriculum/course/")
        audits("django-admin-courses")
    finally:
        context.close()
    audits.assert_clean()
