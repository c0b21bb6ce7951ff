"""Benchmark of the work checker on the corpus of worked solutions (docs/work-checking.md).

    python -m curriculum.answers.bench_steps [--runs 3] [--corpus PATH | --seed N] [--no-pool]

Prints: first wrong line located (%), the right malrule named (% of the traces with one),
correct lines marked wrong (count), a row per malrule, and the latency per line in-process
and through the checker pool (each line as the work area sends it: the working so far, the
answer key with the last line), medians of ``--runs`` runs, with the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from .pool import CheckerPool
from .steps import check_work
from .work_corpus import build

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "answers" / "data" / "work_traces.jsonl"


def load(path: Path | None = None) -> list[dict[str, Any]]:
    p = path or CORPUS
    if p.exists():
        return [json.loads(x) for x in p.read_text().splitlines() if x.strip()]
    return build()


def quantile(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def accuracy(traces: list[dict[str, Any]]) -> dict[str, Any]:
    """Located / named / correct lines marked wrong, overall and per malrule, and the
    in-process time of each line (ms)."""
    per_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # n, located, named
    located = named = with_rule = marked_wrong = final_ok = n_correct = 0
    times: list[float] = []
    misses = []
    for t in traces:
        r = check_work(t["lines"], t["spec"])
        times += [v.ms for v in r.lines[1:] if v.status != "blank"]
        ok = r.first_error == t["first_error"]
        located += ok
        rule = t["malrule"] or ("(correct)" if t["first_error"] is None else "(no malrule)")
        row = per_rule[rule]
        row[0] += 1
        row[1] += ok
        if t["malrule"]:
            with_rule += 1
            hit = ok and r.malrule == t["malrule"]
            named += hit
            row[2] += hit
        else:
            row[2] += ok and not r.malrule
        end = t["first_error"] if t["first_error"] is not None else len(t["lines"])
        marked_wrong += sum(v.status in ("wrong", "unreadable") for v in r.lines[1:end])
        if t["first_error"] is None:
            n_correct += 1
            final_ok += bool(r.final and r.final.get("correct"))
        if not ok or (t["malrule"] and r.malrule != t["malrule"]):
            misses.append(
                (t["id"], t["lines"], t["first_error"], t["malrule"], r.first_error, r.malrule)
            )
    return {
        "traces": len(traces),
        "located": located / len(traces),
        "named": named / with_rule if with_rule else float("nan"),
        "with_rule": with_rule,
        "marked_wrong": marked_wrong,
        "final_ok": (final_ok, n_correct),
        "per_rule": dict(per_rule),
        "times": times,
        "misses": misses,
    }


def pool_times(traces: list[dict[str, Any]], pool: CheckerPool) -> list[float]:
    """Wall time (ms) of each line through the pool: the working up to that line."""
    out = []
    for t in traces:
        lines = t["lines"]
        for i in range(2, len(lines) + 1):
            spec = t["spec"] if i == len(lines) else None
            t0 = time.perf_counter()
            r = pool.check_work(lines[:i], spec)
            out.append((time.perf_counter() - t0) * 1000)
            if r.error:
                raise RuntimeError(f"trace {t['id']}: {r.error}")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=None, help="a fresh corpus with other numbers")
    ap.add_argument("--no-pool", action="store_true")
    ap.add_argument("--misses", action="store_true", help="list the traces missed")
    args = ap.parse_args(argv)
    traces = build(seed=args.seed) if args.seed is not None else load(args.corpus)
    load_before = os.getloadavg()
    runs = []
    for _ in range(args.runs):
        runs.append(accuracy(traces))
    acc = runs[0]
    p50_in = statistics.median(quantile(r["times"], 0.5) for r in runs)
    p99_in = statistics.median(quantile(r["times"], 0.99) for r in runs)
    p50_pool = p99_pool = float("nan")
    if not args.no_pool:
        pool = CheckerPool(size=1, slow_lane=0, deadline=10.0)
        try:
            pool.start(wait=True)
            pt = [pool_times(traces, pool) for _ in range(args.runs)]
        finally:
            pool.close()
        p50_pool = statistics.median(quantile(x, 0.5) for x in pt)
        p99_pool = statistics.median(quantile(x, 0.99) for x in pt)
    load_after = os.getloadavg()
    n_lines = len(acc["times"])
    print(f"work checker on {acc['traces']} traces, {n_lines} checked lines ({args.runs} runs)")
    print(f"{'measure':44} {'value':>12} {'target':>10}")
    print(f"{'first wrong line located':44} {acc['located']:>11.1%} {'>= 97%':>10}")
    print(
        f"{'right malrule named (of ' + str(acc['with_rule']) + ' with one)':44} {acc['named']:>11.1%} {'>= 90%':>10}"
    )
    print(f"{'correct lines marked wrong':44} {acc['marked_wrong']:>12} {'0':>10}")
    fo, fn = acc["final_ok"]
    print(f"{'correct traces whose answer is accepted':44} {f'{fo}/{fn}':>12}")
    print(f"{'per line in-process p50 / p99 (ms)':44} {f'{p50_in:.1f} / {p99_in:.1f}':>12}")
    print(
        f"{'per line through the pool p50 / p99 (ms)':44} {f'{p50_pool:.1f} / {p99_pool:.1f}':>12} {'p99 < 50':>10}"
    )
    print(
        f"load average (1, 5, 15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} "
        f"{load_before[2]:.2f}; after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
        f"{os.cpu_count()} CPUs"
    )
    print()
    print(f"{'malrule':30} {'traces':>7} {'located':>8} {'named':>8}")
    for rule, (n, loc, nam) in sorted(acc["per_rule"].items()):
        print(f"{rule:30} {n:>7} {loc / n:>8.0%} {nam / n:>8.0%}")
    if args.misses:
        for m in acc["misses"]:
            print("miss:", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
