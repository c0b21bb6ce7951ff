"""Speed of the adaptive engine: ``python -m tutor.adaptive.bench [--quick] [--plot FILE.png]``.

Builds a course of 10,000 problems, fits the models on 1,000,000 simulated attempts (the fit time
is a figure too), then times what a request pays: ``update`` after an attempt and
``choose_next`` for learners at different points of the course, plus the JSON round trip of a
learner's state and of the parameters. Prints a table; ``--plot`` writes latency histograms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from typing import Any

import numpy as np

from .course import CourseGraph, Problem, Skill
from .engine import AttemptTable, fit, update
from .model import Attempt, LearnerState, ModelParams
from .policy import choose_next
from .simulate import generate_table


def _pct(xs: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(xs), q))


def build_course(
    table: AttemptTable, n_skills: int, items_per_skill: int, unit: int = 10
) -> CourseGraph:
    skills = []
    for i, sid in enumerate(table.skills.tolist()):
        pre = (table.skills[i - 1],) if i % unit else ()
        if i >= unit and i % unit == 0:
            pre = (table.skills[i - unit],)
        skills.append(Skill(str(sid), f"Skill {i}", tuple(str(p) for p in pre)))
    problems = [Problem(str(pid), str(pid).split("-")[0]) for pid in table.items.tolist()]
    return CourseGraph(skills, problems, name="bench")


def make_learner(
    course: CourseGraph, params: ModelParams, n_attempts: int, rng: random.Random, t0: float
) -> LearnerState:
    """A learner who has worked through the course with the policy for ``n_attempts`` answers."""
    st = LearnerState(learner=f"bench{rng.random():.6f}")
    t = t0
    for _ in range(n_attempts):
        ch = choose_next(st, course, params, t, rng)
        if ch.problem_id is None or ch.skill is None:  # both None together: course complete
            break
        y = rng.random() < (ch.predicted or 0.7)
        st = update(st, params, Attempt(st.learner, ch.skill, ch.problem_id, y, t))
        t += 45.0
    return st


def _stats(xs: list[float]) -> dict[str, float]:
    return {"p50": _pct(xs, 50), "p99": _pct(xs, 99), "max": max(xs), "n": len(xs)}


def _time_requests(
    learners: list[LearnerState],
    course: CourseGraph,
    params: ModelParams,
    now: float,
    rng: random.Random,
    reps: int,
) -> dict[str, Any]:
    """One timing run: choose_next for every learner ``reps`` times, then ``reps * 200``
    updates; wall and thread-CPU time of each call, and the load average around the run."""
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    choose_ms: list[float] = []
    choose_cpu: list[float] = []
    for _ in range(reps):
        for st in learners:
            c = time.thread_time()
            t = time.perf_counter()
            choose_next(st, course, params, now, rng)
            choose_ms.append((time.perf_counter() - t) * 1e3)
            choose_cpu.append((time.thread_time() - c) * 1e3)
    update_ms: list[float] = []
    update_cpu: list[float] = []
    items = course.problems
    for i in range(reps * 200):
        st = learners[i % len(learners)]
        p = items[int(rng.random() * len(items))]
        a = Attempt(st.learner, p.skill, p.id, rng.random() < 0.7, now + i)
        c = time.thread_time()
        t = time.perf_counter()
        update(st, params, a)
        update_ms.append((time.perf_counter() - t) * 1e3)
        update_cpu.append((time.thread_time() - c) * 1e3)
    load1 = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {
        "choose": _stats(choose_ms),
        "choose_cpu": _stats(choose_cpu),
        "update": _stats(update_ms),
        "update_cpu": _stats(update_cpu),
        "load_average": (load0 + load1) / 2,
        "choose_ms": choose_ms,
        "update_ms": update_ms,
    }


def run(
    quick: bool = False,
    plot: str | None = None,
    seed: int = 0,
    *,
    n_learners: int | None = None,
    n_skills: int = 100,
    items_per_skill: int = 100,
    reps: int | None = None,
    runs: int = 3,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    skills_per_learner, attempts_per_skill = 10, 10
    if n_learners is None:
        n_learners = 2_000 if quick else 10_000  # 200k or 1M attempts
    t = time.perf_counter()
    table = generate_table(
        n_learners, n_skills, items_per_skill, skills_per_learner, attempts_per_skill, seed
    )
    out["simulate_s"] = time.perf_counter() - t
    out["attempts"] = len(table)
    out["problems"] = n_skills * items_per_skill
    t = time.perf_counter()
    params = fit(table, seed=seed)
    out["fit_s"] = time.perf_counter() - t
    course = build_course(table, n_skills, items_per_skill)

    # parameter swap: JSON size and load time
    t = time.perf_counter()
    blob = params.to_json()
    out["params_dump_ms"] = (time.perf_counter() - t) * 1e3
    out["params_json_kb"] = len(blob) / 1024
    t = time.perf_counter()
    params = ModelParams.from_json(blob)
    out["params_load_ms"] = (time.perf_counter() - t) * 1e3

    rng = random.Random(seed)
    now = 1_800_000_000.0
    # after a swap the candidate index is bound to the new parameters once
    t = time.perf_counter()
    course.bind(params)
    out["bind_ms"] = (time.perf_counter() - t) * 1e3

    # learners at different points of the course
    n_lrn = 10 if quick or reps else 40
    learners = [
        make_learner(course, params, int(rng.uniform(0, 1500)), rng, now - 30 * 86400)
        for _ in range(n_lrn)
    ]
    out["learner_skills_mean"] = float(np.mean([len(s.skills) for s in learners]))
    out["learner_attempts_mean"] = float(np.mean([s.n for s in learners]))

    # wall time is what a request waits; thread CPU time is the engine's own cost, unaffected by
    # other processes on a busy machine (the two differ only when the machine is loaded). The
    # timing is repeated ``runs`` times and the table shows the median of each figure over runs.
    reps = reps or (50 if quick else 100)
    per_run = []
    for k in range(max(1, runs)):
        per_run.append(_time_requests(learners, course, params, now, random.Random(seed + k), reps))
    ser_ms: list[float] = []
    for st in learners:
        t = time.perf_counter()
        LearnerState.from_dict(json.loads(json.dumps(st.to_dict())))
        ser_ms.append((time.perf_counter() - t) * 1e3)

    def med(key: str, stat: str) -> float:
        return float(np.median([r[key][stat] for r in per_run]))

    out["runs"] = per_run
    out["choose_next_cpu_ms"] = {"p50": med("choose_cpu", "p50"), "p99": med("choose_cpu", "p99")}
    out["update_cpu_ms"] = {"p50": med("update_cpu", "p50"), "p99": med("update_cpu", "p99")}
    out["load_average"] = float(np.median([r["load_average"] for r in per_run]))
    out["choose_next_ms"] = {
        "p50": med("choose", "p50"),
        "p99": med("choose", "p99"),
        "max": med("choose", "max"),
        "n": per_run[0]["choose"]["n"],
        "p99_runs": [r["choose"]["p99"] for r in per_run],
    }
    out["update_ms"] = {
        "p50": med("update", "p50"),
        "p99": med("update", "p99"),
        "max": med("update", "max"),
        "n": per_run[0]["update"]["n"],
    }
    out["state_json_roundtrip_ms"] = {
        "p50": _pct(ser_ms, 50),
        "p99": _pct(ser_ms, 99),
        "max": max(ser_ms),
        "n": len(ser_ms),
    }
    choose_ms = per_run[-1]["choose_ms"]
    update_ms = per_run[-1]["update_ms"]
    if plot:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib not installed: no plot", file=sys.stderr)
        else:
            fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
            for ax, xs, title, limit in (
                (axes[0], choose_ms, "choose_next (ms)", 20.0),
                (axes[1], update_ms, "update (ms)", 2.0),
            ):
                ax.hist(xs, bins=60, color="#4472c4")
                ax.axvline(_pct(xs, 99), color="k", ls="--", label=f"p99 {_pct(xs, 99):.3f}")
                ax.set_title(f"{title}; budget {limit:g} ms")
                ax.set_yscale("log")
                ax.legend()
            fig.suptitle(
                f"{out['problems']} problems, params fitted on {out['attempts']:,} attempts"
            )
            fig.tight_layout()
            fig.savefig(plot, dpi=110)
            out["plot"] = plot
    return out


def render(r: dict[str, Any]) -> str:
    c, u, j = r["choose_next_ms"], r["update_ms"], r["state_json_roundtrip_ms"]
    rows = [
        ("problems in the course", f"{r['problems']:,}", ""),
        ("attempts the models were fitted on", f"{r['attempts']:,}", ""),
        ("fit (BKT EM + Elo replay + combined model)", f"{r['fit_s']:.1f} s", "minutes, not hours"),
        (
            "parameters as JSON",
            f"{r['params_json_kb']:.0f} KiB; dump {r['params_dump_ms']:.0f} ms, load {r['params_load_ms']:.0f} ms",
            "",
        ),
        ("bind the candidate index to new parameters", f"{r['bind_ms']:.1f} ms", "once per swap"),
        (
            f"choose_next p50 / p99 / max (median of {len(r['runs'])} runs)",
            f"{c['p50']:.3f} / {c['p99']:.3f} / {c['max']:.3f} ms (n={c['n']} per run)",
            "p99 < 20 ms",
        ),
        (
            "choose_next p99 of each run",
            " / ".join(f"{x:.3f}" for x in c["p99_runs"]) + " ms",
            "",
        ),
        (
            "update p50 / p99 / max",
            f"{u['p50']:.4f} / {u['p99']:.4f} / {u['max']:.3f} ms (n={u['n']} per run)",
            "< 2 ms",
        ),
        (
            "choose_next CPU time p50 / p99",
            f"{r['choose_next_cpu_ms']['p50']:.3f} / {r['choose_next_cpu_ms']['p99']:.3f} ms",
            "the engine's own cost",
        ),
        (
            "update CPU time p50 / p99",
            f"{r['update_cpu_ms']['p50']:.4f} / {r['update_cpu_ms']['p99']:.4f} ms",
            "",
        ),
        ("learner state JSON round trip p50 / p99", f"{j['p50']:.3f} / {j['p99']:.3f} ms", ""),
        (
            "bench learners: skills touched / attempts (mean)",
            f"{r['learner_skills_mean']:.0f} / {r['learner_attempts_mean']:.0f}",
            "",
        ),
    ]
    if r.get("load_average") is not None:
        rows.append(
            (
                "machine load average (1 min) during the runs, median",
                f"{r['load_average']:.2f} (runs: "
                + ", ".join(f"{x['load_average']:.2f}" for x in r["runs"])
                + f"; {os.cpu_count()} CPUs)",
                "wall times grow with it",
            )
        )
    w = max(len(a) for a, _, _ in rows)
    lines = [f"| {'what'.ljust(w)} | figure | budget |", f"|{'-' * (w + 2)}|---|---|"]
    lines += [f"| {a.ljust(w)} | {b} | {c_} |" for a, b, c_ in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m tutor.adaptive.bench", description=__doc__.split("\n\n")[0]
    )
    ap.add_argument("--quick", action="store_true", help="200k attempts instead of 1M")
    ap.add_argument("--plot", help="write latency histograms to this PNG")
    ap.add_argument("--json", help="write the figures as JSON here")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--runs", type=int, default=3, help="timing runs (the table shows medians)")
    args = ap.parse_args(argv)
    r = run(args.quick, args.plot, args.seed, runs=args.runs)
    print(render(r))
    if args.json:
        slim = {
            **r,
            "runs": [{k: v for k, v in x.items() if not k.endswith("_ms")} for x in r["runs"]],
        }
        with open(args.json, "w") as f:
            json.dump(slim, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
