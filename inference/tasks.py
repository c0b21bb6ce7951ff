"""The generation task (queue `gpu`): run the engine, stream to Redis, check the answer."""

from __future__ import annotations

import json
import logging
import threading
import time

import redis
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.signals import worker_ready
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config import heartbeat
from inference import engines, services, streams
from inference.models import Generation
from inference.services import redis_client

log = logging.getLogger(__name__)

# How often the task looks at the cancel flag and the watchers while tokens flow.
POLL_SECONDS = 0.05
STATUS_EVERY_SECONDS = 0.5

_FINISH_STATUS = {
    "stop": Generation.Status.DONE,
    "length": Generation.Status.DONE,
    "cancelled": Generation.Status.CANCELLED,
    "error": Generation.Status.FAILED,
}


@worker_ready.connect
def _warm_up_engine(sender, **kwargs) -> None:
    """Build the engine as soon as a worker serving `gpu` is up, inside its process, so the
    first student does not wait for the model to load. Failures are logged; each task then
    reports them clearly."""
    queues = {q.name for q in sender.task_consumer.queues} if sender.task_consumer else set()
    if "gpu" not in queues or not engines.is_configured():
        return
    # A restarted worker first fails what its previous process left running (the beat sweeper
    # would too, a few seconds later).
    threading.Thread(target=_sweep_quietly, name="sweep-on-start", daemon=True).start()

    def build() -> None:
        try:
            engines.get_engine()
            log.info("engine ready: %s", settings.TUTOR_ENGINE)
        except engines.EngineError as exc:
            log.error("engine could not start: %s", exc)

    threading.Thread(target=build, name="engine-warm-up", daemon=True).start()


def _sweep_quietly() -> None:
    try:
        services.fail_stranded_generations()
    except Exception:  # start-up must not fail because of the sweep
        log.exception("sweep on start failed")


@shared_task(name="inference.sweep_stranded", ignore_result=True)
def sweep_stranded() -> list[int]:
    """Celery beat runs this every few seconds on the `default` queue (see settings): fail
    generations whose worker vanished, and tell their pages."""
    return services.fail_stranded_generations()


@shared_task(
    name=services.GENERATE_TASK,
    # The Generation row is the result. Without a result to track, asking for an explanation
    # does not subscribe the web process to the result backend, whose connection a Redis
    # restart can leave broken for good ("the Celery application must be restarted").
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=600,
    time_limit=660,
)
def generate(generation_id: int) -> str:
    # Claim the row: a redelivered task (acks_late) or a stop while queued does nothing.
    claimed = Generation.objects.filter(pk=generation_id, status=Generation.Status.QUEUED).update(
        status=Generation.Status.RUNNING, started_at=timezone.now(), worker=heartbeat.INSTANCE
    )
    if not claimed:
        return "skipped"
    try:
        return _generate(generation_id)
    except Exception as exc:  # whatever broke, the student must not be stranded
        log.exception("generation %s failed", generation_id)
        services.fail_generation(generation_id, f"an error in the tutor ({type(exc).__name__})")
        return Generation.Status.FAILED


def _generate(generation_id: int) -> str:
    gen = Generation.objects.select_related("problem").get(pk=generation_id)
    client = redis_client()
    writer = streams.StreamWriter(client, gen.pk)
    gen.queue_wait_ms = int((gen.started_at - gen.created_at).total_seconds() * 1000)
    if streams.cancel_requested(client, gen.pk):
        return _finish(gen, writer, Generation.Status.CANCELLED, "")
    try:
        engine = engines.get_engine()
    except engines.EngineError as exc:
        return _finish(gen, writer, Generation.Status.FAILED, "", error=str(exc))
    gen.engine, gen.model_name = engine.name, engine.model_name or gen.model_name
    stream_live = gen.purpose != Generation.Purpose.HINT  # hints are checked before shown
    writer.status("The tutor is thinking…" if not stream_live else "The tutor is writing…")
    handle = engine.submit(
        engines.GenerationRequest(
            messages=gen.prompt,
            max_new_tokens=settings.TUTOR_MAX_NEW_TOKENS,
            temperature=settings.TUTOR_TEMPERATURE,
            seed=gen.pk,
            purpose=gen.purpose,
            statement=gen.problem.statement,
            student_answer=services.starting_point(gen),
        )
    )
    pieces: list[str] = []
    first_token = None
    next_poll = next_status = time.monotonic()
    try:
        while True:
            delta = handle.next_delta(timeout=POLL_SECONDS)
            if delta is None:
                break
            now = time.monotonic()
            if delta:
                if first_token is None:
                    first_token = now
                    gen.first_token_at = timezone.now()
                pieces.append(delta)
                if stream_live:
                    writer.write(delta)
                elif now >= next_status:
                    writer.status(f"The tutor is thinking… ({handle.completion_tokens} tokens)")
                    next_status = now + STATUS_EVERY_SECONDS
            else:
                writer.tick()
                if first_token is None and now >= next_status:
                    # Waiting inside the engine (more requests than its batch): say where.
                    position = engine.waiting_position(handle.id)
                    if position:
                        writer.status(f"Waiting for the tutor: number {position} in line.")
                    next_status = now + STATUS_EVERY_SECONDS
            if now >= next_poll:
                next_poll = now + POLL_SECONDS
                if streams.cancel_requested(client, gen.pk) or _abandoned(client, gen):
                    engine.cancel(handle.id)
    except SoftTimeLimitExceeded:
        engine.cancel(handle.id)
        gen.completion_tokens = handle.completion_tokens
        return _finish(
            gen, writer, Generation.Status.FAILED, "".join(pieces), error="took too long"
        )
    except redis.RedisError as exc:
        # Redis went away (a restart): nobody can watch or stop this any more. Fail it in the
        # database; the page renders the end from there once Redis is back.
        engine.cancel(handle.id)
        log.warning("generation %s: Redis lost (%s)", gen.pk, exc)
        gen.completion_tokens = handle.completion_tokens
        return _finish(
            gen,
            writer,
            Generation.Status.FAILED,
            "".join(pieces),
            error="the connection to the stream was lost. Press Retry to ask again",
        )
    end = time.monotonic()
    gen.prompt_tokens = handle.prompt_tokens
    gen.completion_tokens = handle.completion_tokens
    if first_token is not None:
        gen.time_to_first_token_ms = int(
            (gen.first_token_at - gen.started_at).total_seconds() * 1000
        )
        if end > first_token and handle.completion_tokens > 1:
            gen.tokens_per_second = (handle.completion_tokens - 1) / (end - first_token)
    if handle.finish_reason == "unsupported":
        # The built-in model said plainly that it does not cover this problem: nothing to check.
        return _finish_uncovered(gen, writer, "".join(pieces))
    status = _FINISH_STATUS.get(handle.finish_reason or "stop", Generation.Status.DONE)
    return _finish(
        gen, writer, status, "".join(pieces), error=handle.error or "", checked=handle.checked
    )


def _abandoned(client, gen: Generation) -> bool:
    """Nobody has watched for the grace period (the watch key expired or never appeared)."""
    age = (timezone.now() - gen.created_at).total_seconds()
    return age > settings.TUTOR_UNWATCHED_CANCEL_SECONDS and not client.exists(
        streams.watch_key(gen.pk)
    )


def _answer_part(text: str) -> str:
    splitter = streams.ThinkSplitter()
    parts = splitter.feed(text) + splitter.flush()
    return "".join(t for part, t in parts if part == "answer")


def _finish_uncovered(gen: Generation, writer, text: str) -> str:
    gen.status, gen.text, gen.shown_text = Generation.Status.DONE, text, text
    gen.finished_at = timezone.now()
    gen.answer_check_detail = "The built-in tutor does not cover this problem."
    if gen.purpose == Generation.Purpose.HINT:
        writer.replace("answer", text)  # hints are not streamed live
    gen.save()
    writer.end(gen.status, detail="")
    return gen.status


def _finish(
    gen: Generation, writer, status: str, text: str, error: str = "", checked: bool | None = None
) -> str:
    text = text.replace("\x00", "\ufffd")  # as streamed; PostgreSQL refuses NUL
    gen.status, gen.text, gen.error = status, text, error
    gen.finished_at = timezone.now()
    answer = _answer_part(text).strip()
    fields: dict[str, str] = {}
    if status == Generation.Status.DONE:
        answer = services.judge_generation(gen, answer, checked=checked)
        if gen.purpose == Generation.Purpose.HINT:
            writer.replace("answer", answer)  # hints are checked before they are shown
        gen.shown_text = answer
        fields = {"check": gen.answer_check, "detail": gen.answer_check_detail}
        if gen.step_check:
            fields["steps"] = json.dumps(gen.step_check)
    elif status == Generation.Status.FAILED:
        fields = {"detail": f"The tutor could not finish: {error or 'unknown error'}."}
    with transaction.atomic():
        # Stop or the sweeper may have ended the row already (a stranded-looking worker):
        # theirs is the word the page has seen, keep it.
        current = Generation.objects.select_for_update().filter(pk=gen.pk).first()
        if current is None or current.status != Generation.Status.RUNNING:
            return current.status if current else status
        gen.save()
    try:
        writer.end(status, **fields)
    except redis.RedisError:
        log.warning("generation %s ended %s; Redis unreachable for its end entry", gen.pk, status)
    log.info("generation %s %s (%s tokens)", gen.pk, status, gen.completion_tokens)
    return status
