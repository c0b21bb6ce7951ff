"""Metrics for probabilistic predictions of correctness: AUC, RMSE, log-loss, calibration."""

from __future__ import annotations

from typing import Any

import numpy as np


def auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half). NaN if one class is absent."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    n_pos = float((y > 0.5).sum())
    n_neg = float(len(y) - n_pos)
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(p, kind="mergesort")
    ps = p[order]
    # average ranks over ties (1-based)
    idx = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1], True])
    starts, ends = idx[:-1], idx[1:]
    ranks = np.empty(len(p))
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    r_pos = ranks[y > 0.5].sum()
    return float((r_pos - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def rmse(y: np.ndarray, p: np.ndarray) -> float:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    return float(np.sqrt(np.mean((y - p) ** 2))) if len(y) else float("nan")


def log_loss(y: np.ndarray, p: np.ndarray, eps: float = 1e-6) -> float:
    y = np.asarray(y, dtype=float)
    p = np.clip(np.asarray(p, dtype=float), eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))) if len(y) else float("nan")


def accuracy(y: np.ndarray, p: np.ndarray) -> float:
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    return float(np.mean((p >= 0.5) == (y > 0.5))) if len(y) else float("nan")


def calibration(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, Any]]:
    """Rows (lo, hi, n, mean predicted, observed rate) for equal-width probability bins."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        m = which == b
        n = int(m.sum())
        out.append(
            {
                "lo": float(edges[b]),
                "hi": float(edges[b + 1]),
                "n": n,
                "predicted": float(p[m].mean()) if n else float("nan"),
                "observed": float(y[m].mean()) if n else float("nan"),
            }
        )
    return out


def ece(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: count-weighted mean |predicted - observed| over bins."""
    rows = calibration(y, p, bins)
    n = sum(r["n"] for r in rows)
    if n == 0:
        return float("nan")
    return float(sum(r["n"] * abs(r["predicted"] - r["observed"]) for r in rows if r["n"]) / n)


def summary(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    return {
        "n": int(len(y)),
        "auc": auc(y, p),
        "rmse": rmse(y, p),
        "logloss": log_loss(y, p),
        "accuracy": accuracy(y, p),
        "ece": ece(y, p),
    }
