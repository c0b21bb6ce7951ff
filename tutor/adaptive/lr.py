"""Best-LR (Gervet et al. 2020) as an online model, scored one step ahead: the baseline.

Exactly the published feature set (``encode.py -i -s -ic -sc -tc -w -a`` in
github.com/theophilee/learner-performance-prediction): item one-hot, skill one-hots (every skill
of the answer), and counts scaled by log(1 + x): per skill of the answer, the learner's wins and
attempts on that skill (one weight per skill and kind, as in their sparse encoding), the
learner's wins and attempts on this item, and in total. Gervet's time windows are only used by
their DAS3H, not Best-LR. Every update is O(1) per answer (counters). Fitted with L2 logistic
regression (``sparse.fit_sparse_logistic``), the item penalty chosen on a validation split of the
training learners.

The engine's own combined model (``engine.features`` / ``fit_combined``) contains these features
(per skill: bias, log wins, log attempts, plus log fails and a moving average) and more.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .sparse import SparseDesign, choose_l2, fit_sparse_logistic

N_DENSE = 5  # bias, total wins, total attempts, item wins, item attempts (all log(1 + x))
L2_DENSE = 1.0
L2_SKILL = 1.0
ITEM_L2_GRID = (0.3, 1.0, 3.0)


@dataclass
class _Learner:
    wins: int = 0
    n: int = 0
    skills: dict[int, list[int]] = field(default_factory=dict)  # skill -> [wins, attempts]
    items: dict[int, list[int]] = field(default_factory=dict)  # item -> [wins, attempts]


class BestLR:
    """Feature state for many learners: ``features`` before an answer, ``update`` after it."""

    def __init__(self) -> None:
        self.learners: dict[int, _Learner] = {}

    def _get(self, learner: int) -> _Learner:
        lu = self.learners.get(learner)
        if lu is None:
            lu = self.learners[learner] = _Learner()
        return lu

    def features(
        self, learner: int, item: int, skills: Sequence[int]
    ) -> tuple[list[float], list[tuple[float, float]]]:
        """(dense features, per skill of the answer (log(1 + wins), log(1 + attempts)))."""
        lu = self._get(learner)
        iw, ia = lu.items.get(item, (0, 0))
        dense = [1.0, math.log1p(lu.wins), math.log1p(lu.n), math.log1p(iw), math.log1p(ia)]
        per_skill = []
        for s in skills:
            w, a = lu.skills.get(s, (0, 0))
            per_skill.append((math.log1p(w), math.log1p(a)))
        return dense, per_skill

    def update(self, learner: int, item: int, skills: Sequence[int], y: bool) -> None:
        lu = self._get(learner)
        yi = int(bool(y))
        lu.wins += yi
        lu.n += 1
        rec = lu.items.setdefault(item, [0, 0])
        rec[0] += yi
        rec[1] += 1
        for s in skills:
            c = lu.skills.setdefault(s, [0, 0])
            c[0] += yi
            c[1] += 1


@dataclass
class BestLRWeights:
    dense: np.ndarray  # N_DENSE
    item: np.ndarray  # by item code
    skill: np.ndarray  # (n_skills, 3): bias, log wins, log attempts
    item_l2: float = 1.0
    loss: float = float("nan")

    def logit(
        self,
        dense: Sequence[float],
        per_skill: Sequence[tuple[float, float]],
        item: int,
        skills: Sequence[int],
    ) -> float:
        z = float(np.dot(self.dense, dense))
        if 0 <= item < len(self.item):
            z += float(self.item[item])
        for s, (lw, la) in zip(skills, per_skill, strict=True):
            if 0 <= s < len(self.skill):
                b, ww, wa = self.skill[s]
                z += float(b + ww * lw + wa * la)
        return z


def design(
    learner: np.ndarray,
    item: np.ndarray,
    skill_ptr: np.ndarray,
    skill_idx: np.ndarray,
    y: np.ndarray,
    n_items: int,
    n_skills: int,
) -> SparseDesign:
    """Best-LR's design for answers in time order (row r has skills
    ``skill_idx[skill_ptr[r]:skill_ptr[r+1]]``), each row from the state before the answer.
    Sparse columns: items, then per skill (bias, log wins, log attempts)."""
    n = len(y)
    model = BestLR()
    dense = np.empty((n, N_DENSE))
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r in range(n):
        lu, it = int(learner[r]), int(item[r])
        sks = skill_idx[skill_ptr[r] : skill_ptr[r + 1]].tolist()
        d, per = model.features(lu, it, sks)
        dense[r] = d
        if 0 <= it < n_items:
            rows.append(r)
            cols.append(it)
            vals.append(1.0)
        for s, (lw, la) in zip(sks, per, strict=True):
            if 0 <= s < n_skills:
                base = n_items + 3 * s
                rows += [r, r, r]
                cols += [base, base + 1, base + 2]
                vals += [1.0, lw, la]
        model.update(lu, it, sks, y[r] > 0.5)
    return SparseDesign(
        dense,
        np.asarray(rows, np.int64),
        np.asarray(cols, np.int64),
        np.asarray(vals, float),
        n_items + 3 * n_skills,
    )


def fit_best_lr(
    X: SparseDesign,
    y: np.ndarray,
    n_items: int,
    n_skills: int,
    validation: np.ndarray | None = None,
    item_l2: float | None = None,
) -> BestLRWeights:
    """Fit on ``X`` (from ``design``); the item L2 is chosen among ITEM_L2_GRID by log-loss on the
    ``validation`` rows (whole learners of the training data) unless ``item_l2`` is given."""

    def l2(lam: float) -> np.ndarray:
        v = np.full(N_DENSE + X.p, L2_SKILL)
        v[:N_DENSE] = L2_DENSE
        v[N_DENSE : N_DENSE + n_items] = lam
        return v

    if item_l2 is None:
        item_l2 = 1.0
        if validation is not None:
            item_l2, _ = choose_l2(X, y, validation, l2, ITEM_L2_GRID)
    f = fit_sparse_logistic(X, y, l2(item_l2))
    w = f.w
    return BestLRWeights(
        w[:N_DENSE],
        w[N_DENSE : N_DENSE + n_items],
        w[N_DENSE + n_items :].reshape(n_skills, 3),
        item_l2,
        f.loss,
    )
