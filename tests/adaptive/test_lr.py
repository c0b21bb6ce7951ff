"""Best-LR (Gervet et al. 2020) online features and the L2 logistic solver behind it and the
engine's combined model."""

import math

import numpy as np

from tutor.adaptive.lr import BestLR, design, fit_best_lr
from tutor.adaptive.sparse import SparseDesign, choose_l2, fit_sparse_logistic


def test_best_lr_counts_move_the_right_way_per_skill_item_and_total():
    m = BestLR()
    dense, per = m.features(1, 7, [0])
    assert dense == [1.0, 0.0, 0.0, 0.0, 0.0] and per == [(0.0, 0.0)]
    m.update(1, 7, [0], True)
    dense, per = m.features(1, 7, [0])
    # total wins, attempts; this item's wins, attempts; the skill's wins, attempts
    assert dense[1:] == [math.log1p(1)] * 4 and per == [(math.log1p(1), math.log1p(1))]
    m.update(1, 7, [0], False)
    dense2, per2 = m.features(1, 8, [0, 3])  # another item, a second skill never met
    assert dense2[1] == dense[1] and dense2[2] == math.log1p(2)  # a wrong answer: attempts only
    assert dense2[3:] == [0.0, 0.0]  # item 8 never met
    assert per2 == [(math.log1p(1), math.log1p(2)), (0.0, 0.0)]
    assert m.features(2, 7, [0])[0][1:] == [0.0] * 4  # learners are independent


def test_best_lr_design_is_computed_before_each_answer():
    learner = np.array([0, 0, 1, 0])
    item = np.array([0, 1, 0, 0])
    ptr = np.array([0, 1, 2, 3, 4])
    idx = np.array([0, 1, 0, 0])
    y = np.array([1.0, 0.0, 1.0, 1.0])
    X = design(learner, item, ptr, idx, y, n_items=2, n_skills=2)
    assert X.p == 2 + 3 * 2 and X.dense.shape == (4, 5)
    assert X.dense[0].tolist() == [1.0, 0, 0, 0, 0]  # the first answer sees nothing
    assert X.dense[2].tolist() == [1.0, 0, 0, 0, 0]  # learner 1 starts fresh
    # learner 0's third answer (item 0 again, skill 0): 1 win of 2 in total, 1 of 1 on the item
    assert X.dense[3].tolist() == [1.0, math.log1p(1), math.log1p(2), math.log1p(1), math.log1p(1)]
    cols = X.cols[X.rows == 3].tolist()
    vals = X.vals[X.rows == 3].tolist()
    # item 0's one-hot, skill 0's bias, log wins and log attempts
    assert cols == [0, 2, 3, 4] and vals == [1.0, 1.0, math.log1p(1), math.log1p(1)]


def _synthetic(n=20000, n_items=50, seed=0):
    rng = np.random.default_rng(seed)
    item = rng.integers(0, n_items, n)
    true_item = rng.normal(0, 1, n_items)
    x = rng.normal(0, 1, n)
    z = 0.3 + 0.8 * x + true_item[item]
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    X = SparseDesign(np.c_[np.ones(n), x], np.arange(n), item, np.ones(n), n_items)
    return X, y, true_item


def test_solver_recovers_known_weights_and_l2_shrinks():
    X, y, true_item = _synthetic()
    lam = np.full(2 + 50, 0.1)
    f = fit_sparse_logistic(X, y, lam)
    assert f.converged
    assert abs(f.w[1] - 0.8) < 0.08
    eff = f.w[0] + f.w[2:]
    assert np.corrcoef(eff, true_item)[0, 1] > 0.95
    assert abs(np.mean(eff - true_item) - 0.3) < 0.2
    strong = fit_sparse_logistic(X, y, np.r_[0.1, 0.1, np.full(50, 1e4)])
    assert np.abs(strong.w[2:]).max() < 0.3 * np.abs(f.w[2:]).max()
    # a centre pulls the penalised weights toward it instead of zero
    centre = np.r_[0.0, 0.0, np.full(50, 2.0)]
    pulled = fit_sparse_logistic(X, y, np.r_[0.1, 0.1, np.full(50, 1e4)], centre=centre)
    assert np.all(np.abs(pulled.w[2:] - 2.0) < 0.1)


def test_solver_matches_a_plain_newton_fit_on_dense_data():
    rng = np.random.default_rng(1)
    n = 3000
    D = np.c_[np.ones(n), rng.normal(0, 1, (n, 3))]
    y = (rng.random(n) < 1 / (1 + np.exp(-(D @ [0.2, 1.0, -0.5, 0.0])))).astype(float)
    X = SparseDesign(D, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), 0)
    lam = np.array([0.0, 2.0, 2.0, 2.0])
    got = fit_sparse_logistic(X, y, lam, tol=1e-12).w
    w = np.zeros(4)
    for _ in range(50):  # exact Newton on the same objective
        p = 1 / (1 + np.exp(-D @ w))
        g = D.T @ (p - y) + lam * w
        h = (D * (p * (1 - p))[:, None]).T @ D + np.diag(lam)
        w -= np.linalg.solve(h, g)
    assert np.allclose(got, w, atol=1e-4)


def test_l2_is_chosen_on_validation_rows():
    X, y, _ = _synthetic(n=4000, n_items=400, seed=2)  # 10 answers per item: needs shrinkage
    val = np.zeros(len(y), dtype=bool)
    val[::5] = True

    def l2(lam):
        return np.r_[1.0, 1.0, np.full(400, lam)]

    best, scores = choose_l2(X, y, val, l2, (1e-3, 3.0, 1e4))
    assert set(scores) == {1e-3, 3.0, 1e4}
    assert best == 3.0  # neither no shrinkage nor all of it


def test_fit_best_lr_uses_the_validation_split():
    X, y, _ = _synthetic(n=4000, n_items=30, seed=3)
    X = SparseDesign(
        X.dense[:, :1].repeat(5, axis=1) * 0 + X.dense[:, :1], X.rows, X.cols, X.vals, 30 + 3 * 2
    )
    val = np.arange(len(y)) % 5 == 0
    w = fit_best_lr(X, y, 30, 2, validation=val)
    assert w.item_l2 in (0.3, 1.0, 3.0) and w.item.shape == (30,) and w.skill.shape == (2, 3)
    assert w.logit([1.0, 0, 0, 0, 0], [], 0, []) == w.dense[0] + w.item[0]
