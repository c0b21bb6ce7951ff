"""BKT: the online step, the EM fit, and parameter recovery on simulated learners."""

import math

import numpy as np
import pytest

from tutor.adaptive import bkt
from tutor.adaptive.model import BKTParams
from tutor.adaptive.simulate import recovery, simulate_bkt


def test_step_matches_the_textbook_formulas():
    p = BKTParams(prior=0.2, learn=0.15, slip=0.1, guess=0.2)
    # correct: posterior = 0.2*0.9 / (0.2*0.9 + 0.8*0.2) = 0.18/0.34
    post = 0.18 / 0.34
    assert bkt.posterior(0.2, True, p) == pytest.approx(post)
    assert bkt.step(0.2, True, p) == pytest.approx(post + (1 - post) * 0.15)
    # wrong: posterior = 0.2*0.1 / (0.02 + 0.8*0.8)
    post = 0.02 / 0.66
    assert bkt.step(0.2, False, p) == pytest.approx(post + (1 - post) * 0.15)
    assert bkt.p_correct(0.2, p) == pytest.approx(0.2 * 0.9 + 0.8 * 0.2)


def test_forget_moves_known_learners_back():
    p = BKTParams(prior=0.9, learn=0.0, slip=0.1, guess=0.2, forget=0.1)
    post = bkt.posterior(0.9, True, p)
    assert bkt.step(0.9, True, p) == pytest.approx(post * 0.9)


def test_attempts_to_mastery_counts_correct_answers():
    p = BKTParams(prior=0.2, learn=0.15, slip=0.1, guess=0.2)
    n = bkt.attempts_to_mastery(p, 0.95)
    k = p.prior
    for _ in range(n - 1):
        k = bkt.step(k, True, p)
    assert k < 0.95 <= bkt.step(k, True, p)


def _brute_loglik(seq, p):
    """Forward algorithm, written out plainly for one sequence."""
    k = p.prior
    ll = 0.0
    for y in seq:
        pc = bkt.p_correct(k, p)
        ll += math.log(pc if y else 1 - pc)
        k = bkt.step(k, bool(y), p)
    return ll


def test_packed_forward_pass_agrees_with_a_plain_loop():
    rng = np.random.default_rng(3)
    lengths = [7, 1, 4, 12, 4]
    seq_id = np.repeat(np.arange(len(lengths)), lengths)
    y = (rng.random(len(seq_id)) < 0.6).astype(float)
    skill = np.zeros(len(y), dtype=int)
    p = BKTParams(prior=0.3, learn=0.1, slip=0.1, guess=0.2)
    packed = bkt.pack(seq_id, skill, y, 1)
    res = bkt.em_fit(packed, init=[p], max_iter=1)  # one E-step at p: loglik is the data's under p
    expect = 0.0
    start = 0
    for n in lengths:
        expect += _brute_loglik(y[start : start + n], p)
        start += n
    assert res.loglik == pytest.approx(expect, rel=1e-9)


def test_em_never_lowers_the_likelihood():
    true = {"a": BKTParams(0.3, 0.2, 0.1, 0.25)}
    from tutor.adaptive.engine import AttemptTable

    tab = AttemptTable.from_attempts(simulate_bkt(true, 100, 10, seed=5))
    order = np.lexsort((np.arange(len(tab)), tab.skill, tab.learner))
    packed = bkt.pack(tab.learner[order], tab.skill[order], tab.correct[order], 1)
    lls = [bkt.em_fit(packed, max_iter=k, tol=0).loglik for k in (1, 2, 5, 20)]
    assert all(b >= a - 1e-9 for a, b in zip(lls, lls[1:], strict=False))


def test_parameters_recovered_within_0_05_with_200_learners_x_20_attempts():
    """The issue's bar: mean absolute error <= 0.05 over prior, learn, slip, guess."""
    for seed in (0, 1, 2):
        r = recovery(n_learners=200, n_attempts=20, seed=seed)
        assert r["mae"] <= 0.05, (seed, r)


def test_a_skill_with_little_data_is_pulled_toward_the_pooled_fit():
    from tutor.adaptive import fit

    true = {f"s{i}": BKTParams(0.3, 0.15, 0.1, 0.2) for i in range(4)}
    atts = simulate_bkt(true, 100, 15, seed=1)
    atts += simulate_bkt({"tiny": BKTParams(0.3, 0.15, 0.1, 0.2)}, 2, 2, seed=9)
    params = fit(atts, stack_fraction=0)
    tiny = params.bkt["tiny"]
    pooled = params.bkt_default
    assert abs(tiny.learn - pooled.learn) < 0.1
    assert abs(tiny.slip - pooled.slip) < 0.1
    for v in tiny.to_dict().values():
        assert 0.0 <= v <= 1.0
