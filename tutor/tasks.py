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
