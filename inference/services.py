"""Writes of the explanation flow: ask, stop, and the rights to watch."""

from __future__ import annotations

from datetime import timedelta

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from curriculum.models import Problem
from inference import engines, streams
from inference.models import Generation
from inference.prompts import build_messages
from tutor import heartbeat, selectors
from tutor.models import Attempt, User
from tutor.permissions import can_view_student

GPU_QUEUE = "gpu"


class ExplanationRefused(Exception):
    """Why a request for an explanation cannot go ahead, as a sentence for the student."""


def redis_client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=10, decode_responses=True)


def tutor_online() -> bool:
    try:
        return GPU_QUEUE in heartbeat.live_queues()
    except redis.RedisError:
        return False


def can_watch(viewer: User, generation: Generation) -> bool:
    """The owner, their teachers and admins."""
    return can_view_student(viewer, generation.user)


def request_explanation(
    *, user: User, problem: Problem, purpose: str, question: str = ""
) -> Generation:
    if purpose not in Generation.Purpose.values:
        raise ExplanationRefused("Unknown kind of help.")
    if purpose == Generation.Purpose.FOLLOW_UP and not question.strip():
        raise ExplanationRefused("Type your question first.")
    if not engines.is_configured():
        raise ExplanationRefused(
            "No model is configured, so the tutor cannot explain yet. Hints written by your "
            "teachers still work."
        )
    if not tutor_online():
        raise ExplanationRefused(
            "The tutor is offline right now. Try again in a few minutes; the written hints work."
        )
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
        generation = Generation.objects.create(
            user=user,
            problem=problem,
            purpose=purpose,
            question=question.strip()[:1000],
            engine=settings.TUTOR_ENGINE,
            model_name=engines.model_label(),
            prompt=build_messages(
                purpose=purpose,
                statement=problem.statement,
                attempts=attempts,
                hints=hints,
                question=question,
            ),
        )
        streams.reset(redis_client(), generation.pk)
        transaction.on_commit(lambda: _enqueue(generation.pk))
    return generation


def _enqueue(generation_id: int) -> None:
    from inference.tasks import generate

    generate.apply_async(args=[generation_id], queue=GPU_QUEUE)


def stop_generation(*, user: User, generation: Generation) -> Generation:
    """Ask the worker to stop; a generation still queued ends at once."""
    client = redis_client()
    streams.request_cancel(client, generation.pk)
    with transaction.atomic():
        updated = Generation.objects.filter(
            pk=generation.pk, status=Generation.Status.QUEUED
        ).update(status=Generation.Status.CANCELLED, finished_at=timezone.now())
    if updated:
        streams.StreamWriter(client, generation.pk).end(Generation.Status.CANCELLED)
    generation.refresh_from_db()
    return generation


def queue_position(generation: Generation) -> int:
    """1 for the next to start."""
    return (
        Generation.objects.filter(
            status=Generation.Status.QUEUED, created_at__lt=generation.created_at
        ).count()
        + 1
    )
