"""Loading curricula: read → validate everything → (dry run: report) or import atomically.

Used by `manage.py load_curriculum`, the admin upload page and its Celery task.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from celery import current_app
from django.db import transaction

from curriculum import importer, validation
from curriculum.models import ImportJob
from curriculum.package import HasIssues, Issue, PackageError, RawPackage, read_package

# The names curriculum/tasks.py registers: sent by name, since the tasks call these services.
CHECK_PACKAGE_TASK = "curriculum.tasks.check_package"
IMPORT_PACKAGE_TASK = "curriculum.tasks.import_package"


@dataclass
class LoadReport(HasIssues):
    source: str
    source_format: str
    dry_run: bool
    issues: list[Issue] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)
    # Importer-specific facts (OATutor: what was skipped and why, answers that fail to parse).
    mapping: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    imported: bool = False
    versions: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "source_format": self.source_format,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "imported": self.imported,
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings[:500]],
            "warning_count": len(self.warnings),
            "counts": self.counts,
            "changes": self.changes,
            "mapping": self.mapping,
            "timings": self.timings,
            "versions": self.versions,
        }


def read_and_validate(
    source: str | Path | bytes,
    *,
    fmt: str = "native",
    filename: str | None = None,
    progress: importer.Progress | None = None,
) -> tuple[LoadReport, list[validation.CoursePlan]]:
    """Everything short of writing: the report, and the plans when there is no error."""
    name = filename or str(source if not isinstance(source, bytes) else "upload")
    report = LoadReport(source=name, source_format=fmt, dry_run=True)
    started = time.perf_counter()
    if progress:
        progress(0, 1, "reading the package")
    try:
        if fmt == "oatutor":
            from curriculum import oatutor

            if isinstance(source, bytes):
                raws, mapping = _oatutor_from_zip(source, name)
            else:
                raws, mapping = oatutor.read_pool(Path(source))
            report.mapping = mapping
        else:
            raws = [read_package(source, filename=filename)]
    except PackageError as exc:
        report.issues.extend(exc.issues)
        report.timings["read_s"] = round(time.perf_counter() - started, 3)
        return report, []
    report.timings["read_s"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    plans: list[validation.CoursePlan] = []
    totals: dict[str, int] = {}
    answers = {"checked": 0, "failed": 0}
    for index, raw in enumerate(raws):
        if progress:
            progress(index, len(raws), f"checking {raw.main_file}")
        result = validation.validate(raw, source_format=fmt)
        report.issues.extend(result.issues)
        plans.extend(result.plans)
        for k, v in result.counts().items():
            totals[k] = totals.get(k, 0) + v
        answers["checked"] += result.stats.get("answers_checked", 0)
        answers["failed"] += result.stats.get("answers_failed", 0)
    _check_course_slugs(raws, report)
    report.counts = totals
    report.mapping.setdefault("answer_specs", answers)
    report.timings["validate_s"] = round(time.perf_counter() - started, 3)
    return report, (plans if report.ok else [])


def _oatutor_from_zip(content: bytes, name: str) -> tuple[list[RawPackage], dict[str, Any]]:
    """An uploaded zip of an OATutor pool folder (coursePlans.json, skillModel.json and
    content-pool-json.tar.gz or content-pool/), unpacked after the zip safety checks."""
    import tempfile

    from curriculum import oatutor
    from curriculum.package import read_zip_files

    files = read_zip_files(content, name)
    with tempfile.TemporaryDirectory(prefix="oatutor-upload-") as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            target = (root / rel).resolve()
            if root.resolve() not in target.parents:  # read_zip_files refused these already
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return oatutor.read_pool(root)


def _check_course_slugs(raws: list[RawPackage], report: LoadReport) -> None:
    seen: set[str] = set()
    for raw in raws:
        slug = raw.data.get("course", {}).get("slug") if isinstance(raw.data, dict) else None
        if slug in seen:
            report.issues.append(
                Issue("error", raw.main_file, "course.slug", f"two courses with slug {slug!r}")
            )
        seen.add(slug)


def load_curriculum(
    source: str | Path | bytes,
    *,
    fmt: str = "native",
    dry_run: bool = False,
    user: Any = None,
    filename: str | None = None,
    progress: importer.Progress | None = None,
) -> LoadReport:
    """Validate completely; then report (dry run) or import all courses in one transaction.

    Nothing is written when any error is found.
    """
    check_progress = progress if dry_run else None
    report, plans = read_and_validate(source, fmt=fmt, filename=filename, progress=check_progress)
    report.dry_run = dry_run
    if not report.ok:
        return report
    started = time.perf_counter()
    if dry_run:
        if progress:
            progress(len(plans), len(plans) + 1, "comparing with what is loaded")
        report.changes = [c.to_dict() for c in importer.plan_changes(plans)]
        report.timings["plan_s"] = round(time.perf_counter() - started, 3)
        return report
    outcome = importer.import_plans(plans, user=user, source_name=report.source, progress=progress)
    report.changes = [c.to_dict() for c in outcome.changes]
    report.versions = [v.pk for v in outcome.versions]
    report.imported = True
    report.timings["import_s"] = round(time.perf_counter() - started, 3)
    return report


# ------------------------------------------------------------------ the admin upload flow


def create_import_job(
    *, user: Any, filename: str, content: bytes, source_format: str = "native"
) -> ImportJob:
    """Store an upload and queue its dry run (a worker checks it: an OATutor pool takes a
    while). Nothing is imported until the admin confirms."""
    job = ImportJob.objects.create(
        created_by=user,
        filename=filename[: ImportJob._meta.get_field("filename").max_length],
        source_format=source_format,
        package=content,
        status=ImportJob.Status.CHECKING,
        message="waiting for a worker",
    )
    result = current_app.send_task(CHECK_PACKAGE_TASK, args=[job.pk], queue="default")
    ImportJob.objects.filter(pk=job.pk).update(task_id=result.id)
    job.task_id = result.id
    return job


def run_check_job(*, job_id: int, progress: importer.Progress | None = None) -> ImportJob | None:
    """The body of the dry-run task: check the upload and store the report on the job."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.CHECKING:
        return job
    try:
        report = load_curriculum(
            bytes(job.package),
            fmt=job.source_format,
            dry_run=True,
            filename=job.filename,
            progress=progress,
        )
    except Exception as exc:  # shown on the page; the worker lives on
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=f"{type(exc).__name__}: {exc}"
        )
        raise
    job.report = report.to_dict()
    job.status = ImportJob.Status.VALIDATED if report.ok else ImportJob.Status.INVALID
    job.message = "" if report.ok else f"{len(report.errors)} error(s)"
    job.save(update_fields=["report", "status", "message"])
    return job


def confirm_import_job(*, job: ImportJob, user: Any) -> ImportJob:
    """Queue the import of a validated upload (once)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.VALIDATED:
            return job
        job.status = ImportJob.Status.QUEUED
        job.message = "waiting for a worker"
        job.save(update_fields=["status", "message"])
    result = current_app.send_task(IMPORT_PACKAGE_TASK, args=[job.pk], queue="default")
    ImportJob.objects.filter(pk=job.pk).update(task_id=result.id)
    job.task_id = result.id
    return job


def run_import_job(*, job_id: int, progress: importer.Progress | None = None) -> ImportJob | None:
    """The body of the Celery task: import, then record the outcome on the job."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.QUEUED:
        return job  # only a confirmed job is imported, and only once
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, message="validating"
    )
    try:
        report = load_curriculum(
            bytes(job.package),
            fmt=job.source_format,
            filename=job.filename,
            user=job.created_by,
            progress=progress,
        )
    except Exception as exc:  # the admin sees it on the page; the worker lives on
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED, message=f"{type(exc).__name__}: {exc}"
        )
        raise
    job.report = report.to_dict()
    job.status = ImportJob.Status.DONE if report.imported else ImportJob.Status.FAILED
    job.message = (
        "imported" if report.imported else f"{len(report.errors)} error(s); nothing written"
    )
    job.progress_done = job.progress_total = report.counts.get("problems", 0) + 1
    job.save(update_fields=["report", "status", "message", "progress_done", "progress_total"])
    if report.versions:
        job.versions.set(report.versions)
    return job
