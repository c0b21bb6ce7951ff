"""The online side (update, predict) and the offline fit of the adaptive engine.

``update`` and ``predict`` are cheap (tens of microseconds): they touch one SkillState and the
learner's globals. ``fit`` refits everything from stored attempts (BKT by EM, item difficulties by
an Elo replay, the combined logistic model by cross-fitting over groups of learners).
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import bkt as _bkt
from .course import CourseGraph
from .elo import replay as elo_replay
from .forgetting import DAY, next_stability, skill_retrievability
from .mastery import is_mastered, record_evidence
from .model import (
    COMBINED_FEATURES,
    DECAY_DAYS,
    ITEM_CAP,
    N_ITEM_FEATURES,
    N_PATTERNS,
    PATTERN_LEN,
    SKILL_EMA,
    SKILL_TERMS,
    TOTAL_EMA,
    Attempt,
    BKTParams,
    EloConfig,
    LearnerState,
    MasteryConfig,
    ModelParams,
    SkillState,
    default_combined_weights,
)
from .sparse import SparseDesign, choose_l2, fit_sparse_logistic

_PATTERN_MASK = (1 << PATTERN_LEN) - 1
RECENT_SIZE = 30  # how many recent items the learner state remembers (for "not seen recently")
_LOGIT_CLIP = 6.0

_I_BKT = COMBINED_FEATURES.index("bkt_logit")
_I_ELO = COMBINED_FEATURES.index("elo_logit")
_I_DIFF = COMBINED_FEATURES.index("difficulty")


def _sig(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    x = math.log(p / (1.0 - p))
    return max(-_LOGIT_CLIP, min(_LOGIT_CLIP, x))


def new_skill_state(params: ModelParams, skill: str) -> SkillState:
    return SkillState(p_known=params.bkt_for(skill).prior)


def skill_state(state: LearnerState, params: ModelParams, skill: str) -> SkillState:
    """The learner's state on ``skill`` (a fresh one from the BKT prior if never practised)."""
    s = state.skills.get(skill)
    return s if s is not None else new_skill_state(params, skill)


# ---------------------------------------------------------------------------------------------
# online update


def _apply(
    state: LearnerState,
    params: ModelParams,
    skill: str,
    item: str,
    correct: bool,
    t: float,
    prior_difficulty: float | None,
    threshold: float,
    recent_size: int,
) -> None:
    """Update ``state`` in place (its ``skills`` dict must be safe to mutate)."""
    y = 1.0 if correct else 0.0
    bp = params.bkt_for(skill)
    old = state.skills.get(skill)
    s = SkillState(p_known=bp.prior) if old is None else old.copy()
    elo = params.elo
    d = params.difficulty(item, skill, prior_difficulty)
    x = state.theta + s.theta - d
    p = _sig(x)
    err = y - p
    state.theta += elo.alpha / (1.0 + elo.beta * state.n) * err
    s.theta += elo.alpha_skill / (1.0 + elo.beta_skill * s.n) * err

    cfg = params.mastery
    was_mastered = is_mastered(s, threshold, cfg)
    s.p_known = _bkt.step(s.p_known, correct, bp)
    record_evidence(s, item, correct)
    s.n += 1
    # the mastery clock (stability, mastered_t) starts with the full rule, evidence included
    if s.stability > 0:
        elapsed = (t - s.last_t) / DAY if s.last_t is not None else 0.0
        s.stability = next_stability(s.stability, elapsed, correct, cfg)
    elif is_mastered(s, threshold, cfg):
        s.stability = cfg.initial_stability
    if s.mastered_t is None and is_mastered(s, threshold, cfg):
        s.mastered_t = t
    if was_mastered and not correct:
        s.lapses += 1
    if correct:
        s.wins += 1
        s.streak = s.streak + 1 if s.streak > 0 else 1
    else:
        s.streak = s.streak - 1 if s.streak < 0 else -1
    # the combined model's recency features (O(1): moving averages, bits, decayed counts)
    v = 1.0 if correct else -1.0
    s.ema = [a * e + (1.0 - a) * v for a, e in zip(SKILL_EMA, s.ema, strict=True)]
    s.hist = ((s.hist << 1) | int(correct)) & _PATTERN_MASK
    gap_days = max(0.0, t - s.last_t) / DAY if s.last_t is not None else 0.0
    dec = s.decayed
    for j, tau in enumerate(DECAY_DAYS):
        f = math.exp(-gap_days / tau)
        dec[2 * j] = dec[2 * j] * f + y
        dec[2 * j + 1] = dec[2 * j + 1] * f + 1.0
    s.last_t = t
    state.skills[skill] = s
    state.n += 1
    if correct:
        state.wins += 1
    s.last_k = state.n
    rec_i = s.items.get(item)
    if rec_i is None:
        if len(s.items) >= ITEM_CAP:  # forget the least recently answered item
            del s.items[min(s.items, key=lambda k: s.items[k][2])]
        s.items[item] = [1, int(correct), state.n, int(correct)]
    else:
        s.items[item] = [rec_i[0] + 1, rec_i[1] + int(correct), state.n, int(correct)]
    state.ema = [a * e + (1.0 - a) * v for a, e in zip(TOTAL_EMA, state.ema, strict=True)]
    state.hist = ((state.hist << 1) | int(correct)) & _PATTERN_MASK
    state.prev_skill = skill
    rec = state.recent
    rec.append((item, t))
    if len(rec) > recent_size:
        del rec[: len(rec) - recent_size]


def update(
    state: LearnerState,
    params: ModelParams,
    attempt: Attempt,
    *,
    threshold: float | None = None,
    recent_size: int = RECENT_SIZE,
) -> LearnerState:
    """Return the learner's new state after ``attempt`` (the input state is not modified).

    ``threshold`` is the course's mastery threshold (default ``params.mastery.threshold``); it
    only decides when the mastery clock (``mastered_t``, stability) starts.
    """
    new = state.copy()
    if not new.learner:
        new.learner = attempt.learner
    _apply(
        new,
        params,
        attempt.skill,
        attempt.item,
        attempt.correct,
        attempt.t,
        attempt.difficulty,
        params.mastery.threshold if threshold is None else threshold,
        recent_size,
    )
    return new


# ---------------------------------------------------------------------------------------------
# prediction


def pattern_index(hist: int, n: int) -> int:
    """Index of the pattern of the last min(n, PATTERN_LEN) outcomes (0 = no answer yet)."""
    k = min(n, PATTERN_LEN)
    return (1 << k) - 1 + (hist & ((1 << k) - 1))


def item_features(s: SkillState, item: str, n_total: int) -> list[float]:
    """The learner's history with ``item`` (the last N_ITEM_FEATURES combined features)."""
    rec = s.items.get(item)
    if rec is None:
        return [0.0] * N_ITEM_FEATURES
    return [
        math.log1p(rec[0]),
        math.log1p(rec[1]),
        2.0 * rec[3] - 1.0,
        math.log1p(max(0, n_total - rec[2])),
    ]


def features(
    state: LearnerState,
    s: SkillState,
    params: ModelParams,
    skill: str,
    difficulty: float,
    now: float | None,
    item: str | None = None,
) -> list[float]:
    """The combined model's dense feature vector (order: ``COMBINED_FEATURES``); without
    ``item`` the item's own history counts as never met."""
    bp = params.bkt_for(skill)
    p_bkt = s.p_known * (1.0 - bp.slip) + (1.0 - s.p_known) * bp.guess
    fails_s = s.n - s.wins
    fails_t = state.n - state.wins
    gap_days = max(0.0, now - s.last_t) / DAY if (now is not None and s.last_t is not None) else 0.0
    dec = []
    for j, tau in enumerate(DECAY_DAYS):
        f = math.exp(-gap_days / tau)
        dec += [math.log1p(s.decayed[2 * j] * f), math.log1p(s.decayed[2 * j + 1] * f)]
    return [
        1.0,
        _logit(p_bkt),
        state.theta + s.theta - difficulty,
        state.theta,
        difficulty,
        math.log1p(s.wins),
        math.log1p(fails_s),
        math.log1p(state.wins),
        math.log1p(fails_t),
        float(max(-5, min(5, s.streak))),
        skill_retrievability(s.last_t, s.stability, now),
        # Best-LR-style extras (issue 14): the skill's difficulty, first time on the skill,
        # time since it was last practised, and the skill-specific ability on its own
        params.skill_difficulty.get(skill, 0.0),
        1.0 if s.n == 0 else 0.0,
        math.log1p(gap_days * 24.0),
        s.theta,
        *s.ema,
        *state.ema,
        math.log1p(state.n - s.last_k) if s.n else 0.0,
        1.0 if (s.n and state.prev_skill == skill) else 0.0,
        *dec,
        math.log1p(state.n),
        *(item_features(s, item, state.n) if item is not None else [0.0] * N_ITEM_FEATURES),
    ]


def skill_term_values(state: LearnerState, s: SkillState) -> list[float]:
    """Values of the per-skill columns (``SKILL_TERMS``) before an answer on the skill."""
    return [
        1.0,
        math.log1p(s.wins),
        math.log1p(s.n),
        math.log1p(s.n - s.wins),
        s.ema[0],
        s.ema[1],
        math.log1p(state.n - s.last_k) if s.n else 0.0,
    ]


def sparse_logit(state: LearnerState, s: SkillState, params: ModelParams, skill: str) -> float:
    """The per-skill and per-pattern part of the combined logit (the item weight aside)."""
    z = 0.0
    sw = params.skill_weights.get(skill)
    if sw is not None:
        z += sum(wi * vi for wi, vi in zip(sw, skill_term_values(state, s), strict=True))
    if params.pattern_skill:
        z += params.pattern_skill[pattern_index(s.hist, s.n)]
    sp = params.skill_patterns.get(skill)
    if sp:
        z += sp[pattern_index(s.hist, s.n)]
    if params.pattern_total:
        z += params.pattern_total[pattern_index(state.hist, state.n)]
    return z


def combined_logit(
    state: LearnerState,
    s: SkillState,
    params: ModelParams,
    skill: str,
    item: str,
    difficulty: float,
    now: float | None,
) -> float:
    f = features(state, s, params, skill, difficulty, now, item)
    z = sum(wi * fi for wi, fi in zip(params.combined_weights, f, strict=True))
    return z + sparse_logit(state, s, params, skill) + params.item_weights.get(item, 0.0)


def combined_line(
    state: LearnerState, s: SkillState, params: ModelParams, skill: str, now: float | None
) -> tuple[float, float]:
    """(a, b) with combined logit = a + b * difficulty + the item's own terms
    (``item_terms``), so many items are scored at once."""
    f = features(state, s, params, skill, 0.0, now)
    w = params.combined_weights
    a = sum(wi * fi for wi, fi in zip(w, f, strict=True)) + sparse_logit(state, s, params, skill)
    b = w[_I_DIFF] - w[_I_ELO]
    return a, b


def item_term(s: SkillState, params: ModelParams, item: str, n_total: int) -> float:
    """What the learner's own history with ``item`` adds to the combined logit."""
    if item not in s.items:
        return 0.0
    w = params.combined_weights[-N_ITEM_FEATURES:]
    return sum(wi * fi for wi, fi in zip(w, item_features(s, item, n_total), strict=True))


@dataclass(frozen=True, slots=True)
class Prediction:
    bkt: float
    elo: float
    combined: float


def predict_all(
    state: LearnerState,
    params: ModelParams,
    skill: str,
    item: str,
    now: float | None = None,
    prior_difficulty: float | None = None,
) -> Prediction:
    s = skill_state(state, params, str(skill))
    d = params.difficulty(str(item), str(skill), prior_difficulty)
    z = combined_logit(state, s, params, str(skill), str(item), d, now)
    bp = params.bkt_for(str(skill))
    return Prediction(
        bkt=s.p_known * (1.0 - bp.slip) + (1.0 - s.p_known) * bp.guess,
        elo=_sig(state.theta + s.theta - d),
        combined=_sig(z),
    )


def predict(
    state: LearnerState,
    params: ModelParams,
    skill: str,
    item: str,
    now: float | None = None,
    *,
    model: str = "combined",
    prior_difficulty: float | None = None,
) -> float:
    """P(correct) for the learner on ``item`` (of ``skill``) by ``model``: combined, bkt or elo."""
    p = predict_all(state, params, skill, item, now, prior_difficulty)
    value: float = getattr(p, model)
    return value


# ---------------------------------------------------------------------------------------------
# attempts as columns (for fitting a million rows without a million objects)


@dataclass
class AttemptTable:
    """Attempts as integer-coded numpy columns, in time order (stable on input order)."""

    learner: np.ndarray  # int codes
    skill: np.ndarray
    item: np.ndarray
    correct: np.ndarray  # float 0/1
    t: np.ndarray  # float seconds
    prior: np.ndarray  # float, NaN where the attempt carried no difficulty prior
    learners: np.ndarray  # code -> id (str)
    skills: np.ndarray
    items: np.ndarray

    def __len__(self) -> int:
        return len(self.correct)

    @classmethod
    def from_columns(
        cls,
        learner: Sequence[Any] | np.ndarray,
        skill: Sequence[Any] | np.ndarray,
        item: Sequence[Any] | np.ndarray,
        correct: Sequence[Any] | np.ndarray,
        t: Sequence[Any] | np.ndarray | None = None,
        prior: Sequence[Any] | np.ndarray | None = None,
    ) -> AttemptTable:
        n = len(correct)
        lu, lc = np.unique(np.asarray(learner).astype(str), return_inverse=True)
        su, sc = np.unique(np.asarray(skill).astype(str), return_inverse=True)
        iu, ic = np.unique(np.asarray(item).astype(str), return_inverse=True)
        tt = np.arange(n, dtype=float) if t is None else np.asarray(t, dtype=float)
        pr = np.full(n, np.nan) if prior is None else np.asarray(prior, dtype=float)
        order = np.argsort(tt, kind="stable")
        return cls(
            learner=lc[order].astype(np.int64),
            skill=sc[order].astype(np.int64),
            item=ic[order].astype(np.int64),
            correct=np.asarray(correct, dtype=float)[order],
            t=tt[order],
            prior=pr[order],
            learners=lu,
            skills=su,
            items=iu,
        )

    @classmethod
    def from_attempts(cls, attempts: Iterable[Attempt]) -> AttemptTable:
        rows = list(attempts)
        return cls.from_columns(
            [a.learner for a in rows],
            [a.skill for a in rows],
            [a.item for a in rows],
            [a.correct for a in rows],
            [a.t for a in rows],
            [np.nan if a.difficulty is None else a.difficulty for a in rows],
        )

    def subset(self, mask: np.ndarray) -> AttemptTable:
        return AttemptTable(
            self.learner[mask],
            self.skill[mask],
            self.item[mask],
            self.correct[mask],
            self.t[mask],
            self.prior[mask],
            self.learners,
            self.skills,
            self.items,
        )

    def attempts(self) -> Iterable[Attempt]:
        L, S, It = self.learners, self.skills, self.items
        for i in range(len(self)):
            p = self.prior[i]
            yield Attempt(
                str(L[self.learner[i]]),
                str(S[self.skill[i]]),
                str(It[self.item[i]]),
                bool(self.correct[i]),
                float(self.t[i]),
                None if np.isnan(p) else float(p),
            )


# ---------------------------------------------------------------------------------------------
# offline fit


def _fit_core(
    tab: AttemptTable,
    *,
    forgets: bool,
    elo: EloConfig,
    mastery: MasteryConfig,
    item_priors: dict[str, float],
    prior_strength: float,
    anchor: dict[str, BKTParams] | None = None,
) -> ModelParams:
    n_sk = len(tab.skills)
    n_it = len(tab.items)
    # BKT: sequences per (learner, skill), time-ordered
    order = np.lexsort((np.arange(len(tab)), tab.skill, tab.learner))
    seq = tab.learner[order] * n_sk + tab.skill[order]
    per_skill, pooled, info = _bkt.fit_skills(
        seq,
        tab.skill[order],
        tab.correct[order],
        n_sk,
        forgets=forgets,
        prior_strength=prior_strength,
        threshold=mastery.threshold,
        anchor=[anchor.get(str(k)) for k in tab.skills] if anchor else None,
    )
    # Elo: item difficulties by replay in time order, seeded with curriculum priors
    prior = np.zeros(n_it)
    has_prior = np.zeros(n_it, dtype=bool)
    ok = ~np.isnan(tab.prior)
    if ok.any():
        prior[tab.item[ok]] = tab.prior[ok]
        has_prior[tab.item[ok]] = True
    for k, code in zip(tab.items, range(n_it), strict=True):
        v = item_priors.get(str(k))
        if v is not None:
            prior[code] = v
            has_prior[code] = True
    diff, cnt = elo_replay(tab.learner, tab.skill, tab.item, tab.correct, n_it, elo, prior)
    # skill mean difficulty (over the items answered in the skill, weighted by answers)
    w = np.bincount(tab.skill, minlength=n_sk).astype(float)
    sm = np.bincount(tab.skill, weights=diff[tab.item], minlength=n_sk) / np.maximum(w, 1)
    skills = [str(s) for s in tab.skills]
    items = [str(i) for i in tab.items]
    params = ModelParams(
        bkt={sk: p for sk, p in zip(skills, per_skill, strict=True)},
        bkt_default=pooled,
        elo=elo,
        item_difficulty={it: float(d) for it, d in zip(items, diff, strict=True)},
        item_count={it: int(c) for it, c in zip(items, cnt, strict=True)},
        skill_difficulty={sk: float(v) for sk, v in zip(skills, sm, strict=True)},
        mastery=mastery,
    )
    for it, d in item_priors.items():  # priors of items nobody answered yet
        params.item_difficulty.setdefault(str(it), float(d))
        params.item_count.setdefault(str(it), 0)
    params.info.update(info)
    return params


@dataclass
class DesignParts:
    """The combined model's inputs for each attempt, computed online (before the attempt)."""

    dense: np.ndarray  # (n, len(COMBINED_FEATURES))
    skill_terms: np.ndarray  # (n, len(SKILL_TERMS)): the per-skill columns' values
    pattern_skill: np.ndarray  # (n,) int: pattern of the last outcomes on the skill
    pattern_total: np.ndarray  # (n,) int: ... over all answers


def _empty_parts(n: int) -> DesignParts:
    return DesignParts(
        np.zeros((n, len(COMBINED_FEATURES))),
        np.zeros((n, len(SKILL_TERMS))),
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
    )


def replay_design(
    tab: AttemptTable,
    params: ModelParams,
    threshold: float | None = None,
    rows: np.ndarray | None = None,
    parts: DesignParts | None = None,
) -> DesignParts:
    """Replay ``tab`` in time order under ``params``; fill the design for ``rows`` (a boolean
    mask of the learners to replay; all when None) into ``parts`` (new when None)."""
    thr = params.mastery.threshold if threshold is None else threshold
    n = len(tab)
    if parts is None:
        parts = _empty_parts(n)
    states: dict[int, LearnerState] = {}
    S, It = tab.skills, tab.items
    idx = np.arange(n) if rows is None else np.flatnonzero(rows)
    for i in idx.tolist():
        lu, sk, it = int(tab.learner[i]), int(tab.skill[i]), int(tab.item[i])
        pr = float(tab.prior[i])
        st = states.get(lu)
        if st is None:
            st = states[lu] = LearnerState()
        skill = str(S[sk])
        item = str(It[it])
        prior = None if pr != pr else pr
        s = st.skills.get(skill) or new_skill_state(params, skill)
        d = params.difficulty(item, skill, prior)
        parts.dense[i] = features(st, s, params, skill, d, float(tab.t[i]), item)
        parts.skill_terms[i] = skill_term_values(st, s)
        parts.pattern_skill[i] = pattern_index(s.hist, s.n)
        parts.pattern_total[i] = pattern_index(st.hist, st.n)
        _apply(
            st, params, skill, item, tab.correct[i] > 0.5, float(tab.t[i]), prior, thr, RECENT_SIZE
        )
    return parts


# L2 strengths of the combined model's groups of weights, in answers (see ``sparse``); the
# item strength is chosen on a validation split of the training learners among ITEM_L2_GRID.
L2_DENSE = 1.0
L2_DENSE_REFIT = 200.0  # a refit is pulled toward the previous weights as if by 200 answers
L2_SKILL = 3.0
L2_PATTERN = 1.0
ITEM_L2_GRID = (0.1, 0.3, 1.0, 3.0)
# cross-fitting folds: each fold's engine features come from BKT and Elo fitted on the others
# (4 folds were tried: Statics AUC 0.8350 against 0.8348, but ASSISTments 2009 0.7846 against
# 0.7863 and calibration error 0.029 against 0.016; docs/adaptive.md)
CROSS_FOLDS = 2
TUNE_MAX_ROWS = 300_000  # the validation fits use at most about this many answers


def _learner_hash(tab: AttemptTable, salt: str, mod: int) -> np.ndarray:
    """Per attempt: crc32 of salt + learner id, modulo ``mod`` (stable across refits)."""
    h = np.array([zlib.crc32(f"{salt}:{lid}".encode()) % mod for lid in tab.learners])
    out: np.ndarray = h[tab.learner] if len(tab) else np.zeros(0, dtype=np.int64)
    return out


def validation_mask(tab: AttemptTable, seed: int = 0) -> np.ndarray:
    """The attempts of the validation learners (a fifth, by a hash of their id)."""
    mask: np.ndarray = _learner_hash(tab, f"val{seed}", 5) == 0
    return mask


def cross_fit_parts(
    tab: AttemptTable, learners: np.ndarray, kw: dict[str, Any], seed: int, parts: DesignParts
) -> bool:
    """Fill ``parts`` for the attempts in ``learners`` (a mask of whole learners) by
    cross-fitting over CROSS_FOLDS groups of them; False if there were not two groups."""
    group = _learner_hash(tab, str(seed), CROSS_FOLDS)
    present = np.unique(group[learners]).tolist()
    if len(present) < 2:  # (a few learners may leave a group empty)
        return False
    for g in present:
        p_g = _fit_core(tab.subset(learners & (group != g)), **kw)
        replay_design(tab, p_g, rows=learners & (group == g), parts=parts)
    return True


def validation_parts(tab: AttemptTable, kw: dict[str, Any], seed: int) -> DesignParts | None:
    """The design for choosing the penalty, as serving will see it: the fitting learners'
    features cross-fitted among themselves, the validation learners' features from BKT and Elo
    fitted on all the fitting learners (like new learners under the served engine), so that no
    validation answer shapes any feature. None if there are too few learners."""
    val = validation_mask(tab, seed)
    if not val.any() or val.all():
        return None
    parts = _empty_parts(len(tab))
    if not cross_fit_parts(tab, ~val, kw, seed, parts):
        return None
    replay_design(tab, _fit_core(tab.subset(~val), **kw), rows=val, parts=parts)
    return parts


def fit_combined(
    tab: AttemptTable,
    parts: DesignParts,
    *,
    seed: int = 0,
    previous: ModelParams | None = None,
    item_l2: float | None = None,
    tune_parts: DesignParts | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fit the combined model's weights on the design; returns (weights, info).

    Columns: the dense features, then one per item, SKILL_TERMS per skill, one per pattern
    (skill, overall), and one per skill and pattern on the skill. L2 per group (bias free); a
    refit is centred on ``previous``'s weights. ``item_l2`` None: chosen among ITEM_L2_GRID by
    log-loss on the validation learners (``validation_mask``), fitted on the rest, with the
    features of ``tune_parts`` (``validation_parts``: as the served model will see them) or else
    of ``parts``."""
    n_it, n_sk = len(tab.items), len(tab.skills)
    n_st = len(SKILL_TERMS)
    k = parts.dense.shape[1]
    n = len(tab)
    ar = np.arange(n)
    off_s = n_it
    off_ps = off_s + n_sk * n_st
    off_pt = off_ps + N_PATTERNS
    off_sp = off_pt + N_PATTERNS
    p = off_sp + n_sk * N_PATTERNS
    rows = np.concatenate([ar, np.repeat(ar, n_st), ar, ar, ar]).astype(np.int64)

    def design_of(pp: DesignParts) -> SparseDesign:
        cols = np.concatenate(
            [
                tab.item,
                off_s + (tab.skill[:, None] * n_st + np.arange(n_st)[None, :]).ravel(),
                off_ps + pp.pattern_skill,
                off_pt + pp.pattern_total,
                off_sp + tab.skill * N_PATTERNS + pp.pattern_skill,
            ]
        )
        vals = np.concatenate(
            [np.ones(n), pp.skill_terms.ravel(), np.ones(n), np.ones(n), np.ones(n)]
        )
        return SparseDesign(pp.dense, rows, cols.astype(np.int64), vals, p)

    X = design_of(parts)
    y = tab.correct
    centre = np.zeros(k + p)
    if previous is not None:
        centre[:k] = previous.combined_weights
        centre[k : k + n_it] = [previous.item_weights.get(str(i), 0.0) for i in tab.items]
        for j, sk in enumerate(tab.skills):
            v = previous.skill_weights.get(str(sk))
            if v is not None:
                centre[k + off_s + j * n_st : k + off_s + (j + 1) * n_st] = v
        if previous.pattern_skill:
            centre[k + off_ps : k + off_pt] = previous.pattern_skill
        if previous.pattern_total:
            centre[k + off_pt : k + off_sp] = previous.pattern_total
        for j, sk in enumerate(tab.skills):
            v = previous.skill_patterns.get(str(sk))
            if v:
                centre[k + off_sp + j * N_PATTERNS : k + off_sp + (j + 1) * N_PATTERNS] = v

    def l2(item: float) -> np.ndarray:
        v = np.empty(k + p)
        v[:k] = L2_DENSE if previous is None else L2_DENSE_REFIT
        v[k : k + off_s] = item
        v[k + off_s : k + off_ps] = L2_SKILL
        v[k + off_ps : k + off_sp] = L2_PATTERN
        v[k + off_sp :] = L2_SKILL
        return v

    info: dict[str, Any] = {}
    if item_l2 is None:
        val = validation_mask(tab, seed)
        fit_rows = ~val
        if fit_rows.sum() > TUNE_MAX_ROWS:  # tune on a subset of the learners
            share = TUNE_MAX_ROWS / fit_rows.sum()
            fit_rows &= _learner_hash(tab, f"sub{seed}", 1000) < 1000 * share
        Xt = X if tune_parts is None else design_of(tune_parts)
        item_l2, scores = choose_l2(Xt, y, val, l2, ITEM_L2_GRID, fit_rows=fit_rows, centre=centre)
        info["combined_item_l2_validation_logloss"] = {
            str(a): round(b, 5) for a, b in scores.items()
        }
    fit_all = fit_sparse_logistic(X, y, l2(item_l2), centre=centre)
    w = fit_all.w
    info.update(
        {
            "combined_rows": int(n),
            "combined_logloss": fit_all.loss,
            "combined_item_l2": item_l2,
            "combined_iterations": fit_all.iterations,
        }
    )
    ws = w[k + off_s : k + off_ps].reshape(n_sk, n_st) if n_sk else np.zeros((0, n_st))
    weights = {
        "dense": [float(v) for v in w[:k]],
        "items": {str(i): float(v) for i, v in zip(tab.items, w[k : k + n_it], strict=True)},
        "skills": {str(sk): [float(v) for v in ws[j]] for j, sk in enumerate(tab.skills)},
        "pattern_skill": [float(v) for v in w[k + off_ps : k + off_pt]],
        "pattern_total": [float(v) for v in w[k + off_pt : k + off_sp]],
        "skill_patterns": {
            str(sk): [
                float(v) for v in w[k + off_sp + j * N_PATTERNS : k + off_sp + (j + 1) * N_PATTERNS]
            ]
            for j, sk in enumerate(tab.skills)
        },
    }
    return weights, info


def fit(
    attempts: Iterable[Attempt] | AttemptTable,
    *,
    forgets: bool = False,
    elo: EloConfig | None = None,
    mastery: MasteryConfig | None = None,
    item_priors: dict[str, float] | None = None,
    stack_fraction: float = 0.3,
    prior_strength: float = 5.0,
    seed: int = 0,
    previous: ModelParams | None = None,
) -> ModelParams:
    """Fit all parameters from stored attempts.

    ``previous`` (the active parameters) makes refits move smoothly: each skill's BKT MAP fit is
    pulled toward its previous values instead of the pooled ones, the Elo replay starts from the
    previous item difficulties, and the combined weights are regularised toward the previous
    weights (and kept when there are too few learners to refit them).

    BKT per skill (EM; ``forgets`` adds P(F)), item difficulties (Elo replay), and the combined
    model's weights by cross-fitting: the learners are cut into CROSS_FOLDS (2) groups (hash of
    their id), each group's features come from BKT and Elo fitted on the others, computed online
    before each answer,
    and the L2 logistic model (``fit_combined``) is fitted on all answers; then BKT and Elo are
    refitted on everyone. ``stack_fraction`` 0 skips the combined model. With fewer than 20
    learners the combined weights stay at the hand-set default (Elo + 0.3 x BKT, centred;
    ``default_combined_weights``) and there are no item, skill or pattern weights.
    """
    t0 = time.perf_counter()
    tab = attempts if isinstance(attempts, AttemptTable) else AttemptTable.from_attempts(attempts)
    elo = elo or EloConfig()
    mastery = mastery or MasteryConfig()
    item_priors = {str(k): float(v) for k, v in (item_priors or {}).items()}
    if previous is not None:
        # items nobody answered in this data keep what the previous fit knew (the replay itself
        # starts from the curriculum again: seeding it with fitted values would count the old
        # answers twice)
        for k, v in previous.item_difficulty.items():
            item_priors.setdefault(k, v)
    kw: dict[str, Any] = dict(
        forgets=forgets,
        elo=elo,
        mastery=mastery,
        item_priors=item_priors,
        prior_strength=prior_strength,
        anchor=previous.bkt if previous is not None else None,
    )
    n_learners = len(np.unique(tab.learner)) if len(tab) else 0
    weights: dict[str, Any] | None = None
    stack_info: dict[str, Any] = {}
    if n_learners >= 20 and stack_fraction > 0:
        # cross-fitting: the learners are cut into CROSS_FOLDS groups by a hash of their id (a
        # refit on more data keeps the same groups); each group's features come from BKT and Elo
        # fitted on the other groups, computed online before each answer; the logistic model is
        # fitted on all
        parts = _empty_parts(len(tab))
        if cross_fit_parts(tab, np.ones(len(tab), dtype=bool), kw, seed, parts):
            # the penalty is chosen on validation learners featured as the served engine will
            # feature new learners (the cross-fitted features of the validation rows would
            # not show the shift between fold engines and the engine fitted on everyone: with
            # them ASSISTments 2009 chose 0.3 and scored 0.7863, ECE 0.016; this way 1.0,
            # 0.7871, ECE 0.005)
            tune = validation_parts(tab, kw, seed)
            weights, stack_info = fit_combined(
                tab, parts, seed=seed, previous=previous, tune_parts=tune
            )
    params = _fit_core(tab, **kw)
    if weights is None:
        if previous is not None:
            params.combined_weights = list(previous.combined_weights)
            params.item_weights = dict(previous.item_weights)
            params.skill_weights = {k: list(v) for k, v in previous.skill_weights.items()}
            params.pattern_skill = list(previous.pattern_skill)
            params.pattern_total = list(previous.pattern_total)
            params.skill_patterns = {k: list(v) for k, v in previous.skill_patterns.items()}
        else:
            params.combined_weights = default_combined_weights(params.bkt_default)
    else:
        params.combined_weights = weights["dense"]
        params.item_weights = weights["items"]
        params.skill_weights = weights["skills"]
        params.pattern_skill = weights["pattern_skill"]
        params.pattern_total = weights["pattern_total"]
        params.skill_patterns = weights["skill_patterns"]
        if previous is not None:  # items and skills absent from the new data keep their weights
            for k, w in previous.item_weights.items():
                params.item_weights.setdefault(k, w)
            for k, ws in previous.skill_weights.items():
                params.skill_weights.setdefault(k, list(ws))
            for k, pats in previous.skill_patterns.items():
                params.skill_patterns.setdefault(k, list(pats))
    if previous is not None:
        # skills nobody answered since keep what was known (e.g. their curriculum priors)
        for k, bp in previous.bkt.items():
            params.bkt.setdefault(k, bp)
        for k, v in previous.skill_difficulty.items():
            params.skill_difficulty.setdefault(k, v)
    params.info.update(stack_info)
    params.info.update(
        {
            "n_attempts": int(len(tab)),
            "n_learners": int(n_learners),
            "n_skills": int(len(tab.skills)),
            "n_items": int(len(tab.items)),
            "forgets": bool(forgets),
            "fit_seconds": round(time.perf_counter() - t0, 3),
        }
    )
    return params


def default_params(
    skills: Iterable[str] = (),
    item_priors: dict[str, float] | None = None,
    mastery: MasteryConfig | None = None,
    course: CourseGraph | None = None,
) -> ModelParams:
    """Parameters for a deployment with no data yet (cold start).

    With a ``course``, each skill's BKT prior comes from the curriculum: the authored difficulties
    of its problems (logit scale, 0 = an average learner solves it half the time) give the
    expected first-answer success p, and P(L0) = (p - guess) / (1 - slip - guess), clipped to
    [0.05, 0.8]; a skill without difficulties takes the mean of its prerequisites' priors times
    0.8 (later in the chain, less likely known), else the pooled default. Items without a
    difficulty take their skill's mean. The combined model is Elo + 0.3 x BKT, centred.
    """
    p = ModelParams(mastery=mastery or MasteryConfig())
    for s in skills:
        p.bkt[str(s)] = BKTParams()
    priors = {str(k): float(v) for k, v in (item_priors or {}).items()}
    if course is not None:
        priors = {**course.item_priors(), **priors}
        base = BKTParams()
        by_skill: dict[str, list[float]] = {}
        for prob in course.problems:
            d = priors.get(prob.id)
            if d is not None:
                by_skill.setdefault(prob.skill, []).append(d)
        for sk in course.skills:  # course order: prerequisites usually come first
            ds = by_skill.get(sk.id)
            if ds:
                p_first = float(np.mean([_sig(-d) for d in ds]))
                prior = (p_first - base.guess) / (1.0 - base.slip - base.guess)
                p.skill_difficulty[sk.id] = float(np.mean(ds))
            else:
                pre = [p.bkt[q].prior for q in course.prereqs.get(sk.id, ()) if q in p.bkt]
                prior = 0.8 * float(np.mean(pre)) if pre else base.prior
            p.bkt[sk.id] = BKTParams(
                prior=min(0.8, max(0.05, prior)),
                learn=base.learn,
                slip=base.slip,
                guess=base.guess,
            )
    for it, d in priors.items():
        p.item_difficulty[it] = d
        p.item_count[it] = 0
    p.combined_weights = default_combined_weights(p.bkt_default)
    return p
