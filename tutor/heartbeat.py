"""Worker heartbeats in Redis, so pages and /healthz can tell that a worker is alive.

Each worker process writes `tutor:worker:<hostname>` (JSON: queues, time) every few seconds
with a short expiry; a worker that dies simply stops refreshing its key.
"""

from __future__ import annotations

import json
import threading
import time

import redis
from celery.signals import worker_ready, worker_shutdown
from django.conf import settings

KEY_PREFIX = "tutor:worker:"
_stop = threading.Event()


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, decode_responses=True)


def beat_once(client: redis.Redis, hostname: str, queues: list[str]) -> None:
    period = settings.TUTOR_WORKER_HEARTBEAT_SECONDS
    payload = json.dumps({"hostname": hostname, "queues": queues, "time": time.time()})
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


def live_queues(client: redis.Redis | None = None) -> set[str]:
    return {q for worker in live_workers(client) for q in worker["queues"]}


def _loop(hostname: str, queues: list[str]) -> None:
    client = redis_client()
    while not _stop.is_set():
        try:
            beat_once(client, hostname, queues)
        except redis.RedisError:
            pass  # Redis briefly away: the key expires and the worker shows as offline.
        _stop.wait(settings.TUTOR_WORKER_HEARTBEAT_SECONDS)


@worker_ready.connect
def _start_heartbeat(sender, **kwargs) -> None:
    consumer = sender
    queues = sorted(q.name for q in consumer.task_consumer.queues) if consumer.task_consumer else []
    _stop.clear()
    threading.Thread(
        target=_loop, args=(consumer.hostname, queues), name="tutor-heartbeat", daemon=True
    ).start()


@worker_shutdown.connect
def _stop_heartbeat(sender, **kwargs) -> None:
    _stop.set()
    try:
        redis_client().delete(KEY_PREFIX + sender.hostname)
    except redis.RedisError:
        pass
