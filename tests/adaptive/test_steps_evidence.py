"""Steps of a working as learner-model evidence (tutor/adaptive/steps_evidence.py): one
observation per skill per attempt, never the problem's own skill, weaker than an answer."""

from __future__ import annotations

import pytest

from tutor.adaptive import LearnerState, ModelParams, update
from tutor.adaptive.bkt import step as bkt_step
from tutor.adaptive.model import Attempt, BKTParams
from tutor.adaptive.steps_evidence import (
    STEP_WEIGHT,
    StepObservation,
    apply,
    observations,
    tempered_step,
)

SKILLS = {"distribute": ["dist"], "collect_terms": ["collect"], "add_fractions": ["frac"]}


def _line(status: str, *concepts: str) -> dict:
    return {"status": status, "concepts": list(concepts)}


def test_one_observation_per_skill_and_a_wrong_step_wins():
    lines = [
        _line("given"),
        _line("ok", "distribute"),
        _line("ok", "distribute", "collect_terms"),
        _line("wrong", "collect_terms"),
        _line("wrong", "add_fractions"),  # after the first error: not diagnosed, not counted
        _line("ok", "collect_terms"),
    ]
    obs = observations(lines, SKILLS, problem_skill="eq")
    assert obs == [StepObservation("collect", False), StepObservation("dist", True)]


def test_the_problems_own_skill_is_left_to_the_answer():
    lines = [_line("given"), _line("wrong", "distribute"), _line("ok", "collect_terms")]
    obs = observations(lines, SKILLS, problem_skill="dist")
    assert obs == [StepObservation("collect", True)]


def test_after_a_hint_only_wrong_steps_count():
    lines = [_line("given"), _line("ok", "distribute"), _line("wrong", "collect_terms")]
    obs = observations(lines, SKILLS, problem_skill="eq", hints_used=1)
    assert obs == [StepObservation("collect", False)]


def test_unknown_concepts_and_unreadable_lines_give_nothing():
    lines = [_line("given"), _line("unreadable", "distribute"), _line("ok", "mystery"), {}]
    assert observations(lines, SKILLS, problem_skill="eq") == []


@pytest.mark.parametrize("correct", [True, False])
@pytest.mark.parametrize("prior", [0.05, 0.2, 0.5, 0.9])
def test_a_step_moves_p_known_the_same_way_as_an_answer_but_half_as_far(correct, prior):
    p = BKTParams(prior=prior, learn=0.15, slip=0.1, guess=0.2)
    for p_known in (0.05, 0.2, 0.5, 0.9):
        full = bkt_step(p_known, correct, p)
        step = tempered_step(p_known, correct, p, STEP_WEIGHT)
        assert tempered_step(p_known, correct, p, 1.0) == pytest.approx(full)
        assert tempered_step(p_known, correct, p, 0.0) == p_known
        assert step - p_known == pytest.approx(STEP_WEIGHT * (full - p_known))
        assert min(p_known, full) < step < max(p_known, full)  # never past an answer


def test_apply_moves_only_p_known_and_a_new_skill_stays_not_started():
    params = ModelParams()
    state = update(
        LearnerState(learner="7"),
        params,
        Attempt(learner="7", skill="dist", item="p1", correct=True, t=100.0),
    )
    before = state.skills["dist"]
    new, changed = apply(
        state,
        params,
        [StepObservation("dist", False), StepObservation("collect", True)],
    )
    assert changed == ["dist", "collect"]
    after = new.skills["dist"]
    assert after.p_known < before.p_known
    assert (after.n, after.wins, after.solved, after.theta, after.streak, after.last_t) == (
        before.n,
        before.wins,
        before.solved,
        before.theta,
        before.streak,
        before.last_t,
    )
    assert new.n == state.n and new.theta == state.theta
    collect = new.skills["collect"]
    assert collect.n == 0 and collect.p_known > params.bkt_for("collect").prior
    assert state.skills["dist"] is before and "collect" not in state.skills  # input untouched
