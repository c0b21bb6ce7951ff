"""Forgetting curve for mastered skills (FSRS-4.5/5 shape) and the stability update.

R(t) = (1 + FACTOR * t / S) ** DECAY with DECAY = -0.5 and FACTOR = 19/81, so R(S) = 0.9:
stability S (days) is the time for retrievability to fall from 1 to 0.9. The stability update is a
simple spacing rule rather than FSRS's 19 trained weights: practice counts in proportion to how
much had been forgotten, so a review at the due date grows S by ``1 + growth`` while ten answers in
one sitting grow it hardly at all; a wrong answer shrinks it.
"""

from __future__ import annotations

from .model import MasteryConfig

DAY = 86400.0
DECAY = -0.5
FACTOR = 19.0 / 81.0


def retrievability(elapsed_days: float, stability: float) -> float:
    if stability <= 0 or elapsed_days <= 0:
        return 1.0
    r: float = (1.0 + FACTOR * elapsed_days / stability) ** DECAY
    return r


def interval_for(retention: float, stability: float) -> float:
    """Days after which R drops to ``retention`` (the inverse of ``retrievability``)."""
    if stability <= 0:
        return 0.0
    days: float = stability / FACTOR * (retention ** (1.0 / DECAY) - 1.0)
    return days


def next_stability(
    stability: float, elapsed_days: float, correct: bool, cfg: MasteryConfig
) -> float:
    if stability <= 0:
        s = cfg.initial_stability
        return s if correct else max(cfg.min_stability, s * cfg.lapse)
    if correct:
        spacing = min(1.0, max(0.0, elapsed_days) / stability)
        return stability * (1.0 + cfg.growth * spacing)
    return max(cfg.min_stability, stability * cfg.lapse)


def skill_retrievability(last_t: float | None, stability: float, now: float | None) -> float:
    if last_t is None or now is None or stability <= 0:
        return 1.0
    return retrievability((now - last_t) / DAY, stability)


def due_time(last_t: float | None, stability: float, retention: float) -> float | None:
    """Timestamp (seconds) at which the skill's R falls below ``retention``."""
    if last_t is None or stability <= 0:
        return None
    return last_t + interval_for(retention, stability) * DAY
