"""The authorization matrix: every URL and websocket route, walked by every role.

Two courses of the test's own: `open` (published) and `hidden` (unpublished, used by class B).
Roles: anonymous, student A (class A on the demo course), student B (class B on the hidden
course), teacher A (class A), teacher B (class B), admin. Each route is listed below with the
roles that may use it; a route missing from the list fails the test, so a new endpoint cannot
ship without its rights being stated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import URLResolver, get_resolver

from config.asgi import application
from config.routing import websocket_urlpatterns
from curriculum.models import Course, Figure, Hint, ImportJob, Problem, Skill
from inference.models import Generation
from tutor import services
from tutor.models import Assignment, Attempt, Classroom, HintReveal, User

ROLES = ["anonymous", "student_a", "student_b", "teacher_a", "teacher_b", "admin"]
SIGNED_IN = set(ROLES) - {"anonymous"}
EVERYONE = set(ROLES)
ADMIN = {"admin"}


@dataclass
class World:
    users: dict[str, User | None]
    open_problem: Problem
    hidden_problem: Problem
    open_course: Course
    hidden_course: Course
    class_a: Classroom
    class_b: Classroom
    generation: Generation
    hidden_generation: Generation
    assignment: Assignment
    removable: User
    job: ImportJob
    extra: dict = field(default_factory=dict)


def _course(slug: str, published: bool) -> tuple[Course, Problem]:
    course = Course.objects.create(slug=slug, title=slug.title(), is_published=published)
    skill = Skill.objects.create(course=course, slug=f"{slug}-skill", name=f"{slug} skill")
    problem = Problem.objects.create(
        skill=skill,
        slug=f"{slug}-p1",
        statement=f"Secret statement of {slug}: what is $2+3$?",
        answer_spec={"kind": "number", "key": ["5"]},
    )
    Hint.objects.create(
        problem=problem,
        order=1,
        kind="scaffold",
        text=f"Secret hint of {slug}: what is $2+2$?",
        answer_spec={"kind": "number", "key": ["4"]},
    )
    Figure.objects.create(
        course=course, path="fig.svg", content=b"<svg/>", content_type="image/svg+xml", sha256="0"
    )
    return course, problem


@pytest.fixture
def world(demo) -> World:
    return _build_world()


def _build_world() -> World:
    open_course, open_problem = _course("open", True)
    hidden_course, hidden_problem = _course("hidden", False)
    student_a = User.objects.get(username="demo-student")
    teacher_a = User.objects.get(username="demo-teacher")
    admin = User.objects.get(username="demo-admin")
    class_a = Classroom.objects.get(join_code="TRYMATH7")
    teacher_b = services.make_teacher(
        user=User.objects.create_user(username="teacher-b", password="pw-teacher-b-1")
    )
    student_b = services.make_student(
        user=User.objects.create_user(username="student-b", password="pw-student-b-1")
    )
    class_b = services.create_classroom(teacher=teacher_b, name="Class B", course=hidden_course)
    services.join_classroom(student=student_b, code=class_b.join_code)
    removable = services.make_student(
        user=User.objects.create_user(username="removable", password="pw-removable-1")
    )
    services.join_classroom(student=removable, code=class_a.join_code)
    generation = Generation.objects.create(
        user=student_a, problem=open_problem, purpose="explanation", engine="local", status="done"
    )
    hidden_generation = Generation.objects.create(
        user=student_b, problem=hidden_problem, purpose="explanation", engine="local", status="done"
    )
    assignment = Assignment.objects.create(
        classroom=class_a, title="Homework", created_by=teacher_a
    )
    job = ImportJob.objects.create(filename="x.yaml", package=b"", status="failed")
    users = {
        "anonymous": None,
        "student_a": student_a,
        "student_b": student_b,
        "teacher_a": teacher_a,
        "teacher_b": teacher_b,
        "admin": admin,
    }
    return World(
        users,
        open_problem,
        hidden_problem,
        open_course,
        hidden_course,
        class_a,
        class_b,
        generation,
        hidden_generation,
        assignment,
        removable,
        job,
    )


@dataclass(frozen=True)
class Check:
    route: str  # the URL name (or "admin")
    method: str
    url: str
    allowed: frozenset[str]
    data: dict | None = None


def _checks(w: World) -> list[Check]:
    op, hp = w.open_problem, w.hidden_problem
    oh, hh = op.hints.get(), hp.hints.get()
    ca, cb = w.class_a.pk, w.class_b.pk
    sa, sb = w.users["student_a"].pk, w.users["student_b"].pk
    hidden_readers = {"student_b", "teacher_b", "admin"}
    class_a_staff = {"teacher_a", "admin"}
    class_b_staff = {"teacher_b", "admin"}

    def c(route, method, url, allowed, data=None):
        return Check(route, method, url, frozenset(allowed), data)

    checks = [
        c("home", "GET", "/", SIGNED_IN),
        c("healthz", "GET", "/healthz", EVERYONE),
        c("signup", "GET", "/accounts/signup/", EVERYONE),
        c("login", "GET", "/accounts/login/", EVERYONE),
        # The language chooser is for everyone (signed in: kept on the account too).
        c("choose_language", "POST", "/accounts/language/", EVERYONE, {"language": "en"}),
        c("password_change", "GET", "/accounts/password_change/", SIGNED_IN),
        c("password_change_done", "GET", "/accounts/password_change/done/", SIGNED_IN),
        c("password_reset", "GET", "/accounts/password_reset/", EVERYONE),
        c("password_reset_done", "GET", "/accounts/password_reset/done/", EVERYONE),
        c("password_reset_confirm", "GET", "/accounts/reset/MQ/bad-token/", EVERYONE),
        c("password_reset_complete", "GET", "/accounts/reset/done/", EVERYONE),
        c("manage", "GET", "/curriculum/", ADMIN),
        c("job", "GET", f"/curriculum/imports/{w.job.pk}/", ADMIN),
        c("job_progress", "GET", f"/curriculum/imports/{w.job.pk}/progress/", ADMIN),
        c("job_confirm", "POST", f"/curriculum/imports/{w.job.pk}/confirm/", ADMIN),
        c("export", "GET", "/curriculum/courses/open/export/", ADMIN),
        c("export", "GET", "/curriculum/courses/hidden/export/", ADMIN),
        c("figure", "GET", "/curriculum/figures/open/fig.svg", SIGNED_IN),
        c("figure", "GET", "/curriculum/figures/hidden/fig.svg", hidden_readers),
        c("courses", "GET", "/courses/", SIGNED_IN),
        c("course", "GET", "/courses/open/", SIGNED_IN),
        c("course", "GET", "/courses/hidden/", hidden_readers),
        c("course_next", "GET", "/courses/open/next/", SIGNED_IN),
        c("course_next", "GET", "/courses/hidden/next/", hidden_readers),
        c("practise_skill", "GET", f"/skills/{op.skill_id}/practise/", SIGNED_IN),
        c("practise_skill", "GET", f"/skills/{hp.skill_id}/practise/", hidden_readers),
        c("problem", "GET", f"/problems/{op.pk}/", SIGNED_IN),
        c("problem", "GET", f"/problems/{hp.pk}/", hidden_readers),
        c("submit_answer", "POST", f"/problems/{op.pk}/answer/", SIGNED_IN, {"answer": "5"}),
        c("submit_answer", "POST", f"/problems/{hp.pk}/answer/", hidden_readers, {"answer": "5"}),
        c("working_preview", "POST", f"/problems/{op.pk}/working/preview/", SIGNED_IN, {"working": "2x = 4"}),
        c("working_preview", "POST", f"/problems/{hp.pk}/working/preview/", hidden_readers, {"working": "2x = 4"}),
        c("reveal_hint", "POST", f"/problems/{op.pk}/hint/", SIGNED_IN),
        c("reveal_hint", "POST", f"/problems/{hp.pk}/hint/", hidden_readers),
        # After the reveal above, so the scaffold's own question may be answered.
        c("check_scaffold", "POST", f"/problems/{op.pk}/hints/{oh.pk}/check/", SIGNED_IN, {"answer": "4"}),
        c("check_scaffold", "POST", f"/problems/{hp.pk}/hints/{hh.pk}/check/", hidden_readers, {"answer": "4"}),
        c("explain", "POST", f"/problems/{op.pk}/explain/", SIGNED_IN),
        c("explain", "POST", f"/problems/{hp.pk}/explain/", hidden_readers),
        c("generation", "GET", f"/generations/{w.generation.pk}/", {"student_a", "teacher_a", "admin"}),
        c("generation", "GET", f"/generations/{w.hidden_generation.pk}/", {"student_b", "teacher_b", "admin"}),
        c("generation_stop", "POST", f"/generations/{w.generation.pk}/stop/", {"student_a", "admin"}),
        c("generation_stop", "POST", f"/generations/{w.hidden_generation.pk}/stop/", {"student_b", "admin"}),
        c("join_class", "GET", "/classes/join/", SIGNED_IN),
        c("my_attempts", "GET", "/me/attempts/", SIGNED_IN),
        c("student_attempts", "GET", f"/students/{sa}/attempts/", {"student_a", "teacher_a", "admin"}),
        c("student_attempts", "GET", f"/students/{sb}/attempts/", {"student_b", "teacher_b", "admin"}),
        c("teach", "GET", "/teach/", {"teacher_a", "teacher_b", "admin"}),
        c("classroom_create", "GET", "/teach/classes/new/", {"teacher_a", "teacher_b", "admin"}),
        c("classroom", "GET", f"/teach/classes/{ca}/", class_a_staff),
        c("classroom", "GET", f"/teach/classes/{cb}/", class_b_staff),
        c("classroom_roster", "GET", f"/teach/classes/{ca}/roster/", class_a_staff),
        c("classroom_roster", "GET", f"/teach/classes/{cb}/roster/", class_b_staff),
        c("classroom_new_code", "POST", f"/teach/classes/{ca}/roster/code/", class_a_staff),
        c("assignment_create", "GET", f"/teach/classes/{ca}/assignments/new/", class_a_staff),
        c("assignment_edit", "GET", f"/teach/classes/{ca}/assignments/{w.assignment.pk}/edit/", class_a_staff),
        c("classroom_student", "GET", f"/teach/classes/{ca}/students/{sa}/", class_a_staff),
        c("classroom_student", "GET", f"/teach/classes/{cb}/students/{sb}/", class_b_staff),
        c("classroom_export_attempts", "GET", f"/teach/classes/{ca}/export/attempts.csv", class_a_staff),
        c("classroom_export_mastery", "GET", f"/teach/classes/{cb}/export/mastery.csv", class_b_staff),
        c("admin", "GET", "/admin/", ADMIN),
        c("admin", "GET", "/admin/inference/generation/", ADMIN),
        # Destructive last: they change what the checks above rely on.
        c("classroom_roster_remove", "POST", f"/teach/classes/{ca}/roster/{w.removable.pk}/remove/", class_a_staff),
        c("assignment_delete", "POST", f"/teach/classes/{ca}/assignments/{w.assignment.pk}/delete/", class_a_staff),
        # Everyone ends on the login page; checked apart below.
        c("logout", "POST", "/accounts/logout/", EVERYONE),
    ]  # fmt: skip
    return checks


def _route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) == "admin/":
                    names.add("admin")
                else:
                    walk(pattern.url_patterns)
            else:
                names.add(pattern.name)

    walk(get_resolver().url_patterns)
    return names


def _verdict(role: str, response) -> str:
    """'allowed', 'denied', or 'unexpected: ...' for anything that is neither."""
    status = response.status_code
    # The admin sends anonymous users to its own login page.
    to_login = status == 302 and "login/" in response["Location"]
    if to_login and role == "anonymous":
        return "denied"
    if status in (403, 404):
        return "denied"
    if 200 <= status < 400 and not to_login:
        return "allowed"
    return f"unexpected: HTTP {status}"


def test_every_url_route_is_in_the_matrix(world):
    listed = {check.route for check in _checks(world)}
    assert _route_names() - listed == set(), "routes with no stated rights"


@pytest.mark.parametrize("role", ROLES)
def test_every_url_with_every_role(world, role):
    client = Client()
    if (user := world.users[role]) is not None:
        client.force_login(user)
    secrets = ("Secret statement of hidden", "Secret hint of hidden")
    failures = []
    for check in _checks(world):
        attempts_before = Attempt.objects.filter(problem=world.hidden_problem).count()
        reveals_before = HintReveal.objects.filter(problem=world.hidden_problem).count()
        gens_before = Generation.objects.filter(problem=world.hidden_problem).count()
        send = client.post if check.method == "POST" else client.get
        response = send(check.url, check.data or {}, HTTP_HX_REQUEST="true")
        if check.route == "logout":
            assert response.status_code == 302 and "_auth_user_id" not in client.session
            continue
        verdict = _verdict(role, response)
        expected = "allowed" if role in check.allowed else "denied"
        if verdict != expected:
            failures.append(f"{check.method} {check.url}: {verdict}, expected {expected}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if expected == "denied":
            leaked = [s for s in secrets if s.encode() in body]
            if leaked:
                failures.append(f"{check.method} {check.url}: denied but shows {leaked}")
            changed = (
                Attempt.objects.filter(problem=world.hidden_problem).count() != attempts_before
                or HintReveal.objects.filter(problem=world.hidden_problem).count() != reveals_before
                or Generation.objects.filter(problem=world.hidden_problem).count() != gens_before
            )
            if changed:
                failures.append(f"{check.method} {check.url}: denied but wrote something")
    assert failures == [], "\n".join(failures)
    # The checks above really exercised the rights they claim: the allowed roles wrote.
    wrote = Attempt.objects.filter(problem=world.hidden_problem, learner=user).exists()
    assert wrote == (role in {"student_b", "teacher_b", "admin"})


# --- Websockets ---------------------------------------------------------------------------


def _ws_checks(w: World) -> list[tuple[str, str, set[str]]]:
    return [
        ("ws/ping/", "/ws/ping/", SIGNED_IN),
        (
            "ws/generations/<int:generation_id>/",
            f"/ws/generations/{w.generation.pk}/",
            {"student_a", "teacher_a", "admin"},
        ),
        (
            "ws/generations/<int:generation_id>/",
            f"/ws/generations/{w.hidden_generation.pk}/",
            {"student_b", "teacher_b", "admin"},
        ),
        ("ws/classes/<int:classroom_id>/", f"/ws/classes/{w.class_a.pk}/", {"teacher_a", "admin"}),
        ("ws/classes/<int:classroom_id>/", f"/ws/classes/{w.class_b.pk}/", {"teacher_b", "admin"}),
    ]


def _headers(user: User | None) -> list[tuple[bytes, bytes]]:
    headers = [(b"origin", b"http://localhost")]
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


@pytest.mark.django_db(transaction=True)
async def test_every_websocket_route_with_every_role(transactional_db, redis_client):
    world_ = await sync_to_async(_make_world)()
    listed = {route for route, _, _ in _ws_checks(world_)}
    assert {str(p.pattern) for p in websocket_urlpatterns} == listed
    failures = []
    for role in ROLES:
        headers = await sync_to_async(_headers)(world_.users[role])
        for _route, url, allowed in _ws_checks(world_):
            comm = WebsocketCommunicator(application, url, headers=headers)
            connected, code = await comm.connect(timeout=10)
            if connected:
                await comm.disconnect()
            if connected != (role in allowed):
                failures.append(f"{role} {url}: connected={connected} (close code {code})")
    assert failures == [], "\n".join(failures)


def _make_world() -> World:
    from tutor.demo import seed_demo

    seed_demo()
    return _build_world()
