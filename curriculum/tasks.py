"""Background jobs of the curriculum (queue `default`): importing an uploaded package."""

from __future__ import annotations

import time

from celery import shared_task

from curriculum.models import ImportJob


@shared_task(bind=True, name="curriculum.tasks.import_package")
def import_package(self, job_id: int) -> str:
    """Validate again (the database may have changed since the dry run) and import."""
    from curriculum.services import run_import_job

    last = [0.0]

    def progress(done: int, total: int, stage: str) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.25 or done >= total:  # a few updates a second is plenty
            last[0] = now
            self.update_state(state="PROGRESS", meta={"done": done, "total": total, "stage": stage})

    job = run_import_job(job_id=job_id, progress=progress)
    return job.status if job else ImportJob.Status.FAILED
