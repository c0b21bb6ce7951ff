"""The practice loop through the real views, services and checker."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command

from curriculum.models import Course, Hint, Problem, Skill
from tutor.models import Attempt, HintReveal

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def first_problem(demo) -> Problem:
    return Problem.objects.get(skill__course=demo, skill__slug="integers", slug="add-negatives")


def test_course_page_shows_skills_with_progress(client, student, demo, first_problem):
    client.force_login(student)
    page = client.get(f"/courses/{demo.slug}/").content.decode()
    assert "Integer arithmetic" in page and "0 of 3 solved" in page
    client.post(f"/problems/{first_problem.pk}/answer/", {"answer": "5"}, **HTMX)
    assert "1 of 3 solved" in client.get(f"/courses/{demo.slug}/").content.decode()


def test_wrong_then_right_answer_are_stored_and_next_moves_on(client, student, first_problem):
    client.force_login(student)
    wrong = client.post(f"/problems/{first_problem.pk}/answer/", {"answer": "-5"}, **HTMX)
    assert wrong.status_code == 200 and "Not quite" in wrong.content.decode()
    right = client.post(f"/problems/{first_problem.pk}/answer/", {"answer": "5"}, **HTMX)
    body = right.content.decode()
    assert "Correct" in body and "Next problem" in body
    attempts = list(Attempt.objects.filter(learner=student).order_by("created_at", "id"))
    assert [a.verdict for a in attempts] == ["wrong", "correct"]
    assert attempts[1].raw_input == "5" and attempts[1].score == 1.0
    assert attempts[0].feedback_code and attempts[0].feedback
    # "Next" is now the first unsolved problem of the skill in order.
    response = client.get(f"/skills/{first_problem.skill_id}/practise/")
    assert (
        response.url == f"/problems/{first_problem.skill.problems.get(slug='multiply-signs').pk}/"
    )


def test_time_taken_is_measured_from_the_page(client, student, first_problem):
    client.force_login(student)
    page = client.get(f"/problems/{first_problem.pk}/").content.decode()
    started = page.split('name="started" value="')[1].split('"')[0]
    client.post(
        f"/problems/{first_problem.pk}/answer/", {"answer": "5", "started": started}, **HTMX
    )
    assert Attempt.objects.get().time_taken_ms is not None
    client.post(
        f"/problems/{first_problem.pk}/answer/", {"answer": "5", "started": "forged"}, **HTMX
    )
    assert Attempt.objects.order_by("-id").first().time_taken_ms is None


def test_hints_are_revealed_one_at_a_time_and_logged(client, student, first_problem):
    client.force_login(student)
    first = client.post(f"/problems/{first_problem.pk}/hint/", **HTMX).content.decode()
    assert "number line" in first and "12 steps" in first and "steps left" not in first
    second = client.post(f"/problems/{first_problem.pk}/hint/", **HTMX).content.decode()
    assert "steps left" in second and "last hint" in second
    assert HintReveal.objects.filter(learner=student, problem=first_problem).count() == 2
    # A third request reveals nothing more.
    client.post(f"/problems/{first_problem.pk}/hint/", **HTMX)
    assert HintReveal.objects.filter(learner=student).count() == 2
    client.post(f"/problems/{first_problem.pk}/answer/", {"answer": "5"}, **HTMX)
    assert Attempt.objects.get().hints_used == 2


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "7" * 10_000,
        "x" * 10_240,
        "5 +* / )(",
        "%$#@!",
        "__import__('os').system('id')",
        "\x00\x01",
    ],
)
def test_bad_input_gets_a_clear_message_and_is_stored_invalid(client, student, first_problem, raw):
    client.force_login(student)
    response = client.post(f"/problems/{first_problem.pk}/answer/", {"answer": raw}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    attempt = Attempt.objects.get()
    assert attempt.verdict == Attempt.Verdict.INVALID
    assert attempt.feedback and attempt.feedback in body.replace("&#x27;", "'").replace(
        "&quot;", '"'
    )
    assert len(attempt.raw_input) <= 10_000


def test_non_htmx_post_still_works(client, student, first_problem):
    client.force_login(student)
    response = client.post(f"/problems/{first_problem.pk}/answer/", {"answer": "5"}, follow=True)
    assert response.status_code == 200
    assert Attempt.objects.get().verdict == "correct"


def test_statement_is_rendered_for_katex_and_raw_html_is_escaped(client, student, first_problem):
    first_problem.statement = "Compute $-7 + 12$. <script>alert(1)</script>"
    first_problem.save()
    client.force_login(student)
    page = client.get(f"/problems/{first_problem.pk}/").content.decode()
    assert '<span class="math math-inline">\\(-7 + 12\\)</span>' in page
    assert "<script>alert(1)</script>" not in page


def test_join_class_with_code(client, other_student, demo):
    client.force_login(other_student)
    bad = client.post("/classes/join/", {"code": "NOPE"})
    assert bad.status_code == 200 and "No class has the code" in bad.content.decode()
    ok = client.post("/classes/join/", {"code": " trymath7 "})
    assert ok.status_code == 302
    assert other_student.enrollments.count() == 1


def test_skill_page_says_mastered_once_the_skill_is_mastered(client, student, demo):
    from tutor import adaptive, learning
    from tutor.models import LearnerProfile, LearnerSkill

    skill = Skill.objects.get(course=demo, slug="fractions")
    client.force_login(student)
    assert client.get(f"/skills/{skill.pk}/practise/").status_code == 302
    # Give the learner a long run of right answers on the skill through the engine itself.
    state = learning.learner_state(student)
    now = time.time()  # just practised: no review due yet
    for i in range(12):
        state = adaptive.update(
            state,
            learning.active_params(),
            adaptive.Attempt(str(student.pk), str(skill.pk), f"x{i}", True, now - 60 + i),
        )
    LearnerProfile.objects.create(user=student, state=state.globals_dict())
    s = state.skills[str(skill.pk)]
    LearnerSkill.objects.create(user=student, skill=skill, state=s.to_dict(), p_known=s.p_known)
    page = client.get(f"/skills/{skill.pk}/practise/")
    assert page.status_code == 200 and "mastered" in page.content.decode()


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo")
    counts = (
        Course.objects.count(),
        Skill.objects.count(),
        Problem.objects.count(),
        Hint.objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        Course.objects.count(),
        Skill.objects.count(),
        Problem.objects.count(),
        Hint.objects.count(),
    )
    out = capsys.readouterr().out
    assert "demo-student" in out and "tutor-demo" in out


def test_multiple_choice_problem_is_answered_by_choosing(client, student, demo):
    skill = Skill.objects.get(course=demo, slug="integers")
    problem = Problem.objects.create(
        skill=skill,
        slug="mc-sign",
        order=9,
        statement="Which is negative?",
        answer_spec={
            "kind": "multiple_choice",
            "key": ["b"],
            "options": {"choices": [{"id": "a", "text": "$3$"}, {"id": "b", "text": "$-3$"}]},
        },
    )
    client.force_login(student)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'type="radio" name="answer" value="b"' in page and 'id="answer-text"' not in page
    wrong = client.post(f"/problems/{problem.pk}/answer/", {"answer": "a"}, **HTMX)
    assert "Not quite" in wrong.content.decode()
    right = client.post(f"/problems/{problem.pk}/answer/", {"answer": "b"}, **HTMX)
    assert "Correct" in right.content.decode()


def test_scaffold_step_is_checked_once_revealed(client, student, demo, other_student):
    problem = Problem.objects.get(skill__course=demo, slug="two-step")
    Hint.objects.filter(problem=problem).delete()
    step = Hint.objects.create(
        problem=problem,
        order=0,
        kind="scaffold",
        text="First: what is $2x$?",
        answer_spec={"kind": "number", "key": ["8"]},
    )
    client.force_login(student)
    url = f"/problems/{problem.pk}/hints/{step.pk}/check/"
    assert client.post(url, {"answer": "8"}, **HTMX).status_code == 403  # not revealed yet
    shown = client.post(f"/problems/{problem.pk}/hint/", **HTMX).content.decode()
    assert "Check step" in shown
    assert "Right" in client.post(url, {"answer": "8"}, **HTMX).content.decode()
    assert "Right" not in client.post(url, {"answer": "7"}, **HTMX).content.decode()
    assert not Attempt.objects.exists()  # a step is not an attempt at the problem
    client.force_login(other_student)
    assert client.post(url, {"answer": "8"}, **HTMX).status_code == 403


def test_course_page_lists_the_students_assignments(client, student, teacher, demo):
    from tutor.models import Assignment, Classroom

    classroom = Classroom.objects.get(join_code="TRYMATH7")
    assignment = Assignment.objects.create(
        classroom=classroom, title="Signs homework", created_by=teacher
    )
    assignment.skills.add(Skill.objects.get(course=demo, slug="integers"))
    client.force_login(student)
    page = client.get(f"/courses/{demo.slug}/").content.decode()
    assert "Signs homework" in page
