"""The adaptive engine of the tutor: pure Python + numpy, no Django.

Learner models (per-skill BKT, Elo/IRT, a combined logistic model), mastery with a forgetting
curve, and the next-problem policy. See docs/adaptive.md for the API the Django side calls.
"""

from .course import CourseGraph, Problem, Skill
from .engine import AttemptTable, default_params, fit, predict, predict_all, skill_state, update
from .mastery import is_mastered, skill_status
from .model import (
    Attempt,
    BKTParams,
    EloConfig,
    LearnerState,
    MasteryConfig,
    ModelParams,
    SkillState,
)
from .policy import Choice, PolicyConfig, SkillProgress, choose_next, locked_by, progress

__all__ = [
    "Attempt",
    "AttemptTable",
    "BKTParams",
    "Choice",
    "CourseGraph",
    "EloConfig",
    "LearnerState",
    "MasteryConfig",
    "ModelParams",
    "PolicyConfig",
    "Problem",
    "Skill",
    "SkillProgress",
    "SkillState",
    "choose_next",
    "default_params",
    "fit",
    "is_mastered",
    "locked_by",
    "predict",
    "predict_all",
    "progress",
    "skill_state",
    "skill_status",
    "update",
]
