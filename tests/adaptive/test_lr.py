"""The online logistic models (Best-LR, LR+): O(1) feature updates and the regularised fit."""

import math

import numpy as np

from tutor.adaptive.lr import WINDOWS, OnlineLR, fit_lr


def test_counts_move_the_right_way_and_windows_forget():
    m = OnlineLR(plus=True)
    x0 = m.features(1, 7, [0], 0.0)
    assert x0[1:5] == [0.0, 0.0, 0.0, 0.0] and x0[7] == 1.0  # first time on the skill
    m.update(1, 7, [0], 0.0, True)
    x1 = m.features(1, 7, [0], 60.0)
    assert x1[1] == math.log1p(1) and x1[2] == math.log1p(1)  # wins, attempts on the skill
    assert x1[5] == 0.0 and x1[7] == 0.0 and x1[8] == 1.0  # no fails; skill met; item met
    m.update(1, 7, [0], 60.0, False)
    x2 = m.features(1, 8, [0], 120.0)
    assert x2[1] == x1[1] and x2[2] > x1[2] and x2[5] > 0  # a wrong answer: attempts and fails
    assert x2[8] == 0.0  # another item
    k = len(WINDOWS)
    wins_w, n_w = x2[10 : 10 + k], x2[10 + k :]
    assert all(v == math.log1p(1) for v in wins_w)  # one of the two was right
    assert all(v == math.log1p(2) for v in n_w)  # both answers are inside every window
    # two days later the 1-hour and 1-day windows are empty, the week still holds both
    x3 = m.features(1, 8, [0], 2 * 86400.0 + 120)
    n_w = x3[10 + k :]
    assert n_w[0] == 0.0 and n_w[1] == 0.0 and n_w[2] == math.log1p(2)
    assert x3[6] > x2[6]  # more time since the skill was practised
    # several skills are summed; an unseen skill adds to "first time"
    assert m.features(1, 9, [0, 5], 2 * 86400.0 + 200)[7] == 1.0
    # other learners are independent
    assert m.features(2, 7, [0], 0.0)[1:5] == [0.0, 0.0, 0.0, 0.0]


def test_window_state_stays_bounded_over_long_histories():
    m = OnlineLR(plus=True)
    for k in range(3000):
        t = k * 86400.0  # one answer a day for eight years
        m.features(1, k, [0], t)
        m.update(1, k, [0], t, k % 2 == 0)
    h = m.learners[1].skills[0]
    assert len(h.times) <= 256 + 31 and h.n == 3000


def test_fit_recovers_item_and_dense_weights():
    rng = np.random.default_rng(0)
    n, n_items, n_skills = 20000, 50, 5
    item = rng.integers(0, n_items, n)
    skill = item % n_skills
    true_item = rng.normal(0, 1, n_items)
    X = np.c_[np.ones(n), rng.normal(0, 1, n)]
    z = 0.3 + 0.8 * X[:, 1] + true_item[item]
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    w = fit_lr(X, item, np.arange(n + 1), skill, y, n_items, n_skills, l2_item=0.1, l2_skill=10)
    assert abs(w.dense[1] - 0.8) < 0.08
    eff = w.item + w.skill[np.arange(n_items) % n_skills] + w.dense[0]
    assert np.corrcoef(eff, true_item)[0, 1] > 0.95
    # more regularisation pulls item weights toward zero (the average item)
    w_strong = fit_lr(X, item, np.arange(n + 1), skill, y, n_items, n_skills, l2_item=1e4)
    assert np.abs(w_strong.item).max() < 0.5 * np.abs(w.item).max()
