"""Checking a student's working line by line (docs/work-checking.md).

    from curriculum.answers.steps import check_work
    r = check_work(["2x + 3 = 7", "2x = 10", "x = 5"], {"kind": "equation", "key": ["x = 2"]})
    r.first_error, r.lines[1].status, r.lines[1].malrule, r.final

The first line is the problem's start (given); each later line is compared with the last
line that could be read:

* ``ok``: it says the same (equal value; the same real solution set; for a system, it holds
  at the system's solution);
* ``one_way``: a valid step that may add solutions (squaring, multiplying by an expression
  that can be 0) or lose them (dividing by one), flagged with the reason;
* ``wrong``: it does not follow; the first such line is diagnosed from the catalogue of
  malrules (:mod:`.malrules`);
* ``unreadable``: not mathematics we can read (the reason), never a wrong verdict.

The last line is also checked against the key and the task with :func:`.checker.check_inline`.
Input limits are the answers' (:data:`.inputs.MAX_LENGTH` per line) plus :data:`MAX_LINES`.
Pure Python and SymPy; the pool runs it with a deadline (:meth:`.pool.CheckerPool.check_work`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import sympy as sp

from .checker import check_inline
from .compare import SYMPY_ERRORS
from .context import parse_options
from .inputs import MAX_LENGTH, too_long_message
from .lexer import ParseOptions
from .malrules import Diagnosis, diagnose
from .nodes import Node, to_latex
from .spec import AnswerSpec
from .stepconcepts import exercised, of_error
from .worklines import (
    Reader,
    State,
    Unreadable,
    holds_at,
    same_state,
    set_points,
    system_solution,
)
from .workreport import LineVerdict, WorkReport, precheck_work

_EXPR_TASKS = ("compute", "lowest_terms", "simplify", "expand", "factor")


def check_work(lines: list[str], spec: AnswerSpec | dict[str, Any] | None = None) -> WorkReport:
    """Judge each line of a working (``lines[0]`` is the problem's start). Never raises on
    student input."""
    report = WorkReport()
    report.error = precheck_work(lines)
    if report.error:
        return report
    spec_obj = None
    if spec is not None:
        try:
            spec_obj = AnswerSpec.from_dict(spec)
        except (ValueError, TypeError) as e:
            report.error = f"The answer key could not be read ({e})."
            return report
    try:
        _check(lines, spec_obj, report)
    except (RecursionError, MemoryError, OverflowError):
        report.error = "This working is too large or too complex to check."
    if spec_obj is not None and not report.error:
        last = next((v for v in reversed(report.lines[1:]) if v.status != "blank"), None)
        if last is not None and last.status != "unreadable":
            text = last.text
            if report.mode == "expr" and "=" in text:
                text = text.rsplit("=", 1)[1]  # "= x^2 + 7x + 12", "a = b = c": the last form
            report.final = check_inline(text, spec_obj).to_dict()
    return report


def _options(spec: AnswerSpec | None) -> ParseOptions:
    if spec is None:
        return ParseOptions()
    o = parse_options(spec)
    return ParseOptions(**{**o.__dict__, "max_length": MAX_LENGTH, "number_grouping": False})


def _mode(node: Node, spec: AnswerSpec | None) -> tuple[str, sp.Symbol | None]:
    """ "expr", "rel" (one variable) or "system", and the variable of a "rel" working."""
    rels = node.op == "rel" or (
        node.op in ("and", "seq", "or", "list") and all(a.op == "rel" for a in node.args)
    )
    if not rels or (spec is not None and spec.opt("task") in _EXPR_TASKS):
        return "expr", None
    names: set[str] = set()
    for n in _walk(node):
        if n.op == "sym":
            names.add(n.value)
    var = spec.opt("var") if spec is not None else None
    if not var and spec is not None and len(spec.opt("variables") or ()) == 1:
        var = spec.opt("variables")[0]
    if node.op in ("and", "seq", "list") or len(names) > 1:
        return ("system", None) if not var or len(names) > 1 else ("rel", sp.Symbol(var))
    return "rel", sp.Symbol(var or (next(iter(names)) if names else "x"))


def _walk(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.args)


def _check(lines: list[str], spec: AnswerSpec | None, report: WorkReport) -> None:
    opts = _options(spec)
    start_text = lines[0] if lines else ""
    t0 = time.perf_counter()
    probe = Reader("rel", None, opts)
    try:
        start_node = probe.parse(start_text)
    except Unreadable as e:
        report.error = f"The problem's start could not be read: {e.message}"
        return
    mode, var = _mode(start_node, spec)
    report.mode = mode
    reader = Reader(mode, var, opts)
    try:
        prev = reader.state(start_node)
    except Unreadable as e:
        report.error = f"The problem's start could not be read: {e.message}"
        return
    if mode == "system":
        reader.start = start_node
        reader.solution = system_solution(prev)
    report.lines.append(LineVerdict(0, start_text, "given", latex=to_latex(start_node), ms=_ms(t0)))
    for i, text in enumerate(lines[1:], start=1):
        t0 = time.perf_counter()
        v = LineVerdict(i, text, "ok")
        if not text.strip():
            v.status = "blank"
        elif len(text) > MAX_LENGTH:
            v.status, v.code = "unreadable", "too_long"
            v.message = too_long_message(len(text), MAX_LENGTH, "This line")
        else:
            try:
                cur = reader.read(text)
                v.latex = to_latex(cur.node)
                _judge(reader, prev, cur, v)
                if v.status == "wrong" and report.first_error is None:
                    report.first_error = i
                    d = _diagnose(reader, prev, cur)
                    if d is not None:
                        v.malrule, v.where = d.code, d.where
                        v.message = f"{v.message} {d.message}".strip()
                        report.malrule = d.code
                        v.concepts = of_error(d.code, cur)
                elif v.status in ("ok", "one_way"):
                    v.concepts = _concepts(reader, prev, cur)
                prev = cur  # later lines are judged against this one, right or wrong
            except Unreadable as e:
                v.status, v.code, v.message = "unreadable", e.code, e.message
        v.ms = _ms(t0)
        report.lines.append(v)


def _concepts(reader: Reader, a: State, b: State) -> list[str]:
    """What a step that follows did (never fails the line: a surprise reads as nothing)."""
    try:
        return exercised(a, b, reader.var)
    except Exception:  # noqa: BLE001 - recognition is a bonus, the verdict stands without it
        return []


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 3)


def _diagnose(reader: Reader, prev: State, cur: State) -> Diagnosis | None:
    return diagnose(reader, prev, cur, lambda a, b: _follows(reader, a, b))


def _follows(reader: Reader, a: State, b: State) -> bool:
    """Line ``b`` says the same as line ``a`` (for systems: holds at the solution)."""
    if a.kind == "system" and b.kind == "system":
        sol = reader.solution
        if not sol:
            return False
        return holds_at(b, sol)
    return same_state(a, b)


def _judge(reader: Reader, a: State, b: State, v: LineVerdict) -> None:
    """Set the verdict of line ``b`` after line ``a``."""
    if a.kind == "expr":
        vals = [a.value] + b.parts
        for k in range(1, len(vals)):
            if not same_state(State("expr", b.node, value=vals[k - 1]), _expr(b, vals[k])):
                v.status, v.code = "wrong", "not_equal"
                v.message = "This is not equal to the line before."
                return
        v.code = "equivalent"
        return
    if a.kind == "system":
        if reader.solution is None:
            ok = same_state(a, b)
        else:
            ok = holds_at(b, reader.solution)
        if ok:
            v.code = "follows"
        else:
            v.status, v.code = "wrong", "not_following"
            v.message = "This does not follow from the equations before it."
        return
    sa, sb = a.set, b.set
    assert sa is not None and sb is not None  # a "rel" line always has its solution set
    if sa == sb:
        v.code = "equivalent"
        return
    added = not (sa - sb).pieces  # every solution of a solves b: b may have more
    lost = not (sb - sa).pieces
    if added and a.op == "=" and b.op == "=":
        why = _added_reason(reader, a, b)
        if why:
            v.status, v.code, v.message = "one_way", why[0], why[1]
            return
    if lost and a.op == "=" and b.op == "=":
        why = _lost_reason(reader, a, b)
        if why:
            v.status, v.code, v.message = "one_way", why[0], why[1]
            return
    v.status, v.code = "wrong", "not_following"
    v.message = "This does not follow from the line before."


def _expr(b: State, value: Any) -> State:
    return State("expr", b.node, value=value)


def _points_text(var: Any, pts: list[Any]) -> str:
    return " and ".join(f"{var} = {p}" for p in pts)


def _added_reason(reader: Reader, a: State, b: State) -> tuple[str, str] | None:
    """Why b may have more solutions than a: squared, or multiplied by an expression."""
    assert a.set is not None and b.set is not None  # "rel" lines
    extra = set_points(b.set - a.set) or []
    note = f" Check {_points_text(reader.var, extra)} in the original equation." if extra else ""
    fa, fb = a.lhs - a.rhs, b.lhs - b.rhs
    try:
        if (
            sp.cancel(sp.expand(fb - (a.lhs**2 - a.rhs**2))) == 0
            or sp.cancel(sp.expand(fb + (a.lhs**2 - a.rhs**2))) == 0
        ):
            return "squared", "You squared both sides: this can add solutions." + note
        g = sp.cancel(fb / fa)
    except SYMPY_ERRORS:
        return None
    if g.free_symbols:
        return (
            "multiplied",
            f"You multiplied by {g}, which can be 0: this can add solutions." + note,
        )
    return None


def _lost_reason(reader: Reader, a: State, b: State) -> tuple[str, str] | None:
    """Why b may have fewer solutions than a: divided by an expression that can be 0."""
    try:
        g = sp.cancel((a.lhs - a.rhs) / (b.lhs - b.rhs))
    except SYMPY_ERRORS:
        return None
    if not g.free_symbols or sp.denom(g).free_symbols:
        return None
    # only a common factor of two nonzero sides: x^2 = 3x over x, not x^2 = 9 over x + 3,
    # and not (x - 8)(x + 9) = 0 to x = 8 (a lost factor, not a division)
    try:
        if a.lhs == 0 or a.rhs == 0:
            return None
        if any(sp.denom(sp.cancel(side / g)).free_symbols for side in (a.lhs, a.rhs)):
            return None
    except SYMPY_ERRORS:
        return None
    assert a.set is not None and b.set is not None  # "rel" lines
    lost = set_points(a.set - b.set) or []
    return (
        "divided",
        f"You divided by {g}, which can be 0: this loses "
        f"{_points_text(reader.var, lost) or 'solutions'}. Solve {g} = 0 separately.",
    )
