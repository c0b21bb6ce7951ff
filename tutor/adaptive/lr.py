"""Online logistic models of the Best-LR family (Gervet et al. 2020), scored one step ahead.

``BestLR``: item and skill one-hots, and per learner log(1 + wins) and log(1 + attempts) on the
answer's skills and in total (the published Best-LR). ``LRPlus`` ("LR+"): the same, plus fails,
wins and attempts per skill inside recency windows (1 hour, 1 day, 1 week, 30 days: DAS3H's idea),
time since the skill was last practised, and whether/how often the learner met this very item
before. ``EngineLR`` ("Combined+"): LR+ plus the engine's own features (BKT and Elo logits,
ability, counts, streak, recall), fitted by stacking. Several skills per answer are summed
(one-hots and counts), so an answer is predicted once.

Every update is O(1) per answer (amortised: window counters advance a pointer over the learner's
history on the skill). The fit is L2-regularised logistic regression by block-coordinate Newton:
the dense block exactly, item and skill weights by their diagonal (exact for the item block, since
each answer has one item), so 10^5 items cost nothing extra. Pure numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .engine import features as engine_features
from .engine import new_skill_state, update
from .model import COMBINED_FEATURES, Attempt, LearnerState, ModelParams

WINDOWS = (3600.0, 86400.0, 7 * 86400.0, 30 * 86400.0)  # seconds
HOUR = 3600.0


@dataclass
class _SkillHist:
    wins: int = 0
    n: int = 0
    last_t: float | None = None
    times: list[float] = field(default_factory=list)
    ys: list[int] = field(default_factory=list)
    ptr: list[int] = field(default_factory=lambda: [0] * len(WINDOWS))
    win_w: list[int] = field(default_factory=lambda: [0] * len(WINDOWS))  # wins in window
    win_n: list[int] = field(default_factory=lambda: [0] * len(WINDOWS))

    def advance(self, now: float) -> None:
        for k, w in enumerate(WINDOWS):
            p = self.ptr[k]
            while p < len(self.times) and self.times[p] <= now - w:
                self.win_n[k] -= 1
                self.win_w[k] -= self.ys[p]
                p += 1
            self.ptr[k] = p
        if self.ptr[-1] > 256:  # forget what even the longest window no longer sees
            cut = self.ptr[-1]
            del self.times[:cut], self.ys[:cut]
            self.ptr = [p - cut for p in self.ptr]


@dataclass
class _Learner:
    wins: int = 0
    n: int = 0
    skills: dict[int, _SkillHist] = field(default_factory=dict)
    items: dict[int, int] = field(default_factory=dict)  # item -> times met


class OnlineLR:
    """Feature state for many learners; ``features`` before an answer, ``update`` after it."""

    def __init__(self, plus: bool = False, windows: bool = True) -> None:
        self.plus = plus
        self.windows = plus and windows
        self.learners: dict[int, _Learner] = {}

    @property
    def n_dense(self) -> int:
        n = 5  # bias, skill wins, skill attempts, total wins, total attempts
        if self.plus:
            n += 5  # skill fails, log hours since last practice, first time on skill, item met (2)
            if self.windows:
                n += 2 * len(WINDOWS)
        return n

    def features(self, learner: int, item: int, skills: Sequence[int], t: float) -> list[float]:
        lu = self.learners.get(learner)
        if lu is None:
            lu = self.learners[learner] = _Learner()
        sw = sn = 0.0
        fails = 0.0
        gap = 0.0
        first = 0.0
        wins_w = [0.0] * len(WINDOWS)
        n_w = [0.0] * len(WINDOWS)
        for s in skills:
            h = lu.skills.get(s)
            if h is None:
                first += 1.0
                continue
            sw += math.log1p(h.wins)
            sn += math.log1p(h.n)
            if self.plus:
                fails += math.log1p(h.n - h.wins)
                if h.last_t is not None:
                    gap += math.log1p(max(0.0, t - h.last_t) / HOUR)
                if self.windows:
                    h.advance(t)
                    for k in range(len(WINDOWS)):
                        wins_w[k] += math.log1p(h.win_w[k])
                        n_w[k] += math.log1p(h.win_n[k])
        x = [1.0, sw, sn, math.log1p(lu.wins), math.log1p(lu.n)]
        if self.plus:
            met = lu.items.get(item, 0)
            x += [fails, gap, first, float(met > 0), math.log1p(met)]
            if self.windows:
                x += wins_w + n_w
        return x

    def update(self, learner: int, item: int, skills: Sequence[int], t: float, y: bool) -> None:
        lu = self.learners.get(learner)
        if lu is None:
            lu = self.learners[learner] = _Learner()
        yi = int(bool(y))
        lu.wins += yi
        lu.n += 1
        if self.plus:
            lu.items[item] = lu.items.get(item, 0) + 1
        for s in skills:
            h = lu.skills.get(s)
            if h is None:
                h = lu.skills[s] = _SkillHist()
            h.wins += yi
            h.n += 1
            h.last_t = t
            if self.windows:
                h.times.append(t)
                h.ys.append(yi)
                for k in range(len(WINDOWS)):
                    h.win_n[k] += 1
                    h.win_w[k] += yi


@dataclass
class LRWeights:
    dense: np.ndarray
    item: np.ndarray  # by item code (0 for items never seen in training)
    skill: np.ndarray
    loss: float = float("nan")
    iterations: int = 0

    def logit(self, x: Sequence[float], item: int, skills: Sequence[int]) -> float:
        z = float(np.dot(self.dense, x))
        if 0 <= item < len(self.item):
            z += float(self.item[item])
        for s in skills:
            if 0 <= s < len(self.skill):
                z += float(self.skill[s])
        return z


def fit_lr(
    X: np.ndarray,
    item: np.ndarray,
    skill_ptr: np.ndarray,
    skill_idx: np.ndarray,
    y: np.ndarray,
    n_items: int,
    n_skills: int,
    *,
    l2_dense: float = 1.0,
    l2_item: float = 1.0,
    l2_skill: float = 1.0,
    max_iter: int = 60,
    tol: float = 1e-7,
) -> LRWeights:
    """L2 logistic regression with dense features ``X`` plus an item one-hot (``item``, one per
    row) and skill one-hots (row r has skills ``skill_idx[skill_ptr[r]:skill_ptr[r+1]]``).
    The bias (column 0 of ``X``) is not penalised."""
    n, k = X.shape
    y = np.asarray(y, dtype=float)
    rows_of_skill = np.repeat(np.arange(n), np.diff(skill_ptr))
    per_row = np.maximum(np.diff(skill_ptr), 1)
    wd = np.zeros(k)
    wi = np.zeros(n_items)
    ws = np.zeros(n_skills)
    reg = np.full(k, l2_dense)
    reg[0] = 0.0

    def z_of() -> np.ndarray:
        return X @ wd + wi[item] + np.bincount(rows_of_skill, ws[skill_idx], minlength=n)

    def loss(z: np.ndarray) -> float:
        data = float(np.sum(np.logaddexp(0.0, z) - y * z))
        pen = 0.5 * (reg @ (wd * wd) + l2_item * wi @ wi + l2_skill * ws @ ws)
        return (data + pen) / n

    prev = loss(z_of())
    done = 0
    for it in range(1, max_iter + 1):
        done = it
        # dense block: one Newton step
        z = z_of()
        p = 1.0 / (1.0 + np.exp(-z))
        r = p * (1.0 - p)
        g = X.T @ (p - y) + reg * wd
        h = (X * r[:, None]).T @ X + np.diag(reg) + 1e-9 * np.eye(k)
        wd -= np.linalg.solve(h, g)
        # item block: exact diagonal Newton (each row has one item)
        z = z_of()
        p = 1.0 / (1.0 + np.exp(-z))
        r = p * (1.0 - p)
        gi = np.bincount(item, p - y, minlength=n_items) + l2_item * wi
        hi = np.bincount(item, r, minlength=n_items) + l2_item
        wi -= gi / hi
        # skill block: diagonal Newton, damped by the skills per row (several skills per answer)
        z = z_of()
        p = 1.0 / (1.0 + np.exp(-z))
        r = p * (1.0 - p)
        gs = np.bincount(skill_idx, (p - y)[rows_of_skill], minlength=n_skills) + l2_skill * ws
        hs = np.bincount(skill_idx, (r * per_row)[rows_of_skill], minlength=n_skills) + l2_skill
        ws -= gs / hs
        cur = loss(z_of())
        if prev - cur < tol:
            prev = cur
            break
        prev = cur
    return LRWeights(wd, wi, ws, prev, done)


class EngineLR:
    """LR+ features plus the engine's own per-skill features (BKT logit, Elo logit, ability,
    difficulty, counts, streak, recall; averaged over the answer's skills): "Combined+".
    Still O(1) per answer: one engine update per skill of the answer."""

    def __init__(self, params: ModelParams, windows: bool = True) -> None:
        self.lr = OnlineLR(plus=True, windows=windows)
        self.params = params
        self.states: dict[int, LearnerState] = {}

    @property
    def n_dense(self) -> int:
        return self.lr.n_dense + len(COMBINED_FEATURES) - 1

    def features(
        self,
        learner: int,
        item: int,
        skills: Sequence[int],
        t: float,
        item_id: str,
        skill_ids: Sequence[str],
    ) -> list[float]:
        x = self.lr.features(learner, item, skills, t)
        st = self.states.get(learner) or LearnerState()
        acc = [0.0] * (len(COMBINED_FEATURES) - 1)
        for sid in skill_ids:
            s = st.skills.get(sid) or new_skill_state(self.params, sid)
            d = self.params.difficulty(item_id, sid)
            f = engine_features(st, s, self.params, sid, d, t)
            for k in range(len(acc)):
                acc[k] += f[k + 1]
        return x + [v / max(1, len(skill_ids)) for v in acc]

    def update(
        self,
        learner: int,
        item: int,
        skills: Sequence[int],
        t: float,
        y: bool,
        item_id: str,
        skill_ids: Sequence[str],
    ) -> None:
        self.lr.update(learner, item, skills, t, y)
        st = self.states.get(learner) or LearnerState(learner=str(learner))
        for sid in skill_ids:
            st = update(st, self.params, Attempt(str(learner), sid, item_id, y, t))
        self.states[learner] = st
