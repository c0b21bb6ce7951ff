"""In Chromium, with `make run`'s default configuration (no TUTOR_ENGINE, no TUTOR_MODEL_PATH): the
built-in tutor model explains a demo problem live, math typeset by KaTeX, and the explanation ends
checked against the answer key."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from curriculum.models import Problem
from inference import engines
from inference.models import Generation
from tests.browser_helpers import log_in

pytestmark = [pytest.mark.browser]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def default_engine(settings):
    """The settings a fresh `make run` has: the defaults of config/settings.py."""
    settings.TUTOR_ENGINE = "local"
    settings.TUTOR_MODEL_PATH = str(django_settings.BUILTIN_TUTOR_MODEL)
    settings.TUTOR_TORCH_THREADS = 1
    engines.reset_engine()
    yield settings
    engines.reset_engine()


def test_built_in_model_explains_live_and_is_checked(
    page, default_engine, live_daphne, celery_worker_session, demo, student
):
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    log_in(page, live_daphne)
    page.goto(f"{live_daphne}/problems/{problem.pk}/")

    page.get_by_role("button", name="Explain step by step").click()
    # The page names the model that answers.
    assert "built-in tutor model" in page.locator(".gen-model").inner_text()
    page.wait_for_function(
        "() => document.querySelectorAll('.gen-answer .katex').length >= 2", timeout=60_000
    )
    check = page.locator(".gen-check")
    check.wait_for(timeout=60_000)
    assert "agrees with the answer key" in check.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "built-in-tutor-explanation.png"), full_page=True)

    generation = Generation.objects.get(user=student)
    assert generation.status == Generation.Status.DONE
    assert generation.answer_check == Generation.Check.AGREES
    assert generation.final_answer == "5"
    assert "built-in tutor model" in generation.model_name
    shown = page.locator(".gen-answer").inner_text()
    assert "Answer" in shown and "\\boxed" not in shown  # typeset, not raw LaTeX
