"""The next-problem policy, and per-skill progress for the learner's progress page.

Order of business for each request:
1. Skill status from the learner's SkillStates (``mastery.skill_status``, the one rule): *mastered*
   (P(known) >= threshold and enough first-attempt successes on distinct items), *review due*
   (mastered, but the forgetting curve's R fell below the retention target), *learning*, *not
   started*. A skill is *ready* when every prerequisite in the course is mastered.
2. Which skill: the first ready, unmastered skill in course order; a due review takes the slot
   every ``review_every``-th problem (or whenever nothing new is ready). A skill still unmastered
   after ``max_attempts_per_skill`` is set aside behind the other ready skills. When every skill
   is mastered and nothing is due the course is complete (an explicit result, not an empty one).
3. Which problem: the one whose predicted P(correct) is closest to ``target``, skipping problems
   seen recently; with probability ``explore`` a random one of the ``explore_k`` nearest instead.
Every choice carries a readable reason and a dict of the numbers behind it.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from . import bkt as _bkt
from .course import CourseGraph
from .engine import _logit, combined_line, item_term, new_skill_state
from .forgetting import DAY, due_time
from .mastery import LEARNING, MASTERED, NOT_STARTED, REVIEW_DUE, evidence, skill_status
from .model import LearnerState, MasteryConfig, ModelParams, SkillState


@dataclass
class PolicyConfig:
    target: float = 0.7  # predicted success aimed for
    band: float = 0.15  # "on target" = within target +- band
    explore: float = 0.1  # probability of picking at random among the nearest problems
    explore_k: int = 5
    review_every: int = 3  # a due review takes every n-th slot while new skills are ready
    max_attempts_per_skill: int = 40  # set a skill aside after this many attempts without mastery
    model: str = "combined"  # predictor used for problem choice: combined, elo or bkt
    practice_when_complete: bool = False  # offer extra review once the course is complete
    retention: float | None = None  # overrides params.mastery.retention


@dataclass
class Choice:
    """The policy's answer. ``problem_id`` is None only when ``complete`` is True."""

    problem_id: str | None
    skill: str | None
    reason: str
    predicted: float | None
    complete: bool = False
    kind: str = "practice"  # practice | review | explore | fallback | extra | complete
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fmt_time(ts: float | None) -> str:
    if ts is None:
        return "unknown"
    try:
        return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):
        return f"t={ts:.0f}"


def _fmt_days(days: float) -> str:
    if days < 1:
        return f"{days * 24:.0f} hours"
    return f"{days:.1f} days"


def _status(
    s: SkillState | None, thr: float, retention: float, now: float | None, cfg: MasteryConfig
) -> tuple[str, float]:
    """(status, retrievability) of one skill: the shared rule of ``mastery.skill_status``."""
    return skill_status(s, thr, cfg, now, retention)


def _pick_problem(
    learner: LearnerState,
    course: CourseGraph,
    params: ModelParams,
    skill: str,
    now: float | None,
    rng: random.Random | np.random.Generator,
    cfg: PolicyConfig,
) -> tuple[str, float, dict[str, Any]]:
    ids = course.problem_ids(skill)
    d = course.difficulties(skill, params)
    s = learner.skills.get(skill) or new_skill_state(params, skill)
    if cfg.model == "elo":
        a, b = learner.theta + s.theta, -1.0
    elif cfg.model == "bkt":
        bp = params.bkt_for(skill)
        a, b = _logit(_bkt.p_correct(s.p_known, bp)), 0.0
    else:
        a, b = combined_line(learner, s, params, skill, now)
    z = a + b * d
    if cfg.model not in ("elo", "bkt"):
        z = z + course.item_weights(skill, params)
        if s.items:  # the learner's own history with problems met before (at most ITEM_CAP)
            pos = course._index[skill].id_pos
            z = z.copy()
            for item in s.items:
                j = pos.get(item)
                if j is not None:
                    z[j] += item_term(s, params, item, learner.n)
    p = 1.0 / (1.0 + np.exp(-z))
    dist = np.abs(p - cfg.target)
    recent = learner.recent
    excluded = 0
    if recent:
        pos = course._index[skill].id_pos
        seen = [pos[i] for i, _ in recent if i in pos]
        if seen:
            excluded = len(set(seen))
            if excluded >= len(ids):
                # everything was seen recently: repeat the least recently seen problem
                last: dict[int, int] = {}
                for k, j in enumerate(seen):
                    last[j] = k
                j = min(last, key=last.__getitem__)
                info: dict[str, Any] = {
                    "candidates": len(ids),
                    "recently_seen": excluded,
                    "repeat": True,
                }
                return ids[j], float(p[j]), info
            dist = dist.copy()
            dist[seen] = np.inf
    n_avail = len(ids) - excluded
    k = max(1, min(cfg.explore_k, n_avail))
    if k < len(dist):
        near = np.argpartition(dist, k - 1)[:k]
        near = near[np.argsort(dist[near], kind="stable")]
    else:
        near = np.argsort(dist, kind="stable")[:k]
    explored = False
    j = int(near[0])
    u = rng.random()
    if cfg.explore > 0 and k > 1 and u < cfg.explore:
        in_band = [int(x) for x in near if dist[x] <= cfg.band]
        pool = in_band if len(in_band) > 1 else [int(x) for x in near]
        j = pool[int(rng.random() * len(pool)) % len(pool)]
        explored = True
    info = {
        "candidates": len(ids),
        "recently_seen": excluded,
        "explored": explored,
        "difficulty": float(d[j]),
    }
    return ids[j], float(p[j]), info


def choose_next(
    learner: LearnerState,
    course: CourseGraph,
    params: ModelParams,
    now: float | None = None,
    rng: random.Random | np.random.Generator | int | None = None,
    config: PolicyConfig | None = None,
) -> Choice:
    """The next problem for ``learner`` in ``course`` at time ``now`` (seconds).

    ``rng`` (a ``random.Random``, numpy Generator or int seed) drives exploration; pass a seeded
    one for reproducible choices. Never returns an empty choice: either a problem, or
    ``complete=True`` with the reason (and when the next review falls due).
    """
    cfg = config or PolicyConfig()
    if rng is None or isinstance(rng, int):
        rng = random.Random(rng)
    thr = (
        course.mastery_threshold
        if course.mastery_threshold is not None
        else params.mastery.threshold
    )
    retention = cfg.retention if cfg.retention is not None else params.mastery.retention

    statuses: dict[str, str] = {}
    rs: dict[str, float] = {}
    active = [sk.id for sk in course.skills if course.has_problems(sk.id)]
    for sid in active:
        st, r = _status(learner.skills.get(sid), thr, retention, now, params.mastery)
        statuses[sid] = st
        rs[sid] = r
    if not active:
        return Choice(None, None, "This course has no problems yet.", None, True, "complete")

    def is_mastered(sid: str) -> bool:
        # prerequisites without problems cannot be practised: they do not block
        st = statuses.get(sid)
        return st is None or st in (MASTERED, REVIEW_DUE)

    ready: list[str] = []
    set_aside: list[str] = []
    blocked: list[str] = []
    for sid in active:
        if statuses[sid] in (MASTERED, REVIEW_DUE):
            continue
        if all(is_mastered(p) for p in course.prereqs[sid]):
            s = learner.skills.get(sid)
            if s is not None and s.n >= cfg.max_attempts_per_skill:
                set_aside.append(sid)
            else:
                ready.append(sid)
        else:
            blocked.append(sid)
    reviews = sorted((sid for sid in active if statuses[sid] == REVIEW_DUE), key=lambda x: rs[x])
    n_mastered = sum(1 for sid in active if statuses[sid] in (MASTERED, REVIEW_DUE))
    total = len(active)
    base = {"threshold": thr, "target": cfg.target, "mastered": n_mastered, "skills": total}

    def label(sid: str) -> str:
        return course.skill_by_id[sid].label

    def p_known(sid: str) -> float:
        s = learner.skills.get(sid)
        return s.p_known if s is not None else params.bkt_for(sid).prior

    def serve(sid: str, kind: str, why: str) -> Choice:
        pid, pred, info = _pick_problem(learner, course, params, sid, now, rng, cfg)
        how = f"Problem {pid}: predicted success {pred:.2f}" + (
            f", picked at random among the {cfg.explore_k} nearest the target {cfg.target:.2f} (exploration)."
            if info.get("explored")
            else (
                f"; all {info['candidates']} problems of the skill were seen recently, so the least recent one is repeated."
                if info.get("repeat")
                else f", the closest to the target {cfg.target:.2f} among {info['candidates'] - info['recently_seen']} problems not seen recently."
            )
        )
        if info.get("explored") and kind == "practice":
            kind = "explore"
        details = {
            **base,
            **info,
            "kind": kind,
            "p_known": round(p_known(sid), 4),
            "retrievability": round(rs.get(sid, 1.0), 4),
            "predicted": round(pred, 4),
            "model": cfg.model,
        }
        return Choice(pid, sid, why + " " + how, pred, False, kind, details)

    def review_reason(sid: str) -> str:
        s = learner.skills[sid]
        ago = (now - s.last_t) / DAY if (now is not None and s.last_t is not None) else 0.0
        return (
            f"Review of '{label(sid)}': mastered (P(known) {s.p_known:.2f}), last practised "
            f"{_fmt_days(ago)} ago; estimated recall has fallen to {rs[sid]:.2f}, below the "
            f"{retention:.2f} review target."
        )

    # 1. a due review takes this slot?
    take_review = bool(reviews) and (
        not ready or (cfg.review_every > 0 and learner.n % cfg.review_every == 0)
    )
    if take_review:
        return serve(reviews[0], "review", review_reason(reviews[0]))
    # 2. new learning in course order
    if ready:
        sid = ready[0]
        pos = course.order[sid] + 1
        s = learner.skills.get(sid)
        if s is None or s.n == 0:
            start = (
                "New learner: no attempts yet, so difficulty comes from the curriculum's priors. "
                if learner.n == 0
                else ""
            )
            why = (
                f"{start}Starting '{label(sid)}' (skill {pos} of {len(course.skills)} in course order; "
                f"{n_mastered} of {total} mastered); its prerequisites are mastered."
                if course.prereqs[sid]
                else f"{start}Starting '{label(sid)}' (skill {pos} of {len(course.skills)} in course order; "
                f"{n_mastered} of {total} mastered)."
            )
        else:
            why = (
                f"Practising '{label(sid)}' (skill {pos} of {len(course.skills)} in course order): "
                f"P(known) {s.p_known:.2f} after {s.n} attempts ({s.wins} right); mastery at {thr:.2f}"
                f" with {params.mastery.min_evidence} problems solved first time without hints"
                f" ({evidence(s)} so far)."
            )
        return serve(sid, "practice", why)
    if set_aside:
        sid = min(set_aside, key=lambda x: learner.skills[x].n)
        s = learner.skills[sid]
        why = (
            f"Back to '{label(sid)}': still not mastered after {s.n} attempts (P(known) "
            f"{s.p_known:.2f}, mastery at {thr:.2f}); it was set aside while other skills were ready, "
            f"and none is now. A teacher may want to look at this skill with the learner."
        )
        return serve(sid, "practice", why)
    if reviews:
        return serve(reviews[0], "review", review_reason(reviews[0]))
    if blocked:
        # only possible with a prerequisite cycle: practise the first unmastered skill in order
        sid = blocked[0]
        missing = [label(p) for p in course.prereqs[sid] if not is_mastered(p)]
        why = (
            f"Practising '{label(sid)}' although its prerequisites ({', '.join(missing)}) are not "
            f"mastered: no other skill is available (check the course's prerequisite graph)."
        )
        return serve(sid, "fallback", why)
    # 3. complete
    dues = []
    for sid in active:
        s = learner.skills.get(sid)
        if s is not None:
            dt = due_time(s.last_t, s.stability, retention)
            if dt is not None:
                dues.append((dt, sid))
    nxt = min(dues) if dues else None
    why = (
        f"Course complete: all {total} skills are mastered (P(known) >= {thr:.2f} and at least "
        f"{params.mastery.min_evidence} problems solved first time without hints) and none is due "
        "for review."
    )
    if nxt is not None:
        why += f" Next review: '{label(nxt[1])}' around {_fmt_time(nxt[0])}."
    details = {
        **base,
        "next_review_at": nxt[0] if nxt else None,
        "next_review_skill": nxt[1] if nxt else None,
    }
    if cfg.practice_when_complete:
        sid = min(active, key=lambda x: p_known(x) * rs[x])
        ch = serve(sid, "extra", why + f" Extra practice on the weakest skill, '{label(sid)}'.")
        ch.complete = True
        ch.details.update(details)
        return ch
    return Choice(None, None, why, None, True, "complete", details)


# ---------------------------------------------------------------------------------------------
# progress page


def locked_by(
    learner: LearnerState,
    course: CourseGraph,
    params: ModelParams,
    skill: str,
    now: float | None = None,
) -> list[str]:
    """Names of ``skill``'s prerequisites (with problems) that the learner has not mastered:
    while any remain, the policy does not choose the skill, and opening it is a preview."""
    thr = (
        course.mastery_threshold
        if course.mastery_threshold is not None
        else params.mastery.threshold
    )
    out = []
    for p in course.prereqs.get(skill, ()):
        st, _ = _status(learner.skills.get(p), thr, params.mastery.retention, now, params.mastery)
        if st not in (MASTERED, REVIEW_DUE) and course.has_problems(p):
            out.append(course.skill_by_id[p].label)
    return out


@dataclass
class SkillProgress:
    skill: str
    name: str
    status: str  # not_started | learning | mastered | review_due
    p_known: float | None  # None when not started: there is no estimate worth showing
    strength: float | None  # P(known) x retrievability: what is left today (None: not started)
    retrievability: float
    attempts: int
    correct: int
    ready: bool  # prerequisites mastered
    review_due_at: float | None
    meaning: str
    evidence: int = 0  # distinct problems solved first time without hints
    evidence_needed: int = 0
    locked_by: list[str] = field(default_factory=list)  # names of unmastered prerequisites

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _names(labels: list[str]) -> str:
    quoted = [f"'{x}'" for x in labels]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def progress(
    learner: LearnerState, course: CourseGraph, params: ModelParams, now: float | None = None
) -> list[SkillProgress]:
    """One row per course skill with its status and a sentence saying what it means.

    A skill whose prerequisites are not mastered is *locked* (``ready`` False, ``locked_by``
    names them): the policy does not choose it, and the sentence says a learner may still open it
    as a preview.
    """
    thr = (
        course.mastery_threshold
        if course.mastery_threshold is not None
        else params.mastery.threshold
    )
    cfg = params.mastery
    retention = cfg.retention
    need = cfg.min_evidence
    rows: list[SkillProgress] = []
    statuses = {
        sk.id: _status(learner.skills.get(sk.id), thr, retention, now, cfg)[0]
        for sk in course.skills
    }
    for sk in course.skills:
        s = learner.skills.get(sk.id)
        st, r = _status(s, thr, retention, now, cfg)
        locked_by = [
            course.skill_by_id[p].label
            for p in course.prereqs[sk.id]
            if statuses.get(p) not in (MASTERED, REVIEW_DUE)
            # a prerequisite without problems cannot be practised, so it never locks
            and course.has_problems(p)
        ]
        ready = not locked_by
        due = due_time(s.last_t, s.stability, retention) if s is not None else None
        pk = s.p_known if (s is not None and st != NOT_STARTED) else None
        ev = evidence(s)
        lock = (
            f" Locked: {_names(locked_by)} must be mastered first, so the tutor will not pick it "
            "for you yet; you can open it as a preview."
            if locked_by
            else ""
        )
        if st == NOT_STARTED:
            meaning = "Not started." + lock
        elif st == LEARNING:
            assert pk is not None  # a skill that is not NOT_STARTED has a state
            # "estimated at 18%": no article to get wrong in front of a number
            meaning = (
                f"Learning: the chance that you know this skill is estimated at {100 * pk:.0f}%."
            )
            if pk >= thr:
                meaning += (
                    f" Mastery also needs {need} problems solved first time without hints "
                    f"({ev} so far)."
                )
            else:
                meaning += f" It counts as mastered at {100 * thr:.0f}%" + (
                    f" with {need} problems solved first time without hints ({ev} so far)."
                    if need
                    else "."
                )
            meaning += lock
        elif st == MASTERED:
            assert pk is not None
            meaning = (
                f"Mastered: the chance that you know this skill is estimated at {100 * pk:.0f}%, "
                f"and you solved {ev} problems first time without hints."
            )
            if due is not None and now is not None:
                meaning += (
                    f" A short review comes up in about {_fmt_days(max(0.0, (due - now) / DAY))}."
                )
        else:
            meaning = (
                f"Mastered, and due for review: after some time away, estimated recall is "
                f"{100 * r:.0f}%; a quick review keeps it."
            )
        rows.append(
            SkillProgress(
                skill=sk.id,
                name=sk.label,
                status=st,
                p_known=pk,
                strength=None if pk is None else pk * r,
                retrievability=r,
                attempts=s.n if s else 0,
                correct=s.wins if s else 0,
                ready=ready,
                review_due_at=due,
                meaning=meaning,
                evidence=ev,
                evidence_needed=need,
                locked_by=locked_by,
            )
        )
    return rows
