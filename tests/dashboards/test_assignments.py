"""Assignments: the teacher's form (validation, CSRF), progress on the class dashboard, edit and
delete, and the student's own list. Real rows throughout; the rights are in test_permissions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Course, Problem, Skill
from tutor import selectors
from tutor.adaptive.model import SkillState
from tutor.models import Assignment, Attempt, Classroom, Enrollment, LearnerSkill, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def classroom(demo) -> Classroom:
    return Classroom.objects.get(join_code="TRYMATH7")


@pytest.fixture
def teacher_client(teacher) -> Client:
    client = Client()
    client.force_login(teacher)
    return client


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _master(student: User, skill: Skill) -> None:
    now = timezone.now().timestamp()
    state = SkillState(
        p_known=0.99,
        n=6,
        wins=6,
        last_t=now,
        stability=60.0,
        mastered_t=now,
        solved=[f"p{k}" for k in range(6)],  # mastery needs evidence (issue 14)
    )
    LearnerSkill.objects.update_or_create(
        user=student, skill=skill, defaults={"state": state.to_dict(), "p_known": 0.99}
    )


def _answer(student: User, problem: Problem, verdict: str, at) -> None:
    attempt = Attempt.objects.create(
        learner=student, problem=problem, raw_input="x", verdict=verdict, feedback_code=verdict
    )
    Attempt.objects.filter(pk=attempt.pk).update(created_at=at)  # auto_now_add otherwise


def test_the_teacher_creates_an_assignment_with_csrf(demo, teacher, classroom):
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)
    url = reverse("assignment_create", args=[classroom.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    skills = list(Skill.objects.filter(course=demo).order_by("order", "id"))
    problem = Problem.objects.filter(skill__course=demo).first()
    assert all(s.name in html for s in skills)
    due = timezone.now() + timedelta(days=3)
    data = {
        "title": "Week 1",
        "skills": [skills[0].pk, skills[1].pk],
        "problems": [problem.pk],
        "due_at": _local(due),
    }
    assert client.post(url, data).status_code == 403  # no CSRF token
    assert not Assignment.objects.exists()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert assignment.classroom == classroom and assignment.created_by == teacher
    assert set(assignment.skills.all()) == {skills[0], skills[1]}
    assert list(assignment.problems.all()) == [problem]
    assert abs(assignment.due_at - due) < timedelta(minutes=1)
    board = client.get(response["Location"]).content.decode()
    assert "Assigned “Week 1”" in board and "0 of 1</strong> student done" in board


def test_the_form_says_what_is_wrong(demo, teacher_client, classroom):
    url = reverse("assignment_create", args=[classroom.pk])
    other = Course.objects.create(slug="other-course", title="Other course")
    foreign = Skill.objects.create(course=other, slug="foreign", name="Foreign skill")
    cases = [
        ({"title": "T"}, "Choose at least one skill or problem to assign."),
        ({"title": "", "skills": [foreign.pk]}, "This field is required."),
        ({"title": "T", "skills": [foreign.pk]}, "is not one of the available choices"),
        (
            {
                "title": "T",
                "problems": [Problem.objects.filter(skill__course=demo)[0].pk],
                "due_at": _local(timezone.now() - timedelta(days=1)),
            },
            "The due date must be in the future.",
        ),
        ({"title": "T", "skills": [foreign.pk + 999]}, "is not one of the available choices"),
        ({"title": "T", "problems": ["abc"]}, "is not a valid value"),
        ({"title": "T", "problems": [1], "due_at": "soon"}, "Enter a date and time"),
    ]
    for data, message in cases:
        response = teacher_client.post(url, data)
        assert response.status_code == 200, data
        html = response.content.decode()
        assert message in html, (data, message)
        assert 'role="alert"' in html
    assert not Assignment.objects.exists()
    assert "Foreign skill" not in teacher_client.get(url).content.decode()


def test_progress_per_student_and_summary(demo, teacher, teacher_client, classroom, student):
    now = timezone.now()
    skills = list(Skill.objects.filter(course=demo).order_by("order", "id"))
    p1, p2 = Problem.objects.filter(skill__course=demo).order_by("id")[:2]
    second = User.objects.create_user(username="second-student", password="x")
    Enrollment.objects.create(classroom=classroom, student=second)
    due = now - timedelta(hours=1)  # already past: late work does not count
    past = Assignment.objects.create(classroom=classroom, title="Past one", due_at=due)
    past.skills.set([skills[0]])
    past.problems.set([p1, p2])
    open_ = Assignment.objects.create(classroom=classroom, title="Open one", due_at=None)
    open_.problems.set([p2])
    # demo-student: mastered the skill, p1 right before the due time, p2 right only after it.
    _master(student, skills[0])
    _answer(student, p1, "wrong", due - timedelta(hours=3))
    _answer(student, p1, "correct", due - timedelta(hours=2))
    _answer(student, p2, "correct", due + timedelta(minutes=10))
    # second-student: everything before the due time.
    _master(second, skills[0])
    _answer(second, p1, "correct", due - timedelta(hours=2))
    _answer(second, p2, "correct", due - timedelta(minutes=5))

    response = teacher_client.get(reverse("classroom", args=[classroom.pk]))
    board = response.context["board"]
    by_title = {a.assignment.title: a for a in board.assignments}
    past_p = {p.student.username: p for p in by_title["Past one"].students}
    assert (past_p["demo-student"].done_items, past_p["demo-student"].total) == (2, 3)
    assert past_p["demo-student"].overdue and not past_p["demo-student"].done
    assert past_p["second-student"].done and not past_p["second-student"].overdue
    assert (by_title["Past one"].done_count, by_title["Past one"].overdue_count) == (1, 1)
    # With no due date, a correct answer at any time counts.
    assert by_title["Open one"].done_count == 2 and by_title["Open one"].overdue_count == 0
    assert [a.assignment.title for a in board.assignments] == ["Past one", "Open one"]
    html = response.content.decode()
    assert "1 overdue" in html and "past due" in html
    # The table by student: a row each, a cell per assignment, the status in words.
    rows = dict(board.assignment_rows)
    assert rows[student] == (
        '<td class="status-overdue">2 of 3: Overdue</td><td class="status-done">1 of 1: Done</td>'
    )
    assert rows[second] == (
        '<td class="status-done">3 of 3: Done</td><td class="status-done">1 of 1: Done</td>'
    )
    assert "2 of 3: Overdue" in html
    # The grid and the assignment agree on what "mastered" means.
    row = next(r for r in board.rows if r.student == student)
    assert next(c for c in row.cells if c.skill_id == skills[0].pk).level.key == "mastered"


def test_edit_and_delete(demo, teacher_client, classroom, student):
    skills = list(Skill.objects.filter(course=demo).order_by("order", "id"))
    a = Assignment.objects.create(
        classroom=classroom, title="Draft", due_at=timezone.now() - timedelta(days=1)
    )
    a.skills.set([skills[0]])
    url = reverse("assignment_edit", args=[classroom.pk, a.pk])
    form = teacher_client.get(url).content.decode()
    assert 'value="Draft"' in form and "checked" in form
    # Keeping a due date that has passed is allowed on edit; only a new past date is refused.
    response = teacher_client.post(
        url,
        {"title": "Final", "skills": [skills[1].pk], "due_at": _local(a.due_at)},
    )
    assert response.status_code == 302, response.content.decode()
    a.refresh_from_db()
    assert a.title == "Final" and list(a.skills.all()) == [skills[1]]
    _answer(student, Problem.objects.filter(skill__course=demo)[0], "correct", timezone.now())
    assert (
        teacher_client.get(reverse("assignment_delete", args=[classroom.pk, a.pk])).status_code
        == 405
    )  # deleting is a POST
    response = teacher_client.post(reverse("assignment_delete", args=[classroom.pk, a.pk]))
    assert response.status_code == 302
    assert not Assignment.objects.exists()
    assert Attempt.objects.filter(learner=student).exists()  # the student's work is kept
    assert "Deleted “Final”" in teacher_client.get(response["Location"]).content.decode()


def test_another_class_assignment_is_not_found_through_my_class(demo, teacher, classroom):
    mine = Classroom.objects.create(teacher=teacher, name="Second class", course=demo)
    a = Assignment.objects.create(classroom=classroom, title="Theirs")
    a.skills.set(Skill.objects.filter(course=demo)[:1])
    client = Client()
    client.force_login(teacher)
    assert client.get(reverse("assignment_edit", args=[mine.pk, a.pk])).status_code == 404
    assert client.post(reverse("assignment_delete", args=[mine.pk, a.pk])).status_code == 404
    assert Assignment.objects.filter(pk=a.pk).exists()


def test_the_student_sees_their_assignments(demo, classroom, student, other_student):
    now = timezone.now()
    skills = list(Skill.objects.filter(course=demo).order_by("order", "id"))
    p1 = Problem.objects.filter(skill__course=demo).order_by("id")[0]
    soon = Assignment.objects.create(
        classroom=classroom, title="Soon", due_at=now + timedelta(days=1)
    )
    soon.skills.set(skills[:2])
    soon.problems.set([p1])
    late = Assignment.objects.create(
        classroom=classroom, title="Late", due_at=now - timedelta(days=1)
    )
    late.problems.set([p1])
    _master(student, skills[0])
    _answer(student, p1, "correct", now - timedelta(minutes=1))
    with CaptureQueriesContext(connection) as queries:
        mine = selectors.assignments_for_student(student)
    assert len(queries) <= 7  # 6, and 1 more where this process has not loaded the parameters
    assert [a.assignment.title for a in mine] == ["Late", "Soon"]
    late_a, soon_a = mine
    assert late_a.overdue and late_a.done_items == 0  # answered after the due time
    assert (soon_a.done_items, soon_a.total, soon_a.overdue) == (2, 3, False)
    assert [done for _, done in soon_a.items] == [True, False, True]
    assert selectors.assignments_for_student(other_student) == []  # not in the class
    other = Course.objects.create(slug="other-course", title="Other course")
    assert len(selectors.assignments_for_student(student, course=demo)) == 2
    assert selectors.assignments_for_student(student, course=other) == []
    html = render_to_string("tutor/_assignments.html", {"assignments": mine})
    assert "Soon" in html and "2 of 3 done" in html and "overdue" in html
    assert reverse("practise_skill", args=[skills[1].pk]) in html
    assert reverse("problem", args=[p1.pk]) in html
    assert render_to_string("tutor/_assignments.html", {"assignments": []}).strip() == ""
