"""Benchmark: our checker and math-verify 0.9.0 side by side on the peers' corpora.

    python -m curriculum.answers.bench [--data DIR] [--out DIR] [--plot] [--no-mv] [--pool-threads N]

Reads ``math_verify_cases.jsonl`` and ``stack_cases.jsonl`` (rows with ``maxima_only``
false) from ``../shared/data/answers`` (or ``--data`` / ``$ANSWERS_DATA``), maps each row
to an :class:`AnswerSpec` (each STACK answer test to the nearest mode of ours; the rows'
answers are never special-cased), and checks it with :func:`check_inline` and with
math-verify (timeouts disabled, run off the main thread as its docs require for threads).
Prints agreement with the expected verdicts per kind and per STACK test, p50/p99
latency and checks per second for both, throughput through the bounded pool, and writes
every disagreement to ``<out>/answers-disagreements.jsonl``.

math-verify cannot read plain typed maths (only numbers), so STACK rows are given to it
as LaTeX printed from our own reading of the row (or the raw text when we cannot read
it); its form-blind verdicts are what they are.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time
from collections import defaultdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .checker import check_inline
from .extract import extract_final
from .nodes import Node, to_latex
from .parsing import parse

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "answers"

# STACK answer test -> how we map it (None: not implemented by us)
STACK_IMPLEMENTED = {
    "AlgEquiv",
    "EqualComAss",
    "CasEqual",
    "FacForm",
    "Expanded",
    "LowestTerms",
    "SingleFrac",
    "CompSquare",
    "PartFrac",
    "NumRelative",
    "NumAbsolute",
    "NumSigFigs",
    "SigFigsStrict",
    "NumDecPlaces",
    "Sets",
    "SysEquiv",
    "GT",
    "GTE",
}


# ---------------------------------------------------------------- mapping rows to specs
def _maxima_to_text(s: str) -> str:
    s = s.replace("%pi", "pi").replace("%e", "e").replace("%i", "i")
    s = re.sub(r"(?<![<>=!])#", "!=", s)
    return s


def _kind_of(node: Node) -> str:
    op = node.op
    if op == "rel":
        if all(o == "=" for o in node.value):
            return "equation"
        return "inequality"
    if op in ("interval", "union"):
        return "inequality"
    if op == "set":
        return "set"
    if op == "seq" and all(a.op == "rel" and set(a.value) == {"="} for a in node.args):
        return "equation"
    if op in ("list", "tuple", "seq"):
        return "list"
    if op in ("or", "and"):
        if all(a.op == "rel" for a in node.args):
            return _kind_of(node.args[0])
        return "list"
    if op == "special":
        return "inequality"
    return "expression"


def _is_number_node(node: Node) -> bool:
    from .nodes import walk

    return all(
        n.op not in ("sym", "rel", "set", "list", "tuple", "seq", "matrix", "interval", "union")
        for n in walk(node)
    )


def _ascending_pair(node: Node) -> bool:
    from .parsing import to_sympy

    if node.op not in ("tuple", "list") or len(node.args) != 2:
        return False
    try:
        a, b = (to_sympy(x) for x in node.args)
        return bool(a.is_real and b.is_real and a < b)
    except Exception:  # noqa: BLE001 - corpus rows of any shape: the benchmark goes on
        return False


def node_kind_letter(gold: str) -> str | None:
    """A multiple-choice letter written as text: (C), \\text{C}."""
    m = re.fullmatch(r"\s*(?:\\text\{\s*)?\(?([A-E])\)?\s*\}?\s*", gold)
    return m.group(1) if m else None


def mv_case_to_spec(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(student response, spec) for a Math-Verify row."""
    cfg = row.get("config") or {}
    gold = extract_final(row["gold"]) or row["gold"]
    opts: dict[str, Any] = {"extract": True}
    fr = cfg.get("float_rounding")
    if node_kind_letter(gold):
        return row["pred"], {
            "kind": "multiple_choice",
            "key": [node_kind_letter(gold)],
            "options": {"extract": True},
        }
    bare = not re.search(r"[()\[\]{}]", gold)
    try:
        try:
            node = parse(gold, number_grouping=bare, decimal_comma=bare).node
        except Exception:
            if "=" not in gold:
                raise
            gold = gold.rsplit("=", 1)[1].strip()  # "1 = \\zzz = x = 0": the last side
            node = parse(gold, number_grouping=bare, decimal_comma=bare).node
        kind = _kind_of(node)
        if kind == "expression" and _is_number_node(node):
            kind = "number"
    except Exception:  # noqa: BLE001 - corpus rows of any shape: the benchmark goes on
        node = None
        kind = "string"
    if kind == "expression" and node is not None and node.op == "matrix":
        kind = "expression"
    if fr is not None and kind in ("number", "expression", "list", "set", "inequality"):
        opts["tolerance"] = {"abs": 10.0 ** (-int(fr)), "rel": 0.0}
    if kind == "number":
        opts["number_grouping"] = True
        opts["decimal_comma"] = True
    if (
        kind == "inequality"
        and not cfg.get("allow_set_relation_comp", True)
        and node is not None
        and node.op != "rel"
        or (
            node is not None
            and node.op == "rel"
            and node.value == ("in",)
            and not cfg.get("allow_set_relation_comp", True)
        )
    ):
        opts["notation"] = "interval"
    if kind == "list" and node is not None and _ascending_pair(node):
        kind = "inequality"  # (1, 3) and [-2, 7]: Math-Verify reads an interval
    if kind == "list" and node is not None and node.op != "tuple":
        kind = "set"  # Math-Verify compares comma lists as sets
    if kind == "set":
        opts["partial_credit"] = False
    return row["pred"], {"kind": kind, "key": [gold], "options": opts}


def _stack_opt_number(opt: str) -> Any:
    opt = (opt or "").strip()
    if not opt:
        return None
    try:
        return json.loads(opt)
    except ValueError:
        try:
            return float(opt)
        except ValueError:
            return "bad"


def stack_case_to_spec(row: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(student, spec) for a STACK row, or None when the test is not one we implement."""
    test = row["test"]
    if test not in STACK_IMPLEMENTED:
        return None
    student = _maxima_to_text(row["student"])
    teacher = _maxima_to_text(row["teacher"])
    opt = (row.get("options") or "").strip()
    opts: dict[str, Any] = {
        "allow_value_for_equation": False,
        "strict_type": True,
        "syntax": "text",
        "partial_credit": False,
        "mixed_numbers": False,
    }
    try:
        tnode = parse(teacher, syntax="text", mixed_numbers=False).node
        kind = _kind_of(tnode)
    except Exception:  # noqa: BLE001 - corpus rows of any shape: the benchmark goes on
        kind = "expression"
    if kind == "list":
        opts["ordered"] = True
    if kind == "equation" and test == "AlgEquiv":
        opts["multiplicity"] = True  # STACK compares equations with multiplicity
    if test in ("Expanded", "LowestTerms"):
        try:
            kind = _kind_of(parse(student, syntax="text", mixed_numbers=False).node)
        except Exception:  # noqa: BLE001 - corpus rows of any shape: the benchmark goes on
            pass
    key = teacher
    if test == "EqualComAss":
        opts["form"] = "as_key"
    elif test == "CasEqual":
        opts["form"] = "identical"
    elif test == "FacForm":
        opts["form"] = "factored"
        if opt:
            opts["var"] = _maxima_to_text(opt)
    elif test == "Expanded":
        opts["form"] = "expanded"
        key = student  # STACK ignores the teacher's answer here
    elif test == "LowestTerms":
        opts["form"] = "lowest_terms"
        key = student  # STACK ignores the teacher's answer here
    elif test == "SingleFrac":
        opts["form"] = "single_fraction"
    elif test == "CompSquare":
        opts["form"] = "completed_square"
        if opt:
            opts["var"] = _maxima_to_text(opt)
    elif test == "PartFrac":
        opts["form"] = "partial_fractions"
        if opt:
            opts["var"] = _maxima_to_text(opt)
    elif test in ("NumRelative", "NumAbsolute"):
        v = _stack_opt_number(opt)
        if v == "bad":
            return student, {"kind": "number", "key": [key], "options": {"tolerance": -1}}
        tol = 0.05 if v is None else float(v)
        opts["tolerance"] = {"rel": tol} if test == "NumRelative" else {"abs": tol}
        if kind == "expression":
            kind = "number"
    elif test in ("NumSigFigs", "SigFigsStrict"):
        v = _stack_opt_number(opt)
        kind = "number"
        if test == "SigFigsStrict":
            v = [int(v), 0] if isinstance(v, (int, float)) else v
        opts["sig_figs"] = v if isinstance(v, list) else int(v)
    elif test == "NumDecPlaces":
        kind = "number"
        opts["decimal_places"] = int(_stack_opt_number(opt))
    elif test == "Sets":
        kind = "set"
    elif test == "SysEquiv":
        kind = "equation"
    elif test in ("GT", "GTE"):
        kind = "number"
        opts["compare"] = ">" if test == "GT" else ">="
    if kind == "number":
        opts.pop("mixed_numbers", None)
    return student, {"kind": kind, "key": [key], "options": opts}


# ---------------------------------------------------------------- math-verify side
def _mv_verify(gold: str, pred: str, cfg: dict[str, Any]) -> bool:
    from math_verify import ExprExtractionConfig, LatexExtractionConfig, parse, verify

    mt = cfg.get("match_types")
    api = cfg.get("api", "")
    if mt:
        targets = []
        if "latex" in mt:
            targets.append(LatexExtractionConfig())
        if "expr" in mt:
            targets.append(ExprExtractionConfig())
    elif "ExprExtractionConfig" in api:
        targets = [ExprExtractionConfig()]
    else:
        targets = [LatexExtractionConfig(), ExprExtractionConfig()]
    g = parse(gold, targets, parsing_timeout=None)
    p = parse(pred, targets, parsing_timeout=None)
    kw = {}
    if cfg.get("float_rounding") is not None:
        kw["float_rounding"] = int(cfg["float_rounding"])
    if "strict" in cfg:
        kw["strict"] = bool(cfg["strict"])
    if "allow_set_relation_comp" in cfg:
        kw["allow_set_relation_comp"] = bool(cfg["allow_set_relation_comp"])
    return bool(verify(g, p, timeout_seconds=None, **kw))


def _mv_child(conn: Connection) -> None:
    """Child process: runs each comparison on a worker thread (math-verify's timeouts
    use signal.alarm, so they are disabled and the parent enforces a deadline)."""
    import io
    import logging
    import warnings

    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    sys.stdout = sys.stderr = io.StringIO()
    import math_verify  # noqa: F401

    _mv_verify("$1+1$", "$2$", {})  # warm up, as our side does
    while True:
        job = conn.recv()
        if job is None:
            return
        out: dict[str, Any] = {}

        def work(job: Any = job, out: dict[str, Any] = out) -> None:
            t = time.perf_counter()
            try:
                out["v"] = _mv_verify(*job)
            except Exception:  # noqa: BLE001 - the peer's failure is counted as no verdict
                out["v"] = None
            out["t"] = time.perf_counter() - t

        th = threading.Thread(target=work, daemon=True)
        th.start()
        th.join()
        conn.send((out.get("v"), out.get("t", 0.0)))
        sys.stdout.truncate(0)


class MathVerifyRunner:
    """math-verify in a child process, each call on a non-main thread with its own
    timeouts disabled; a call that runs past ``timeout`` kills the child (counted as a
    failure to answer) and a fresh child takes over."""

    def __init__(self, timeout: float = 10.0):
        import multiprocessing as mp

        import math_verify  # noqa: F401  (dev dependency: fail early when missing)

        self.ctx = mp.get_context("spawn")
        self.timeout = timeout
        self.timeouts = 0
        self._start()

    def _start(self) -> None:
        self.conn, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=_mv_child, args=(child,), daemon=True)
        self.proc.start()
        child.close()

    def run(self, gold: str, pred: str, cfg: dict[str, Any]) -> tuple[bool | None, float]:
        """(verdict or None on error/timeout, seconds spent in math-verify)."""
        self.conn.send((gold, pred, cfg))
        if self.conn.poll(self.timeout):
            answer: tuple[bool | None, float] = self.conn.recv()
            return answer
        self.timeouts += 1
        self.proc.kill()
        self.proc.join()
        self._start()
        return None, self.timeout

    def close(self) -> None:
        try:
            self.conn.send(None)
            self.proc.join(timeout=5)
        except (OSError, EOFError):
            pass
        if self.proc.is_alive():
            self.proc.kill()


def _stack_for_mv(text: str) -> str:
    try:
        return "$" + to_latex(parse(text, syntax="text", mixed_numbers=False).node) + "$"
    except Exception:  # noqa: BLE001 - corpus rows of any shape: the benchmark goes on
        return "$" + text + "$"


# ---------------------------------------------------------------- running
def _progress(i: int, n: int) -> None:
    if sys.stderr.isatty() and (i % 100 == 0 or i == n):
        print(f"\r{i}/{n} rows", end="" if i < n else "\n", file=sys.stderr, flush=True)


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(q / 100 * (len(xs) - 1)))))
    return xs[k]


def load_rows(data: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mv = [json.loads(line) for line in (data / "math_verify_cases.jsonl").open()]
    st = [json.loads(line) for line in (data / "stack_cases.jsonl").open()]
    st = [r for r in st if not r.get("maxima_only")]
    return mv, st


def run(
    data: Path,
    out: Path,
    use_mv: bool = True,
    pool_threads: int = 8,
    plot: bool = False,
    quiet: bool = False,
) -> dict[str, Any]:
    mv_rows, st_rows = load_rows(data)
    runner = MathVerifyRunner() if use_mv else None
    from .checker import warm_up

    warm_up()  # as the pool workers do: load SymPy's lazy modules before timing
    results: list[dict[str, Any]] = []
    # math-verify rows
    for r in mv_rows:
        pred, spec = mv_case_to_spec(r)
        t = time.perf_counter()
        v = check_inline(pred, spec)
        dt = time.perf_counter() - t
        res = {
            "corpus": "math-verify",
            "id": r["id"],
            "group": r["kind"],
            "expected": r["expected"],
            "ours": v.correct,
            "ours_code": v.code,
            "ours_s": dt,
            "spec": spec,
            "student": pred,
            "gold": r["gold"],
            "mv_recorded": r.get("mv_actual"),
            "short": r["kind"] != "long_text_extraction",
        }
        if runner:
            mvv, mdt = runner.run(r["gold"], r["pred"], r.get("config") or {})
            res["mv"], res["mv_s"] = mvv, mdt
        _progress(len(results) + 1, len(mv_rows) + len(st_rows))
        results.append(res)
    # STACK rows
    for r in st_rows:
        mapped = stack_case_to_spec(r)
        res = {
            "corpus": "stack",
            "id": r["id"],
            "group": r["test"],
            "expected": r["expected"],
            "implemented": mapped is not None,
            "student": r["student"],
            "teacher": r["teacher"],
            "options": r.get("options"),
        }
        if mapped is not None:
            student, spec = mapped
            t = time.perf_counter()
            v = check_inline(student, spec)
            res["ours_s"] = time.perf_counter() - t
            res["ours"], res["ours_code"], res["spec"] = v.correct, v.code, spec
            res["ours_feedback"] = v.feedback
        if runner:
            g = _stack_for_mv(_maxima_to_text(r["teacher"]))
            p = _stack_for_mv(_maxima_to_text(r["student"]))
            mvv, mdt = runner.run(g, p, {})
            res["mv"], res["mv_s"] = mvv, mdt
        results.append(res)
        _progress(len(results), len(mv_rows) + len(st_rows))
    mv_timeouts = runner.timeouts if runner else 0
    if runner:
        runner.close()

    summary = summarise(results, use_mv)
    summary["stack_known_failures"] = known_failures(data)
    summary["math_verify_timeouts"] = mv_timeouts
    rec = [r for r in results if r["corpus"] == "math-verify" and r["short"]]
    summary["math_verify_recorded_short"] = (
        sum(r["mv_recorded"] == r["expected"] for r in rec),
        len(rec),
    )
    summary["pool"] = pool_throughput(results, pool_threads)
    out.mkdir(parents=True, exist_ok=True)
    dis = out / "answers-disagreements.jsonl"
    with dis.open("w") as f:
        for r in results:
            if "ours" in r and r["ours"] != r["expected"]:
                f.write(
                    json.dumps({k: v for k, v in r.items() if not k.endswith("_s")}, default=str)
                    + "\n"
                )
    summary["disagreements_file"] = str(dis)
    if not quiet:
        print_summary(summary)
    if plot:
        summary["plot"] = str(make_plot(results, out))
    return summary


def known_failures(data: Path) -> dict[str, Any]:
    """Rows where STACK itself gives the mathematically wrong mark: how often are we right?"""
    path = data / "stack_cases_known_failures.jsonl"
    if not path.exists():
        return {}
    ok = n = 0
    for line in path.open():
        r = json.loads(line)
        if r.get("maxima_only") or r.get("expected_mathematically") is None:
            continue
        mapped = stack_case_to_spec({**r, "expected": r["expected_mathematically"]})
        if mapped is None:
            continue
        n += 1
        ok += check_inline(*mapped).correct == r["expected_mathematically"]
    return {"ours_right": ok, "rows": n}


def _agree(rows: list[dict[str, Any]], key: str) -> tuple[float, int, int]:
    rows = [r for r in rows if r.get(key) is not None or key == "mv"]
    if not rows:
        return float("nan"), 0, 0
    ok = sum(1 for r in rows if r.get(key) == r["expected"])
    return ok / len(rows), ok, len(rows)


def summarise(results: list[dict[str, Any]], use_mv: bool) -> dict[str, Any]:
    s: dict[str, Any] = {"groups": []}
    mv_short = [r for r in results if r["corpus"] == "math-verify" and r["short"]]
    mv_all = [r for r in results if r["corpus"] == "math-verify"]
    st_impl = [r for r in results if r["corpus"] == "stack" and r["implemented"]]
    st_all = [r for r in results if r["corpus"] == "stack"]
    for name, rows in (
        ("math-verify short-answer", mv_short),
        ("math-verify all", mv_all),
        ("STACK implemented tests", st_impl),
        ("STACK all convertible", st_all),
    ):
        ours = _agree([r for r in rows if "ours" in r], "ours")
        mvr = _agree(rows, "mv") if use_mv else (float("nan"), 0, 0)
        s[name] = {"ours": ours, "math_verify": mvr, "rows": len(rows)}
    groups = defaultdict(list)
    for r in results:
        groups[(r["corpus"], r["group"])].append(r)
    for (corpus, g), rows in sorted(groups.items()):
        ours = _agree([r for r in rows if "ours" in r], "ours")
        mvr = _agree(rows, "mv") if use_mv else (float("nan"), 0, 0)
        s["groups"].append(
            {
                "corpus": corpus,
                "group": g,
                "rows": len(rows),
                "ours": ours,
                "math_verify": mvr,
                "implemented": any("ours" in r for r in rows),
            }
        )
    ours_t = [r["ours_s"] for r in results if "ours_s" in r]
    mv_t = [r["mv_s"] for r in results if "mv_s" in r]
    s["latency"] = {
        "ours": {
            "p50_ms": _pct(ours_t, 50) * 1e3,
            "p99_ms": _pct(ours_t, 99) * 1e3,
            "checks_per_s": len(ours_t) / sum(ours_t) if ours_t else 0,
            "n": len(ours_t),
        },
        "math_verify": {
            "p50_ms": _pct(mv_t, 50) * 1e3,
            "p99_ms": _pct(mv_t, 99) * 1e3,
            "checks_per_s": len(mv_t) / sum(mv_t) if mv_t else 0,
            "n": len(mv_t),
        },
    }
    return s


def pool_throughput(results: list[dict[str, Any]], threads: int) -> dict[str, Any]:
    from .pool import CheckerPool

    jobs = [
        (r["student"] if r["corpus"] == "stack" else r["student"], r["spec"])
        for r in results
        if "spec" in r
    ]
    if r_stack := [j for j in jobs]:
        jobs = r_stack
    pool = CheckerPool(size=max(2, min(os.cpu_count() or 2, 8)))
    pool.start()
    # wait until every worker is ready, so start-up is not counted
    for _ in range(pool.size * 2):
        pool.check("1", {"kind": "number", "key": ["1"]})
    lock = threading.Lock()
    idx = [0]
    codes: defaultdict[str, int] = defaultdict(int)

    def worker() -> None:
        while True:
            with lock:
                i = idx[0]
                idx[0] += 1
            if i >= len(jobs):
                return
            raw, spec = jobs[i]
            if spec.get("options", {}).get("extract"):
                spec = dict(spec)
            v = pool.check(
                raw if not spec.get("options", {}).get("extract") else raw[:100_000], spec
            )
            with lock:
                codes[v.code] += 1

    t = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for th in ts:
        th.start()
    for th in ts:
        th.join()
    dt = time.perf_counter() - t
    pool.close()
    return {
        "checks": len(jobs),
        "seconds": dt,
        "checks_per_s": len(jobs) / dt if dt else 0,
        "workers": pool.size,
        "threads": threads,
        "timeouts": codes.get("timeout", 0),
    }


def print_summary(s: dict[str, Any]) -> None:
    def fmt(a: tuple[float, int, int]) -> str:
        rate, ok, n = a
        return f"{rate * 100:6.1f}% ({ok}/{n})" if n else "     -"

    print("\nAgreement with the expected verdicts")
    print(f"{'set':32} {'rows':>5}  {'ours':>17}  {'math-verify':>17}")
    for name in (
        "math-verify short-answer",
        "math-verify all",
        "STACK implemented tests",
        "STACK all convertible",
    ):
        d = s[name]
        print(f"{name:32} {d['rows']:5d}  {fmt(d['ours']):>17}  {fmt(d['math_verify']):>17}")
    print("\nPer kind (math-verify corpus) and per answer test (STACK corpus)")
    print(f"{'corpus':12} {'group':24} {'rows':>5}  {'ours':>17}  {'math-verify':>17}")
    for g in s["groups"]:
        ours = fmt(g["ours"]) if g["implemented"] else "  not implemented"
        print(
            f"{g['corpus']:12} {g['group']:24} {g['rows']:5d}  {ours:>17}  {fmt(g['math_verify']):>17}"
        )
    ok, n = s.get("math_verify_recorded_short", (0, 0))
    if n:
        print(
            f"(math-verify's verdicts recorded in the corpus agree on {ok}/{n} short-answer rows; "
            f"{s.get('math_verify_timeouts', 0)} math-verify calls were killed after 10 s)"
        )
    lo, lm = s["latency"]["ours"], s["latency"]["math_verify"]
    print("\nLatency per check (in process)")
    print(f"{'':14} {'p50 ms':>8} {'p99 ms':>8} {'checks/s':>9}")
    print(f"{'ours':14} {lo['p50_ms']:8.2f} {lo['p99_ms']:8.2f} {lo['checks_per_s']:9.0f}")
    if lm["n"]:
        print(
            f"{'math-verify':14} {lm['p50_ms']:8.2f} {lm['p99_ms']:8.2f} {lm['checks_per_s']:9.0f}"
        )
    p = s.get("pool")
    if p:
        print(
            f"\nThrough the pool: {p['checks_per_s']:.0f} checks/s ({p['checks']} checks, "
            f"{p['workers']} workers, {p['threads']} client threads, {p['timeouts']} timeouts)"
        )
    kf = s.get("stack_known_failures") or {}
    if kf.get("rows"):
        print(
            f"STACK's known failures (STACK marks these wrongly): ours gives the mathematically right "
            f"verdict on {kf['ours_right']}/{kf['rows']} convertible rows of the tests we implement"
        )
    print(f"\nDisagreements: {s['disagreements_file']}")


def make_plot(results: list[dict[str, Any]], out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours = [r["ours_s"] * 1e3 for r in results if "ours_s" in r]
    mv = [r["mv_s"] * 1e3 for r in results if "mv_s" in r]
    fig, ax = plt.subplots(figsize=(7, 4))
    bins = [10 ** (i / 10) for i in range(-20, 41)]
    ax.hist(ours, bins=bins, alpha=0.6, label=f"ours (p50 {statistics.median(ours):.2f} ms)")
    if mv:
        ax.hist(mv, bins=bins, alpha=0.6, label=f"math-verify (p50 {statistics.median(mv):.2f} ms)")
    ax.set_xscale("log")
    ax.set_xlabel("ms per check")
    ax.set_ylabel("checks")
    ax.legend()
    ax.set_title("Answer checking latency over the corpora")
    path = out / "answers-latency.png"
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=os.environ.get("ANSWERS_DATA", str(DEFAULT_DATA)))
    ap.add_argument("--out", default="bench-out")
    ap.add_argument("--no-mv", action="store_true", help="skip math-verify")
    ap.add_argument("--pool-threads", type=int, default=8)
    ap.add_argument("--plot", action="store_true", help="write a latency histogram PNG")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    a = ap.parse_args(argv)
    data = Path(a.data)
    if not (data / "math_verify_cases.jsonl").exists():
        print(f"no corpora at {data} (set --data or ANSWERS_DATA)", file=sys.stderr)
        return 2
    s = run(
        data,
        Path(a.out),
        use_mv=not a.no_mv,
        pool_threads=a.pool_threads,
        plot=a.plot,
        quiet=a.json,
    )
    if a.json:
        print(json.dumps(s, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
