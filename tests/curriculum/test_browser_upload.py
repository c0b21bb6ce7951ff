"""In Chromium: an admin uploads the demo package, reads the dry-run report, confirms, watches
the import finish, and a student finds the new course and practises from it."""

from __future__ import annotations

import io
import zipfile

import pytest

from curriculum.models import Course, Problem
from tests.curriculum.conftest import DEMO, REPO

SCREENSHOTS = REPO / "var" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def demo_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(DEMO.rglob("*")):
            if path.is_file():
                archive.write(path, f"demo/{path.relative_to(DEMO).as_posix()}")
    return buffer.getvalue()


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("tutor-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_admin_uploads_confirms_and_students_see_the_course(
    browser, live_server, demo, celery_worker_session
):
    admin = browser.new_context()
    page = admin.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, live_server, "demo-admin")
        # From the Django admin's course list to the upload page.
        page.goto(f"{live_server.url}/admin/curriculum/course/")
        page.get_by_role("link", name="Upload a curriculum package").click()
        page.wait_for_url(f"{live_server.url}/curriculum/")
        page.locator("#id_package").set_input_files(
            files=[{"name": "algebra.zip", "mimeType": "application/zip", "buffer": demo_zip()}]
        )
        page.get_by_role("button", name="Check package").click()
        page.wait_for_url("**/curriculum/imports/*/")
        # A worker checks the package; the page polls until the report is there.
        page.locator("#job-progress.job-validated").wait_for(timeout=60_000)
        report = page.locator(".report")
        assert "Dry-run report" in report.inner_text()
        assert "790 problems" in report.inner_text()
        assert "algebra-foundations — new course" in report.inner_text()
        assert "Dry run passed" in page.locator("#job-progress").inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "curriculum-dry-run.png"), full_page=True)
        assert not Course.objects.filter(slug="algebra-foundations").exists()

        page.get_by_role("button", name="Confirm import").click()
        # The progress fragment polls until the worker has finished.
        page.locator("#job-progress.job-done").wait_for(timeout=60_000)
        assert "Imported." in page.locator("#job-progress").inner_text()
        assert Course.objects.get(slug="algebra-foundations").versions.count() == 1
    finally:
        admin.close()

    student = browser.new_context()
    page = student.new_page()
    page.set_default_timeout(20_000)
    try:
        log_in(page, live_server, "demo-student")
        page.goto(f"{live_server.url}/courses/")
        page.get_by_role("link", name="Algebra foundations").click()
        page.get_by_role("link", name="Adding and subtracting integers").click()
        # The adaptive policy serves some problem of the skill (which one depends on the
        # learner); then open the one with the figure.
        page.wait_for_url("**/problems/*/")
        page.locator(".statement .katex").first.wait_for()
        figured = Problem.objects.get(
            skill__course__slug="algebra-foundations", slug="number-line-walk"
        )
        page.goto(f"{live_server.url}/problems/{figured.pk}/")
        page.locator(".statement .katex").first.wait_for()
        figure = page.locator(".statement img")
        figure.wait_for()
        assert page.evaluate("document.querySelector('.statement img').naturalWidth") > 0
        assert "Written for the adaptive math tutor project" in page.locator("footer").inner_text()
        page.locator("#answer-text").fill("4")
        page.get_by_role("button", name="Check answer").click()
        page.locator("#verdict .verdict-correct").wait_for()
        page.screenshot(path=str(SCREENSHOTS / "curriculum-demo-problem.png"), full_page=True)
    finally:
        student.close()
