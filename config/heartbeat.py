"""Worker heartbeats in Redis, so pages and /healthz can tell that a worker is alive.

Each worker process writes `tutor:worker:<hostname>` (JSON: queues, time) every few seconds
with a short expiry; a worker that dies simply stops refreshing its key.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid

import redis
from celery import bootsteps
from django.conf import settings

from config.redis_client import redis_client

KEY_PREFIX = "tutor:worker:"

# This process's identity in heartbeats. A restarted worker keeps its hostname but gets a new
# instance, so work claimed by the old process is known to be orphaned at once.
INSTANCE = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"


def beat_once(client: redis.Redis, hostname: str, queues: list[str]) -> None:
    period = settings.TUTOR_WORKER_HEARTBEAT_SECONDS
    payload = json.dumps(
        {"hostname": hostname, "queues": queues, "time": time.time(), "instance": INSTANCE}
    )
    client.set(KEY_PREFIX + hostname, payload, px=int(period * 3 * 1000))


def live_workers(client: redis.Redis | None = None) -> list[dict]:
    """Workers whose heartbeat has not expired, each as {hostname, queues, time}."""
    client = client or redis_client()
    workers = []
    for key in client.scan_iter(match=KEY_PREFIX + "*", count=100):
        raw = client.get(key)
        if raw:
            workers.append(json.loads(raw))
    return sorted(workers, key=lambda w: w["hostname"])


def live_instances(client: redis.Redis | None = None) -> set[str]:
    """The process instances of the live workers (see INSTANCE)."""
    return {w["instance"] for w in live_workers(client) if w.get("instance")}


def live_queues(client: redis.Redis | None = None) -> set[str]:
    return {q for worker in live_workers(client) for q in worker["queues"]}


class HeartbeatStep(bootsteps.StartStopStep):
    """A consumer bootstep: beats while the worker consumes, in real and test workers alike."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, parent) -> None:
        queues = sorted(q.name for q in parent.task_consumer.queues)
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(parent.hostname, queues), name="tutor-heartbeat", daemon=True
        )
        self._thread.start()

    def stop(self, parent) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            redis_client().delete(KEY_PREFIX + parent.hostname)
        except redis.RedisError:
            pass

    shutdown = stop

    def _loop(self, hostname: str, queues: list[str]) -> None:
        client = redis_client()
        while not self._stop.is_set():
            try:
                beat_once(client, hostname, queues)
            except redis.RedisError:
                pass  # Redis briefly away: the key expires and the worker shows as offline.
            self._stop.wait(settings.TUTOR_WORKER_HEARTBEAT_SECONDS)
