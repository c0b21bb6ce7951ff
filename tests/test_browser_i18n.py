"""In Chromium, in Spanish: a student picks the language in the footer and practises (verdict,
feedback code, streamed explanation's end in Spanish over the websocket); the teacher's live
dashboard speaks Spanish too, including the fragments pushed over its socket."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from curriculum.models import Problem
from tests.a11y import Audits
from tests.browser_helpers import log_in
from tests.inference.fake_openai import FakeOpenAI
from tutor.models import Classroom, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def test_student_and_teacher_in_spanish(
    browser, remote_engine, live_daphne, celery_worker_session, demo, student, teacher
):
    FakeOpenAI.words = ["<think>", "Sumo. ", "</think>", "$-7 + 12 = 5$.\n", "\\boxed{5}"]
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    User.objects.filter(pk=teacher.pk).update(language="es")
    student_ctx = browser.new_context()
    teacher_ctx = browser.new_context()
    try:
        page = student_ctx.new_page()
        page.set_default_timeout(20_000)
        log_in(page, live_daphne)
        page.goto(f"{live_daphne}/problems/{problem.pk}/")
        page.get_by_label("Language").select_option("es")
        page.get_by_role("button", name="Change language").click()
        page.wait_for_url(re.compile(rf".*/problems/{problem.pk}/$"))
        assert page.evaluate("document.documentElement.lang") == "es"
        assert page.get_by_role("button", name="Comprobar la respuesta").is_visible()
        assert page.get_by_role("link", name="Cursos").is_visible()
        audits = Audits(page)
        audits("es-problem")  # the Spanish page passes the same audit (lang, names, contrast)
        strings = page.evaluate("JSON.parse(document.getElementById('js-strings').textContent)")
        assert strings["unreachable"].startswith("No hemos podido conectar")

        board = teacher_ctx.new_page()
        board.set_default_timeout(20_000)
        board.goto(f"{live_daphne}/accounts/login/")
        board.locator("#id_username").fill("demo-teacher")
        board.locator("#id_password").fill("tutor-demo")
        board.locator("#id_password").press("Enter")
        board.wait_for_url(re.compile(r".*/teach/$"))
        board.goto(f"{live_daphne}/teach/classes/{classroom.pk}/")
        status = board.locator('#live-status[data-state="open"]')
        status.wait_for()
        assert status.inner_text().startswith("Actualizaciones en directo: activadas")

        answer = page.get_by_label("Tu respuesta", exact=True)
        answer.fill("7")
        answer.press("Enter")
        verdict = page.locator("#verdict .verdict-wrong")
        verdict.wait_for()
        assert "No del todo" in verdict.inner_text() and "No es correcto." in verdict.inner_text()
        # Pushed over the teacher's socket, rendered in the teacher's language.
        line = board.locator("#activity li", has_text="respondió")
        line.first.wait_for(timeout=5_000)
        assert "Incorrecta" in line.first.inner_text()

        page.get_by_role("button", name="Explícalo paso a paso").click()
        page.wait_for_function(
            "() => document.querySelector('.explanation .gen-status')?.dataset.state === 'done'",
            timeout=60_000,
        )
        assert page.locator(".explanation .gen-status").inner_text() == "El tutor ha terminado."
        audits("es-explanation-finished")
        board_audits = Audits(board)
        board_audits("es-class-dashboard-live")
        page.screenshot(path=str(SCREENSHOTS / "spanish-problem.png"), full_page=True)
    finally:
        student_ctx.close()
        teacher_ctx.close()
    audits.assert_clean()
    board_audits.assert_clean()
    student.refresh_from_db()
    assert student.language == "es"
