"""Elo steps, difficulty recovery by replay, and the forgetting curve."""

import numpy as np
import pytest

from tutor.adaptive import elo, forgetting
from tutor.adaptive.model import EloConfig, MasteryConfig


def test_uncertainty_function_shrinks_with_answers():
    assert elo.k_factor(0, 0.8, 0.05) == pytest.approx(0.8)
    assert elo.k_factor(20, 0.8, 0.05) == pytest.approx(0.4)


def test_item_step_makes_an_item_harder_after_a_wrong_answer():
    d, n = elo.item_step(0.0, 0, 0.6, False, EloConfig())
    assert d > 0 and n == 1
    d2, _ = elo.item_step(0.0, 0, 0.6, True, EloConfig())
    assert d2 < 0


def test_replay_recovers_item_difficulty_order():
    rng = np.random.default_rng(0)
    n_items, n_learners = 30, 400
    true_d = rng.normal(0, 1, n_items)
    ability = rng.normal(0, 1, n_learners)
    L, It, Y = [], [], []
    for lu in range(n_learners):
        for it in rng.choice(n_items, 15, replace=False):
            L.append(lu)
            It.append(it)
            Y.append(float(rng.random() < 1 / (1 + np.exp(-(ability[lu] - true_d[it])))))
    d, cnt = elo.replay(
        np.array(L), np.zeros(len(L), int), np.array(It), np.array(Y), n_items, EloConfig()
    )
    assert cnt.sum() == len(L)
    assert np.corrcoef(d, true_d)[0, 1] > 0.9


def test_forgetting_curve_is_fsrs_shaped():
    assert forgetting.retrievability(0, 5) == 1.0
    assert forgetting.retrievability(5, 5) == pytest.approx(0.9)
    assert forgetting.interval_for(0.9, 5) == pytest.approx(5)
    for r in (0.95, 0.8, 0.5):
        assert forgetting.retrievability(forgetting.interval_for(r, 3.0), 3.0) == pytest.approx(r)


def test_spaced_practice_grows_stability_more_than_massed_practice():
    cfg = MasteryConfig()
    massed = forgetting.next_stability(3.0, 1 / 1440, True, cfg)
    spaced = forgetting.next_stability(3.0, 3.0, True, cfg)
    assert 3.0 <= massed < 3.01
    assert spaced == pytest.approx(3.0 * (1 + cfg.growth))
    assert forgetting.next_stability(3.0, 3.0, False, cfg) == pytest.approx(3.0 * cfg.lapse)
    assert forgetting.next_stability(0.6, 1, False, cfg) == cfg.min_stability
