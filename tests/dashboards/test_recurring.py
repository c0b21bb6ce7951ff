"""The class dashboard flags an error several students make in their working (issue 15):
from the checker's stored marks, counted once per student, this class's students only, in a
bounded query; only the class's teacher (and admins) see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Problem
from tutor import services
from tutor.dashboards.selectors import activity, grid
from tutor.models import Attempt, Classroom, Enrollment, User

pytestmark = pytest.mark.django_db

INEQUALITY = {
    "kind": "inequality",
    "key": ["x > -3"],
    "options": {"task": "solve", "working": "allow", "work_start": "-2x + 1 < 7"},
}
NOT_REVERSED = ["-2x < 6", "x < -3"]  # divided by -2, kept the sign
SIGN_MOVE = ["-2x < 7 + 1", "x > -4"]


@pytest.fixture
def setting(demo, teacher):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    problem = Problem.objects.filter(skill__course=classroom.course_id).first()
    problem.answer_spec = INEQUALITY
    problem.save()
    other_class = services.create_classroom(
        teacher=services.create_teacher(username="t2", email="", password="pw-t2-12345"),
        name="Other class",
        course=classroom.course,
    )
    return classroom, other_class, problem


def _student(name: str, classroom: Classroom) -> User:
    user = services.make_student(
        user=User.objects.create_user(username=name, password="pw-123456789")
    )
    Enrollment.objects.create(classroom=classroom, student=user)
    return user


def _work(student: User, problem: Problem, lines: list[str]) -> Attempt:
    attempt, _ = services.record_attempt(
        learner=student, problem=problem, raw_input="", working=lines
    )
    return attempt


def _roster(classroom: Classroom) -> list[User]:
    return grid.roster(classroom)


def test_an_error_of_three_students_is_flagged_once_each(setting, student):
    classroom, other_class, problem = setting
    ann, bob, cy, dee = (_student(n, classroom) for n in ("ann", "bob", "cy", "dee"))
    for s in (ann, bob):
        _work(s, problem, NOT_REVERSED)
    _work(ann, problem, NOT_REVERSED)  # the same student again: still one student
    for s in (cy, dee):
        _work(s, problem, SIGN_MOVE)
    # Another class's student and an old working do not count.
    _work(_student("zed", other_class), problem, NOT_REVERSED)
    old = _work(student, problem, NOT_REVERSED)
    Attempt.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - activity.RECURRING_WINDOW - timedelta(hours=1)
    )
    assert {a.working["malrule"] for a in Attempt.objects.all()} == {
        "inequality_not_reversed",
        "sign_move",
    }
    assert activity.recurring_errors(classroom, _roster(classroom)) == []  # 2 and 2

    _work(student, problem, NOT_REVERSED)  # now three students, in the window
    found = activity.recurring_errors(classroom, _roster(classroom))
    assert [(e.malrule, e.students) for e in found] == [
        ("inequality_not_reversed", ["ann", "bob", "demo-student"])
    ]
    assert found[0].text == (
        "3 students keep the inequality sign when multiplying or dividing by a negative"
    )
    assert found[0].skills == [problem.skill.name]
    # the other class has one such student: below the bar there, and none of ours
    assert activity.recurring_errors(other_class, _roster(other_class)) == []
    assert [
        e.students
        for e in activity.recurring_errors(other_class, _roster(other_class), min_students=1)
    ] == [["zed"]]


def test_the_selector_is_one_query(setting, django_assert_num_queries):
    classroom, _, problem = setting
    for name in ("ann", "bob", "cy"):
        _work(_student(name, classroom), problem, NOT_REVERSED)
    roster = _roster(classroom)
    with django_assert_num_queries(1):
        assert len(activity.recurring_errors(classroom, roster)) == 1


def test_every_malrule_reads_as_a_sentence_for_teachers():
    from curriculum.answers.malrules import CODES

    assert set(activity.ERROR_PHRASES) == set(CODES)


def test_only_the_classs_teacher_sees_it_on_the_dashboard(client, setting, teacher, student):
    classroom, other_class, problem = setting
    for name in ("ann", "bob", "cy"):
        _work(_student(name, classroom), problem, NOT_REVERSED)
    url = reverse("classroom", args=[classroom.pk])
    client.force_login(teacher)
    html = client.get(url).content.decode()
    assert 'Recurring errors in working <span class="count">(1)</span>' in html
    assert "3 students keep the inequality sign when multiplying or dividing by a negative" in html
    assert "ann, bob, cy" in html
    # another teacher's dashboard shows their own class only, and ours is refused
    client.force_login(other_class.teacher)
    assert client.get(url).status_code == 403
    other = client.get(reverse("classroom", args=[other_class.pk])).content.decode()
    assert 'Recurring errors in working <span class="count">(0)</span>' in other
    assert "ann" not in other
    client.force_login(student)
    assert client.get(url).status_code == 403


def test_an_explanation_of_a_step_whose_own_lines_slip_is_flagged_once(setting, student):
    """'Explain this step' marks the tutor's own lines; one that does not follow flags the
    explanation (even when its final answer agrees), one flag per kind, not both."""
    from inference.models import Generation

    classroom, _, problem = setting
    for check, flagged in (("agrees", True), ("disagrees", True), ("agrees", False)):
        Generation.objects.create(
            user=student,
            problem=problem,
            purpose="step",
            engine="remote",
            answer_check=check,
            flagged=flagged,
        )
    flags = [f for f in activity.needs_help(classroom, [student]) if f.student_id == student.pk]
    kinds = sorted(f.kind for f in flags)
    assert kinds == ["disagrees", "explanations", "wrong_steps"]
    assert next(f.text for f in flags if f.kind == "wrong_steps") == (
        "read an explanation with a step that does not follow (marked for them)"
    )
