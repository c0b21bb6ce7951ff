"""Correcting a miscopied number in a step: the CAS as the tutor's careful copyist.

A small model chooses the right operation far more often than it copies every number of the
previous line correctly: "Subtract $8x$ from both sides ($-12x - 8x = -20x$): $-20x + 9 = 142$"
should carry the 209 of $-12x + 9 = 8x + 209$ over unchanged. CALC results are already computed by
the engine; the numbers a step merely carries over are not. When a step line fails its check,
:func:`repair_step` works out what the line's own operation gives (for the operations whose effect
is fixed by the phrase: adding, subtracting, multiplying or dividing both sides; multiplying one
equation of a system; adding or subtracting the equations) and, when exactly one number written in
a side of the STATE differs from that, writes the right number in its place. The corrected line
must then pass the ordinary :class:`~inference.steps.check.LineChecker`; anything else (a wrong
operation, a missing term, a wrong CALC) is left to the engine's retry.

Pure Python + SymPy (no Django, no torch).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from curriculum.answers.nodes import Node

from .calc import calc_value
from .check import LineChecker, split_line
from .plans import DISTRIBUTE_PHRASE, ONE_EQUATION_PHRASE, distribute_line, term_of
from .problems import ProblemState, is_plain, parse_math, plain_relations, plain_value
from .render import decimals_for, is_terminating, latex_result, latex_sum

__all__ = ["repair_step"]

_BOTH_SIDES = re.compile(
    r"^(?:(?P<addsub>Add|Subtract)\s+\$(?P<term>[^$]+)\$\s+(?:to|from)\s+both\s+sides"
    r"|(?P<muldiv>Multiply|Divide)\s+both\s+sides\s+by\s+\$(?P<factor>[^$]+)\$)"
)
_ADD_EQUATIONS = re.compile(r"^Add\s+the\s+equations\b")
_SUBTRACT_EQUATIONS = re.compile(r"^Subtract\s+the\s+second\s+equation\s+from\s+the\s+first\b")
_GROUP = re.compile(r"^Group like terms$")
_COMBINE = re.compile(r"^Combine (?:the \$(?P<letter>[a-zA-Z])\$ terms|the constants)$")
_AND = r" \text{ and } "
# One relation operator of a state (longest spellings first).
_REL = re.compile(r"\\leq|\\geq|\\le|\\ge|\\lt|\\gt|<|>|=")
# A number standing alone in a side (not a coefficient, exponent or part of a \frac).
_MAX_VARIANTS = 40  # candidate CALC corrections tried per line
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LITERAL = re.compile(r"(?<![\w.{}^\\])\d+(?:\.\d+)?(?![\w.{}^(\\])")


@dataclass(frozen=True)
class _Side:
    start: int  # offset of the side's text in the state
    text: str


def _expected(phrase: str, previous: list[sp.Rel]) -> list[tuple[sp.Expr, sp.Expr]] | None:
    """(lhs, rhs) of each relation the phrase's operation gives from the previous state."""
    m = _BOTH_SIDES.match(phrase)
    if m and len(previous) == 1:
        lhs, rhs = previous[0].lhs, previous[0].rhs
        operand = plain_value(m["term"] or m["factor"])
        if operand is None:
            return None
        if m["addsub"] == "Add":
            return [(lhs + operand, rhs + operand)]
        if m["addsub"] == "Subtract":
            return [(lhs - operand, rhs - operand)]
        if operand == 0:
            return None
        if m["muldiv"] == "Multiply":
            return [(lhs * operand, rhs * operand)]
        return [(lhs / operand, rhs / operand)]
    if len(previous) != 2:
        return None
    (a, b), (c, d) = ((r.lhs, r.rhs) for r in previous)
    m = ONE_EQUATION_PHRASE.match(phrase)
    if m:
        k = plain_value(m["k"])
        if k is None or k == 0:
            return None
        return [(a * k, b * k), (c, d)] if m["which"] == "first" else [(a, b), (c * k, d * k)]
    if _ADD_EQUATIONS.match(phrase):
        return [(a + c, b + d)]
    if _SUBTRACT_EQUATIONS.match(phrase):
        return [(a - c, b - d)]
    return None


def _sides(state: str) -> list[tuple[_Side, _Side]] | None:
    """The (left, right) texts of each relation of a state, with their offsets."""
    out, offset = [], 0
    for piece in state.split(_AND):
        ops = list(_REL.finditer(piece))
        if len(ops) != 1:
            return None
        op = ops[0]
        out.append(
            (_Side(offset, piece[: op.start()]), _Side(offset + op.end(), piece[op.end() :]))
        )
        offset += len(piece) + len(_AND)
    return out


def _number_text(v: sp.Rational, decimals: bool) -> str | None:
    if v.is_Integer:
        return str(int(v))
    if decimals and is_terminating(v):
        p, q = int(v.p), int(v.q)
        digits = 0
        while q % 10**digits:
            digits += 1
        return f"{sp.Rational(p, q).evalf(digits + len(str(abs(p))) + 2)}".rstrip("0").rstrip(".")
    return None


def _fixed_side(side: str, want: sp.Expr, decimals: bool, seen: set[str]) -> str | None:
    """``side`` if its value is ``want``; else ``side`` with the one number that makes it so,
    provided the line's CALCs or the previous state show that number (a correction never brings
    in a number the student cannot trace); else None."""
    got = plain_value(side)
    if got is None:
        return None
    if sp.expand(got - want) == 0:
        return side
    fixes = []
    for lit in _LITERAL.finditer(side):
        with_zero = plain_value(side[: lit.start()] + "0" + side[lit.end() :])
        with_one = plain_value(side[: lit.start()] + "1" + side[lit.end() :])
        if with_zero is None or with_one is None:
            continue
        slope = sp.expand(with_one - with_zero)
        if slope not in (1, -1):
            continue
        v = sp.expand((want - with_zero) / slope)
        if not v.is_Rational or v < 0:
            continue
        text = _number_text(v, decimals)
        if text is not None and text in seen:
            fixes.append(side[: lit.start()] + text + side[lit.end() :])
    return fixes[0] if len(fixes) == 1 else None


def _state_repaired(problem: ProblemState, previous_state: str, line: str) -> str | None:
    """``line`` with its STATE's miscopied numbers corrected (see :func:`repair_step`)."""
    parts = split_line(line)
    if parts.kind != "step" or parts.error or not parts.state:
        return None
    previous = plain_relations(previous_state)
    expected = _expected(parts.phrase, previous) if previous else None
    sides = _sides(parts.state)
    if expected is None or sides is None or len(sides) != len(expected):
        return None
    # The numbers a correction may bring in: CALC results and the previous state's numbers.
    seen = set(_NUMBER.findall(previous_state))
    for calc in parts.calcs:
        seen.update(_NUMBER.findall(calc.rsplit("=", 1)[-1]))
    state = parts.state
    edits: list[tuple[_Side, str]] = []
    for (left, right), (want_left, want_right) in zip(sides, expected, strict=True):
        new_left = _fixed_side(left.text, want_left, problem.decimals, seen)
        new_right = _fixed_side(right.text, want_right, problem.decimals, seen)
        if new_left is None or new_right is None:
            return None
        edits += [(left, new_left), (right, new_right)]
    # Right to left, so earlier offsets stay valid while later sides change.
    for side, text in sorted(edits, key=lambda e: -e[0].start):
        state = state[: side.start] + text + state[side.start + len(side.text) :]
    cut = line.rfind(parts.state)
    return line[:cut] + state + line[cut + len(parts.state) :]


def _calc_variants(previous_state: str, line: str) -> list[str]:
    """``line`` with one number of one CALC's LEFT replaced by a number of the previous state,
    the RESULT worked out again: the CALC that copied its operand wrong, set right."""
    parts = split_line(line)
    sources = list(dict.fromkeys(_NUMBER.findall(previous_state)))
    out: list[str] = []
    for calc in parts.calcs:
        if "=" not in calc:
            continue
        left = calc.rsplit("=", 1)[0].rstrip()
        at = line.find(f"${calc}$")
        if at < 0:
            continue
        for lit in _LITERAL.finditer(left):
            for number in sources:
                if number == lit.group():
                    continue
                new_left = left[: lit.start()] + number + left[lit.end() :]
                got = calc_value(new_left)
                if got is None:
                    continue
                new_calc = f"{new_left} = {latex_result(got[0], decimals=got[1])}"
                out.append(line[: at + 1] + new_calc + line[at + 1 + len(calc) :])
                if len(out) >= _MAX_VARIANTS:
                    return out
    return out


def _terms(latex: str) -> list[tuple[sp.Rational, str]] | None:
    """The signed terms of a flat sum ``9x + 5y - 7 - 7x`` as (coefficient, letter or "")."""
    node = parse_math(latex)
    if node is None or not is_plain(node) or node.op == "rel":
        return None
    out: list[tuple[sp.Rational, str]] = []

    def collect(n: Node, sign: int) -> bool:
        if n.op in ("add", "sub") and not n.paren:
            return collect(n.args[0], sign) and collect(n.args[1], -sign if n.op == "sub" else sign)
        if n.op == "neg" and not n.paren:
            return collect(n.args[0], -sign)
        term = term_of(n)
        if term is None:
            return False
        out.append((sign * term[0], term[1]))
        return True

    return out if collect(node, 1) else None


def _like_terms_line(problem: ProblemState, previous_state: str, line: str) -> str | None:
    """A "Group like terms" or "Combine the $x$ terms" line written out by the CAS from the
    previous state (the operation fixes every term of it), as the training data writes it."""
    parts = split_line(line)
    group, combine = _GROUP.match(parts.phrase), _COMBINE.match(parts.phrase)
    if parts.kind != "step" or not (group or combine):
        return None
    terms = _terms(previous_state)
    if not terms:
        return None
    if group:
        letters = sorted({m for _, m in terms}, key=lambda m: (m == "", m))
        grouped = [t for g in letters for t in terms if t[1] == g]
        if grouped == terms:
            return None
        return f"Group like terms: ${latex_sum(grouped)}$."
    assert combine is not None  # not a "Group like terms" line: the "Combine" rule matched
    letter = combine["letter"] or ""
    members = [t for t in terms if t[1] == letter]
    if len(members) < 2:
        return None
    left = latex_sum(members)
    total = sum(c for c, _ in members)
    at = terms.index(members[0])
    rest = [t for t in terms if t[1] != letter]
    rest.insert(at, (total, letter))
    result = latex_sum([(total, letter)], decimals_for(left))
    return f"{combine.group(0)} (${left} = {result}$): ${latex_sum(rest)}$."


_DENOMINATOR = re.compile(r"^Write (?:both fractions|\$[^$]+\$) with denominator \$(?P<d>\d+)\$$")
_RECIPROCAL = re.compile(r"^Multiply by the reciprocal of \$[^$]+\$$")
_PRODUCT = "Multiply the numerators and the denominators"
_NUMERATORS = re.compile(r"^(?P<verb>Add|Subtract) the numerators$")


def _fraction(node: Node) -> tuple[int, int] | None:
    """(signed numerator, denominator) of a fraction written with whole numbers."""
    sign = 1
    while node.op == "neg":
        sign, node = -sign, node.args[0]
    if node.op == "num" and node.value.isdigit():
        return sign * int(node.value), 1
    if node.op != "div":
        return None
    top, bottom = node.args
    while top.op == "neg":  # -3/5 reads as (-3)/5
        sign, top = -sign, top.args[0]
    if top.op == "num" and top.value.isdigit() and bottom.op == "num" and bottom.value.isdigit():
        n, d = int(top.value), int(bottom.value)
        return (sign * n, d) if d > 0 else None
    return None


def _fraction_pair(latex: str) -> tuple[tuple[int, int], str, tuple[int, int]] | None:
    """``a/b OP c/d`` (OP one of + - \\cdot \\div) as written, or None."""
    node = parse_math(latex)
    if node is None or node.op not in ("add", "sub", "mul", "imul", "div") or node.paren:
        return None
    if node.op == "div" and _fraction(node) is not None:
        return None  # a single fraction
    first, second = (_fraction(a) for a in node.args)
    if first is None or second is None:
        return None
    op = {"add": "+", "sub": "-", "mul": "\\cdot", "imul": "\\cdot", "div": "\\div"}[node.op]
    return first, op, second


def _fr(n: int, d: int) -> str:
    if d == 1:
        return str(n)
    body = f"\\frac{{{abs(n)}}}{{{d}}}"
    return "-" + body if n < 0 else body


def _fraction_line(previous_state: str, line: str) -> str | None:
    """A fraction step whose every number the operation fixes ("Write both fractions with
    denominator $12$", "Multiply by the reciprocal of ...", "Multiply the numerators and the
    denominators", "Add the numerators"), written out by the CAS as the training data writes
    it; None for other lines."""
    phrase = split_line(line).phrase
    found: list[re.Pattern[str] | None]
    found = [rule for rule in (_DENOMINATOR, _RECIPROCAL, _NUMERATORS) if rule.match(phrase)] or (
        [None] if phrase == _PRODUCT else []
    )
    if not found:
        return None
    pair = _fraction_pair(previous_state)
    if pair is None:
        return ""
    (a, b), op, (c, d) = pair
    m = _DENOMINATOR.match(phrase)
    if m:
        lcd = int(m["d"])
        if op not in ("+", "-") or lcd % b or lcd % d:
            return ""
        na, nc = a * (lcd // b), c * (lcd // d)
        calcs = [f"${a} \\cdot {lcd // b} = {na}$"] if lcd != b else []
        calcs += [f"${c} \\cdot {lcd // d} = {nc}$"] if lcd != d else []
        if not calcs:
            return ""
        which = "both fractions" if len(calcs) == 2 else f"${_fr(a, b) if lcd != b else _fr(c, d)}$"
        return (
            f"Write {which} with denominator ${lcd}$ ({', '.join(calcs)}): "
            f"${_fr(na, lcd)} {op} {_fr(nc, lcd)}$."
        )
    if _RECIPROCAL.match(phrase):
        if op != "\\div" or c <= 0:
            return ""
        return f"Multiply by the reciprocal of ${_fr(c, d)}$: ${_fr(a, b)} \\cdot {_fr(d, c)}$."
    m = _NUMERATORS.match(phrase)
    if m:
        if b != d or op != {"Add": "+", "Subtract": "-"}[m["verb"]]:
            return ""
        total = a + c if op == "+" else a - c
        return f"{m['verb']} the numerators (${a} {op} {c} = {total}$): ${_fr(total, b)}$."
    if op != "\\cdot":
        return ""
    return (
        f"{_PRODUCT} (${a} \\cdot {c} = {a * c}$, ${b} \\cdot {d} = {b * d}$): "
        f"${_fr(a * c, b * d)}$."
    )


def repair_step(problem: ProblemState, previous_state: str, line: str) -> str | None:
    """``line`` with a miscopied number corrected, or None.

    "Group like terms" and "Combine the $x$ terms" lines, and the fraction steps whose
    numbers the operation fixes, are written out whole from the previous state. Otherwise first the STATE alone (a number carried over wrong); then, if that is not enough, one
    operand of one CALC replaced by a number of the previous state (the RESULT recomputed) and
    the STATE corrected to match. ``previous_state`` is the STATE (LaTeX) of the last accepted
    line, or the problem's start. A correction is returned only when it passes the line
    checker, and only when exactly one candidate does."""
    checker_ok = _passes(problem)
    written = _like_terms_line(problem, previous_state, line)
    if written is None:
        written = _fraction_line(previous_state, line)
    if written is None and DISTRIBUTE_PHRASE.match(split_line(line).phrase):
        written = distribute_line(problem, previous_state) or ""
    if written is not None:
        return written if written and written != line and checker_ok(written) else None
    fixed = _state_repaired(problem, previous_state, line)
    if fixed is not None and fixed != line and checker_ok(fixed):
        return fixed
    good = {
        fixed
        for variant in _calc_variants(previous_state, line)
        if (fixed := _state_repaired(problem, previous_state, variant)) and checker_ok(fixed)
    }
    return good.pop() if len(good) == 1 else None


def _passes(problem: ProblemState) -> Callable[[str], bool]:
    def ok(line: str) -> bool:
        verdict = LineChecker(problem).check_line(line)
        return verdict.ok and verdict.kind == "step"

    return ok
