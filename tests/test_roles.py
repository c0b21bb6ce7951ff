"""Roles and rights: who sees what, anonymous users are sent to log in, every form has CSRF."""

from __future__ import annotations

import pytest
from django.test import Client

from tutor.models import Attempt, Classroom, User

pytestmark = pytest.mark.django_db


def _teacher_and_admin_urls(classroom: Classroom) -> list[str]:
    return [
        "/teach/",
        "/teach/classes/new/",
        f"/teach/classes/{classroom.pk}/",
        "/admin/",
        "/admin/tutor/attempt/",
        "/admin/curriculum/problem/",
    ]


def test_student_gets_403_on_another_students_data(client, student, other_student):
    client.force_login(other_student)
    assert client.get(f"/students/{student.pk}/attempts/").status_code == 403
    # Their own page works.
    assert client.get(f"/students/{other_student.pk}/attempts/").status_code == 200


def test_student_gets_403_on_every_teacher_and_admin_page(client, student):
    client.force_login(student)
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    for url in _teacher_and_admin_urls(classroom):
        assert client.get(url).status_code == 403, url
    assert client.post("/teach/classes/new/", {"name": "x"}).status_code == 403


def test_anonymous_users_are_sent_to_log_in(client, demo, student):
    problem = demo.skills.first().problems.first()
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    urls = [
        "/courses/",
        f"/courses/{demo.slug}/",
        f"/skills/{problem.skill_id}/practise/",
        f"/problems/{problem.pk}/",
        "/classes/join/",
        "/me/attempts/",
        f"/students/{student.pk}/attempts/",
        "/accounts/password_change/",
    ] + _teacher_and_admin_urls(classroom)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "login" in response.url, url
    response = client.post(f"/problems/{problem.pk}/answer/", {"answer": "5"})
    assert response.status_code == 302 and "login" in response.url
    assert Attempt.objects.count() == 0


def test_teacher_sees_own_class_and_students_only(client, teacher, student, other_student, demo):
    client.force_login(teacher)
    classroom = Classroom.objects.get(join_code="TRYMATH7")
    page = client.get(f"/teach/classes/{classroom.pk}/")
    assert page.status_code == 200 and "demo-student" in page.content.decode()
    assert client.get(f"/students/{student.pk}/attempts/").status_code == 200
    # A student outside the teacher's classes is not theirs to see.
    assert client.get(f"/students/{other_student.pk}/attempts/").status_code == 403
    # Another teacher cannot open this class.
    other = User.objects.create_user(username="t2", password="pw-t2-12345")
    from tutor import services

    services.make_teacher(user=other)
    client.force_login(other)
    assert client.get(f"/teach/classes/{classroom.pk}/").status_code in (403, 404)
    assert client.get(f"/students/{student.pk}/attempts/").status_code == 403
    assert "TRYMATH7" not in client.get("/teach/").content.decode()


def test_admin_sees_everything(client, admin_user_demo, student):
    client.force_login(admin_user_demo)
    assert client.get("/admin/").status_code == 200
    assert client.get(f"/students/{student.pk}/attempts/").status_code == 200
    assert client.get("/teach/").status_code == 200


def test_every_form_rejects_posts_without_csrf_token(student, teacher, demo):
    problem = demo.skills.first().problems.first()
    forms = {
        "/accounts/login/": ({"username": "demo-student", "password": "tutor-demo"}, None),
        "/accounts/signup/": (
            {"username": "z", "password1": "p-long-123", "password2": "p-long-123"},
            None,
        ),
        "/accounts/password_reset/": ({"email": "student@example.com"}, None),
        "/accounts/password_change/": ({"old_password": "tutor-demo"}, student),
        "/accounts/logout/": ({}, student),
        f"/problems/{problem.pk}/answer/": ({"answer": "5"}, student),
        f"/problems/{problem.pk}/hint/": ({}, student),
        "/classes/join/": ({"code": "TRYMATH7"}, student),
        "/teach/classes/new/": ({"name": "x", "course": demo.pk}, teacher),
    }
    for url, (data, user) in forms.items():
        csrf_client = Client(enforce_csrf_checks=True)
        if user is not None:
            csrf_client.force_login(user)
        assert csrf_client.post(url, data).status_code == 403, url
    assert Attempt.objects.count() == 0
    assert not User.objects.filter(username="z").exists()


def test_rendered_forms_carry_a_csrf_token(client, student, demo):
    client.force_login(student)
    problem = demo.skills.first().problems.first()
    for url in [f"/problems/{problem.pk}/", "/classes/join/", "/accounts/password_change/"]:
        assert 'name="csrfmiddlewaretoken"' in client.get(url).content.decode(), url
