"""What the issue asks the engine to show on simulated learners."""

import pytest

from tutor.adaptive.simulate import compare_policies, model_auc


@pytest.fixture(scope="module")
def aucs():
    return model_auc(seed=0, n_learners=300)


def test_combined_model_beats_each_single_model(aucs):
    comb = aucs["Combined"]["auc"]
    assert comb > aucs["BKT"]["auc"] + 0.01
    assert comb > aucs["Elo"]["auc"] + 0.005
    assert aucs["Combined"]["logloss"] < min(aucs["BKT"]["logloss"], aucs["Elo"]["logloss"])


def test_combined_beats_single_models_on_other_seeds():
    for seed in (1, 2):
        a = model_auc(seed=seed, n_learners=200)
        assert a["Combined"]["auc"] > max(a["BKT"]["auc"], a["Elo"]["auc"]), (seed, a)


@pytest.fixture(scope="module")
def policies():
    res = compare_policies(seed=0, n_learners=60, budget=400)
    return {r["policy"]: r for r in res["runs"]}


def test_adaptive_policy_needs_fewer_problems_than_fixed_order_and_random(policies):
    a, f, r = policies["adaptive"], policies["fixed-order"], policies["random"]
    assert a["problems_to_mastery_mean"] < 0.8 * f["problems_to_mastery_mean"]
    assert a["problems_to_mastery_mean"] < 0.8 * r["problems_to_mastery_mean"]


def test_adaptive_policy_serves_problems_on_target(policies):
    a = policies["adaptive"]
    assert a["pred_in_band"] >= 0.8
    assert a["pred_in_band"] > policies["fixed-order"]["pred_in_band"]
    assert a["pred_in_band"] > policies["random"]["pred_in_band"]


def test_declared_mastery_is_mostly_real(policies):
    a = policies["adaptive"]
    assert a["truly_known_at_declared"] >= 0.9
