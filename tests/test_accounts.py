"""Sign up, log in, log out, password change and reset, with Django's auth."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tutor.models import STUDENT_GROUP, User

pytestmark = pytest.mark.django_db


def test_sign_up_makes_a_student_and_logs_in(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "email": "n@example.com",
            "password1": "a-long-pass-42",
            "password2": "a-long-pass-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.groups.filter(name=STUDENT_GROUP).exists()
    assert client.get("/courses/").status_code == 200


def test_sign_up_errors_are_shown_and_nothing_is_created(client):
    response = client.post(
        "/accounts/signup/", {"username": "x", "password1": "abc", "password2": "abd"}
    )
    assert response.status_code == 200
    assert (
        "didn’t match" in response.content.decode() or "didn't match" in response.content.decode()
    )
    assert not User.objects.filter(username="x").exists()


def test_login_and_logout(client, student):
    response = client.post(
        "/accounts/login/", {"username": "demo-student", "password": "tutor-demo"}
    )
    assert response.status_code == 302
    assert client.get("/courses/").status_code == 200
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert client.get("/courses/").status_code == 302


def test_wrong_password_is_refused(client, student):
    response = client.post("/accounts/login/", {"username": "demo-student", "password": "nope"})
    assert response.status_code == 200
    assert "enter a correct username and password" in response.content.decode()


def test_password_change(client, student):
    client.force_login(student)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": "tutor-demo",
            "new_password1": "brand-new-pass-7",
            "new_password2": "brand-new-pass-7",
        },
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.check_password("brand-new-pass-7")


def test_password_reset_by_email(client, student):
    response = client.post("/accounts/password_reset/", {"email": "student@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(
        form_url, {"new_password1": "reset-pass-999", "new_password2": "reset-pass-999"}
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.check_password("reset-pass-999")


def test_create_teacher_command(db):
    from django.core.management import call_command

    call_command(
        "create_teacher", "mrs-k", "--password", "teach-pass-42", "--email", "k@example.com"
    )
    user = User.objects.get(username="mrs-k")
    assert user.is_teacher and user.check_password("teach-pass-42")
