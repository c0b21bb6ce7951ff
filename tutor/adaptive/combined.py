"""The combined predictor: L2-regularised logistic regression fitted by Newton's method.

Features (``model.COMBINED_FEATURES``) follow Best-LR (Gervet et al. 2020) with the item one-hot
replaced by the Elo difficulty and the skill knowledge summarised by BKT: BKT logit, Elo logit,
ability, difficulty, log counts of wins and fails per skill and in total, the current streak and
the forgetting curve's retrievability.
"""

from __future__ import annotations

import numpy as np


def fit_logistic(
    X: np.ndarray,
    y: np.ndarray,
    *,
    l2: float = 1.0,
    max_iter: int = 50,
    tol: float = 1e-8,
    w0: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Weights minimising mean log-loss + l2/(2n) |w[1:] - w0[1:]|^2 (the bias, column 0, is not
    penalised; ``w0`` defaults to zeros: a refit passes the previous weights to move smoothly).

    Returns (weights, mean log-loss on X).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, k = X.shape
    centre = np.zeros(k) if w0 is None else np.asarray(w0, dtype=float)
    w = centre.copy()
    reg = np.full(k, l2)
    reg[0] = 0.0
    for _ in range(max_iter):
        z = X @ w
        p = 1.0 / (1.0 + np.exp(-z))
        g = X.T @ (p - y) + reg * (w - centre)
        h = (X * (p * (1 - p))[:, None]).T @ X + np.diag(reg) + 1e-9 * np.eye(k)
        step = np.linalg.solve(h, g)
        w -= step
        if np.max(np.abs(step)) < tol:
            break
    z = X @ w
    ll = float(np.mean(np.logaddexp(0, z) - y * z))
    return w, ll
