"""Writes of the explanation flow: ask, stop, and the rights to watch."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

import redis
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config import heartbeat
from config.redis_client import redis_client
from curriculum import answers
from curriculum.models import Problem
from inference import engines, streams, verify
from inference.models import Generation
from inference.prompts import build_messages
from tutor import selectors
from tutor.models import Attempt, User
from tutor.permissions import can_view_student
from tutor.services import reveal_next_hint

GPU_QUEUE = "gpu"
GENERATE_TASK = "inference.tasks.generate"  # the name inference/tasks.py registers

log = logging.getLogger(__name__)

WORKER_LOST = "the tutor's worker stopped while writing this. Press Retry to ask again"
QUEUE_TIMEOUT = "the tutor did not start in time. Press Retry to ask again"


class ExplanationRefused(Exception):
    """Why a request for an explanation cannot go ahead, as a sentence for the student."""


def tutor_online() -> bool:
    try:
        return GPU_QUEUE in heartbeat.live_queues()
    except redis.RedisError:
        return False


def can_watch(viewer: User, generation: Generation) -> bool:
    """The owner, their teachers and admins."""
    return can_view_student(viewer, generation.user)


_MARKS = {"ok": "✓", "one_way": "⚠", "wrong": "✗", "unreadable": "?"}


def step_to_explain(attempt: Attempt | None, user: User, problem: Problem) -> int:
    """The index of the first wrong line of the student's own working on this problem, the
    line "Explain this step" asks about; refused when there is none."""
    if attempt is None or attempt.learner_id != user.pk or attempt.problem_id != problem.pk:
        raise ExplanationRefused("Choose a step of your own working on this problem.")
    working = attempt.working or {}
    k = working.get("first_error")
    lines = working.get("lines") or []
    if not isinstance(k, int) or not 0 < k < len(lines):
        raise ExplanationRefused("Every step of this working follows: there is no step to explain.")
    return k


def last_good_line(working: dict) -> str:
    """The student's last line that follows (or the start) before the first wrong one: where
    an explanation of that step starts from."""
    k = working.get("first_error") or 0
    for line in reversed((working.get("lines") or [])[:k]):
        if line.get("status") in ("given", "ok", "one_way") and str(line.get("text", "")).strip():
            return str(line["text"]).strip()
    return ""


def request_explanation(
    *,
    user: User,
    problem: Problem,
    purpose: str,
    attempt: Attempt | None = None,
) -> Generation:
    """Ask the tutor; ``attempt`` (for "Explain this step") is the student's attempt whose
    working's first wrong line is explained."""
    if purpose not in Generation.Purpose.values:
        raise ExplanationRefused("Unknown kind of help.")
    step = None
    if purpose == Generation.Purpose.STEP:
        step = step_to_explain(attempt, user, problem)
    else:
        attempt = None
    if not engines.is_configured():
        raise ExplanationRefused(
            "No model is configured, so the tutor cannot explain yet. Hints written by your "
            "teachers still work."
        )
    if not selectors.can_see_problem(user, problem):
        raise ExplanationRefused("This problem is not available.")
    if not tutor_online():
        raise ExplanationRefused(
            "The tutor is offline right now. Try again in a few minutes; the written hints work."
        )
    # A request stranded by a vanished worker must not block a new one.
    fail_stranded_generations(user=user)
    with transaction.atomic():
        # Lock the user's row so two quick clicks cannot both start a generation.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if Generation.objects.filter(user=user, status__in=Generation.ACTIVE).exists():
            raise ExplanationRefused(
                "The tutor is still working on your previous request. Wait for it or press Stop."
            )
        hour_ago = timezone.now() - timedelta(hours=1)
        recent = Generation.objects.filter(user=user, created_at__gte=hour_ago).count()
        if recent >= settings.TUTOR_EXPLANATIONS_PER_HOUR:
            raise ExplanationRefused(
                f"You have asked for {recent} explanations in the last hour, the most allowed. "
                "Try the written hints, or come back a little later."
            )
        attempts = list(
            Attempt.objects.filter(learner=user, problem=problem)
            .order_by("created_at")
            .values_list("raw_input", "verdict")
        )
        hints = [h.text for h in selectors.revealed_hints(user, problem)]
        working = []
        if attempt is not None:
            working = [
                (str(v.get("text", "")), _MARKS.get(v.get("status", ""), ""), v.get("message", ""))
                for v in attempt.working["lines"]
            ]
        generation = Generation.objects.create(
            user=user,
            problem=problem,
            purpose=purpose,
            engine=settings.TUTOR_ENGINE,
            model_name=engines.model_label(),
            attempt=attempt,
            prompt=build_messages(
                purpose=purpose,
                statement=problem.statement,
                attempts=attempts,
                hints=hints,
                working=working,
                step=step,
            ),
        )
        try:
            streams.reset(redis_client(), generation.pk)
        except redis.RedisError as exc:
            raise ExplanationRefused(
                "The tutor is offline right now. Try again in a few minutes; the written hints "
                "work."
            ) from exc
        transaction.on_commit(lambda: _enqueue(generation.pk))
    return generation


def _enqueue(generation_id: int) -> None:
    # By name: the tasks module calls these services, so importing it here would be a cycle.
    # No result to track (the Generation row is the result): the web process must not subscribe
    # to the result backend, whose connection a Redis restart can leave broken for good.
    current_app.send_task(GENERATE_TASK, args=[generation_id], queue=GPU_QUEUE, ignore_result=True)


def stop_generation(*, user: User, generation: Generation) -> Generation:
    """Stop a generation. Always ends one nobody is running: still queued, claimed by a worker
    that no longer beats, or when Redis cannot be reached (the worker could not carry on
    anyway). A running one on a live worker is asked to stop and ends within one step."""
    try:
        client = redis_client()
        streams.request_cancel(client, generation.pk)
        live = heartbeat.live_instances(client)
    except redis.RedisError:
        client, live = None, set()
    ended = Generation.objects.filter(pk=generation.pk, status=Generation.Status.QUEUED)
    if client is None:
        ended = Generation.objects.filter(pk=generation.pk, status__in=Generation.ACTIVE)
    else:
        ended = ended | Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.RUNNING
        ).exclude(worker__in=live)
    if ended.update(status=Generation.Status.CANCELLED, finished_at=timezone.now()):
        _end_stream(client, generation.pk, Generation.Status.CANCELLED)
    generation.refresh_from_db()
    return generation


def _end_stream(client: redis.Redis | None, generation_id: int, status: str, **fields) -> None:
    """Write the end entry for a generation ended outside its worker. Redis may be away: the
    page then renders the end from the database (inference.consumers)."""
    if client is None:
        return
    try:
        streams.StreamWriter(client, generation_id).end(status, **fields)
    except redis.RedisError:
        log.warning("could not write the end of generation %s to Redis", generation_id)


def fail_generation(generation_id: int, reason: str) -> bool:
    """Fail a running generation (if it still is) and end its stream, best effort."""
    updated = Generation.objects.filter(pk=generation_id, status=Generation.Status.RUNNING).update(
        status=Generation.Status.FAILED, error=reason, finished_at=timezone.now()
    )
    if updated:
        try:
            client = redis_client()
        except redis.RedisError:
            client = None
        _end_stream(
            client,
            generation_id,
            Generation.Status.FAILED,
            detail=f"The tutor could not finish: {reason}.",
        )
    return bool(updated)


def fail_stranded_generations(*, user: User | None = None) -> list[int]:
    """The sweeper: fail running generations whose worker instance no longer beats, and
    queued ones that waited longer than TUTOR_QUEUE_TIMEOUT_SECONDS (their task was lost, e.g.
    with a Redis restart). Each gets an end entry, so a watching page says so at once and
    offers Retry. Returns the ids failed. Does nothing when Redis cannot be reached: without
    heartbeats no worker can be called gone."""
    try:
        client = redis_client()
        live = heartbeat.live_instances(client)
    except redis.RedisError:
        return []
    rows = Generation.objects.filter(status__in=Generation.ACTIVE)
    if user is not None:
        rows = rows.filter(user=user)
    grace = timezone.now() - timedelta(seconds=settings.TUTOR_WORKER_HEARTBEAT_SECONDS * 3)
    queue_deadline = timezone.now() - timedelta(seconds=settings.TUTOR_QUEUE_TIMEOUT_SECONDS)
    failed: list[int] = []
    for gen_id, status, worker, started_at, created_at in rows.values_list(
        "pk", "status", "worker", "started_at", "created_at"
    ):
        if status == Generation.Status.RUNNING:
            # A row claimed before workers recorded their instance: judged by its age.
            lost = worker not in live if worker else started_at and started_at < grace
            reason = WORKER_LOST
        else:
            lost, reason = created_at < queue_deadline, QUEUE_TIMEOUT
        if not lost:
            continue
        updated = Generation.objects.filter(pk=gen_id, status=status, worker=worker).update(
            status=Generation.Status.FAILED, error=reason, finished_at=timezone.now()
        )
        if updated:
            failed.append(gen_id)
            # Should the worker be alive after all (heartbeats lost in a Redis blip), it stops
            # writing at its next poll instead of streaming past the end.
            with contextlib.suppress(redis.RedisError):
                streams.request_cancel(client, gen_id)
            _end_stream(
                client,
                gen_id,
                Generation.Status.FAILED,
                detail=f"The tutor could not finish: {reason}.",
            )
    if failed:
        log.warning("failed stranded generations %s", failed)
    return failed


def queue_position(generation: Generation) -> int:
    """1 for the next to start."""
    return (
        Generation.objects.filter(
            status=Generation.Status.QUEUED, created_at__lt=generation.created_at
        ).count()
        + 1
    )


# ------------------------------------------------------------------ judging a finished text

NO_CHECKED_ANSWER = (
    "The tutor could not write an explanation whose every step checks out, so none is shown as "
    "correct."
)


def starting_point(generation: Generation) -> str:
    """Where the model starts from: for "Explain this step" the student's last line that
    follows before the first wrong one; for a hint what the student typed last for this
    problem (the built-in model works on from there when it can)."""
    if generation.purpose == Generation.Purpose.STEP:
        attempt = generation.attempt if generation.attempt_id else None
        return last_good_line(attempt.working) if attempt and attempt.working else ""
    return (
        Attempt.objects.filter(learner=generation.user, problem=generation.problem)
        .order_by("-created_at")
        .values_list("raw_input", flat=True)
        .first()
        or ""
    )


def judge_generation(generation: Generation, answer: str, *, checked: bool | None) -> str:
    """Judge a finished text against the problem (sets the check fields on ``generation``,
    unsaved) and return what the student is shown: a hint that gives the answer away is
    replaced by the next written hint; an explanation's final answer is checked against the
    key; "Explain this step" also has its own lines step-checked."""
    spec = generation.problem.answer_spec
    purpose = generation.purpose
    if purpose == Generation.Purpose.HINT:
        if verify.reveals_answer(answer, spec):
            generation.answer_check = Generation.Check.REVEALED
            hint = reveal_next_hint(learner=generation.user, problem=generation.problem)
            answer = (
                f"Here is a written hint instead: {hint.text}"
                if hint
                else "The tutor's hint gave the answer away, so it is not shown. Try the "
                "steps you know, or ask for a full explanation."
            )
            generation.answer_check_detail = (
                "The tutor's hint gave the answer away and was withheld."
            )
        else:
            generation.answer_check = Generation.Check.HIDDEN
            generation.answer_check_detail = "Checked: this hint does not give the answer away."
    elif purpose == Generation.Purpose.STEP:
        _judge_step_explanation(generation, answer, checked)
    elif purpose == Generation.Purpose.EXPLANATION and checked is False:
        # The engine's own step checks failed on every attempt: nothing here is an answer.
        generation.answer_check = Generation.Check.NO_ANSWER
        generation.answer_check_detail = NO_CHECKED_ANSWER
    elif purpose == Generation.Purpose.EXPLANATION:
        result = verify.check_explanation(answer, spec)
        generation.answer_check, generation.final_answer = result.status, result.final_answer
        generation.answer_check_detail = result.detail
        generation.flagged = result.status == Generation.Check.DISAGREES
    return answer


def _judge_step_explanation(generation: Generation, answer: str, checked: bool | None) -> None:
    """The explanation of a student's wrong step: its own lines through the step checker
    (marked where they do not follow), and its final answer against the key."""
    spec = generation.problem.answer_spec
    start = starting_point(generation) or (answers.work_start(spec) or "")
    generation.step_check = verify.check_explanation_steps(answer, start, spec)
    if checked is False:
        generation.answer_check = Generation.Check.NO_ANSWER
        generation.answer_check_detail = NO_CHECKED_ANSWER
        return
    result = verify.check_explanation(answer, spec)
    generation.answer_check, generation.final_answer = result.status, result.final_answer
    report = generation.step_check
    if report and report.get("first_error") is not None:
        k = report["first_error"]
        generation.answer_check_detail = (
            f"Careful: step {k} of this explanation does not follow from the line before it "
            "(marked ✗ below). Your teacher has been told."
        )
        generation.flagged = True
    elif report and report.get("steps_ok") and result.status == Generation.Check.AGREES:
        generation.answer_check_detail = (
            "Checked: every step of this explanation follows from the line before it, and "
            "its final answer agrees with the answer key."
        )
    else:
        generation.answer_check_detail = result.detail
        generation.flagged = result.status == Generation.Check.DISAGREES
