"""Reads of the tutor model's state for other apps' pages (the learner's problem page)."""

from __future__ import annotations

from typing import Any

from inference import engines
from inference.models import Generation


def tutor_available() -> bool:
    """A tutor model is configured: the page offers "Explain" and "Explain this step"."""
    return engines.is_configured()


def latest_generation(*, user: Any, problem: Any) -> Generation | None:
    """The user's latest explanation or hint for a problem (a reload reconnects to it)."""
    return Generation.objects.filter(user=user, problem=problem).first()
