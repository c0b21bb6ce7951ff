"""The built-in tutor model through the real flow (services -> Celery task on a real worker ->
engine -> Generation row), with the settings of a fresh `make run`: a next-step hint from where
the student is, never the answer; a plain sentence for a problem it does not cover."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from curriculum.models import Problem, Skill
from inference import engines, services
from inference.models import Generation
from inference.steps.stream import NOT_COVERED
from inference.verify import reveals_answer
from tutor.models import Attempt

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def builtin_engine(settings):
    settings.TUTOR_ENGINE = "local"
    settings.TUTOR_MODEL_PATH = str(django_settings.BUILTIN_TUTOR_MODEL)
    settings.TUTOR_TORCH_THREADS = 1
    engines.reset_engine()
    yield settings
    engines.reset_engine()


@pytest.mark.skipif(
    bool(os.environ.get("TUTOR_ENGINE") or os.environ.get("TUTOR_MODEL_PATH")),
    reason="the environment chooses another model",
)
def test_defaults_serve_the_built_in_model():
    """What a fresh `make run` gets with no TUTOR_* variables (CI sets none)."""
    assert django_settings.TUTOR_ENGINE == "local"
    assert Path(django_settings.TUTOR_MODEL_PATH) == django_settings.BUILTIN_TUTOR_MODEL
    assert (django_settings.BUILTIN_TUTOR_MODEL / "config.json").exists()


def _finished(generation: Generation, timeout: float = 60) -> Generation:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        generation.refresh_from_db()
        if not generation.is_active:
            return generation
        time.sleep(0.05)
    raise AssertionError(f"generation {generation.pk} still {generation.status}")


def test_hint_from_the_students_own_step(builtin_engine, celery_worker_session, demo, student):
    problem = Problem.objects.get(skill__course=demo, slug="two-step")  # Solve 2x + 3 = 11
    Attempt.objects.create(
        learner=student, problem=problem, raw_input="2x = 8", verdict="wrong", feedback_code="wrong"
    )
    generation = services.request_explanation(user=student, problem=problem, purpose="hint")
    generation = _finished(generation)
    assert generation.status == Generation.Status.DONE
    assert generation.answer_check == Generation.Check.HIDDEN
    assert generation.shown_text.startswith("Next step: ")
    assert "divide" in generation.shown_text.lower()  # from 2x = 8, not from the start
    assert not reveals_answer(generation.shown_text, problem.answer_spec)
    assert "built-in tutor model" in generation.model_name


def test_uncovered_problem_gets_a_plain_sentence(
    builtin_engine, celery_worker_session, demo, student
):
    skill = Skill.objects.filter(course=demo).first()
    problem = Problem.objects.create(
        skill=skill,
        slug="phone-plan",
        statement="A phone plan costs $\\$12$ a month plus $\\$3$ per gigabyte. The bill was "
        "$\\$36$. How many gigabytes were used?",
        answer_spec={"kind": "number", "key": ["8"]},
        order=99,
    )
    generation = _finished(
        services.request_explanation(user=student, problem=problem, purpose="explanation")
    )
    assert generation.status == Generation.Status.DONE
    assert generation.text == NOT_COVERED
    assert generation.answer_check == Generation.Check.UNCHECKED
    assert not generation.flagged
