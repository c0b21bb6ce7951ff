"""Teacher pages: classes, rosters, the live class dashboard, drill-downs and exports.

Thin: every view finds the object, checks the viewer's right to it (403 otherwise), then hands
over to selectors (reads), services (writes) or exports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date, datetime, time
from functools import wraps

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tutor import selectors as tutor_selectors
from tutor import services as tutor_services
from tutor.dashboards import charts, exports, services
from tutor.dashboards.forms import AssignmentForm
from tutor.dashboards.selectors import activity, drilldown, grid, overview
from tutor.forms import ClassroomForm
from tutor.models import Assignment, Classroom, User
from tutor.permissions import can_view_classroom, is_teacher


def teacher_required(view: Callable) -> Callable:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not is_teacher(request.user):
            raise PermissionDenied(_("This page is for teachers."))
        return view(request, *args, **kwargs)

    return wrapped


def _classroom(request: HttpRequest, classroom_id: int) -> Classroom:
    """The class, if this viewer may see it: 404 when it does not exist, 403 when not theirs."""
    classroom = get_object_or_404(
        Classroom.objects.select_related("course", "teacher"), pk=classroom_id
    )
    if not can_view_classroom(request.user, classroom):
        raise PermissionDenied(_("This class is taught by someone else."))
    return classroom


def _student(classroom: Classroom, student_id: int) -> User:
    student = grid.enrolled_student(classroom, student_id)
    if student is None:
        raise Http404(_("No such student in this class."))
    return student


@teacher_required
def teach(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboards/teach.html",
        {"classrooms": tutor_selectors.classrooms_taught_by(request.user)},
    )


@teacher_required
@require_http_methods(["GET", "POST"])
def classroom_create(request: HttpRequest) -> HttpResponse:
    form = ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        classroom = tutor_services.create_classroom(
            teacher=request.user, name=form.cleaned_data["name"], course=form.cleaned_data["course"]
        )
        return redirect("classroom", classroom_id=classroom.pk)
    return render(request, "dashboards/classroom_form.html", {"form": form})


@teacher_required
@require_GET
def classroom_detail(request: HttpRequest, classroom_id: int) -> HttpResponse:
    """The class dashboard: mastery grid, per-skill summary, who needs help, activity."""
    classroom = _classroom(request, classroom_id)
    board = overview.class_dashboard(
        classroom,
        sort=request.GET.get("sort", "name"),
        direction=request.GET.get("dir", "asc"),
        columns=request.GET.get("cols", "course"),
    )
    names = {row.student.pk: row.student.username for row in board.rows}
    return render(
        request,
        "dashboards/classroom.html",
        {
            "classroom": classroom,
            "board": board,
            "names": names,
            "levels": grid.LEVELS,
            "recurring_min": activity.RECURRING_MIN_STUDENTS,
            "recurring_days": activity.RECURRING_WINDOW.days,
            "join_url": request.build_absolute_uri(
                reverse("join_class") + f"?code={classroom.join_code}"
            ),
            "today": timezone.localdate(),
        },
    )


@teacher_required
@require_GET
def roster(request: HttpRequest, classroom_id: int) -> HttpResponse:
    classroom = _classroom(request, classroom_id)
    return render(
        request,
        "dashboards/roster.html",
        {
            "classroom": classroom,
            "enrollments": classroom.enrollments.select_related("student").order_by(
                "student__username"
            ),
            "join_url": request.build_absolute_uri(
                reverse("join_class") + f"?code={classroom.join_code}"
            ),
        },
    )


@teacher_required
@require_POST
def roster_remove(request: HttpRequest, classroom_id: int, student_id: int) -> HttpResponse:
    classroom = _classroom(request, classroom_id)
    student = _student(classroom, student_id)
    services.remove_student(by=request.user, classroom=classroom, student=student)
    messages.success(
        request,
        _("%(name)s is no longer in %(class_name)s. Their work is kept.")
        % {"name": student.username, "class_name": classroom.name},
    )
    return redirect("classroom_roster", classroom_id=classroom.pk)


@teacher_required
@require_POST
def roster_new_code(request: HttpRequest, classroom_id: int) -> HttpResponse:
    classroom = _classroom(request, classroom_id)
    services.new_code(by=request.user, classroom=classroom)
    messages.success(request, _("The new join code is %(code)s.") % {"code": classroom.join_code})
    return redirect("classroom_roster", classroom_id=classroom.pk)


def _assignment(classroom: Classroom, assignment_id: int) -> Assignment:
    # Looked up within the class the viewer was just cleared for: another class's id is a 404.
    return get_object_or_404(
        Assignment.objects.select_related("classroom"), pk=assignment_id, classroom=classroom
    )


@teacher_required
@require_http_methods(["GET", "POST"])
def assignment_create(request: HttpRequest, classroom_id: int) -> HttpResponse:
    classroom = _classroom(request, classroom_id)
    form = AssignmentForm(request.POST or None, classroom=classroom)
    if request.method == "POST" and form.is_valid():
        assignment = services.create_assignment(
            by=request.user, classroom=classroom, **form.cleaned_data
        )
        messages.success(request, _("Assigned “%(title)s”.") % {"title": assignment.title})
        return redirect(reverse("classroom", args=[classroom.pk]) + "#assignments-title")
    return render(
        request, "dashboards/assignment_form.html", {"classroom": classroom, "form": form}
    )


@teacher_required
@require_http_methods(["GET", "POST"])
def assignment_edit(request: HttpRequest, classroom_id: int, assignment_id: int) -> HttpResponse:
    classroom = _classroom(request, classroom_id)
    assignment = _assignment(classroom, assignment_id)
    form = AssignmentForm(request.POST or None, classroom=classroom, instance=assignment)
    if request.method == "POST" and form.is_valid():
        services.update_assignment(by=request.user, assignment=assignment, **form.cleaned_data)
        messages.success(request, _("Saved “%(title)s”.") % {"title": assignment.title})
        return redirect(reverse("classroom", args=[classroom.pk]) + "#assignments-title")
    return render(
        request,
        "dashboards/assignment_form.html",
        {"classroom": classroom, "form": form, "assignment": assignment},
    )


@teacher_required
@require_POST
def assignment_delete(request: HttpRequest, classroom_id: int, assignment_id: int) -> HttpResponse:
    classroom = _classroom(request, classroom_id)
    assignment = _assignment(classroom, assignment_id)
    services.delete_assignment(by=request.user, assignment=assignment)
    messages.success(
        request, _("Deleted “%(title)s”. Students' work is kept.") % {"title": assignment.title}
    )
    return redirect(reverse("classroom", args=[classroom.pk]) + "#assignments-title")


@teacher_required
@require_GET
def student_detail(request: HttpRequest, classroom_id: int, student_id: int) -> HttpResponse:
    """One student: attempt timeline, explanations read, mastery and time on task over time."""
    classroom = _classroom(request, classroom_id)
    student = _student(classroom, student_id)
    page = Paginator(drilldown.student_attempts(student, classroom), drilldown.TIMELINE_PAGE)
    timeline = page.get_page(request.GET.get("page"))
    days = drilldown.student_days(student, classroom)
    row = overview.student_row(classroom, student)
    traces = drilldown.mastery_over_time(student, classroom)
    mastery_series = [
        charts.Series(t.skill.name, [(at.timestamp(), p) for at, p in t.points]) for t in traces
    ]
    accuracy_series = [
        charts.Series(
            _("Accuracy per day"),
            [(timezone.make_aware(_noon(d.day)).timestamp(), d.accuracy) for d in days],
        )
    ]
    day_bars = [
        (
            timezone.make_aware(_noon(d.day)).timestamp(),
            d.seconds / 60,
            d.day.strftime("%Y-%m-%d"),
        )
        for d in days
    ]
    return render(
        request,
        "dashboards/student.html",
        {
            "classroom": classroom,
            "student": student,
            "timeline": timeline,
            "explanations": drilldown.student_explanations(student, classroom),
            "days": days,
            "traces": traces,
            "mastery_chart": charts.line_chart(
                "mastery-chart",
                _("Estimated mastery of %(name)s over time") % {"name": student.username},
                mastery_series,
            ),
            "mastery_legend": charts.legend(mastery_series),
            "accuracy_chart": charts.line_chart(
                "accuracy-chart",
                _("Accuracy per day of %(name)s") % {"name": student.username},
                accuracy_series,
            ),
            "time_chart": charts.bar_chart(
                "time-chart",
                _("Time on task per day of %(name)s") % {"name": student.username},
                day_bars,
                unit=_("min"),
            ),
            "row": row,
            "skills_now": list(zip(grid.course_skills(classroom), row.cells, strict=True)),
        },
    )


def _noon(d: date) -> datetime:
    return datetime.combine(d, time(12))  # noon: a day's point sits in the middle of its day


def _date(value: str | None) -> date | None:
    try:
        return parse_date(value or "")
    except ValueError:  # well formed but impossible, such as 2026-02-30
        return None


def _filename(classroom: Classroom, what: str) -> str:
    return f"{slugify(classroom.name) or 'class'}-{what}-{timezone.localdate():%Y-%m-%d}.csv"


async def _async_chunks(chunks: Iterator[str]) -> AsyncIterator[str]:
    """Pull a sync generator one chunk at a time in the thread-sensitive executor (where its
    database cursor lives). Under ASGI, Django would otherwise read a sync iterator to the
    end with list() before sending a byte (django.http.StreamingHttpResponse.__aiter__)."""
    done = object()
    pull = sync_to_async(lambda: next(chunks, done), thread_sensitive=True)
    while (chunk := await pull()) is not done:
        yield chunk


def _csv_response(request: HttpRequest, lines: Iterator[str], filename: str):
    content = _async_chunks(lines) if isinstance(request, ASGIRequest) else lines
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Accel-Buffering"] = "no"  # let a proxy pass rows on as they come
    return response


@teacher_required
@require_GET
def export_attempts(request: HttpRequest, classroom_id: int) -> StreamingHttpResponse:
    """Attempts of the class between two optional dates (inclusive), streamed as CSV."""
    classroom = _classroom(request, classroom_id)
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    rows = exports.attempt_rows(classroom, start, end)
    return _csv_response(
        request,
        exports.csv_lines(exports.ATTEMPT_COLUMNS, rows),
        _filename(classroom, "attempts"),
    )


@teacher_required
@require_GET
def export_mastery(request: HttpRequest, classroom_id: int) -> StreamingHttpResponse:
    """The mastery grid as CSV: today's levels, answers counted between two optional dates."""
    classroom = _classroom(request, classroom_id)
    start, end = _date(request.GET.get("from")), _date(request.GET.get("to"))
    return _csv_response(
        request,
        exports.csv_lines(exports.MASTERY_COLUMNS, exports.mastery_rows(classroom, start, end)),
        _filename(classroom, "mastery"),
    )
