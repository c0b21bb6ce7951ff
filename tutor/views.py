"""Pages of the learner side. Thin: services write, selectors read, permissions decide."""

from __future__ import annotations

import ipaddress
import sys
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config import heartbeat
from curriculum import answers
from curriculum.rendering import render_markdown
from inference.selectors import latest_generation, tutor_available
from tutor import learning, selectors, services, throttle
from tutor.forms import AnswerForm, JoinClassForm, SignUpForm, ThrottledAuthenticationForm
from tutor.middleware import is_overload, overloaded_response
from tutor.models import User
from tutor.permissions import can_view_student, is_teacher
from tutor.templatetags.tutor_tags import feedback_text

_STARTED_SALT = "tutor.problem.started"


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if is_teacher(request.user):
        return redirect("teach")
    return redirect("courses")


class LoginView(auth_views.LoginView):
    """Django's log-in with failed attempts limited per account and per address (429)."""

    form_class = ThrottledAuthenticationForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("__all__", code="throttled"):
            response.status_code = 429
        return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    address = throttle.client_address(request)
    if request.method == "POST" and (wait := throttle.blocked(throttle.signup_limit(), address)):
        form.is_valid()  # keep what was typed on the page
        form.add_error(
            None,
            _(
                "Too many accounts were made from your network address recently. Try again "
                "in %(wait)s, or ask your teacher."
            )
            % {"wait": throttle.minutes(wait)},
        )
        return render(request, "registration/signup.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        throttle.hit(throttle.signup_limit(), address)
        user = services.make_student(user=form.save())
        login(request, user, backend="tutor.auth.PoolFriendlyModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})


@require_POST
def choose_language(request: HttpRequest) -> HttpResponse:
    """The language chooser in every page's footer: kept on the account of a signed-in user
    (so it follows them to every device) and in a cookie for everyone."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return HttpResponse(status=400)
    if request.user.is_authenticated:
        services.set_language(user=request.user, language=language)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


@login_required
def course_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "tutor/course_list.html",
        {
            "courses": selectors.courses_for(request.user),
            "classrooms": selectors.classrooms_of(request.user),
        },
    )


@login_required
def course_detail(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(selectors.visible_courses(request.user), slug=slug)
    mastery = {row.skill: row for row in learning.course_progress(request.user, course)}
    rows = [
        (p, mastery.get(str(p.skill.pk))) for p in selectors.skill_progress(request.user, course)
    ]
    return render(
        request,
        "tutor/course_detail.html",
        {
            "course": course,
            "rows": rows,
            "assignments": selectors.assignments_for_student(request.user, course=course),
        },
    )


# The session remembers why each served problem was chosen until it is answered, so the
# reason can be stored with the attempt (for teachers and for debugging).
_SERVED_KEY = "served_because"


def _serve(request: HttpRequest, choice) -> HttpResponse:
    served = request.session.get(_SERVED_KEY, {})
    served[str(choice.problem_id)] = choice.to_dict()
    # Keep the last few only: a learner may open problems in several tabs.
    request.session[_SERVED_KEY] = dict(list(served.items())[-10:])
    return redirect("problem", problem_id=int(choice.problem_id))


@login_required
def course_next(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(selectors.visible_courses(request.user), slug=slug)
    choice = learning.choose_next(request.user, course)
    if choice.complete and choice.problem_id is None:
        return render(request, "tutor/course_complete.html", {"course": course, "choice": choice})
    return _serve(request, choice)


@login_required
def practise_skill(request: HttpRequest, skill_id: int) -> HttpResponse:
    skill = get_object_or_404(selectors.visible_skills(request.user), pk=skill_id)
    choice = learning.choose_next(request.user, skill.course, skill=skill)
    if choice.problem_id is None:
        return render(request, "tutor/skill_complete.html", {"skill": skill, "choice": choice})
    return _serve(request, choice)


@login_required
def problem_detail(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = get_object_or_404(selectors.visible_problems(request.user), pk=problem_id)
    hints = selectors.revealed_hints(request.user, problem)
    return render(
        request,
        "tutor/problem.html",
        {
            "problem": problem,
            "statement_html": render_markdown(problem.statement),
            "hints": [(h, render_markdown(h.text)) for h in hints],
            "more_hints": problem.hints.count() > len(hints),
            "started": signing.dumps(time.time(), salt=_STARTED_SALT),
            "tutor_configured": tutor_available(),
            # The latest explanation for this problem: a reload reconnects and replays it.
            "generation": latest_generation(user=request.user, problem=problem),
            # Why the tutor served it (a locked skill opened by hand says it is a preview).
            "served": request.session.get(_SERVED_KEY, {}).get(str(problem.pk)),
        },
    )


def _time_taken_ms(token: str) -> int | None:
    try:
        started = signing.loads(token, salt=_STARTED_SALT, max_age=24 * 3600)
    except (signing.BadSignature, TypeError):
        return None
    return max(0, int((time.time() - float(started)) * 1000))


@login_required
@require_POST
def submit_answer(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = get_object_or_404(selectors.visible_problems(request.user), pk=problem_id)
    form = AnswerForm(request.POST)
    if len(choices := request.POST.getlist("answer")) > 1:  # multiple-choice checkboxes
        raw = ",".join(choices)
        taken = _time_taken_ms(request.POST.get("started", ""))
    elif form.is_valid():
        raw = form.cleaned_data["answer"]
        taken = _time_taken_ms(form.cleaned_data["started"])
    else:  # Only the absurd hard cap fails here; still stored, as the checker would judge it.
        raw = request.POST.get("answer", "")
        taken = None
    served = request.session.get(_SERVED_KEY, {})
    served_because = served.pop(str(problem.pk), None)
    if served_because is not None:
        request.session[_SERVED_KEY] = served
    working = request.POST.get("working", "").splitlines()  # the work area, one step a line
    attempt, result = services.record_attempt(
        learner=request.user,
        problem=problem,
        raw_input=raw,
        time_taken_ms=taken,
        served_because=served_because,
        working=working if any(line.strip() for line in working) else None,
    )
    context = {
        "problem": problem,
        "attempt": attempt,
        "result": result,
        "course": problem.skill.course,
        "tutor_configured": tutor_available(),  # "Explain this step" at a wrong line
    }
    if request.htmx:
        return render(request, "tutor/_verdict.html", context)
    messages.info(request, feedback_text(attempt.feedback_code, attempt.feedback) or _("Correct!"))
    return redirect("problem", problem_id=problem.pk)


@login_required
@require_POST
def working_preview(request: HttpRequest, problem_id: int) -> HttpResponse:
    """The work area's lines read back (KaTeX) as the student types: the parser only."""
    get_object_or_404(selectors.visible_problems(request.user), pk=problem_id)
    rows = answers.read_back(request.POST.get("working", ""))
    return render(request, "tutor/_working_preview.html", {"rows": rows})


@login_required
@require_POST
def reveal_hint(request: HttpRequest, problem_id: int) -> HttpResponse:
    problem = get_object_or_404(selectors.visible_problems(request.user), pk=problem_id)
    services.reveal_next_hint(learner=request.user, problem=problem)
    hints = selectors.revealed_hints(request.user, problem)
    context = {
        "problem": problem,
        "hints": [(h, render_markdown(h.text)) for h in hints],
        "more_hints": problem.hints.count() > len(hints),
    }
    if request.htmx:
        return render(request, "tutor/_hints.html", context)
    return redirect("problem", problem_id=problem.pk)


@login_required
@require_POST
def check_scaffold(request: HttpRequest, problem_id: int, hint_id: int) -> HttpResponse:
    """Check the answer to a scaffold's own sub-question (only once it has been revealed)."""
    problem = get_object_or_404(selectors.visible_problems(request.user), pk=problem_id)
    hint = get_object_or_404(problem.hints.all(), pk=hint_id, kind="scaffold")
    if hint not in selectors.revealed_hints(request.user, problem) or not hint.answer_spec:
        raise PermissionDenied(_("Reveal this step first."))
    result = services.check_scaffold(
        learner=request.user, hint=hint, raw_input=request.POST.get("answer", "")
    )
    return render(request, "tutor/_scaffold_verdict.html", {"result": result})


@login_required
@require_http_methods(["GET", "POST"])
def join_class(request: HttpRequest) -> HttpResponse:
    form = JoinClassForm(request.POST or request.GET or None)
    subject = str(request.user.pk)
    if request.method == "POST" and (wait := throttle.blocked(throttle.join_limit(), subject)):
        form.is_valid()
        form.add_error(
            "code",
            _(
                "Too many wrong class codes. Try again in %(wait)s, or ask your teacher for "
                "the link."
            )
            % {"wait": throttle.minutes(wait)},
        )
        return render(request, "tutor/join_class.html", {"form": form}, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            classroom = services.join_classroom(
                student=request.user, code=form.cleaned_data["code"]
            )
        except ValidationError as exc:
            throttle.hit(throttle.join_limit(), subject)
            form.add_error("code", exc)
        else:
            messages.success(request, _("You joined %(name)s.") % {"name": classroom.name})
            return redirect("course", slug=classroom.course.slug)
    return render(request, "tutor/join_class.html", {"form": form})


@login_required
def student_attempts(request: HttpRequest, user_id: int) -> HttpResponse:
    student = get_object_or_404(User, pk=user_id)
    if not can_view_student(request.user, student):
        raise PermissionDenied(_("You can only see your own work or your students' work."))
    return render(
        request,
        "tutor/attempts.html",
        {"student": student, "attempts": selectors.attempts_of(student)[:200]},
    )


@login_required
def my_attempts(request: HttpRequest) -> HttpResponse:
    return redirect("student_attempts", user_id=request.user.pk)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and worker heartbeats; 503 when the database or Redis is down."""
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - report any failure as unhealthy
        checks["database"] = {"ok": False, "error": str(exc)}
    try:
        client = heartbeat.redis_client()
        client.ping()
        workers = heartbeat.live_workers(client)
        checks["redis"] = {"ok": True}
        checks["workers"] = {
            "ok": bool(workers),
            "alive": [w["hostname"] for w in workers],
            "queues": sorted({q for w in workers for q in w["queues"]}),
        }
    except Exception as exc:  # noqa: BLE001
        checks["redis"] = {"ok": False, "error": str(exc)}
        checks["workers"] = {"ok": False, "alive": [], "queues": []}
    healthy = checks["database"]["ok"] and checks["redis"]["ok"]
    status = "ok" if healthy and checks["workers"]["ok"] else ("degraded" if healthy else "down")
    body: dict = {"status": status}
    # Details (database vendor, worker host names, errors) only for admins and callers on
    # this machine (the container healthcheck), never through a proxy.
    if request.user.is_staff or _local_caller(request):
        body["checks"] = checks
    return JsonResponse(body, status=200 if healthy else 503)


def _local_caller(request: HttpRequest) -> bool:
    if "HTTP_X_FORWARDED_FOR" in request.META:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an overload anywhere (also in middleware) is a retryable 503."""
    if is_overload(sys.exc_info()[1]):
        return overloaded_response(request)
    from django.views.defaults import server_error as default

    return default(request)
