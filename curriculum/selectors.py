"""Reads for the curriculum pages, with bounded queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Q, QuerySet

from curriculum.models import Course, Figure, ImportJob


def recent_import_jobs(limit: int = 20) -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("created_by").defer("package")[:limit]


def loaded_courses() -> QuerySet[Course]:
    return Course.objects.annotate(
        n_problems=Count(
            "skills__problems", filter=Q(skills__problems__is_active=True), distinct=True
        ),
        version=Max("versions__number"),
    ).order_by("title")


def job_progress(job: ImportJob) -> dict[str, Any]:
    """Done/total/stage of a running import, from the Celery result backend (the import runs
    in one transaction, so the database cannot show progress before it commits)."""
    done, total, stage = job.progress_done, job.progress_total, job.message
    if job.status in ImportJob.BUSY and job.task_id:
        from celery.result import AsyncResult

        info = AsyncResult(job.task_id).info
        if isinstance(info, dict):
            done, total, stage = info.get("done", 0), info.get("total", 0), info.get("stage", "")
    percent = min(100, round(100 * done / total)) if total else 0
    if job.status == ImportJob.Status.DONE:
        percent = 100
    return {"done": done, "total": total, "stage": stage, "percent": percent}


def figure(course_slug: str, path: str) -> Figure | None:
    return Figure.objects.filter(course__slug=course_slug, path=path).first()
