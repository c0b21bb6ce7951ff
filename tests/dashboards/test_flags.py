""" "Needs help now": each reason, from real rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Problem
from inference.models import Generation
from tutor.dashboards.selectors import activity
from tutor.models import Attempt, Classroom

pytestmark = pytest.mark.django_db


def _attempt(student, problem, verdict: str, minutes_ago: float) -> Attempt:
    a = Attempt.objects.create(
        learner=student, problem=problem, raw_input="x", verdict=verdict, feedback_code=verdict
    )
    # created_at is auto_now_add: set the time afterwards.
    Attempt.objects.filter(pk=a.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return a


def _flags(student):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    return {f.kind: f.text for f in activity.needs_help(classroom, [student])}


def test_wrong_answers_in_a_row_on_one_skill(demo, student):
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    for minutes in (3, 2, 1):
        _attempt(student, problem, "wrong", minutes)
    assert _flags(student)["wrong_streak"] == "3 wrong answers in a row on Integer arithmetic"
    _attempt(student, problem, "correct", 0.5)
    assert "wrong_streak" not in _flags(student)


def test_an_unreadable_answer_does_not_break_the_run(demo, student):
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    for minutes, verdict in ((4, "wrong"), (3, "partial"), (2, "invalid"), (1, "wrong")):
        _attempt(student, problem, verdict, minutes)
    assert "3 wrong answers" in _flags(student)["wrong_streak"]


def test_idle_after_a_wrong_answer(demo, student):
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    _attempt(student, problem, "wrong", 8)
    assert _flags(student)["idle"] == "idle for 8 minutes after a wrong answer"
    _attempt(student, problem, "wrong", 2)  # working again
    assert "idle" not in _flags(student)


def test_idle_long_ago_is_no_longer_a_session(demo, student):
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    _attempt(student, problem, "wrong", 45)
    assert "idle" not in _flags(student)


def test_repeated_explanations_and_a_disagreeing_one(demo, student, client, teacher):
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    for check in ("agrees", "no_answer", "disagrees"):
        Generation.objects.create(
            user=student, problem=problem, purpose="explanation", engine="local", answer_check=check
        )
    flags = _flags(student)
    assert flags["explanations"] == "asked for 3 explanations in the last hour"
    assert flags["disagrees"] == "read an explanation that disagreed with the answer key"
    # The dashboard says it in words, next to the student's name.
    client.force_login(teacher)
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    html = client.get(reverse("classroom", args=[classroom.pk])).content.decode()
    assert "asked for 3 explanations in the last hour" in html
    assert 'Needs help now <span class="count">(2)</span>' in html
    assert 'class="flag-badge"' in html
    # The drill-down lists the explanations with their verdicts.
    html = client.get(reverse("classroom_student", args=[classroom.pk, student.pk])).content
    assert b"Disagrees with the answer key" in html and b"Agrees with the answer key" in html


def test_a_calm_class_has_no_flags(demo, student):
    problem = Problem.objects.get(skill__course=demo, slug="add-negatives")
    _attempt(student, problem, "correct", 1)
    assert _flags(student) == {}


def test_an_empty_class_renders(client, demo, teacher):
    from tutor import services

    classroom = services.create_classroom(teacher=teacher, name="Empty", course=demo)
    client.force_login(teacher)
    html = client.get(reverse("classroom", args=[classroom.pk])).content.decode()
    assert "No students yet. Share the join code." in html
    assert "Nobody seems stuck right now." in html
    response = client.get(reverse("classroom_export_attempts", args=[classroom.pk]))
    assert b"".join(response.streaming_content).count(b"\n") == 1  # the header only
