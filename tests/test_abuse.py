"""Abuse limits and hardening: log-in throttling per account and per address (site and admin),
join-code guessing, sign-ups, security headers, /healthz details, `check --deploy`, and
nesting limits for curriculum packages. Real Redis (the cache), real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from curriculum.package import MAX_NESTING, PackageError, read_package
from tutor.models import Enrollment, User

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[1]


def _login(client: Client, username: str, password: str, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_login_locks_an_account_after_failures_even_with_the_right_password(student, settings):
    settings.TUTOR_LOGIN_FAILURES_PER_ACCOUNT = 5
    client = Client()
    for _ in range(5):
        response = _login(client, "demo-student", "wrong-password")
        assert response.status_code == 200 and not _logged_in(client)
    response = _login(client, "demo-student", "tutor-demo")
    assert response.status_code == 429 and not _logged_in(client)
    page = response.content.decode()
    assert "Too many failed log-ins for this account" in page and "minutes" in page
    # The typed username stays in the form.
    assert 'value="demo-student"' in page
    # Usernames differ only in case: still the same account.
    assert _login(Client(), "DEMO-STUDENT", "tutor-demo").status_code == 429
    # Another account from the same address is not locked by this one.
    other = Client()
    assert _login(other, "demo-teacher", "tutor-demo").status_code == 302
    assert _logged_in(other)


def test_login_limited_per_address_and_forwarded_for_is_not_trusted_by_default(demo, settings):
    settings.TUTOR_LOGIN_FAILURES_PER_ADDRESS = 6
    client = Client()
    for i in range(6):  # a different account each time: the account limit never trips
        _login(client, f"guess-{i}", "x", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    response = _login(client, "demo-teacher", "tutor-demo", HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429 and not _logged_in(client)
    assert "your network address" in response.content.decode()
    # Another address is unaffected.
    elsewhere = Client(REMOTE_ADDR="203.0.113.7")
    assert _login(elsewhere, "demo-teacher", "tutor-demo").status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(demo, settings):
    settings.TUTOR_LOGIN_FAILURES_PER_ADDRESS = 3
    settings.TRUST_X_FORWARDED_FOR = True
    client = Client()
    for i in range(3):
        _login(client, f"guess-{i}", "x", HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.1")
    blocked = _login(client, "demo-teacher", "tutor-demo", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert blocked.status_code == 429
    other = _login(client, "demo-teacher", "tutor-demo", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302


def test_admin_login_is_throttled_too(admin_user_demo, settings):
    settings.TUTOR_LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for _ in range(3):
        client.post("/admin/login/", {"username": "demo-admin", "password": "nope"})
    response = client.post("/admin/login/", {"username": "demo-admin", "password": "tutor-demo"})
    assert not _logged_in(client)
    assert "Too many failed log-ins" in response.content.decode()


def test_join_code_guessing_is_limited(demo, other_student, settings):
    settings.TUTOR_JOIN_FAILURES_PER_HOUR = 4
    client = Client()
    client.force_login(other_student)
    for i in range(4):
        response = client.post("/classes/join/", {"code": f"WRONG{i:03d}"})
        assert response.status_code == 200
    # Even the right code is refused now: guessing cannot go on.
    response = client.post("/classes/join/", {"code": "TRYMATH7"})
    assert response.status_code == 429
    assert "Too many wrong class codes" in response.content.decode()
    assert not Enrollment.objects.filter(student=other_student).exists()


def test_signups_are_limited_per_address(db, settings):
    settings.TUTOR_SIGNUPS_PER_HOUR_PER_ADDRESS = 2
    for i in range(2):
        response = Client().post(
            "/accounts/signup/",
            {"username": f"kid{i}", "password1": "a-long-pass-123", "password2": "a-long-pass-123"},
        )
        assert response.status_code == 302
    response = Client().post(
        "/accounts/signup/",
        {"username": "kid9", "password1": "a-long-pass-123", "password2": "a-long-pass-123"},
    )
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many accounts" in page and 'value="kid9"' in page
    assert not User.objects.filter(username="kid9").exists()
    # Another address may still sign up.
    response = Client(REMOTE_ADDR="203.0.113.9").post(
        "/accounts/signup/",
        {"username": "kid9", "password1": "a-long-pass-123", "password2": "a-long-pass-123"},
    )
    assert response.status_code == 302


def test_security_headers(client, student, demo):
    anonymous = client.get("/accounts/signup/")
    policy = anonymous["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src-elem"] == "'self'"
    # Inline style attributes only (KaTeX and MathLive lay formulas out with them).
    assert [d for d, v in directives.items() if "unsafe" in v] == ["style-src-attr"]
    assert "private" not in anonymous.get("Cache-Control", "")
    client.force_login(student)
    problem = demo.skills.first().problems.first()
    for url in ["/courses/", f"/problems/{problem.pk}/", "/me/attempts/"]:
        response = client.get(url, follow=True)
        assert "private" in response["Cache-Control"], url
        assert response["Content-Security-Policy"] == policy


def test_ssl_redirect_and_hsts_behind_the_setting(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client()
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    # The container healthcheck speaks plain HTTP.
    assert client.get("/healthz").status_code in (200, 503)
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_healthz_details_only_for_staff_or_local_callers(db, admin_user_demo):
    remote = Client(REMOTE_ADDR="203.0.113.5").get("/healthz").json()
    assert set(remote) == {"status"}
    proxied = Client().get("/healthz", HTTP_X_FORWARDED_FOR="203.0.113.5").json()
    assert set(proxied) == {"status"}
    local = Client().get("/healthz").json()
    assert local["checks"]["database"]["ok"] is True
    staff = Client(REMOTE_ADDR="203.0.113.5")
    staff.force_login(admin_user_demo)
    assert "vendor" in staff.get("/healthz").json()["checks"]["database"]


def test_check_deploy_is_clean_with_production_settings():
    env = dict(
        os.environ,
        SECRET_KEY="x7Kq-" + "9fTz2LmPw4vRb8NcYh3JdGs6QeUa1XoWi5Ek0Hy" * 2,
        SECURE_COOKIES="1",
        ALLOWED_HOSTS="tutor.example.org",
        CSRF_TRUSTED_ORIGINS="https://tutor.example.org",
    )
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by tests/conftest.py for Playwright
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "name, text",
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.json", '{"a":' * 5_000 + "1" + "}" * 5_000),
        ("deep.yaml", "course: " + "[" * 50_000 + "]" * 50_000),
        ("deep.yaml", "course:\n" + "".join("  " * i + "- \n" for i in range(1, 3000)) + "x"),
        ("deep.yaml", "- " * 20_000 + "x"),
    ],
)
def test_deeply_nested_packages_get_a_clear_error(name, text):
    with pytest.raises(PackageError) as caught:
        read_package(text.encode(), name)
    assert f"nested more than {MAX_NESTING} levels deep" in str(caught.value)


def test_ordinary_nesting_still_reads():
    data = json.loads(json.dumps({"a": [[{"b": [1, 2]}]] * 3}))
    raw = read_package(json.dumps(data).encode(), "ok.json")
    assert raw.data == data
