"""Bayesian Knowledge Tracing: the online step and an EM (Baum-Welch) fit for many skills at once.

Model per skill: hidden state known/unknown; P(L0) = prior; after each attempt the learner moves
unknown -> known with P(T) = learn and known -> unknown with P(F) = forget (0 in classic BKT);
P(correct | known) = 1 - slip, P(correct | unknown) = guess.

The fit handles all skills together: every (learner, skill) sequence is one row, rows are sorted by
length and packed so that step t of the forward-backward pass touches only the rows that are still
running (work = number of attempts, Python overhead = the longest sequence). The M-step adds
pseudo-counts pulling each skill toward the pooled fit, so skills with little data stay sensible.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .model import BKTParams

# Bounds keep the fit out of the degenerate regions where "known" stops meaning known: with
# guess or slip near 0.5 a right answer is hardly evidence (issue 14: on Statics guess sat at the
# old 0.45 bound for 54 of 98 skills, with high priors making up for it). Here 1 - slip - guess
# stays >= 0.3. Tighter bounds (Corbett & Anderson's 0.3 / 0.1) bind on real data and push the
# prior up instead, which is worse; the fit reports how many skills sit at a bound
# (``info["bkt_at_bound"]``) and mastery also needs evidence (``mastery.py``). pyBKT leaves them
# free.
BOUNDS = {
    "prior": (1e-3, 1 - 1e-3),
    "learn": (1e-3, 0.6),
    "slip": (1e-3, 0.3),
    "guess": (1e-3, 0.4),
    "forget": (0.0, 0.3),
}


def p_correct(p_known: float, p: BKTParams) -> float:
    return p_known * (1.0 - p.slip) + (1.0 - p_known) * p.guess


def posterior(p_known: float, correct: bool, p: BKTParams) -> float:
    """P(known) after seeing the answer, before the learning transition."""
    if correct:
        a = p_known * (1.0 - p.slip)
        b = (1.0 - p_known) * p.guess
    else:
        a = p_known * p.slip
        b = (1.0 - p_known) * (1.0 - p.guess)
    s = a + b
    return a / s if s > 0 else p_known


def step(p_known: float, correct: bool, p: BKTParams) -> float:
    """P(known) for the next attempt: posterior, then learn/forget transition."""
    post = posterior(p_known, correct, p)
    return post * (1.0 - p.forget) + (1.0 - post) * p.learn


def attempts_to_mastery(p: BKTParams, threshold: float = 0.95, start: float | None = None) -> int:
    """How many correct answers in a row take P(known) from ``start`` (default prior) to threshold."""
    k = p.prior if start is None else start
    for i in range(1, 200):
        k = step(k, True, p)
        if k >= threshold:
            return i
    return 200


# --------------------------------------------------------------------------------------------
# EM fit


@dataclass
class PackedSequences:
    """(learner, skill) sequences packed by time step, longest first."""

    obs: np.ndarray  # float64 0/1, length N (attempts), ordered by step then row
    elem_skill: np.ndarray  # int, skill code of each packed element
    offsets: np.ndarray  # offsets[t] = start of step t in ``obs``; len = Tmax + 1
    counts: np.ndarray  # rows alive at step t
    row_skill: np.ndarray  # int, skill of each row (rows sorted by length, desc)
    n_skills: int


def pack(
    seq_id: np.ndarray, skill: np.ndarray, correct: np.ndarray, n_skills: int
) -> PackedSequences:
    """Pack attempts into sequences. Input must be ordered by (seq_id, time)."""
    seq_id = np.asarray(seq_id)
    n = len(seq_id)
    if n == 0:
        z = np.zeros(0)
        return PackedSequences(
            z, z.astype(int), np.zeros(1, int), np.zeros(0, int), z.astype(int), n_skills
        )
    starts = np.flatnonzero(np.r_[True, seq_id[1:] != seq_id[:-1]])
    lengths = np.diff(np.r_[starts, n])
    order = np.argsort(-lengths, kind="stable")  # rows sorted by length desc
    lengths_sorted = lengths[order]
    starts_sorted = starts[order]
    tmax = int(lengths_sorted[0])
    # counts[t] = number of rows with length > t; those are rows 0..counts[t]-1 (sorted desc)
    counts = np.searchsorted(-lengths_sorted, -np.arange(tmax), side="left")
    offsets = np.r_[0, np.cumsum(counts)]
    # source index of the packed element (t, r) = starts_sorted[r] + t
    src = np.empty(n, dtype=np.int64)
    for t in range(tmax):
        c = counts[t]
        src[offsets[t] : offsets[t + 1]] = starts_sorted[:c] + t
    correct = np.asarray(correct, dtype=np.float64)
    skill = np.asarray(skill)
    return PackedSequences(
        obs=correct[src],
        elem_skill=skill[src].astype(np.int64),
        offsets=offsets.astype(np.int64),
        counts=counts.astype(np.int64),
        row_skill=skill[starts_sorted].astype(np.int64),
        n_skills=n_skills,
    )


@dataclass
class EMResult:
    params: list[BKTParams]
    loglik: float
    iterations: int
    n_attempts: np.ndarray  # per skill
    # per skill: the parameters moved less than ``param_tol`` in the last iteration
    converged: np.ndarray | None = None


def _arr(params: list[BKTParams], name: str) -> np.ndarray:
    return np.array([getattr(p, name) for p in params], dtype=np.float64)


def em_fit(
    packed: PackedSequences,
    init: list[BKTParams] | None = None,
    *,
    forgets: bool = False,
    prior_params: list[BKTParams] | None = None,
    prior_strength: float = 5.0,
    max_iter: int = 300,
    tol: float = 1e-7,
    param_tol: float = 1e-4,
) -> EMResult:
    """Baum-Welch for all skills in ``packed`` at once.

    ``prior_params`` (one per skill) with ``prior_strength`` pseudo-observations give a MAP fit
    that pulls small skills toward them; ``forgets=False`` keeps P(F) = 0 (classic BKT).
    """
    K = packed.n_skills
    if init is None:
        init = [
            BKTParams(prior=0.3, learn=0.1, slip=0.1, guess=0.2, forget=0.05 if forgets else 0.0)
            for _ in range(K)
        ]
    L0, T, S, G, F = (_arr(init, k) for k in ("prior", "learn", "slip", "guess", "forget"))
    if not forgets:
        F = np.zeros(K)
    if prior_params is not None:
        pri = {k: _arr(prior_params, k) for k in ("prior", "learn", "slip", "guess", "forget")}
    else:
        pri = None
    m = float(prior_strength) if pri is not None else 0.0

    obs = packed.obs
    es = packed.elem_skill
    off = packed.offsets
    cnt = packed.counts
    tmax = len(cnt)
    N = len(obs)
    n_att = np.bincount(es, minlength=K).astype(float)
    if N == 0:
        return EMResult(
            [BKTParams(*x) for x in zip(L0, T, S, G, F, strict=True)],
            0.0,
            0,
            n_att,
            np.ones(K, dtype=bool),
        )
    n_seq = np.bincount(packed.row_skill, minlength=K).astype(float)

    au = np.empty(N)
    ak = np.empty(N)
    bu = np.empty(N)
    bk = np.empty(N)
    c = np.empty(N)
    prev_ll = -np.inf
    it = 0
    for it in range(1, max_iter + 1):
        # emissions for all elements
        Se, Ge = S[es], G[es]
        eu = np.where(obs > 0.5, Ge, 1.0 - Ge)
        ek = np.where(obs > 0.5, 1.0 - Se, Se)
        Te, Fe = T[es], F[es]
        # forward
        s0, s1 = off[0], off[1]
        pk = L0[es[s0:s1]]
        a_u = (1.0 - pk) * eu[s0:s1]
        a_k = pk * ek[s0:s1]
        cc = a_u + a_k
        au[s0:s1] = a_u / cc
        ak[s0:s1] = a_k / cc
        c[s0:s1] = cc
        for t in range(1, tmax):
            p0, p1 = off[t - 1], off[t - 1] + cnt[t]  # previous step's rows still alive
            s0, s1 = off[t], off[t + 1]
            pu, pkk = au[p0:p1], ak[p0:p1]
            tt, ff = Te[s0:s1], Fe[s0:s1]
            nk = pu * tt + pkk * (1.0 - ff)
            nu = 1.0 - nk
            a_u = nu * eu[s0:s1]
            a_k = nk * ek[s0:s1]
            cc = a_u + a_k
            au[s0:s1] = a_u / cc
            ak[s0:s1] = a_k / cc
            c[s0:s1] = cc
        ll = float(np.log(c).sum())
        # backward
        s0, s1 = off[tmax - 1], off[tmax]
        bu[s0:s1] = 1.0
        bk[s0:s1] = 1.0
        xi_uk = np.zeros(N)  # stored at the element of time t (transition t -> t+1)
        xi_ku = np.zeros(N)
        has_next = np.zeros(N, dtype=bool)
        for t in range(tmax - 2, -1, -1):
            s0, s1 = off[t], off[t + 1]
            n1 = cnt[t + 1]
            q0, q1 = off[t + 1], off[t + 1] + n1
            bu[s0:s1] = 1.0
            bk[s0:s1] = 1.0
            e_u = eu[q0:q1] * bu[q0:q1] / c[q0:q1]
            e_k = ek[q0:q1] * bk[q0:q1] / c[q0:q1]
            tt, ff = Te[s0 : s0 + n1], Fe[s0 : s0 + n1]
            bu[s0 : s0 + n1] = (1.0 - tt) * e_u + tt * e_k
            bk[s0 : s0 + n1] = ff * e_u + (1.0 - ff) * e_k
            xi_uk[s0 : s0 + n1] = au[s0 : s0 + n1] * tt * e_k
            xi_ku[s0 : s0 + n1] = ak[s0 : s0 + n1] * ff * e_u
            has_next[s0 : s0 + n1] = True
        gu = au * bu
        gk = ak * bk
        z = gu + gk
        gu /= z
        gk /= z
        # M-step (per skill sums)
        first = slice(off[0], off[1])
        sum_gk0 = np.bincount(es[first], weights=gk[first], minlength=K)
        sum_gu = np.bincount(es, weights=gu, minlength=K)
        sum_gk = np.bincount(es, weights=gk, minlength=K)
        sum_gu_corr = np.bincount(es, weights=gu * obs, minlength=K)
        sum_gk_wrong = np.bincount(es, weights=gk * (1.0 - obs), minlength=K)
        hn = has_next
        sum_gu_hn = np.bincount(es[hn], weights=gu[hn], minlength=K)
        sum_gk_hn = np.bincount(es[hn], weights=gk[hn], minlength=K)
        sum_xuk = np.bincount(es, weights=xi_uk, minlength=K)
        sum_xku = np.bincount(es, weights=xi_ku, minlength=K)

        def mstep(num: np.ndarray, den: np.ndarray, cur: np.ndarray, name: str) -> np.ndarray:
            if pri is not None:
                num = num + m * pri[name]
                den = den + m
            out = np.where(den > 1e-12, num / np.maximum(den, 1e-12), cur)
            lo, hi = BOUNDS[name]
            return np.clip(out, lo, hi)

        before = np.stack([L0, T, G, S, F])
        L0 = mstep(sum_gk0, n_seq, L0, "prior")
        T = mstep(sum_xuk, sum_gu_hn, T, "learn")
        G = mstep(sum_gu_corr, sum_gu, G, "guess")
        S = mstep(sum_gk_wrong, sum_gk, S, "slip")
        if forgets:
            F = mstep(sum_xku, sum_gk_hn, F, "forget")
        moved = np.abs(np.stack([L0, T, G, S, F]) - before).max(axis=0)
        if it > 1 and ll - prev_ll < tol * max(1.0, abs(ll)):
            prev_ll = ll
            break
        prev_ll = ll
    params = [
        BKTParams(prior=float(a), learn=float(b), slip=float(s), guess=float(g), forget=float(f))
        for a, b, s, g, f in zip(L0, T, S, G, F, strict=True)
    ]
    return EMResult(params, prev_ll, it, n_att, moved < param_tol)


def mastery_reachable(p: BKTParams, threshold: float) -> bool:
    """Whether right answers in a row can take P(known) to ``threshold`` at all: with forgetting,
    P(known) after a right answer is at most 1 - forget (the fixed point is lower still)."""
    k = p.prior
    for _ in range(500):
        nk = step(k, True, p)
        if nk >= threshold:
            return True
        if abs(nk - k) < 1e-12:
            return False
        k = nk
    return False


def fit_skills(
    seq_id: np.ndarray,
    skill: np.ndarray,
    correct: np.ndarray,
    n_skills: int,
    *,
    forgets: bool = False,
    prior_strength: float = 5.0,
    max_iter: int = 200,
    threshold: float = 0.95,
    anchor: list[BKTParams | None] | None = None,
) -> tuple[list[BKTParams], BKTParams, dict[str, Any]]:
    """Fit BKT per skill: first a pooled fit (all skills tied), then per-skill MAP-EM toward it.

    Inputs are per attempt, ordered by (seq_id, time); ``seq_id`` identifies a (learner, skill)
    sequence. Returns (per-skill params, pooled params, diagnostics).
    """
    pooled_packed = pack(seq_id, np.zeros(len(skill), dtype=np.int64), correct, 1)
    pooled = em_fit(pooled_packed, forgets=forgets, max_iter=max_iter)
    packed = pack(seq_id, skill, correct, n_skills)
    init = [BKTParams(**pooled.params[0].to_dict()) for _ in range(n_skills)]
    if anchor is not None:
        # a refit: each skill is pulled toward its previous parameters (smooth refits)
        init = [
            BKTParams(**(a.to_dict() if a is not None else init[k].to_dict()))
            for k, a in enumerate(anchor)
        ]
        if not forgets:
            for p in init:
                p.forget = 0.0
    res = em_fit(
        packed,
        init=init,
        forgets=forgets,
        prior_params=init,
        prior_strength=prior_strength,
        max_iter=max_iter,
    )
    params = res.params
    info: dict[str, Any] = {
        "bkt_loglik": res.loglik,
        "bkt_iterations": res.iterations,
        "bkt_pooled_iterations": pooled.iterations,
        "bkt_max_iter": max_iter,
    }
    if forgets:
        # Forgetting fits are weakly identified (EM crawls along a ridge) and can make mastery
        # unreachable. A skill whose fit did not converge or cannot reach ``threshold`` falls
        # back to its classic (no-forget) fit, and the pooled default likewise.
        plain_pooled = em_fit(pooled_packed, max_iter=max_iter)
        plain_init = [BKTParams(**plain_pooled.params[0].to_dict()) for _ in range(n_skills)]
        plain = em_fit(
            packed,
            init=plain_init,
            prior_params=plain_init,
            prior_strength=prior_strength,
            max_iter=max_iter,
        )
        conv = res.converged if res.converged is not None else np.ones(n_skills, dtype=bool)
        fallback = [
            k
            for k in range(n_skills)
            if res.n_attempts[k] > 0
            and (not conv[k] or not mastery_reachable(params[k], threshold))
        ]
        params = list(params)
        for k in fallback:
            params[k] = plain.params[k]
        if not mastery_reachable(pooled.params[0], threshold):
            pooled = plain_pooled
            info["bkt_pooled_forget_fallback"] = True
        info["bkt_forget_fallback"] = len(fallback)
        info["bkt_forget_kept"] = int((res.n_attempts > 0).sum()) - len(fallback)
    fitted = [p for p, n in zip(params, res.n_attempts, strict=True) if n > 0]
    info["bkt_at_bound"] = {
        name: sum(1 for p in fitted if getattr(p, name) >= BOUNDS[name][1] - 1e-9)
        for name in ("guess", "slip", "learn")
    }
    return params, pooled.params[0], info
