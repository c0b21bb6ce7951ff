"""Curriculum pages for admins (upload with a dry-run report, confirm, progress, export) and
the figures of loaded courses. Thin: services write, selectors read."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from curriculum import selectors, services
from curriculum.exporter import export_bytes
from curriculum.forms import UploadForm
from curriculum.models import Course, ImportJob
from tutor.selectors import visible_courses


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied(_("Loading curricula is for administrators."))
        return view(request, *args, **kwargs)

    return wrapped


@staff_required
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["package"]
            job = services.create_import_job(
                user=request.user,
                filename=upload.name,
                content=upload.read(),
                source_format=form.cleaned_data["source_format"],
            )
            return redirect("curriculum:job", job_id=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "curriculum/manage.html",
        {
            "form": form,
            "jobs": selectors.recent_import_jobs(),
            "courses": selectors.loaded_courses(),
        },
        status=status,
    )


@staff_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_page(request, job_id, "curriculum/job.html")


@staff_required
@require_POST
def job_confirm(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("package"), pk=job_id)
    job = services.confirm_import_job(job=job, user=request.user)
    if job.status != ImportJob.Status.QUEUED:
        messages.info(
            request, _("This upload is %(status)s.") % {"status": job.get_status_display().lower()}
        )
    return redirect("curriculum:job", job_id=job.pk)


@staff_required
@require_GET
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_page(request, job_id, "curriculum/_state.html")


def _job_page(request: HttpRequest, job_id: int, template: str) -> HttpResponse:
    """An upload's page or its polled state fragment: the job, its report and progress."""
    job = get_object_or_404(ImportJob.objects.defer("package"), pk=job_id)
    return render(
        request,
        template,
        {"job": job, "report": job.report, "progress": selectors.job_progress(job)},
    )


@staff_required
@require_GET
def export(request: HttpRequest, slug: str) -> HttpResponse:
    course = get_object_or_404(Course, slug=slug)
    filename, content, content_type = export_bytes(course)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def figure(request: HttpRequest, slug: str, path: str) -> HttpResponse:
    found = selectors.figure(slug, path)
    # Figures are content: the same rights as the course's problems (tutor.selectors).
    if found is None or not visible_courses(request.user).filter(pk=found.course_id).exists():
        raise Http404(_("No such figure."))
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    # Uploaded SVG could carry script: never let a figure run anything if opened directly.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
