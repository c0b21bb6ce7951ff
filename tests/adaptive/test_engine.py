"""Online update, prediction, serialisation and the offline fit."""

import json

import pytest

from tutor.adaptive import (
    Attempt,
    LearnerState,
    ModelParams,
    SkillState,
    default_params,
    fit,
    predict,
    predict_all,
    update,
)
from tutor.adaptive.model import COMBINED_FEATURES, BKTParams
from tutor.adaptive.simulate import generate_log, make_world


@pytest.fixture(scope="module")
def fitted():
    world = make_world(4, 20, seed=2)
    log = generate_log(world, 120, 10, seed=2)
    return world, log, fit(log, item_priors=world.course().item_priors())


def test_update_is_pure_and_moves_the_right_way():
    params = default_params(["add"])
    s0 = LearnerState(learner="u1")
    s1 = update(s0, params, Attempt("u1", "add", "p1", True, 100.0))
    assert s0.n == 0 and s0.skills == {} and s0.recent == []
    sk = s1.skills["add"]
    assert sk.n == 1 and sk.wins == 1 and sk.streak == 1 and sk.last_t == 100.0
    assert sk.p_known > params.bkt["add"].prior
    assert s1.theta > 0 and sk.theta > 0
    s2 = update(s1, params, Attempt("u1", "add", "p2", False, 160.0))
    assert s1.skills["add"].n == 1  # the earlier state is untouched
    assert s2.skills["add"].p_known < sk.p_known
    assert s2.skills["add"].streak == -1
    assert [i for i, _ in s2.recent] == ["p1", "p2"]


def test_ids_are_strings_and_recent_list_is_bounded():
    params = default_params()
    st = LearnerState()
    for i in range(100):
        st = update(st, params, Attempt(7, 3, i, i % 2 == 0, float(i)))
    assert st.learner == "7" and "3" in st.skills
    assert len(st.recent) == 30 and st.recent[-1][0] == "99"


def test_mastery_clock_starts_at_threshold():
    params = default_params(["s"])
    st = LearnerState()
    t = 0.0
    while st.skills.get("s") is None or st.skills["s"].p_known < 0.95:
        st = update(st, params, Attempt("u", "s", f"p{t}", True, t))
        t += 60
    s = st.skills["s"]
    assert s.mastered_t == t - 60 and s.stability == params.mastery.initial_stability
    st = update(st, params, Attempt("u", "s", "px", False, t))
    assert st.skills["s"].lapses == 1
    assert st.skills["s"].stability < params.mastery.initial_stability


def test_state_round_trips_through_json_and_rows():
    params = default_params(["a", "b"])
    st = LearnerState(learner="u")
    for i, (sk, y) in enumerate([("a", 1), ("a", 0), ("b", 1)]):
        st = update(st, params, Attempt("u", sk, f"{sk}{i}", bool(y), 10.0 * i))
    d = json.loads(json.dumps(st.to_dict()))
    assert LearnerState.from_dict(d) == st
    rows = {k: json.loads(json.dumps(v.to_dict())) for k, v in st.skills.items()}
    assert LearnerState.from_rows(st.globals_dict(), rows) == st
    assert SkillState.from_dict({**rows["a"], "unknown_future_field": 1}) == st.skills["a"]


def test_params_round_trip_and_version(fitted):
    _, _, params = fitted
    blob = params.to_json()
    again = ModelParams.from_json(blob)
    assert again.to_json() == blob
    assert again.version == params.version
    assert ModelParams.from_json(default_params().to_json()).version != params.version
    # weights are matched by feature name, not position
    d = json.loads(blob)
    d["combined"] = {
        "features": list(reversed(COMBINED_FEATURES)),
        "weights": list(reversed(params.combined_weights)),
    }
    assert ModelParams.from_dict(d).combined_weights == pytest.approx(params.combined_weights)
    with pytest.raises(ValueError):
        ModelParams.from_dict({**d, "format": 99})


def test_fit_learns_what_it_should(fitted):
    world, log, params = fitted
    assert set(params.bkt) == set(world.skills)
    assert params.info["n_attempts"] == len(log)
    assert "combined_rows" in params.info  # the combined model was fitted, not left at default
    # harder items get larger fitted difficulties
    import numpy as np

    items = [i for i in world.item_difficulty if i in params.item_difficulty]
    true = np.array([world.item_difficulty[i] for i in items])
    got = np.array([params.item_difficulty[i] for i in items])
    assert np.corrcoef(true, got)[0, 1] > 0.6
    for p in params.bkt.values():
        assert 0 < p.slip < 0.5 and 0 < p.guess < 0.5 and p.forget == 0


def test_predictions_are_probabilities_and_cold_start_uses_priors(fitted):
    world, _, params = fitted
    st = LearnerState()
    p = predict_all(st, params, world.skills[0], world.items[world.skills[0]][0][0])
    for v in (p.bkt, p.elo, p.combined):
        assert 0 < v < 1
    # an unknown item: the curriculum prior decides; harder prior -> lower prediction
    easy = predict(st, params, "new-skill", "new-item", model="elo", prior_difficulty=-2)
    hard = predict(st, params, "new-skill", "new-item", model="elo", prior_difficulty=2)
    assert easy > 0.8 > 0.2 > hard
    # unknown skill: pooled BKT parameters
    assert params.bkt_for("new-skill") is params.bkt_default


def test_with_item_priors_does_not_override_fitted_values(fitted):
    _, _, params = fitted
    some = next(iter(params.item_difficulty))
    p2 = params.with_item_priors({some: 99.0, "brand-new": 1.5})
    assert p2.item_difficulty[some] == params.item_difficulty[some]
    assert p2.difficulty("brand-new", "x") == 1.5
    assert "brand-new" not in params.item_difficulty


def test_default_params_without_data_are_usable():
    params = default_params(["s"], {"p": 0.5})
    assert params.bkt["s"] == BKTParams()
    st = update(LearnerState(), params, Attempt("u", "s", "p", True, 0.0))
    assert 0 < predict(st, params, "s", "p") < 1
