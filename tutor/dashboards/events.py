"""Live events for teachers' dashboards, sent through the Redis channel layer."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.dispatch import receiver

from tutor import signals
from tutor.models import Attempt, Enrollment

log = logging.getLogger(__name__)


def classroom_group(classroom_id: int) -> str:
    return f"classroom.{classroom_id}"


def attempt_recorded(attempt_id: int) -> None:
    """Tell the dashboards of every class the learner is in. Called after the commit."""
    attempt = Attempt.objects.select_related("learner", "problem__skill").get(pk=attempt_id)
    classrooms = Enrollment.objects.filter(
        student_id=attempt.learner_id, classroom__course_id=attempt.problem.skill.course_id
    ).values_list("classroom_id", flat=True)
    layer = get_channel_layer()
    for classroom_id in classrooms:
        try:
            async_to_sync(layer.group_send)(
                classroom_group(classroom_id),
                {"type": "attempt.recorded", "attempt_id": attempt.pk},
            )
        except Exception:  # a live view missing one event must not fail the answer
            log.warning(
                "could not notify classroom %s of attempt %s",
                classroom_id,
                attempt.pk,
                exc_info=True,
            )


@receiver(signals.attempt_recorded, dispatch_uid="dashboards-live-attempt")
def _on_attempt_recorded(sender: type, attempt_id: int, **kwargs: object) -> None:
    attempt_recorded(attempt_id)
