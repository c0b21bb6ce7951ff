"""What a newcomer meets first: `make run`'s launcher, and a demo where each role sees its
own data at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from config import launch
from curriculum.models import Course
from tutor import demo as demo_module
from tutor.models import Attempt, Classroom, LearnerSkill, User

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_launcher_announces_only_when_healthy_and_ctrl_c_exits_0(tmp_path):
    """A stand-in web process answers /healthz "down" for 2 s, then "ok": the banner comes
    after that, never before; Ctrl-C to the process group (as a terminal sends it) ends
    everything with status 0."""
    port = _free_port()
    server = tmp_path / "fake_web.py"
    server.write_text(
        textwrap.dedent(
            f"""
            import http.server, json, time
            START = time.monotonic()
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    ok = time.monotonic() - START > 2
                    body = json.dumps({{"status": "ok" if ok else "down"}}).encode()
                    self.send_response(200 if ok else 503)
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *a):
                    pass
            http.server.HTTPServer(("127.0.0.1", {port}), H).serve_forever()
            """
        )
    )
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"web: {sys.executable} -u {server}\n")
    env = dict(os.environ, TUTOR_PORT=str(port), TUTOR_HOST="127.0.0.1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "config.launch", "--procfile", str(procfile)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    started = time.monotonic()
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "Tutor is ready" in line:
                break
            assert time.monotonic() - started < 60, "".join(lines)
        ready_after = time.monotonic() - started
        assert any("Tutor is ready" in x for x in lines), "".join(lines)
        assert ready_after >= 2, f"announced after {ready_after:.1f} s, before /healthz was ok"
        text = "".join(lines)
        assert "Memory overcommit" in text and "superuser privileges" in text
        assert "HTTP/2" in text
        os.killpg(proc.pid, signal.SIGINT)
        rest = proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, text + rest
    assert "Tutor stopped." in rest


def test_launcher_says_when_the_site_never_gets_healthy(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"idle: {sys.executable} -c 'import time; time.sleep(60)'\n")
    env = dict(os.environ, TUTOR_PORT=str(_free_port()))
    proc = subprocess.Popen(
        [sys.executable, "-m", "config.launch", "--procfile", str(procfile), "--ready-within", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "not healthy yet" in line:
                break
        assert any("not healthy yet" in x and "no answer" in x for x in lines), lines
        assert not any("Tutor is ready" in x for x in lines)
        os.killpg(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0


def test_launcher_logins_match_the_demo():
    assert launch.DEMO_PASSWORD == demo_module.DEMO_PASSWORD
    assert launch.DEMO_JOIN_CODE == demo_module.DEMO_JOIN_CODE


def test_health_url_for_any_bind_address():
    assert launch.health_url("0.0.0.0", "8000") == "http://127.0.0.1:8000/healthz"
    assert launch.health_url("::1", "8001") == "http://[::1]:8001/healthz"
    assert launch.health_url("[::1]", "8001") == "http://[::1]:8001/healthz"


@pytest.mark.django_db
def test_seed_demo_again_keeps_passwords_so_nobody_is_logged_out(client):
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    student = User.objects.get(username="demo-student")
    student.set_password("changed-by-student-1")
    student.save()
    client.login(username="demo-student", password="changed-by-student-1")
    session_hash = client.session.get("_auth_user_hash")
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    student.refresh_from_db()
    assert student.check_password("changed-by-student-1")
    # The session stays valid: Django ties it to the password hash.
    assert client.get("/courses/").status_code == 200
    assert client.session.get("_auth_user_hash") == session_hash


@pytest.mark.django_db
def test_demo_class_uses_the_demo_curriculum_and_the_teacher_sees_practice(client):
    call_command("load_curriculum", str(ROOT / "curriculum" / "demo"), stdout=open(os.devnull, "w"))
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    first = Course.objects.filter(is_published=True).order_by("title").first()
    assert first.title == "Algebra foundations"  # the first course a student sees
    classroom = Classroom.objects.get(join_code=demo_module.DEMO_JOIN_CODE)
    assert classroom.course == first
    # The classmates' history: checked answers, some right, some wrong, with learner states.
    mates = [name for name, _ in demo_module.DEMO_CLASSMATES]
    attempts = Attempt.objects.filter(learner__username__in=mates)
    assert {"correct", "wrong"} <= set(attempts.values_list("verdict", flat=True))
    assert LearnerSkill.objects.filter(user__username__in=mates).exists()
    assert classroom.enrollments.count() == 1 + len(mates)
    # Run again: nothing doubles.
    n = attempts.count()
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert Attempt.objects.filter(learner__username__in=mates).count() == n

    client.login(username="demo-teacher", password=demo_module.DEMO_PASSWORD)
    page = client.get(f"/teach/classes/{classroom.pk}/").content.decode()
    for name in ["demo-student", *mates]:
        assert name in page
    # A course uploaded later that sorts first does not move the demo class.
    Course.objects.create(slug="aardvark", title="Aardvark arithmetic", is_published=True)
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert Classroom.objects.get(join_code=demo_module.DEMO_JOIN_CODE).course == first
    # The student's first click (the first course) is the class's course.
    client.login(username="demo-student", password=demo_module.DEMO_PASSWORD)
    page = client.get("/courses/").content.decode()
    assert "Demo class</strong> (Algebra foundations" in page  # "Your classes: ..."
    cards = page[page.index('<ul class="cards">') :]
    assert cards.index("Aardvark") < cards.index("Algebra foundations") < cards.index("Pre-alg")
