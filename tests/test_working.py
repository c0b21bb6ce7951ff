"""A student's working stored with the attempt (issue 15): each line checked against the one
before, from the problem's start, through the checker pool; nothing typed is lost."""

from __future__ import annotations

import pytest

from curriculum.models import Problem
from tutor import services
from tutor.models import Attempt

pytestmark = pytest.mark.django_db

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
def problem(demo):
    p = Problem.objects.get(skill__course=demo, slug="two-step")
    p.answer_spec = SPEC
    p.save()
    return p


def test_working_is_checked_and_stored_with_the_attempt(student, problem):
    attempt, result = services.record_attempt(
        learner=student, problem=problem, raw_input="", working=["2x = 11 + 3", "x = 7"]
    )
    attempt.refresh_from_db()
    w = attempt.working
    assert w["typed"] == ["2x = 11 + 3", "x = 7"] and w["start"] == "2x + 3 = 11"
    assert [line["status"] for line in w["lines"]] == ["given", "wrong", "ok"]
    assert w["first_error"] == 1 and w["malrule"] == "sign_move"
    assert "changing its sign" in w["lines"][1]["message"]
    # no final answer typed: the last line is the answer
    assert attempt.raw_input == "x = 7" and attempt.verdict == Attempt.Verdict.WRONG

    attempt, result = services.record_attempt(
        learner=student,
        problem=problem,
        raw_input="x = 4",
        working=["2x = 11 - 3", "2x = 8", "x = 4"],
    )
    attempt.refresh_from_db()
    assert result.correct and attempt.working["correct"] is True
    assert attempt.working["first_error"] is None


def test_unreadable_or_too_long_working_is_kept_as_typed(student, problem):
    lines = ["2x = 8", "then halve it", "x = 4"]
    attempt, _ = services.record_attempt(
        learner=student, problem=problem, raw_input="x = 4", working=lines
    )
    w = attempt.working
    assert w["typed"] == lines
    assert [line["status"] for line in w["lines"]] == ["given", "ok", "unreadable", "ok"]
    many = [f"x = {i}" for i in range(40)]
    attempt, _ = services.record_attempt(
        learner=student, problem=problem, raw_input="x = 4", working=many
    )
    assert attempt.working["typed"] == many and "Too many lines" in attempt.working["error"]


def test_an_attempt_without_working_stores_none(student, problem):
    attempt, _ = services.record_attempt(learner=student, problem=problem, raw_input="4")
    assert attempt.working is None


def test_the_problem_page_has_a_work_area_and_the_verdict_shows_the_marks(client, student, problem):
    client.force_login(student)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert 'name="working"' in page and "Show your working" in page
    r = client.post(
        f"/problems/{problem.pk}/answer/",
        {"answer": "x = 7", "working": "2x = 11 + 3\nx = 7"},
        HTTP_HX_REQUEST="true",
    )
    html = r.content.decode()
    assert "Your working" in html and "✗" in html and "changing its sign" in html
    r = client.post(
        f"/problems/{problem.pk}/answer/",
        {"answer": "x = 4", "working": "2x = 11 - 3\r\n2x = 8\r\nx = 4"},
        HTTP_HX_REQUEST="true",
    )
    html = r.content.decode()
    assert "Correct" in html and html.count("✓") >= 3 and "✗" not in html
    assert Attempt.objects.filter(learner=student, problem=problem).latest("id").working["correct"]


def test_no_work_area_where_the_author_turned_it_off(client, student, problem):
    problem.answer_spec = {**SPEC, "options": {**SPEC["options"], "working": "off"}}
    problem.save()
    client.force_login(student)
    assert 'name="working"' not in client.get(f"/problems/{problem.pk}/").content.decode()


def test_the_teachers_drill_down_shows_the_working_with_its_marks(
    client, student, teacher, problem
):
    from tutor.models import Classroom

    classroom = Classroom.objects.get(join_code="TRYMATH7")
    services.record_attempt(
        learner=student, problem=problem, raw_input="x = 7", working=["2x = 11 + 3", "x = 7"]
    )
    client.force_login(teacher)
    html = client.get(f"/teach/classes/{classroom.pk}/students/{student.pk}/").content.decode()
    assert "Working: wrong from line 1 (sign_move)" in html
    assert "changing its sign" in html and "✗" in html


def test_the_work_area_reads_each_line_back_as_the_student_types(client, student, problem):
    client.force_login(student)
    page = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "working/preview/" in page  # the text area asks for the preview as it changes
    r = client.post(
        f"/problems/{problem.pk}/working/preview/",
        {"working": "2x = 11 - 3\n\n2x = 8 +\nx = 4"},
        HTTP_HX_REQUEST="true",
    )
    html = r.content.decode()
    assert r.status_code == 200 and html.count("<li") == 3  # the blank line left out
    assert r"\(2 \, x = 11 - 3\)" in html and "ends too early" in html


def test_stored_working_is_bounded(student, problem):
    huge = ["x = " + "1" * 9000] * 50
    attempt, _ = services.record_attempt(
        learner=student, problem=problem, raw_input="x = 4", working=huge
    )
    typed = attempt.working["typed"]
    assert len(typed) == 50 and sum(map(len, typed)) == services.MAX_STORED_INPUT
    assert attempt.working["error"]  # too long to check: kept, not judged
