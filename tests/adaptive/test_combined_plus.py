"""The served combined model's recency, pattern, item-history and sparse weights (issue 14):
O(1) state that moves the right way and stays bounded, the same prediction on every path, and a
fit that uses what it is given."""

import json
import math

import numpy as np
import pytest

from tutor.adaptive import (
    Attempt,
    CourseGraph,
    LearnerState,
    ModelParams,
    PolicyConfig,
    Problem,
    Skill,
    SkillState,
    choose_next,
    default_params,
    fit,
    predict,
    update,
)
from tutor.adaptive.engine import features, pattern_index, replay_design, skill_term_values
from tutor.adaptive.metrics import auc
from tutor.adaptive.model import (
    COMBINED_FEATURES,
    ITEM_CAP,
    N_PATTERNS,
    PATTERN_LEN,
    SKILL_TERMS,
)
from tutor.adaptive.simulate import generate_log, make_world

F = {name: i for i, name in enumerate(COMBINED_FEATURES)}


def _answers(params, seq, skill="s", t0=0.0, dt=60.0):
    st = LearnerState(learner="u")
    for k, (item, y) in enumerate(seq):
        st = update(st, params, Attempt("u", skill, item, y, t0 + dt * k))
    return st


def _f(st, params, skill="s", item="new", now=1e6):
    s = st.skills.get(skill) or SkillState(p_known=params.bkt_for(skill).prior)
    return features(st, s, params, skill, 0.0, now, item)


def test_recency_features_move_the_right_way_and_stay_in_bounds():
    params = default_params(["s"])
    right = _f(_answers(params, [(f"p{k}", True) for k in range(6)]), params)
    wrong = _f(_answers(params, [(f"p{k}", False) for k in range(6)]), params)
    for name in ("ema_skill_fast", "ema_skill_slow", "ema_total_fast", "ema_total_slow"):
        assert -1.0 <= wrong[F[name]] < 0.0 < right[F[name]] <= 1.0, name
    # the fast average follows the last answers more than the slow one
    mixed = _f(_answers(params, [(f"p{k}", k < 5) for k in range(6)]), params)
    assert mixed[F["ema_skill_fast"]] < mixed[F["ema_skill_slow"]]
    # a learner who has never answered: every history feature is 0
    fresh = _f(LearnerState(learner="u"), params)
    for name in COMBINED_FEATURES[15:]:
        assert fresh[F[name]] == 0.0, name


def test_decayed_counts_forget_with_time_and_equal_counts_without():
    params = default_params(["s"])
    st = _answers(params, [(f"p{k}", True) for k in range(4)], dt=0.0)
    now = _f(st, params, now=0.0)
    assert now[F["log_wins_day"]] == pytest.approx(math.log1p(4))
    assert now[F["log_attempts_week"]] == pytest.approx(math.log1p(4))
    later = _f(st, params, now=3 * 86400.0)  # three days on: the 1-day count has mostly gone
    assert later[F["log_wins_day"]] == pytest.approx(math.log1p(4 * math.exp(-3)))
    assert later[F["log_wins_week"]] == pytest.approx(math.log1p(4 * math.exp(-3 / 7)))
    assert later[F["log_wins_skill"]] == now[F["log_wins_skill"]]  # plain counts do not decay


def test_gap_same_skill_and_item_history():
    params = default_params(["s", "t"])
    st = LearnerState(learner="u")
    for k, (sk, item, y) in enumerate([("s", "a", True), ("t", "b", True), ("t", "c", False)]):
        st = update(st, params, Attempt("u", sk, item, y, 60.0 * k))
    fs = _f(st, params, "s", item="a")
    ft = _f(st, params, "t", item="c")
    assert fs[F["same_skill"]] == 0.0 and ft[F["same_skill"]] == 1.0
    assert (
        fs[F["log_gap_answers"]] == pytest.approx(math.log1p(2)) and ft[F["log_gap_answers"]] == 0
    )
    # item "a" was answered right once, two answers ago; "c" wrong just now
    assert fs[F["log_attempts_item"]] == pytest.approx(math.log1p(1))
    assert fs[F["log_wins_item"]] == pytest.approx(math.log1p(1)) and fs[F["item_last"]] == 1.0
    assert fs[F["log_gap_item"]] == pytest.approx(math.log1p(2))
    assert ft[F["item_last"]] == -1.0 and ft[F["log_wins_item"]] == 0.0
    assert _f(st, params, "s", item="zzz")[F["log_attempts_item"]] == 0.0


def test_patterns_index_the_last_answers():
    assert pattern_index(0, 0) == 0  # nothing yet
    seen = {pattern_index(h, n) for n in range(PATTERN_LEN + 3) for h in range(1 << PATTERN_LEN)}
    assert seen == set(range(N_PATTERNS))
    params = default_params(["s"])
    a = _answers(params, [("p1", True), ("p2", False)])
    b = _answers(params, [("p1", False), ("p2", True)])
    assert a.skills["s"].hist != b.skills["s"].hist
    assert pattern_index(a.skills["s"].hist, 2) != pattern_index(b.skills["s"].hist, 2)


def test_state_stays_bounded_and_old_rows_still_load():
    params = default_params(["s"])
    st = _answers(params, [(f"p{k}", k % 3 > 0) for k in range(500)])
    s = st.skills["s"]
    assert len(s.items) == ITEM_CAP and "p499" in s.items and "p0" not in s.items
    assert s.hist < (1 << PATTERN_LEN) and st.hist < (1 << PATTERN_LEN)
    assert all(-1.0 <= v <= 1.0 for v in s.ema + st.ema)
    assert len(json.dumps(st.to_dict())) < 8000  # one skill row stays small
    d = json.loads(json.dumps(st.to_dict()))
    assert LearnerState.from_dict(d) == st
    # a row stored before these fields existed reads as "no history"
    old = {
        k: v
        for k, v in s.to_dict().items()
        if k not in ("ema", "hist", "last_k", "decayed", "items")
    }
    back = SkillState.from_dict(old)
    assert back.ema == [0.0, 0.0] and back.items == {} and back.decayed == [0.0] * 4
    g = {k: v for k, v in st.globals_dict().items() if k not in ("ema", "hist", "prev_skill")}
    assert LearnerState.from_rows(g, {}).ema == [0.0, 0.0]


@pytest.fixture(scope="module")
def fitted():
    world = make_world(4, 20, seed=7)
    log = generate_log(world, 150, 12, seed=7)
    return world, log, fit(log, item_priors=world.course().item_priors())


def test_fit_gives_sparse_weights_that_survive_json(fitted):
    world, log, params = fitted
    assert params.item_weights and set(params.skill_weights) == set(world.skills)
    assert all(len(v) == len(SKILL_TERMS) for v in params.skill_weights.values())
    assert len(params.pattern_skill) == N_PATTERNS == len(params.pattern_total)
    assert set(params.skill_patterns) == set(world.skills)
    assert all(len(v) == N_PATTERNS for v in params.skill_patterns.values())
    assert params.info["combined_item_l2"] in (0.1, 0.3, 1.0, 3.0)
    assert len(params.info["combined_item_l2_validation_logloss"]) == 4
    again = ModelParams.from_json(params.to_json())
    assert again.to_json() == params.to_json()
    # per-skill weights are matched by term name
    d = json.loads(params.to_json())
    d["combined"]["skill_terms"] = list(reversed(SKILL_TERMS))
    d["combined"]["skills"] = {k: list(reversed(v)) for k, v in d["combined"]["skills"].items()}
    back = ModelParams.from_dict(d).skill_weights
    assert all(back[k] == pytest.approx(v) for k, v in params.skill_weights.items())


def test_item_and_skill_weights_change_predictions_the_way_they_say(fitted):
    world, log, params = fitted
    st = LearnerState(learner="x")
    sk = world.skills[0]
    item = next(i for i, s in world.item_skill.items() if s == sk)
    base = predict(st, params, sk, item)
    bumped = ModelParams.from_json(params.to_json())
    bumped.item_weights[item] = params.item_weights.get(item, 0.0) + 1.0
    z0 = math.log(base / (1 - base))
    p1 = predict(st, bumped, sk, item)
    assert math.log(p1 / (1 - p1)) == pytest.approx(z0 + 1.0)
    bumped.skill_weights[sk] = [params.skill_weights[sk][0] - 2.0, *params.skill_weights[sk][1:]]
    p2 = predict(st, bumped, sk, item)
    assert p2 < p1
    # a learner with no answers on the skill sits in pattern 0 of the skill's pattern weights
    bumped.skill_patterns[sk] = [
        v + (0.5 if j == 0 else 0.0) for j, v in enumerate(bumped.skill_patterns[sk])
    ]
    p3 = predict(st, bumped, sk, item)
    assert math.log(p3 / (1 - p3)) == pytest.approx(math.log(p2 / (1 - p2)) + 0.5)


def test_the_policy_scores_with_the_same_model_as_predict(fitted):
    world, log, params = fitted
    course = world.course().bind(params)
    st = LearnerState(learner="y")
    rng = np.random.default_rng(0)
    for k in range(25):
        ch = choose_next(st, course, params, 1000.0 + 60 * k, rng=k, config=PolicyConfig(explore=0))
        assert ch.problem_id is not None
        want = predict(st, params, ch.skill, ch.problem_id, 1000.0 + 60 * k)
        assert ch.predicted == pytest.approx(want, abs=1e-4)
        y = bool(rng.random() < 0.6)
        st = update(st, params, Attempt("y", ch.skill, ch.problem_id, y, 1000.0 + 60 * k))


def test_the_policy_adds_the_learners_item_history():
    params = default_params(["s"])
    params.combined_weights[F["log_attempts_item"]] = 5.0  # an exaggerated "met before" effect
    course = CourseGraph([Skill("s", "S")], [Problem(f"p{k}", "s", 0.0) for k in range(4)])
    course.bind(params)
    st = LearnerState(learner="u")
    for k in range(12):  # wrong answers on three of the four problems
        st = update(st, params, Attempt("u", "s", f"p{k % 3}", False, 60.0 * k))
    p_met = predict(st, params, "s", "p0", 3000.0)
    p_new = predict(st, params, "s", "p3", 3000.0)
    assert p_met > p_new
    ch = choose_next(st, course, params, 3000.0, rng=0, config=PolicyConfig(explore=0))
    assert ch.problem_id == "p3"  # the one not met recently
    assert ch.predicted == pytest.approx(p_new, abs=1e-4)
    st = update(st, params, Attempt("u", "s", "p3", False, 3100.0))
    # now every problem was met recently: the least recent is repeated, scored with its history
    ch = choose_next(st, course, params, 3200.0, rng=0, config=PolicyConfig(explore=0))
    assert ch.problem_id in ("p0", "p1", "p2")
    want = predict(st, params, "s", ch.problem_id, 3200.0)
    assert ch.predicted == pytest.approx(want, abs=1e-4) and want > p_new


def test_replay_design_matches_the_online_features(fitted):
    world, log, params = fitted
    from tutor.adaptive.engine import AttemptTable

    tab = AttemptTable.from_attempts(log[:400])
    parts = replay_design(tab, params)
    st: dict[str, LearnerState] = {}
    for i, a in enumerate(tab.attempts()):
        s0 = st.get(a.learner) or LearnerState(learner=a.learner)
        sk = s0.skills.get(a.skill) or SkillState(p_known=params.bkt_for(a.skill).prior)
        d = params.difficulty(a.item, a.skill, a.difficulty)
        assert parts.dense[i] == pytest.approx(features(s0, sk, params, a.skill, d, a.t, a.item))
        assert parts.skill_terms[i] == pytest.approx(skill_term_values(s0, sk))
        st[a.learner] = update(s0, params, a)


def test_the_fitted_model_ranks_better_than_its_parts_on_simulated_learners(fitted):
    world, _, params = fitted
    test = generate_log(world, 60, 12, seed=8, prefix="t")
    y, pc, pe = [], [], []
    st: dict[str, LearnerState] = {}
    for a in test:
        s0 = st.get(a.learner) or LearnerState(learner=a.learner)
        pc.append(predict(s0, params, a.skill, a.item, a.t, prior_difficulty=a.difficulty))
        pe.append(
            predict(s0, params, a.skill, a.item, a.t, model="elo", prior_difficulty=a.difficulty)
        )
        y.append(float(a.correct))
        st[a.learner] = update(s0, params, a)
    assert auc(np.array(y), np.array(pc)) > auc(np.array(y), np.array(pe))
    assert abs(np.mean(pc) - np.mean(y)) < 0.03  # calibrated on average


def test_the_penalty_is_chosen_without_validation_answers_shaping_any_feature():
    from tutor.adaptive.engine import AttemptTable, validation_mask, validation_parts
    from tutor.adaptive.model import EloConfig, MasteryConfig

    world = make_world(4, 20, seed=9)
    tab = AttemptTable.from_attempts(generate_log(world, 80, 8, seed=9))
    kw = dict(
        forgets=False,
        elo=EloConfig(),
        mastery=MasteryConfig(),
        item_priors={},
        prior_strength=5.0,
        anchor=None,
    )
    val = validation_mask(tab)
    assert 0 < val.mean() < 0.4
    parts = validation_parts(tab, kw, 0)
    flipped = AttemptTable(
        **{**tab.__dict__, "correct": np.where(val, 1 - tab.correct, tab.correct)}
    )
    again = validation_parts(flipped, kw, 0)
    # the fitting learners' features do not move when the validation learners' answers change
    assert np.array_equal(parts.dense[~val], again.dense[~val])
    # ... while the validation learners' own histories do
    assert not np.array_equal(parts.dense[val], again.dense[val])
