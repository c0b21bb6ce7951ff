"""Teacher pages: classes, rosters and (to come) the live class dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from tutor import selectors, services
from tutor.forms import ClassroomForm
from tutor.permissions import can_view_classroom, is_teacher


def teacher_required(view):
    @login_required
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not is_teacher(request.user):
            raise PermissionDenied("This page is for teachers.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@teacher_required
def teach(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboards/teach.html",
        {"classrooms": selectors.classrooms_taught_by(request.user)},
    )


@teacher_required
@require_http_methods(["GET", "POST"])
def classroom_create(request: HttpRequest) -> HttpResponse:
    form = ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        classroom = services.create_classroom(
            teacher=request.user, name=form.cleaned_data["name"], course=form.cleaned_data["course"]
        )
        return redirect("classroom", classroom_id=classroom.pk)
    return render(request, "dashboards/classroom_form.html", {"form": form})


@teacher_required
def classroom_detail(request: HttpRequest, classroom_id: int) -> HttpResponse:
    classroom = get_object_or_404(selectors.classrooms_taught_by(request.user), pk=classroom_id)
    if not can_view_classroom(request.user, classroom):
        raise PermissionDenied
    join_url = request.build_absolute_uri(reverse("join_class") + f"?code={classroom.join_code}")
    return render(
        request,
        "dashboards/classroom.html",
        {
            "classroom": classroom,
            "enrollments": classroom.enrollments.select_related("student").order_by(
                "student__username"
            ),
            "join_url": join_url,
        },
    )
