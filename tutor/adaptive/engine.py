"""The online side (update, predict) and the offline fit of the adaptive engine.

``update`` and ``predict`` are cheap (tens of microseconds): they touch one SkillState and the
learner's globals. ``fit`` refits everything from stored attempts (BKT by EM, item difficulties by
an Elo replay, the combined logistic model by stacking on held-out learners).
"""

from __future__ import annotations

import math
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from . import bkt as _bkt
from .combined import fit_logistic
from .course import CourseGraph
from .elo import replay as elo_replay
from .forgetting import DAY, next_stability, skill_retrievability
from .mastery import is_mastered, record_evidence
from .model import (
    COMBINED_FEATURES,
    Attempt,
    BKTParams,
    EloConfig,
    LearnerState,
    MasteryConfig,
    ModelParams,
    SkillState,
    default_combined_weights,
)

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
    s.last_t = t
    state.skills[skill] = s
    state.n += 1
    if correct:
        state.wins += 1
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


def features(
    state: LearnerState,
    s: SkillState,
    params: ModelParams,
    skill: str,
    difficulty: float,
    now: float | None,
) -> list[float]:
    """The combined model's feature vector (order: ``COMBINED_FEATURES``)."""
    bp = params.bkt_for(skill)
    p_bkt = s.p_known * (1.0 - bp.slip) + (1.0 - s.p_known) * bp.guess
    fails_s = s.n - s.wins
    fails_t = state.n - state.wins
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
        math.log1p(max(0.0, now - s.last_t) / 3600.0)
        if (now is not None and s.last_t is not None)
        else 0.0,
        s.theta,
    ]


def combined_line(
    state: LearnerState, s: SkillState, params: ModelParams, skill: str, now: float | None
) -> tuple[float, float]:
    """(a, b) with combined logit = a + b * difficulty, so many items are scored at once."""
    f = features(state, s, params, skill, 0.0, now)
    w = params.combined_weights
    a = sum(wi * fi for wi, fi in zip(w, f, strict=True))
    b = w[_I_DIFF] - w[_I_ELO]
    return a, b


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
    f = features(state, s, params, str(skill), d, now)
    z = sum(wi * fi for wi, fi in zip(params.combined_weights, f, strict=True))
    bp = params.bkt_for(str(skill))
    return Prediction(
        bkt=s.p_known * (1.0 - bp.slip) + (1.0 - s.p_known) * bp.guess,
        elo=_sig(f[_I_ELO]),
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
    return getattr(p, model)


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
        learner: Sequence,
        skill: Sequence,
        item: Sequence,
        correct: Sequence,
        t: Sequence | None = None,
        prior: Sequence | None = None,
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


def replay_features(
    tab: AttemptTable, params: ModelParams, threshold: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels of every attempt, each computed from the state before it."""
    thr = params.mastery.threshold if threshold is None else threshold
    X = np.empty((len(tab), len(COMBINED_FEATURES)))
    states: dict[int, LearnerState] = {}
    S, It = tab.skills, tab.items
    for i, (lu, sk, it, y, t, pr) in enumerate(
        zip(
            tab.learner.tolist(),
            tab.skill.tolist(),
            tab.item.tolist(),
            tab.correct.tolist(),
            tab.t.tolist(),
            tab.prior.tolist(),
            strict=True,
        )
    ):
        st = states.get(lu)
        if st is None:
            st = states[lu] = LearnerState()
        skill = str(S[sk])
        item = str(It[it])
        prior = None if pr != pr else pr
        s = st.skills.get(skill) or new_skill_state(params, skill)
        d = params.difficulty(item, skill, prior)
        X[i] = features(st, s, params, skill, d, t)
        _apply(st, params, skill, item, y > 0.5, t, prior, thr, RECENT_SIZE)
    return X, tab.correct.copy()


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
    model's weights: BKT and Elo are fitted on (1 - ``stack_fraction``) of the learners and the
    logistic model on the rest (features computed online, before each answer), then BKT and Elo
    are refitted on everyone. With fewer than 20 learners the combined weights stay at the
    hand-set default (Elo + 0.3 x BKT, centred; ``default_combined_weights``).
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
    kw = dict(
        forgets=forgets,
        elo=elo,
        mastery=mastery,
        item_priors=item_priors,
        prior_strength=prior_strength,
        anchor=previous.bkt if previous is not None else None,
    )
    n_learners = len(np.unique(tab.learner)) if len(tab) else 0
    weights: list[float] | None = None
    stack_info: dict = {}
    if n_learners >= 20 and 0 < stack_fraction < 1:
        # the held-out learners are chosen by a hash of their id, so a refit on more data keeps
        # the same learners held out (a fresh random draw made the weights jump between refits)
        hold = np.array(
            [
                zlib.crc32(f"{seed}:{lid}".encode()) % 10_000 < stack_fraction * 10_000
                for lid in tab.learners
            ]
        )
        mask_b = hold[tab.learner]
        if mask_b.any() and (~mask_b).any():
            p_a = _fit_core(tab.subset(~mask_b), **kw)
            X, y = replay_features(tab.subset(mask_b), p_a)
            w0 = np.asarray(previous.combined_weights) if previous is not None else None
            # a refit is pulled toward the previous weights as if by 200 answers
            w, ll = fit_logistic(X, y, w0=w0, l2=200.0 if w0 is not None else 1.0)
            weights = [float(v) for v in w]
            stack_info = {"combined_rows": int(len(y)), "combined_logloss": ll}
    params = _fit_core(tab, **kw)
    if weights is None:
        weights = (
            list(previous.combined_weights)
            if previous is not None
            else default_combined_weights(params.bkt_default)
        )
    params.combined_weights = weights
    if previous is not None:
        # skills nobody answered since keep what was known (e.g. their curriculum priors)
        for k, v in previous.bkt.items():
            params.bkt.setdefault(k, v)
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
