"""The steps of a student's working as evidence for the learner model (issue 15).

Pure Python, no Django. The answer checker marks each line of a working and names what a
step did or got wrong (its *concepts*: multiplying out a bracket, adding fractions, reversing
an inequality...; ``curriculum.answers.stepconcepts``). The Django side maps concepts to the
course's skills; this module decides what that evidence is worth and applies it.

The rules (docs/adaptive.md, "Steps of a working"):

* **One observation per skill per attempt.** A skill whose concept went wrong at the first
  wrong line is observed *wrong*, else a skill whose concept a line carried out correctly is
  observed *right*; never both, and never twice however many lines exercised it.
* **The problem's own skill is never a step observation.** The final answer is its evidence
  (``engine.update``, as before): a wrong step is never counted twice with the answer.
* **Weaker than an answer.** A step was not asked for on its own, a right one may be routine
  copied from the line before and a wrong one a slip the student would have caught, so a step
  counts ``STEP_WEIGHT`` (0.5) of an answer: P(known) moves half as far as BKT's update for
  the same observation as an answer would move it (:func:`tempered_step`). Only ``P(known)`` moves: the attempt count, the
  Elo abilities, the streak, the forgetting clock and the mastery evidence (distinct problems
  solved) stay with whole answers, so steps alone can never make a skill mastered or started.
* **Right steps after help do not count for.** With hints used, only wrong steps count (as
  a hint before the answer makes the answer count as not knowing it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .bkt import step as bkt_step
from .model import BKTParams, LearnerState, ModelParams, SkillState

STEP_WEIGHT = 0.5  # a step counts this fraction of an answer's evidence

_P_MIN, _P_MAX = 1e-4, 1.0 - 1e-4


@dataclass(frozen=True, slots=True)
class StepObservation:
    """One skill observed through the steps of one attempt."""

    skill: str
    correct: bool
    weight: float = STEP_WEIGHT


def observations(
    lines: Sequence[Mapping[str, Any]],
    skills_of: Mapping[str, Iterable[str]],
    *,
    problem_skill: str,
    hints_used: int = 0,
    weight: float = STEP_WEIGHT,
) -> list[StepObservation]:
    """The step observations of one checked working.

    ``lines``: the working's line verdicts as stored (``WorkReport.to_dict()["lines"]``: each
    with ``status`` and ``concepts``; the first wrong line's concepts are its malrule's);
    ``skills_of``: concept -> the skill ids that own it in this course.
    """
    wrong: set[str] = set()
    right: set[str] = set()
    seen_error = False
    for line in lines:
        status = line.get("status")
        concepts = line.get("concepts") or ()
        if status == "wrong":
            if not seen_error:  # only the first wrong line is diagnosed
                seen_error = True
                for c in concepts:
                    wrong.update(str(s) for s in skills_of.get(c, ()))
        elif status in ("ok", "one_way") and not hints_used:
            for c in concepts:
                right.update(str(s) for s in skills_of.get(c, ()))
    own = str(problem_skill)
    out = [StepObservation(s, False, weight) for s in sorted(wrong) if s != own]
    out += [StepObservation(s, True, weight) for s in sorted(right - wrong) if s != own]
    return out


def tempered_step(p_known: float, correct: bool, p: BKTParams, weight: float) -> float:
    """P(known) moved ``weight`` of the way (0: nothing, 1: all of it) to where BKT's update
    for the same observation as an answer would take it (its posterior and learning
    transition): a step can never move the estimate further than an answer would, nor the
    other way. (Tempering the likelihood alone does not give that: with the learning
    transition scaled too, a weak wrong step at a low prior moved P(known) *lower* than a
    wrong answer, whose full transition adds more learning.)"""
    if weight <= 0:
        return p_known
    full = bkt_step(p_known, correct, p)
    out = p_known + min(1.0, weight) * (full - p_known)
    return min(_P_MAX, max(_P_MIN, out))


def apply(
    state: LearnerState, params: ModelParams, obs: Iterable[StepObservation]
) -> tuple[LearnerState, list[str]]:
    """The learner's state after the step observations (the input is not modified), and the
    skills whose state changed. A skill never practised starts from its prior and stays at
    ``n == 0`` (not started: steps are not answers)."""
    new = state.copy()
    changed: list[str] = []
    for o in obs:
        old = new.skills.get(o.skill)
        s = SkillState(p_known=params.bkt_for(o.skill).prior) if old is None else old.copy()
        s.p_known = tempered_step(s.p_known, o.correct, params.bkt_for(o.skill), o.weight)
        new.skills[o.skill] = s
        if o.skill not in changed:
            changed.append(o.skill)
    return new, changed
