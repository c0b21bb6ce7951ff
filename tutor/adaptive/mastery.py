"""The one status rule for a learner's skill: used by the policy, the learner's course page and
the teacher's mastery grid (so they can never disagree).

A skill is *mastered* when both hold:
* P(known) >= the mastery threshold (BKT, 0.95 by default), and
* enough evidence: at least ``MasteryConfig.min_evidence`` distinct items answered right on the
  first attempt without hints (``SkillState.solved``).
A mastered skill whose forgetting-curve recall fell below the retention target is *review due*.
A skill never attempted is *not started*: it has no estimate worth showing.
"""

from __future__ import annotations

from .forgetting import skill_retrievability
from .model import EVIDENCE_CAP, MasteryConfig, SkillState

NOT_STARTED = "not_started"
LEARNING = "learning"
MASTERED = "mastered"
REVIEW_DUE = "review_due"


def evidence(s: SkillState | None) -> int:
    """Distinct items answered right first time without hints (capped at ``EVIDENCE_CAP``)."""
    return 0 if s is None else len(s.solved)


def is_mastered(s: SkillState | None, threshold: float, cfg: MasteryConfig) -> bool:
    """P(known) at the threshold *and* enough first-attempt successes on distinct items."""
    if s is None or s.n == 0:
        return False
    return s.p_known >= threshold and len(s.solved) >= min(cfg.min_evidence, EVIDENCE_CAP)


def record_evidence(s: SkillState, item: str, correct: bool) -> None:
    """Count ``item`` as evidence when it was answered right (in place; distinct items only)."""
    if correct and item not in s.solved and len(s.solved) < EVIDENCE_CAP:
        s.solved.append(item)


def skill_status(
    s: SkillState | None,
    threshold: float,
    cfg: MasteryConfig,
    now: float | None,
    retention: float | None = None,
) -> tuple[str, float]:
    """(status, recall) of one skill: not_started, learning, mastered or review_due."""
    if s is None or s.n == 0:
        return NOT_STARTED, 1.0
    r = skill_retrievability(s.last_t, s.stability, now)
    if is_mastered(s, threshold, cfg):
        keep = cfg.retention if retention is None else retention
        return (REVIEW_DUE if r < keep else MASTERED), r
    return LEARNING, r
