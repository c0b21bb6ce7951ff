"""L2-regularised logistic regression over a dense block plus sparse one-hot-like columns.

The design matrix is ``[D | S]``: ``D`` a dense ``n x k`` array (column 0 the bias, never
penalised) and ``S`` sparse in COO form (``rows``, ``cols``, ``vals``; column ``j`` of the sparse
part, ``0 <= j < p``). Every column has its own L2 strength (``l2``: length ``k + p``, in units of
answers: the penalty is ``0.5 * sum l2_j (w_j - c_j)^2`` added to the summed log-loss), and an
optional centre ``c`` (a refit passes the previous weights to move smoothly).

Fitted by truncated Newton (Newton-CG): each Newton step solves ``H d = -g`` by conjugate
gradients preconditioned with the Hessian's diagonal, with Hessian-vector products computed from
the data (never forming ``H``), then a backtracking line search. Item one-hots with 10^5 items
and per-skill count columns cost O(non-zeros) per product. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass
class SparseDesign:
    dense: np.ndarray  # (n, k), column 0 = 1 (bias)
    rows: np.ndarray  # (nnz,) int64
    cols: np.ndarray  # (nnz,) int64, sparse column index in [0, p)
    vals: np.ndarray  # (nnz,) float
    p: int  # number of sparse columns

    @property
    def n(self) -> int:
        return int(self.dense.shape[0])

    @property
    def k(self) -> int:
        return int(self.dense.shape[1])

    def matvec(self, w: np.ndarray) -> np.ndarray:
        k = self.k
        z: np.ndarray = self.dense @ w[:k]
        if len(self.rows):
            z += np.bincount(self.rows, self.vals * w[k:][self.cols], minlength=self.n)
        return z

    def rmatvec(self, v: np.ndarray) -> np.ndarray:
        out = np.empty(self.k + self.p)
        out[: self.k] = self.dense.T @ v
        out[self.k :] = (
            np.bincount(self.cols, self.vals * v[self.rows], minlength=self.p)
            if len(self.rows)
            else 0.0
        )
        return out

    def diag_weighted(self, r: np.ndarray) -> np.ndarray:
        """diag(X^T diag(r) X)."""
        out = np.empty(self.k + self.p)
        out[: self.k] = (self.dense * self.dense).T @ r
        out[self.k :] = (
            np.bincount(self.cols, self.vals * self.vals * r[self.rows], minlength=self.p)
            if len(self.rows)
            else 0.0
        )
        return out

    def subset(self, mask: np.ndarray) -> SparseDesign:
        """The rows where ``mask`` is true (renumbered)."""
        new_idx = np.cumsum(mask) - 1
        keep = mask[self.rows]
        return SparseDesign(
            self.dense[mask],
            new_idx[self.rows[keep]],
            self.cols[keep],
            self.vals[keep],
            self.p,
        )


@dataclass
class LogisticFit:
    w: np.ndarray  # dense weights then sparse weights
    loss: float  # mean log-loss on the training rows (without the penalty)
    iterations: int
    converged: bool


def _loss(z: np.ndarray, y: np.ndarray) -> float:
    return float(np.sum(np.logaddexp(0.0, z) - y * z))


def fit_sparse_logistic(
    X: SparseDesign,
    y: np.ndarray,
    l2: np.ndarray,
    *,
    centre: np.ndarray | None = None,
    w0: np.ndarray | None = None,
    max_iter: int = 40,
    cg_iter: int = 60,
    tol: float = 1e-6,
) -> LogisticFit:
    """Minimise ``sum logloss + 0.5 * sum l2_j (w_j - centre_j)^2`` (see the module doc).

    ``tol``: stop when a Newton step lowers the objective by less than ``tol`` per row.
    """
    y = np.asarray(y, dtype=float)
    m = X.k + X.p
    lam = np.asarray(l2, dtype=float).copy()
    if lam.shape != (m,):
        raise ValueError(f"l2 must have {m} entries, got {lam.shape}")
    lam[0] = 0.0  # the bias
    c = np.zeros(m) if centre is None else np.asarray(centre, dtype=float)
    w = c.copy() if w0 is None else np.asarray(w0, dtype=float).copy()
    n = max(1, X.n)

    def objective(w: np.ndarray, z: np.ndarray) -> float:
        d = w - c
        return _loss(z, y) + 0.5 * float(lam @ (d * d))

    z = X.matvec(w)
    f = objective(w, z)
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        p = 1.0 / (1.0 + np.exp(-z))
        r = p * (1.0 - p)
        g = X.rmatvec(p - y) + lam * (w - c)
        gnorm = float(np.linalg.norm(g))
        if gnorm < 1e-8 * n:
            converged = True
            break
        pre = 1.0 / (X.diag_weighted(r) + lam + 1e-8)
        # conjugate gradients on H d = -g
        d = np.zeros(m)
        res = -g
        s = pre * res
        q = s.copy()
        rs = float(res @ s)
        stop = min(0.5, np.sqrt(gnorm / n)) * gnorm
        for _ in range(cg_iter):
            hq = X.rmatvec(r * X.matvec(q)) + lam * q + 1e-8 * q
            qhq = float(q @ hq)
            if qhq <= 0:
                break
            a = rs / qhq
            d += a * q
            res -= a * hq
            if np.linalg.norm(res) < stop:
                break
            s = pre * res
            rs_new = float(res @ s)
            q = s + (rs_new / rs) * q
            rs = rs_new
        # backtracking line search (Armijo)
        slope = float(g @ d)
        if slope >= 0:  # not a descent direction (numerical trouble): fall back to -g
            d = -pre * g
            slope = float(g @ d)
        step = 1.0
        zd = X.matvec(d)
        while True:
            w_new = w + step * d
            z_new = z + step * zd
            f_new = objective(w_new, z_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-6:
                break
            step *= 0.5
        drop = f - f_new
        w, z, f = w_new, z_new, f_new
        if drop < tol * n:
            converged = True
            break
    return LogisticFit(w, _loss(z, y) / n, it, converged)


def choose_l2(
    X: SparseDesign,
    y: np.ndarray,
    validation: np.ndarray,
    l2_of: Callable[[float], np.ndarray],
    grid: Sequence[float],
    *,
    fit_rows: np.ndarray | None = None,
    centre: np.ndarray | None = None,
) -> tuple[float, dict[float, float]]:
    """The value of ``grid`` whose fit on ``fit_rows`` (default: the rows not in
    ``validation``) gives the lowest mean log-loss on the ``validation`` rows; with the scores.
    Validation rows should be whole learners, never the test learners. Fits are warm-started
    along the grid."""
    y = np.asarray(y, dtype=float)
    rows = ~validation if fit_rows is None else fit_rows & ~validation
    if not validation.any() or not rows.any():
        return float(grid[len(grid) // 2]), {}
    Xf, Xv = X.subset(rows), X.subset(validation)
    scores: dict[float, float] = {}
    w = None
    for lam in grid:
        w = fit_sparse_logistic(Xf, y[rows], l2_of(lam), centre=centre, w0=w).w
        zv = Xv.matvec(w)
        scores[float(lam)] = float(np.mean(np.logaddexp(0.0, zv) - y[validation] * zv))
    return min(scores, key=scores.__getitem__), scores
