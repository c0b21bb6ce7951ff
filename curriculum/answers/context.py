"""What the kind checkers share: the check context, the "specific wrong answer" signal,
tolerances and numeric equality, and the small tree helpers (``x = 3`` read as ``3``, ``±``
expanded, values listed).

This is the public home of these pieces; ``checker.py`` only dispatches, and the modules
for each kind (expressions, numbers, equations, inequalities, sets and lists) import from
here, never from each other's private names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import sympy as sp

from .compare import SYMPY_ERRORS, equivalent, to_mp
from .convert import Converter, NotAnExpression
from .errors import ParseError
from .inputs import EXTRACT_MAX_LENGTH, MAX_LENGTH
from .lexer import ParseOptions
from .nodes import Node, replace_subtree, to_text, walk
from .spec import AnswerSpec

DEFAULT_REL_TOL = 1e-6


class Wrong(Exception):
    """Raised inside a kind checker to return a specific verdict."""

    def __init__(
        self, code: str, feedback: str | None = None, score: float = 0.0, **details: Any
    ) -> None:
        super().__init__(code)
        self.code = code
        self.feedback = feedback
        self.score = score
        self.details = details


class Ctx:
    """One side's context: the spec, a converter to SymPy, and notes for the student."""

    def __init__(self, spec: AnswerSpec) -> None:
        self.spec = spec
        self.conv = Converter(log_base=spec.opt("log_base", "e"))
        self.notes: list[str] = []

    def value(self, node: Node) -> Any:
        return self.conv.conv(node)


def parse_options(spec: AnswerSpec, for_key: bool = False) -> ParseOptions:
    """How to read answers (or, with ``for_key``, the keys) of this spec."""
    kind = spec.kind
    variables = tuple(spec.opt("variables", ()) or ())
    var = spec.opt("var")
    if var and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", var) and var not in variables:
        variables = variables + (var,)
    return ParseOptions(
        variables=variables,
        number_grouping=spec.opt("number_grouping", kind == "number"),
        decimal_comma=spec.opt("decimal_comma", False),
        mixed_numbers=spec.opt("mixed_numbers", True),
        max_length=EXTRACT_MAX_LENGTH if for_key else spec.opt("max_length", MAX_LENGTH),
    )


# ---------------------------------------------------------------- tolerance, numbers
def tolerance(spec: AnswerSpec) -> dict[str, float] | None:
    t = spec.opt("tolerance")
    if t is None:
        return None
    if isinstance(t, (int, float)):
        return {"rel": float(t), "abs": 0.0}
    return {"rel": float(t.get("rel", 0.0)), "abs": float(t.get("abs", 0.0))}


def num_equal(s: Any, k: Any, tol: dict[str, float] | None) -> bool:
    """Two values equal: exactly, or within the spec's tolerance (a default relative 1e-6
    for plain numbers when the spec gives none). Compared with arbitrary precision, so a
    value too large or too small for floating point never passes for a finite key."""
    if tol is None:
        if s.free_symbols or k.free_symbols:
            return equivalent(s, k)
        if equivalent(s, k):
            return True
        fs, fk = to_mp(s), to_mp(k)
        if fs is None or fk is None:
            return False
        return bool(abs(fs - fk) <= DEFAULT_REL_TOL * abs(fk))
    fs, fk = to_mp(s), to_mp(k)
    if fs is None or fk is None or fs.imag or fk.imag:
        return equivalent(s, k)
    return bool(abs(fs - fk) <= max(tol["abs"], tol["rel"] * abs(fk)) * (1 + 1e-12))


def match_unordered(
    svals: list[Any], kvals: list[Any], eq: Callable[..., bool] | None = None
) -> int:
    """How many of ``svals`` pair off with distinct ``kvals``."""
    eq = eq or equivalent
    used = [False] * len(kvals)
    n = 0
    for s in svals:
        for j, k in enumerate(kvals):
            if not used[j] and eq(s, k):
                used[j] = True
                n += 1
                break
    return n


def free_names(v: Any) -> set[str]:
    try:
        return {s.name for s in v.free_symbols}
    except AttributeError:
        return set()


def fmt(v: Any) -> str:
    try:
        text: str = sp.sstr(v)
        return text
    except SYMPY_ERRORS:  # pragma: no cover - printing only
        return str(v)


def expr_value(node: Node, ctx: Ctx, what: str = "a single expression") -> Any:
    """The SymPy value of a node, or a wrong_type verdict when it is not an expression."""
    try:
        return ctx.value(node)
    except NotAnExpression:
        raise Wrong("wrong_type", f"Your answer should be {what}.") from None


# ---------------------------------------------------------------- tree helpers
def is_symbolish(n: Node) -> bool:
    """A left side that only names the answer: y, f(x), |AB|, V_1:V_2, (p, q), NO/BO."""
    if n.op in ("sym", "func", "abs"):
        return True
    if n.op in ("imul", "mul", "div", "tuple"):
        return all(is_symbolish(a) for a in n.args)
    return False


def value_node(node: Node, spec: AnswerSpec, notes: list[str]) -> Node:
    """``x = 3`` -> ``3`` when the left side just names the answer (and chains a = b = c -> c)."""
    if (
        node.op == "rel"
        and all(o == "=" for o in node.value)
        and spec.opt("allow_value_for_equation", True)
    ):
        lhs = node.args[0]
        if is_symbolish(lhs) or len(node.args) > 2 or spec.opt("extract"):
            notes.append(f"we took the value after '=': {to_text(node.args[-1])}")
            return node.args[-1]
    if (
        node.op == "seq"
        and spec.opt("allow_value_for_equation", True)
        and all(a.op == "rel" and a.value == ("=",) and is_symbolish(a.args[0]) for a in node.args)
        and len({to_text(a.args[0]) for a in node.args}) == len(node.args) > 1
    ):
        # p = 5, q = 2 is the point (5, 2)
        return Node("tuple", tuple(a.args[1] for a in node.args))
    return node


def unwrap(node: Node) -> Node:
    """A matrix written inside brackets, (matrix), is the matrix."""
    while (
        node.op in ("list", "tuple", "set") and len(node.args) == 1 and node.args[0].op == "matrix"
    ):
        node = node.args[0]
    return node


def has_op(node: Node, ops: Iterable[str]) -> bool:
    return any(n.op in ops for n in walk(node))


def expand_pm(node: Node) -> list[Node]:
    """Replace ± by both signs: a list of alternatives (at most 16)."""
    found = next((n for n in walk(node) if n.op in ("pm", "upm")), None)
    if found is None:
        return [node]
    if found.op == "pm":
        plus = Node("add", found.args)
        minus = Node("sub", found.args)
    else:
        plus = found.args[0]
        minus = Node("neg", found.args)
    out: list[Node] = []
    for rep in (plus, minus):
        out.extend(expand_pm(replace_subtree(node, found, rep)))
        if len(out) > 16:
            raise ParseError("Your answer has too many ± signs.", code="too_complex")
    return out


def value_list(node: Node) -> list[Node] | None:
    """The values of a list of answers (``2, -3``, ``{2, -3}``, ``2 or -3``), or None when an
    entry is not a plain value (an equation, an interval, ...)."""
    if node.op in ("seq", "set", "list", "or", "tuple"):
        out = []
        for a in node.args:
            sub = value_list(a)
            if sub is None:
                return None
            out.extend(sub)
        return out
    if node.op in ("rel", "interval", "union", "special", "matrix"):
        return None
    return [node]


# Answers that are not a single value (for "your answer should be ..., not ...").
NOT_SINGLE_VALUE = (
    "rel",
    "set",
    "list",
    "tuple",
    "interval",
    "seq",
    "or",
    "and",
    "union",
    "special",
)


def describe(node: Node) -> str:
    """What the student typed, in words."""
    return {
        "rel": "an equation or inequality",
        "set": "a set",
        "list": "a list",
        "tuple": "a list",
        "interval": "an interval",
        "seq": "a list",
        "or": "several answers",
        "and": "several answers",
        "union": "a union of intervals",
        "special": to_text(node),
        "matrix": "a matrix",
    }.get(node.op, "this")
