"""Background jobs of the curriculum (queue `default`): importing an uploaded package."""

from __future__ import annotations

import time

from celery import shared_task

from curriculum import services
from curriculum.models import ImportJob


def _reporter(task):
    """Progress to the result backend, a few times a second (the import runs in one
    transaction, so the page cannot read progress from the database)."""
    last = [0.0]

    def progress(done: int, total: int, stage: str) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.25 or done >= total:
            last[0] = now
            task.update_state(state="PROGRESS", meta={"done": done, "total": total, "stage": stage})

    return progress


@shared_task(bind=True, name=services.CHECK_PACKAGE_TASK)
def check_package(self, job_id: int) -> str:
    """The dry run of an uploaded package: the complete check and the change report."""
    job = services.run_check_job(job_id=job_id, progress=_reporter(self))
    return job.status if job else ImportJob.Status.FAILED


@shared_task(bind=True, name=services.IMPORT_PACKAGE_TASK)
def import_package(self, job_id: int) -> str:
    """Validate again (the database may have changed since the dry run) and import."""
    job = services.run_import_job(job_id=job_id, progress=_reporter(self))
    return job.status if job else ImportJob.Status.FAILED
