""" "Explain this step" (issue 15): at the first wrong line of a student's working the tutor
is asked about that line with the student's lines in the prompt, through the real flow
(service -> Celery task on a real worker -> engine -> Redis stream -> websocket); the
explanation's own lines go through the step checker and are marked where they do not follow.
The built-in model (the default) works on from the student's last line that follows, and
says plainly when it cannot cover the problem."""

from __future__ import annotations

import json
import time

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings
from django.test import Client

from curriculum.models import Problem, Skill
from inference import engines, services
from inference.engines.local import STEP_NOTE_FROM_LINE
from inference.models import Generation
from inference.steps.stream import NOT_COVERED
from tests.inference.fake_openai import FakeOpenAI
from tests.inference.helpers import StreamReader, communicator, session_headers
from tutor import services as tutor_services

pytestmark = [pytest.mark.django_db(transaction=True)]

SPEC = {
    "kind": "equation",
    "key": ["x = 4"],
    "options": {
        "task": "solve",
        "allow_value_for_equation": True,
        "working": "allow",
        "work_start": "2x + 3 = 11",
    },
}


@pytest.fixture
def builtin_engine(settings):
    settings.TUTOR_ENGINE = "local"
    settings.TUTOR_MODEL_PATH = str(django_settings.BUILTIN_TUTOR_MODEL)
    settings.TUTOR_TORCH_THREADS = 1
    engines.reset_engine()
    yield settings
    engines.reset_engine()


@pytest.fixture
def problem(demo):
    p = Problem.objects.get(skill__course=demo, slug="two-step")  # Solve 2x + 3 = 11
    p.answer_spec = SPEC
    p.save()
    return p


def _finished(generation: Generation, timeout: float = 60) -> Generation:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        generation.refresh_from_db()
        if not generation.is_active:
            return generation
        time.sleep(0.05)
    raise AssertionError(f"generation {generation.pk} still {generation.status}")


def _wrong_working(student, problem, lines):
    attempt, _ = tutor_services.record_attempt(
        learner=student, problem=problem, raw_input="", working=lines
    )
    assert attempt.working["first_error"] is not None
    return attempt


def test_the_built_in_model_works_on_from_the_last_line_that_follows(
    builtin_engine, celery_worker_session, problem, student
):
    attempt = _wrong_working(student, problem, ["2x = 8", "x = 6"])  # 8 - 2, not 8 / 2
    assert attempt.working["first_error"] == 2
    generation = services.request_explanation(
        user=student, problem=problem, purpose="step", attempt=attempt
    )
    prompt = generation.prompt[-1]["content"]
    assert "1. 2x = 8  [✓]" in prompt and "2. x = 6  [✗]" in prompt
    assert "line 2 does not follow" in prompt
    generation = _finished(generation)
    assert generation.status == Generation.Status.DONE
    assert generation.text.startswith(STEP_NOTE_FROM_LINE)
    assert "$2x + 3" not in generation.text  # from the student's 2x = 8, not from the start
    report = generation.step_check
    assert report["lines"][0]["text"] == "2x = 8"  # the start: the student's last good line
    assert report["steps_ok"] and report["first_error"] is None
    assert [v["status"] for v in report["lines"][1:]] == ["ok"] * (len(report["lines"]) - 1)
    assert generation.answer_check == Generation.Check.AGREES and not generation.flagged
    assert generation.answer_check_detail.startswith("Checked: every step")


def test_uncovered_problem_is_said_plainly(builtin_engine, celery_worker_session, demo, student):
    skill = Skill.objects.filter(course=demo).first()
    problem = Problem.objects.create(
        skill=skill,
        slug="phone-plan-steps",
        statement="A phone plan costs $\\$12$ a month plus $\\$3$ per gigabyte. The bill was "
        "$\\$36$. How many gigabytes were used?",
        answer_spec={
            "kind": "equation",
            "key": ["g = 8"],
            "options": {"task": "solve", "working": "allow", "work_start": "12 + 3g = 36"},
        },
        order=99,
    )
    attempt = _wrong_working(student, problem, ["3g = 36 + 12", "g = 16"])
    generation = _finished(
        services.request_explanation(user=student, problem=problem, purpose="step", attempt=attempt)
    )
    assert generation.status == Generation.Status.DONE
    assert generation.text == NOT_COVERED
    assert generation.step_check is None and not generation.flagged


def test_the_explanations_own_steps_are_marked_where_they_do_not_follow(
    fake_server, settings, celery_worker_session, problem, student
):
    """A larger model (here a stand-in OpenAI-compatible server) that slips in its own
    explanation: the slip is marked ✗ on the page, the teacher is told."""
    _, url = fake_server
    settings.TUTOR_ENGINE, settings.TUTOR_REMOTE_URL = "remote", url
    FakeOpenAI.words = [
        "On your line 1 the 3 moved without changing its sign.\n",
        "Subtract 3 from both sides: $2x = 8$\n",
        "Divide by 2: $x = 5$\n",
        "\\boxed{x = 5}",
    ]
    engines.reset_engine()
    try:
        attempt = _wrong_working(student, problem, ["2x = 11 + 3", "x = 7"])
        generation = services.request_explanation(
            user=student, problem=problem, purpose="step", attempt=attempt
        )
        headers = session_headers(Client(), student)
        reader = StreamReader()

        async def read() -> None:
            comm = communicator(generation.pk, headers)
            assert (await comm.connect())[0]
            await comm.send_to(text_data=json.dumps({"action": "resume", "last": "0-0"}))
            while not reader.ended:
                try:
                    reader.feed(await comm.receive_from(timeout=30))
                except AssertionError:
                    break
            await comm.disconnect()

        async_to_sync(read)()
        generation = _finished(generation)
    finally:
        engines.reset_engine()
    sent = FakeOpenAI.requests[-1]["messages"][-1]["content"]
    assert "1. 2x = 11 + 3  [✗]" in sent and "Sign error" in sent  # the student's lines
    report = generation.step_check
    assert [v["text"] for v in report["lines"]] == ["2x + 3 = 11", "2x = 8", "x = 5"]
    assert [v["status"] for v in report["lines"]] == ["given", "ok", "wrong"]
    assert report["first_error"] == 2 and generation.flagged
    assert generation.answer_check == Generation.Check.DISAGREES
    assert "step 2 of this explanation does not follow" in generation.answer_check_detail
    end = reader.messages[-1]
    assert f'id="gen-{generation.pk}-steps"' in end and "work-wrong" in end
    assert "each checked against the line before" in end

    # A day later the stream has expired: the page replays the end, marks included, from the
    # database.
    services.redis_client().delete(f"gen:{generation.pk}")
    reader = StreamReader()
    async_to_sync(read)()
    end = reader.messages[-1]
    assert f'id="gen-{generation.pk}-steps"' in end and "work-wrong" in end


def test_only_a_wrong_step_of_ones_own_working_can_be_explained(
    builtin_engine, celery_worker_session, problem, student, other_student
):
    attempt = _wrong_working(student, problem, ["2x = 8", "x = 6"])
    right, _ = tutor_services.record_attempt(
        learner=student, problem=problem, raw_input="", working=["2x = 8", "x = 4"]
    )
    for who, which, why in (
        (other_student, attempt, "your own working"),
        (student, None, "your own working"),
        (student, right, "no step to explain"),
    ):
        with pytest.raises(services.ExplanationRefused, match=why):
            services.request_explanation(user=who, problem=problem, purpose="step", attempt=which)
    assert not Generation.objects.exists()


def test_the_button_sits_at_the_first_wrong_line(client, problem, student, settings):
    settings.TUTOR_ENGINE = "local"
    client.force_login(student)
    html = client.post(
        f"/problems/{problem.pk}/answer/",
        {"answer": "", "working": "2x = 8\nx = 6"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert html.count("Explain this step") == 1
    wrong = html[html.index("work-first-error") :]
    assert wrong.index("Explain this step") < wrong.index("</li>")  # inside the wrong line
    settings.TUTOR_ENGINE = ""
    html = client.post(
        f"/problems/{problem.pk}/answer/",
        {"answer": "", "working": "2x = 8\nx = 6"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "Explain this step" not in html  # no model configured: no button
