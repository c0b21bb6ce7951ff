"""Background jobs of the learner side (queue `default`)."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="tutor.tasks.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sessions; returns how many were removed. Scheduled daily by beat."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(name="tutor.tasks.refit_adaptive_model", acks_late=True, time_limit=3600)
def refit_adaptive_model(forgets: bool = False) -> dict:
    """Refit BKT, item difficulties and the combined model from all attempts; swap them in."""
    from tutor import learning

    model = learning.refit(forgets=forgets)
    return {
        "version": model.version,
        "n_attempts": model.n_attempts,
        "fit_seconds": model.fit_seconds,
    }
