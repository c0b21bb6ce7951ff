"""In Chromium with the default model (the built-in one): a student's working is marked wrong
at its second line, "Explain this step" there streams the tutor's own working on from the
student's last line that follows, and those lines come back typeset with the step checker's
marks (issue 15)."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from curriculum.models import Problem
from inference import engines
from inference.models import Generation
from tests.browser_helpers import log_in
from tests.inference.test_explain_step import SPEC

pytestmark = [pytest.mark.browser]


@pytest.fixture
def default_engine(settings):
    settings.TUTOR_ENGINE = "local"
    settings.TUTOR_MODEL_PATH = str(django_settings.BUILTIN_TUTOR_MODEL)
    settings.TUTOR_TORCH_THREADS = 1
    engines.reset_engine()
    yield settings
    engines.reset_engine()


def test_explain_this_step_streams_checked_lines(
    page, default_engine, live_daphne, celery_worker_session, demo, student
):
    problem = Problem.objects.get(skill__course=demo, slug="two-step")
    problem.answer_spec = SPEC
    problem.save()
    log_in(page, live_daphne)
    page.goto(f"{live_daphne}/problems/{problem.pk}/")
    page.get_by_text("Show your working").click()
    page.locator("#working-text").fill("2x = 8\nx = 6")
    page.locator("#answer-text").fill("x = 6")
    page.get_by_role("button", name="Check answer").click()
    wrong = page.locator("#verdict .work-first-error")
    wrong.wait_for()
    wrong.get_by_role("button", name="Explain this step").click()

    panel = page.locator("#tutor-panel .explanation")
    panel.wait_for()
    assert "Explain this step" in panel.locator("h2").inner_text()
    steps = page.locator("#tutor-panel .gen-steps .work-line")
    steps.last.wait_for(timeout=60_000)
    page.locator("#tutor-panel .gen-steps .katex").first.wait_for()  # typeset
    assert page.locator("#tutor-panel .gen-steps .work-wrong").count() == 0
    assert page.locator("#tutor-panel .gen-steps .work-ok").count() >= 1
    assert "from your last line that follows" in panel.locator(".gen-answer").inner_text()
    assert "every step of this explanation follows" in panel.locator(".gen-check").inner_text()
    generation = Generation.objects.get(user=student)
    assert generation.purpose == "step" and generation.attempt.working["first_error"] == 2
