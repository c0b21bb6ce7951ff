"""The Celery app: Redis broker, two queues (`default` on CPU workers, `gpu` for generation)."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tutor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("gpu"))
app.autodiscover_tasks()


def _add_heartbeat() -> None:
    # Imported late: the heartbeat reads Django settings, which need the app configured first.
    from config.heartbeat import HeartbeatStep

    app.steps["consumer"].add(HeartbeatStep)


_add_heartbeat()
