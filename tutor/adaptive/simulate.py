"""Synthetic learners with known skills and learning rates, and what the engine does with them.

Two generators:
* ``simulate_bkt``: textbook BKT (known/unknown, guess, slip, learn), for parameter recovery.
* ``World``: a course of skills with prerequisites and problems of varied difficulty. Each learner
  has an ability and a learning-rate multiplier; per skill a hidden known/unknown state;
  P(correct) = sigmoid((known ? hi : lo) + ability - difficulty); after each practice an unknown
  skill becomes known with P = learn(skill) x multiplier (x ``prereq_penalty`` while a
  prerequisite is still unknown). Neither BKT (no items, no ability) nor Elo (no hidden state) is
  the true model, which is the point of the combined model. ``gradual=True`` replaces the jump
  from unknown to known by a level that grows with every practice (BKT's assumption broken).

``python -m tutor.adaptive.simulate`` prints the figures of the issue: parameter recovery, AUC of
each model, and the policy against fixed-order and random policies. ``--csv FILE`` writes a
simulated long-format data set for ``tutor.adaptive.evaluate``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .course import CourseGraph, Problem, Skill
from .engine import AttemptTable, fit, predict_all, update
from .model import Attempt, BKTParams, LearnerState, MasteryConfig, ModelParams
from .policy import PolicyConfig, choose_next

# ---------------------------------------------------------------------------------------------
# plain BKT


def simulate_bkt(
    true: dict[str, BKTParams],
    n_learners: int,
    n_attempts: int,
    seed: int = 0,
    items_per_skill: int = 20,
) -> list[Attempt]:
    rng = np.random.default_rng(seed)
    out: list[Attempt] = []
    for skill, p in true.items():
        for lu in range(n_learners):
            known = rng.random() < p.prior
            for k in range(n_attempts):
                pc = (1.0 - p.slip) if known else p.guess
                y = bool(rng.random() < pc)
                item = f"{skill}:i{int(rng.integers(items_per_skill))}"
                out.append(Attempt(f"u{lu}", skill, item, y, float(k * 60)))
                if known:
                    if rng.random() < p.forget:
                        known = False
                elif rng.random() < p.learn:
                    known = True
    return out


def recovery_skills() -> dict[str, BKTParams]:
    """Five skills with typical, varied parameters (prior, learn, slip, guess)."""
    return {
        "s1": BKTParams(prior=0.20, learn=0.15, slip=0.10, guess=0.20),
        "s2": BKTParams(prior=0.40, learn=0.10, slip=0.05, guess=0.25),
        "s3": BKTParams(prior=0.10, learn=0.20, slip=0.15, guess=0.15),
        "s4": BKTParams(prior=0.30, learn=0.08, slip=0.10, guess=0.30),
        "s5": BKTParams(prior=0.25, learn=0.25, slip=0.08, guess=0.10),
    }


def recovery(
    n_learners: int = 200, n_attempts: int = 20, seed: int = 0, forgets: bool = False
) -> dict[str, Any]:
    """Simulate, fit, and compare: mean absolute error over prior/learn/slip/guess of all skills."""
    true = recovery_skills()
    atts = simulate_bkt(true, n_learners, n_attempts, seed)
    params = fit(atts, forgets=forgets, stack_fraction=0)
    names = ("prior", "learn", "slip", "guess") + (("forget",) if forgets else ())
    per: dict[str, dict[str, float]] = {}
    errs = []
    for sk, tp in true.items():
        fp = params.bkt[sk]
        per[sk] = {n: round(getattr(fp, n), 4) for n in names}
        errs += [abs(getattr(tp, n) - getattr(fp, n)) for n in names]
    return {
        "mae": float(np.mean(errs)),
        "max_abs_error": float(np.max(errs)),
        "fitted": per,
        "true": {k: v.to_dict() for k, v in true.items()},
        "n_attempts": len(atts),
    }


# ---------------------------------------------------------------------------------------------
# a richer world


@dataclass
class World:
    skills: list[str]
    prereqs: dict[str, tuple[str, ...]]
    prior: dict[str, float]  # P(known at start)
    learn: dict[str, float]  # P(unknown -> known) per practice
    items: dict[str, list[tuple[str, float]]]  # skill -> [(item id, true difficulty)]
    item_prior: dict[str, float]  # curriculum's noisy difficulty prior
    hi: float = 2.0  # logit of P(correct) when known, for an average learner on an average item
    lo: float = -1.0  # ... when unknown
    prereq_penalty: float = 0.3
    ability_sd: float = 0.6
    learn_sd: float = 0.4  # sd of the log learning-rate multiplier
    # gradual=True: knowledge grows a little with every practice (level += rate * (1 - level))
    # instead of jumping from unknown to known; "known" then means level >= known_level.
    gradual: bool = False
    known_level: float = 0.9
    item_skill: dict[str, str] = field(default_factory=dict)
    item_difficulty: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for sk, lst in self.items.items():
            for iid, d in lst:
                self.item_skill[iid] = sk
                self.item_difficulty[iid] = d

    def course(self, with_priors: bool = True) -> CourseGraph:
        return CourseGraph(
            skills=[Skill(s, f"Skill {s}", self.prereqs[s]) for s in self.skills],
            problems=[
                Problem(iid, sk, self.item_prior[iid] if with_priors else None)
                for sk in self.skills
                for iid, _ in self.items[sk]
            ],
            name="simulated course",
        )


def make_world(
    n_skills: int = 8,
    items_per_skill: int = 40,
    seed: int = 0,
    difficulty_sd: float = 1.2,
    gradual: bool = False,
    prior_range: tuple[float, float] = (0.05, 0.3),
    lo: float = -1.0,
) -> World:
    """``prior_range`` and ``lo`` (logit of success while unknown) make other worlds: e.g.
    (0.4, 0.8) and 0.0 give Statics-like fits (high priors, guess near 0.5)."""
    rng = np.random.default_rng(seed)
    skills = [f"k{i:02d}" for i in range(n_skills)]
    prereqs: dict[str, tuple[str, ...]] = {}
    for i, s in enumerate(skills):
        pre = []
        if i >= 1:
            pre.append(skills[i - 1])
        if i >= 3 and rng.random() < 0.5:
            pre.append(skills[int(rng.integers(0, i - 1))])
        prereqs[s] = tuple(dict.fromkeys(pre))
    prior = {s: float(rng.uniform(*prior_range)) for s in skills}
    learn = {s: float(rng.uniform(0.1, 0.3)) for s in skills}
    items: dict[str, list[tuple[str, float]]] = {}
    item_prior: dict[str, float] = {}
    for s in skills:
        shift = float(rng.normal(0, 0.3))
        lst = []
        for j in range(items_per_skill):
            d = float(rng.normal(shift, difficulty_sd))
            iid = f"{s}-p{j:03d}"
            lst.append((iid, d))
            item_prior[iid] = round(d + float(rng.normal(0, 0.5)), 2)
        items[s] = lst
    return World(skills, prereqs, prior, learn, items, item_prior, lo=lo, gradual=gradual)


@dataclass
class SimLearner:
    id: str
    ability: float
    learn_mult: float
    known: dict[str, bool]
    level: dict[str, float] = field(default_factory=dict)  # gradual worlds: 0..1 per skill

    def __post_init__(self) -> None:
        if not self.level:
            self.level = {k: 1.0 if v else 0.0 for k, v in self.known.items()}

    def p_correct(self, world: World, item: str) -> float:
        sk = world.item_skill[item]
        base = world.lo + (world.hi - world.lo) * self.level[sk]
        return 1.0 / (1.0 + math.exp(-(base + self.ability - world.item_difficulty[item])))

    def practise(self, world: World, item: str, rng: np.random.Generator) -> bool:
        sk = world.item_skill[item]
        y = bool(rng.random() < self.p_correct(world, item))
        if not self.known[sk]:
            rate = world.learn[sk] * self.learn_mult
            if any(not self.known[p] for p in world.prereqs[sk]):
                rate *= world.prereq_penalty
            if world.gradual:
                lv = self.level[sk] + min(1.0, rate) * (1.0 - self.level[sk])
                self.level[sk] = lv
                self.known[sk] = lv >= world.known_level
            elif rng.random() < min(1.0, rate):
                self.known[sk] = True
                self.level[sk] = 1.0
        return y

    def knows_all(self) -> bool:
        return all(self.known.values())


def make_learners(world: World, n: int, seed: int, prefix: str = "u") -> list[SimLearner]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        out.append(
            SimLearner(
                id=f"{prefix}{i}",
                ability=float(rng.normal(0, world.ability_sd)),
                learn_mult=float(np.exp(rng.normal(0, world.learn_sd))),
                known={s: bool(rng.random() < world.prior[s]) for s in world.skills},
            )
        )
    return out


def generate_log(
    world: World, n_learners: int, attempts_per_skill: int = 15, seed: int = 0, prefix: str = "u"
) -> list[Attempt]:
    """Practice data as a non-adaptive system would collect it: every skill in course order,
    random problems of the skill, a minute apart."""
    rng = np.random.default_rng(seed + 1)
    out: list[Attempt] = []
    t0 = 1_700_000_000.0
    for lu in make_learners(world, n_learners, seed, prefix):
        t = t0
        for sk in world.skills:
            lst = world.items[sk]
            for _ in range(attempts_per_skill):
                iid = lst[int(rng.integers(len(lst)))][0]
                y = lu.practise(world, iid, rng)
                out.append(Attempt(lu.id, sk, iid, y, t, world.item_prior[iid]))
                t += 60.0
    return out


# ---------------------------------------------------------------------------------------------
# policies on simulated learners

Policy = Callable[[LearnerState, int, random.Random], tuple[str | None, str]]


def adaptive_policy(
    course: CourseGraph,
    params: ModelParams,
    cfg: PolicyConfig | None = None,
    clock: Callable[[int], float] | None = None,
) -> Policy:
    cfg = cfg or PolicyConfig()

    def pol(state: LearnerState, step: int, rng: random.Random) -> tuple[str | None, str]:
        ch = choose_next(state, course, params, clock(step) if clock else None, rng, cfg)
        return ch.problem_id, ch.kind

    return pol


def fixed_order_policy(course: CourseGraph, per_skill: int = 10) -> Policy:
    """A worksheet: ``per_skill`` problems of each skill in course order, easiest (by curriculum
    prior) first, then the whole sequence again."""
    seq: list[str] = []
    for sk in course.skills:
        ids = course.problem_ids(sk.id)
        pri = [course.problem_by_id[i].difficulty or 0.0 for i in ids]
        order = sorted(range(len(ids)), key=lambda j: pri[j])
        n = min(per_skill, len(ids))
        picks = [ids[order[int(round(k * (len(ids) - 1) / max(1, n - 1)))]] for k in range(n)]
        seq += picks

    def pol(state: LearnerState, step: int, rng: random.Random) -> tuple[str | None, str]:
        return seq[step % len(seq)], "fixed"

    return pol


def random_policy(course: CourseGraph) -> Policy:
    ids = [p.id for p in course.problems]

    def pol(state: LearnerState, step: int, rng: random.Random) -> tuple[str | None, str]:
        return ids[int(rng.random() * len(ids)) % len(ids)], "random"

    return pol


@dataclass
class PolicyRun:
    name: str
    learners: int
    budget: int
    to_mastery: list[int | None]  # problems until the learner truly knew every skill
    served: int
    pred_in_band: float  # share of served problems whose *predicted* success is in the band
    true_in_band: float  # ... whose *true* (simulator) success probability is in the band
    success_rate: float
    declared_complete: list[int | None] = field(default_factory=list)  # adaptive only
    known_at_complete: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        reached = [x for x in self.to_mastery if x is not None]
        capped = [x if x is not None else self.budget for x in self.to_mastery]
        out: dict[str, object] = {
            "policy": self.name,
            "learners": self.learners,
            "reached_mastery": f"{len(reached)}/{self.learners}",
            "problems_to_mastery_mean": float(np.mean(capped)),
            "problems_to_mastery_median": float(np.median(capped)),
            "served": self.served,
            "pred_in_band": round(self.pred_in_band, 3),
            "true_in_band": round(self.true_in_band, 3),
            "success_rate": round(self.success_rate, 3),
        }
        if self.declared_complete:
            dc = [x for x in self.declared_complete if x is not None]
            out["declared_complete"] = f"{len(dc)}/{self.learners}"
            out["problems_to_declared_mastery_mean"] = float(np.mean(dc)) if dc else float("nan")
            out["truly_known_at_declared"] = (
                round(float(np.mean(self.known_at_complete)), 3)
                if self.known_at_complete
                else float("nan")
            )
        return out


def run_policy(
    name: str,
    world: World,
    course: CourseGraph,
    params: ModelParams,
    policy: Policy,
    *,
    n_learners: int = 100,
    budget: int = 400,
    seed: int = 0,
    target: float = 0.7,
    band: float = 0.15,
    continue_after_complete: Policy | None = None,
) -> PolicyRun:
    """Serve problems to fresh simulated learners; the learner state is updated by the engine
    for every policy (so predicted success can be compared), the world decides the answers."""
    learners = make_learners(world, n_learners, seed + 1000, prefix="sim")
    rng_np = np.random.default_rng(seed + 2000)
    rng = random.Random(seed)
    to_mastery: list[int | None] = []
    declared: list[int | None] = []
    known_at: list[float] = []
    served = pred_in = true_in = wins = 0
    t0 = 1_800_000_000.0
    stops_itself = continue_after_complete is not None
    for lu in learners:
        st = LearnerState(learner=lu.id)
        reached: int | None = 0 if lu.knows_all() else None
        done: int | None = None
        pol = policy
        step = 0
        while step < budget:
            if reached is not None and (done is not None or not stops_itself):
                break  # a policy that never stops is followed until the learner knows it all
            pid, _kind = pol(st, step, rng)
            if pid is None:  # the policy says the course is complete
                if done is not None:
                    break
                done = step
                known_at.append(float(np.mean(list(lu.known.values()))))
                if reached is not None or continue_after_complete is None:
                    break
                pol = continue_after_complete  # keep practising (weakest skill first)
                continue
            sk = world.item_skill[pid]
            p_pred = predict_all(st, params, sk, pid, None, world.item_prior[pid]).combined
            p_true = lu.p_correct(world, pid)
            y = lu.practise(world, pid, rng_np)
            served += 1
            wins += y
            pred_in += abs(p_pred - target) <= band
            true_in += abs(p_true - target) <= band
            st = update(
                st, params, Attempt(lu.id, sk, pid, y, t0 + 60.0 * step, world.item_prior[pid])
            )
            step += 1
            if reached is None and lu.knows_all():
                reached = step
        to_mastery.append(reached)
        if stops_itself:
            declared.append(done)
    return PolicyRun(
        name,
        n_learners,
        budget,
        to_mastery,
        served,
        pred_in / max(1, served),
        true_in / max(1, served),
        wins / max(1, served),
        declared,
        known_at,
    )


def compare_policies(
    seed: int = 0,
    n_learners: int = 100,
    budget: int = 400,
    n_skills: int = 8,
    items_per_skill: int = 40,
    train_learners: int = 300,
    fixed_per_skill: int = 10,
    cfg: PolicyConfig | None = None,
    gradual: bool = False,
) -> dict[str, Any]:
    """Fit the engine on logged data of one cohort, then run three policies on a fresh cohort.
    ``gradual`` picks the world where knowledge grows gradually instead of all at once."""
    cfg = cfg or PolicyConfig()
    world = make_world(n_skills, items_per_skill, seed, gradual=gradual)
    course = world.course()
    log = generate_log(world, train_learners, 15, seed=seed + 7, prefix="train")
    params = fit(log, item_priors=course.item_priors(), seed=seed)
    kw: dict[str, Any] = dict(
        n_learners=n_learners, budget=budget, seed=seed, target=cfg.target, band=cfg.band
    )
    extra = PolicyConfig(**{**cfg.__dict__, "practice_when_complete": True})
    runs = [
        run_policy(
            "adaptive",
            world,
            course,
            params,
            adaptive_policy(course, params, cfg),
            continue_after_complete=adaptive_policy(course, params, extra),
            **kw,
        ),
        run_policy(
            "fixed-order", world, course, params, fixed_order_policy(course, fixed_per_skill), **kw
        ),
        run_policy("random", world, course, params, random_policy(course), **kw),
    ]
    return {"runs": [r.summary() for r in runs], "params_info": params.info}


MASTERY_RULES: dict[str, MasteryConfig] = {
    # name -> the rule (threshold 0 makes it a plain count of problems solved)
    "P(known) >= 0.95 (before issue 14)": MasteryConfig(threshold=0.95, min_evidence=0),
    "P(known) >= 0.95 and 3 solved (now)": MasteryConfig(threshold=0.95, min_evidence=3),
    "fixed count: 3 solved": MasteryConfig(threshold=0.0, min_evidence=3),
    "fixed count: 5 solved": MasteryConfig(threshold=0.0, min_evidence=5),
}


def compare_mastery_rules(
    seed: int = 0,
    n_learners: int = 100,
    budget: int = 400,
    gradual: bool = False,
    rules: dict[str, MasteryConfig] | None = None,
    train_learners: int = 300,
    guessy: bool = False,
) -> list[dict[str, object]]:
    """The adaptive policy under several mastery rules on the same fresh learners: how many
    problems until it declares the course complete, and how much of it was truly known then.
    ``guessy``: a world with high priors and success near 0.5 while unknown (Statics-like fits)."""
    extra_world: dict[str, Any] = {"prior_range": (0.4, 0.8), "lo": 0.0} if guessy else {}
    world = make_world(8, 40, seed, gradual=gradual, **extra_world)
    course = world.course()
    log = generate_log(world, train_learners, 15, seed=seed + 7, prefix="train")
    fitted = fit(log, item_priors=course.item_priors(), seed=seed)
    out = []
    for name, rule in (rules or MASTERY_RULES).items():
        params = ModelParams.from_dict({**fitted.to_dict(), "mastery": rule.to_dict()})
        cfg = PolicyConfig()
        extra = PolicyConfig(practice_when_complete=True)
        run = run_policy(
            name,
            world,
            course,
            params,
            adaptive_policy(course, params, cfg),
            continue_after_complete=adaptive_policy(course, params, extra),
            n_learners=n_learners,
            budget=budget,
            seed=seed,
        )
        declared = [x for x in run.declared_complete if x is not None]
        out.append(
            {
                "rule": name,
                "declared": f"{len(declared)}/{n_learners}",
                "problems_to_declared_mean": float(np.mean(declared)) if declared else math.nan,
                "problems_to_declared_median": float(np.median(declared)) if declared else math.nan,
                "skills_truly_known_at_declared": float(np.mean(run.known_at_complete))
                if run.known_at_complete
                else math.nan,
                "learners_knowing_all_at_declared": float(
                    np.mean([k >= 1.0 for k in run.known_at_complete])
                )
                if run.known_at_complete
                else math.nan,
                "problems_to_true_mastery_mean": run.summary()["problems_to_mastery_mean"],
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# model comparison on simulated data


def model_auc(
    seed: int = 0, n_learners: int = 400, attempts_per_skill: int = 15, n_skills: int = 8
) -> dict[str, dict[str, Any]]:
    """AUC of BKT, Elo and combined on held-out simulated learners (predict before update)."""
    from .evaluate import evaluate_tables, split_learners

    world = make_world(n_skills, 40, seed)
    log = generate_log(world, n_learners, attempts_per_skill, seed=seed + 3)
    tab = AttemptTable.from_attempts(log)
    train, test = split_learners(tab, 0.2, seed)
    res = evaluate_tables(train, test, seed=seed, forgets=False, pybkt=False)
    return {r["model"]: r for r in res["models"]}


def generate_table(
    n_learners: int,
    n_skills: int,
    items_per_skill: int,
    skills_per_learner: int,
    attempts_per_skill: int,
    seed: int = 0,
) -> AttemptTable:
    """A large simulated log built with numpy (no per-attempt Python), for benchmarks:
    each learner practises ``skills_per_learner`` consecutive skills of the course."""
    rng = np.random.default_rng(seed)
    prior = rng.uniform(0.05, 0.3, n_skills)
    learn = rng.uniform(0.1, 0.3, n_skills)
    diff = rng.normal(0, 1.0, (n_skills, items_per_skill))
    ability = rng.normal(0, 0.6, n_learners)
    start = rng.integers(0, max(1, n_skills - skills_per_learner + 1), n_learners)
    # sequences: (learner, k-th skill)
    lu = np.repeat(np.arange(n_learners), skills_per_learner)
    sk = (
        np.repeat(start, skills_per_learner) + np.tile(np.arange(skills_per_learner), n_learners)
    ) % n_skills
    n_seq = len(lu)
    known = rng.random(n_seq) < prior[sk]
    L = np.empty((n_seq, attempts_per_skill), dtype=np.int64)
    S = np.empty_like(L)
    It = np.empty_like(L)
    Y = np.empty((n_seq, attempts_per_skill))
    T = np.empty((n_seq, attempts_per_skill))
    k_in_learner = np.tile(np.arange(skills_per_learner), n_learners)
    for a in range(attempts_per_skill):
        it = rng.integers(0, items_per_skill, n_seq)
        x = np.where(known, 2.0, -1.0) + ability[lu] - diff[sk, it]
        y = rng.random(n_seq) < 1.0 / (1.0 + np.exp(-x))
        L[:, a], S[:, a], It[:, a], Y[:, a] = lu, sk, sk * items_per_skill + it, y
        T[:, a] = (
            1_700_000_000.0 + (86400.0 * lu) % 1e7 + 60.0 * (k_in_learner * attempts_per_skill + a)
        )
        known = known | (rng.random(n_seq) < learn[sk])
    order = np.argsort(T.ravel(), kind="stable")
    return AttemptTable(
        learner=L.ravel()[order],
        skill=S.ravel()[order],
        item=It.ravel()[order],
        correct=Y.ravel()[order],
        t=T.ravel()[order],
        prior=np.full(L.size, np.nan),
        learners=np.array([f"u{i}" for i in range(n_learners)]),
        skills=np.array([f"k{i:04d}" for i in range(n_skills)]),
        items=np.array(
            [
                f"k{i // items_per_skill:04d}-p{i % items_per_skill:04d}"
                for i in range(n_skills * items_per_skill)
            ]
        ),
    )


# ---------------------------------------------------------------------------------------------
# CLI


def write_csv(attempts: list[Attempt], path: str) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["user", "skill", "item", "correct", "timestamp"])
        for a in attempts:
            w.writerow([a.learner, a.skill, a.item, int(a.correct), f"{a.t:.0f}"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tutor.adaptive.simulate", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--csv", help="write a simulated long-format data set here and exit")
    ap.add_argument("--learners", type=int, default=1000, help="learners in the --csv data set")
    ap.add_argument("--json", help="also write the figures as JSON here")
    ap.add_argument("--quick", action="store_true", help="smaller runs")
    ap.add_argument(
        "--mastery",
        action="store_true",
        help="only compare mastery rules (problems to declared mastery, truly known then)",
    )
    args = ap.parse_args(argv)
    if args.mastery:
        out_m: dict[str, object] = {}
        worlds: dict[str, tuple[str, dict[str, Any]]] = {
            "all_or_none": ("all-or-none learning", {}),
            "guessy": (
                "all-or-none, priors 0.4-0.8 and P(correct | unknown) near 0.5",
                {"guessy": True},
            ),
            "gradual": ("knowledge grows gradually", {"gradual": True}),
        }
        for key, (kind, kw) in worlds.items():
            t = time.perf_counter()
            rows = compare_mastery_rules(args.seed, 50 if args.quick else 100, **kw)
            out_m[key] = rows
            print(
                f"\n## Mastery rules, adaptive policy, {kind} (8 skills, 40 problems each, "
                f"budget 400, seed {args.seed}) [{time.perf_counter() - t:.1f}s]"
            )
            print(
                "| rule | declared complete | problems to declared (mean / median) | skills truly "
                "known then | learners knowing all then | problems to true mastery (mean) |"
            )
            print("|---|---|---|---|---|---|")
            for r in rows:
                print(
                    f"| {r['rule']} | {r['declared']} | {r['problems_to_declared_mean']:.1f} / "
                    f"{r['problems_to_declared_median']:.0f} | "
                    f"{r['skills_truly_known_at_declared']:.3f} | "
                    f"{r['learners_knowing_all_at_declared']:.2f} | "
                    f"{r['problems_to_true_mastery_mean']:.1f} |"
                )
        if args.json:
            with open(args.json, "w") as f:
                json.dump(out_m, f, indent=2, default=float)
        return 0
    if args.csv:
        world = make_world(8, 40, args.seed)
        write_csv(generate_log(world, args.learners, 15, seed=args.seed), args.csv)
        print(f"wrote {args.csv}")
        return 0
    out: dict[str, object] = {}
    t = time.perf_counter()
    rec = recovery(200, 20, args.seed)
    out["recovery"] = rec
    print(
        f"## BKT parameter recovery (200 learners x 20 attempts per skill, 5 skills) [{time.perf_counter() - t:.1f}s]"
    )
    print(
        f"MAE over prior/learn/slip/guess: {rec['mae']:.4f} (max abs error {rec['max_abs_error']:.3f}; target <= 0.05)"
    )
    print("| skill | true (L0, T, S, G) | fitted |")
    print("|---|---|---|")
    for sk, tp in rec["true"].items():
        f = rec["fitted"][sk]
        print(
            f"| {sk} | {tp['prior']:.2f}, {tp['learn']:.2f}, {tp['slip']:.2f}, {tp['guess']:.2f} | "
            f"{f['prior']:.3f}, {f['learn']:.3f}, {f['slip']:.3f}, {f['guess']:.3f} |"
        )
    t = time.perf_counter()
    aucs = model_auc(args.seed, 200 if args.quick else 400)
    out["auc"] = aucs
    print(
        f"\n## Models on held-out simulated learners (predict before update) [{time.perf_counter() - t:.1f}s]"
    )
    print("| model | AUC | RMSE | log-loss |")
    print("|---|---|---|---|")
    for name, r in aucs.items():
        print(f"| {name} | {r['auc']:.4f} | {r['rmse']:.4f} | {r['logloss']:.4f} |")
    t = time.perf_counter()
    for gradual in (False, True):
        t = time.perf_counter()
        pol = compare_policies(args.seed, 50 if args.quick else 100, gradual=gradual)
        out["policy_gradual" if gradual else "policy"] = pol
        kind = (
            "knowledge grows gradually; known = level >= 0.9"
            if gradual
            else "all-or-none learning, as BKT assumes"
        )
        print(
            f"\n## Policies on simulated learners: {kind} (8 skills in a prerequisite chain, "
            f"40 problems each, budget 400) [{time.perf_counter() - t:.1f}s]"
        )
        print(
            "| policy | reached true mastery | problems to mastery (mean / median; budget if never) "
            "| in band (predicted) | in band (true) | success rate |"
        )
        print("|---|---|---|---|---|---|")
        for r in pol["runs"]:
            print(
                f"| {r['policy']} | {r['reached_mastery']} | {r['problems_to_mastery_mean']:.1f} / "
                f"{r['problems_to_mastery_median']:.0f} | {r['pred_in_band']:.3f} | "
                f"{r['true_in_band']:.3f} | {r['success_rate']:.3f} |"
            )
        a = pol["runs"][0]
        print(
            f"adaptive: declared the course complete for {a['declared_complete']} learners after "
            f"{a['problems_to_declared_mastery_mean']:.1f} problems on average; share of skills "
            f"truly known then: {a['truly_known_at_declared']:.3f}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2, default=float)
    return 0


if __name__ == "__main__":
    sys.exit(main())
