"""The Celery app: Redis broker, two queues (`default` on CPU workers, `gpu` for generation)."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tutor.settings")

app = Celery("tutor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("default"), Queue("gpu"))
app.autodiscover_tasks()

# Importing the module connects the heartbeat to the worker's lifecycle signals.
from tutor import heartbeat  # noqa: E402,F401
