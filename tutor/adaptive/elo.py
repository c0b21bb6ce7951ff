"""Elo / one-parameter IRT with uncertainty-scaled steps (Pelanek 2016; proso-apps defaults).

P(correct) = sigmoid(theta_global + theta_skill - difficulty). After an answer y in {0, 1}:
theta_global += K(n_learner) (y - p), theta_skill += K_s(n_learner_skill) (y - p),
difficulty -= K(n_item) (y - p), where K(n) = alpha / (1 + beta n).
Item difficulties are fitted offline by replaying attempts in time order (``replay``) and kept
fixed between refits; ``item_step`` is there for deployments that also update them online.
"""

from __future__ import annotations

import math

import numpy as np

from .model import EloConfig


def k_factor(n: int, alpha: float, beta: float) -> float:
    return alpha / (1.0 + beta * n)


def p_correct(theta: float, theta_skill: float, difficulty: float) -> float:
    x = theta + theta_skill - difficulty
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def item_step(
    difficulty: float, count: int, p: float, correct: bool, cfg: EloConfig
) -> tuple[float, int]:
    """Online update of one item's difficulty after an answer predicted with probability p."""
    return difficulty - k_factor(count, cfg.alpha, cfg.beta) * (
        (1.0 if correct else 0.0) - p
    ), count + 1


def replay(
    learner: np.ndarray,
    skill: np.ndarray,
    item: np.ndarray,
    correct: np.ndarray,
    n_items: int,
    cfg: EloConfig,
    item_prior: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run Elo over integer-coded attempts in the given (time) order.

    Returns (difficulty per item, answer count per item). ``item_prior`` seeds difficulties
    (curriculum priors); learners and skills start at 0.
    """
    d = np.zeros(n_items) if item_prior is None else np.asarray(item_prior, dtype=float).copy()
    dl = d.tolist()
    cnt = [0] * n_items
    theta: dict[int, float] = {}
    n_l: dict[int, int] = {}
    theta_s: dict[tuple[int, int], float] = {}
    n_s: dict[tuple[int, int], int] = {}
    a, b, a_s, b_s = cfg.alpha, cfg.beta, cfg.alpha_skill, cfg.beta_skill
    exp = math.exp
    for lu, sk, it, y in zip(
        learner.tolist(), skill.tolist(), item.tolist(), correct.tolist(), strict=True
    ):
        key = (lu, sk)
        th = theta.get(lu, 0.0)
        ts = theta_s.get(key, 0.0)
        x = th + ts - dl[it]
        p = 1.0 / (1.0 + exp(-x)) if x >= 0 else exp(x) / (1.0 + exp(x))
        err = y - p
        nl = n_l.get(lu, 0)
        ns = n_s.get(key, 0)
        theta[lu] = th + a / (1.0 + b * nl) * err
        theta_s[key] = ts + a_s / (1.0 + b_s * ns) * err
        c = cnt[it]
        dl[it] -= a / (1.0 + b * c) * err
        cnt[it] = c + 1
        n_l[lu] = nl + 1
        n_s[key] = ns + 1
    return np.array(dl), np.array(cnt, dtype=np.int64)
