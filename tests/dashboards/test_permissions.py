"""The authorization matrix: every dashboard URL, export and websocket group, opened by
another teacher, by a student and anonymously, gives 403, a redirect or a closed socket, and
no data; the class's teacher and admins get in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from tests.dashboards.helpers import class_socket, ws_headers
from tutor import services
from tutor.models import Assignment, Attempt, Classroom, Enrollment

pytestmark = pytest.mark.django_db(transaction=True)

SECRET_ANSWER = "secret-answer-4711"


@pytest.fixture
def world(demo, teacher, student, admin_user_demo):
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    other_teacher = services.create_teacher(
        username="other-teacher", email="o@example.com", password="pw-other-teacher-1"
    )
    # The other teacher has a class of their own (with their own student).
    own = services.create_classroom(teacher=other_teacher, name="Other class", course=demo)
    their_student = services.make_student(
        user=type(student).objects.create_user(username="their-student", password="x")
    )
    Enrollment.objects.create(classroom=own, student=their_student)
    problem = demo.skills.first().problems.first()
    Attempt.objects.create(
        learner=student,
        problem=problem,
        raw_input=SECRET_ANSWER,
        verdict="wrong",
        feedback_code="wrong",
    )
    assignment = Assignment.objects.create(classroom=classroom, title="Homework 1")
    assignment.skills.set([problem.skill])
    return {
        "assignment": assignment,
        "classroom": classroom,
        "own": own,
        "teacher": teacher,
        "student": student,
        "admin": admin_user_demo,
        "other_teacher": other_teacher,
    }


def _class_urls(classroom, student, assignment) -> list[tuple[str, str, dict]]:
    c, s = classroom.pk, student.pk
    # Writes carry valid data, so a refusal is the rights check and not a form error.
    change = {
        "title": "Taken over",
        "skills": [assignment.skills.get().pk],
        "due_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    return [
        ("get", reverse("classroom", args=[c]), {}),
        ("get", reverse("classroom_roster", args=[c]), {}),
        ("get", reverse("classroom_student", args=[c, s]), {}),
        ("get", reverse("classroom_export_attempts", args=[c]), {}),
        ("get", reverse("classroom_export_mastery", args=[c]), {}),
        ("post", reverse("classroom_roster_remove", args=[c, s]), {}),
        ("post", reverse("classroom_new_code", args=[c]), {}),
        ("get", reverse("assignment_create", args=[c]), {}),
        ("post", reverse("assignment_create", args=[c]), change),
        ("get", reverse("assignment_edit", args=[c, assignment.pk]), {}),
        ("post", reverse("assignment_edit", args=[c, assignment.pk]), change),
        ("post", reverse("assignment_delete", args=[c, assignment.pk]), {}),
    ]


# Pages that list the class's students (the assignment form does not).
STUDENT_PAGES = {
    "classroom",
    "classroom_roster",
    "classroom_student",
    "classroom_export_attempts",
    "classroom_export_mastery",
}


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def _assert_no_data(body: str, world) -> None:
    body = body.replace("Log out (demo-student)", "")  # the student's own name in the menu
    assert SECRET_ANSWER not in body
    assert world["classroom"].join_code not in body
    assert "demo-student" not in body


@pytest.mark.parametrize("who", ["anonymous", "student", "other_teacher"])
def test_outsiders_get_403_or_a_redirect_and_no_data(world, who):
    client = Client()
    if who != "anonymous":
        client.force_login(world[who])
    for method, url, data in _class_urls(world["classroom"], world["student"], world["assignment"]):
        response = getattr(client, method)(url, data)
        body = _body(response)
        if who == "anonymous":
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url
        else:
            assert response.status_code == 403, (url, response.status_code)
        _assert_no_data(body, world)
    # Nothing changed: the student is still enrolled, the code is the same.
    assert Enrollment.objects.filter(
        classroom=world["classroom"], student=world["student"]
    ).exists()
    assert Classroom.objects.get(pk=world["classroom"].pk).join_code == "TRYMATH7"
    assignment = Assignment.objects.get()  # not deleted, edited, nor a second one made
    assert assignment.title == "Homework 1" and assignment.due_at is None
    assert list(assignment.skills.all()) == list(world["assignment"].skills.all())


@pytest.mark.parametrize("who", ["anonymous", "student"])
def test_teacher_pages_are_for_teachers(world, who):
    client = Client()
    if who != "anonymous":
        client.force_login(world[who])
    for url in (reverse("teach"), reverse("classroom_create")):
        response = client.get(url)
        assert response.status_code == (302 if who == "anonymous" else 403), url


def test_another_teacher_sees_only_their_own_class(world):
    client = Client()
    client.force_login(world["other_teacher"])
    body = client.get(reverse("teach")).content.decode()
    assert "Other class" in body and "Demo class" not in body
    # Their own class is fine, but a student who is not in it is not theirs to see.
    own = world["own"]
    assert client.get(reverse("classroom", args=[own.pk])).status_code == 200
    response = client.get(reverse("classroom_student", args=[own.pk, world["student"].pk]))
    assert response.status_code == 404
    _assert_no_data(_body(response), world)
    # Nor is the other class's assignment, reached through their own class's URLs.
    a = world["assignment"]
    assert client.get(reverse("assignment_edit", args=[own.pk, a.pk])).status_code == 404
    edit = client.post(reverse("assignment_edit", args=[own.pk, a.pk]), {"title": "Mine now"})
    assert edit.status_code == 404
    assert client.post(reverse("assignment_delete", args=[own.pk, a.pk])).status_code == 404
    assert Assignment.objects.get(pk=a.pk).title == "Homework 1"


@pytest.mark.parametrize("who", ["teacher", "admin"])
def test_the_teacher_and_admins_see_everything(world, who):
    client = Client()
    client.force_login(world[who])
    for method, url, _ in _class_urls(world["classroom"], world["student"], world["assignment"]):
        if method == "post":
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        if resolve(url).url_name in STUDENT_PAGES:
            assert "demo-student" in _body(response), url
    assert "Homework 1" in _body(client.get(reverse("classroom", args=[world["classroom"].pk])))
    assert SECRET_ANSWER in _body(
        client.get(reverse("classroom_export_attempts", args=[world["classroom"].pk]))
    )


def test_the_teacher_removes_a_student(world):
    client = Client()
    client.force_login(world["teacher"])
    url = reverse("classroom_roster_remove", args=[world["classroom"].pk, world["student"].pk])
    response = client.post(url)
    assert response.status_code == 302
    assert not Enrollment.objects.filter(classroom=world["classroom"]).exists()
    assert Attempt.objects.filter(learner=world["student"]).exists()  # their work is kept
    assert "no longer in Demo class" in client.get(response["Location"]).content.decode()
    assert client.get(url).status_code == 405  # removal is a POST


async def _try_socket(classroom_id: int, user) -> tuple[bool, object]:
    headers = await sync_to_async(ws_headers)(user)
    comm = class_socket(classroom_id, headers)
    connected, code = await comm.connect(timeout=5)
    if connected:
        await comm.disconnect()
    return connected, code


@pytest.mark.parametrize("who", ["anonymous", "student", "other_teacher"])
async def test_outsiders_sockets_are_closed(world, who):
    user = None if who == "anonymous" else world[who]
    connected, code = await _try_socket(world["classroom"].pk, user)
    assert not connected and code == 4403


async def test_a_missing_class_closes_the_socket(world):
    connected, code = await _try_socket(999_999, world["admin"])
    assert not connected and code == 4403


@pytest.mark.parametrize("who", ["teacher", "admin"])
async def test_the_teacher_and_admins_connect(world, who):
    connected, _ = await _try_socket(world["classroom"].pk, world[who])
    assert connected
