"""A catalogue of common errors (malrules), used to explain the first line of a working that
does not follow from the line before it.

Each rule rewrites the previous line the wrong way (move a term without changing its sign,
multiply only the first term in brackets, add numerators and denominators, divide only one
side, ...) and asks whether the student's line says the same as the rewritten one; the
arithmetic slip looks for the one number in the student's line that, corrected, makes the
line follow. Rules are tried in the order of :data:`RULES`, the specific before the general.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import combinations, islice
from typing import Any

import sympy as sp

from .compare import SYMPY_ERRORS, sympy_gave_up
from .nodes import Node, replace_subtree, to_text
from .parsing import parse
from .worklines import (
    INEQUALITIES,
    REVERSE,
    SWAP,
    Reader,
    State,
    Unreadable,
    literals,
    same_relation,
    set_points,
)

# A line that cannot be read, or a SymPy routine that gives up: the rule does not apply.
_UNREADABLE: tuple[type[BaseException], ...] = (Unreadable, *SYMPY_ERRORS)
_UNREADABLE_OR_DEEP: tuple[type[BaseException], ...] = (*_UNREADABLE, RecursionError)

HOLE = "zzhole"  # a name no line uses: the place of a rewritten part
MAX_CANDIDATES = 12  # terms, brackets or sums tried per rule: diagnosis time stays bounded

MESSAGES = {
    "sign_move": "Sign error: a term that moves to the other side changes its sign.",
    "distribute_one_term": "The factor in front of the brackets must multiply every term inside.",
    "add_fractions": "Fractions are not added by adding the tops and the bottoms: use a "
    "common denominator first.",
    "divide_one_side": "Whatever you divide (or multiply) by, do it to both whole sides.",
    "divide_one_term": "Divide (or multiply) every term on both sides, not only some of them.",
    "inequality_not_reversed": "Multiplying or dividing an inequality by a negative number "
    "reverses the sign.",
    "inequality_reversed_wrongly": "The inequality sign only reverses when you multiply or "
    "divide by a negative number.",
    "dropped_solution": "A solution of the previous line is lost on this line.",
    "order_of_operations": "Multiply and divide before you add and subtract.",
    "term_sign": "One term has the wrong sign (collecting terms, or factoring).",
    "arithmetic_slip": "An arithmetic slip: one number in this line is wrong.",
}
CODES = tuple(MESSAGES)


@dataclass
class Diagnosis:
    """The malrule that explains a wrong line: its code, a message for the student, and
    where (the term, bracket or number concerned)."""

    code: str
    message: str
    where: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "where": self.where}


Follows = Callable[[State, State], bool]


# ---------------------------------------------------------------- tree helpers


def signed_terms(node: Node) -> list[tuple[int, Node]]:
    """The terms of a sum as written, with their signs (a bracket is one term)."""
    if node.op == "add" and not node.paren:
        return signed_terms(node.args[0]) + signed_terms(node.args[1])
    if node.op == "sub" and not node.paren:
        return signed_terms(node.args[0]) + [(-s, t) for s, t in signed_terms(node.args[1])]
    if node.op == "neg" and not node.paren and node.args[0].op not in ("add", "sub"):
        return [(-s, t) for s, t in signed_terms(node.args[0])]
    return [(1, node)]


def _sum_terms(node: Node) -> list[tuple[int, Node]]:
    """Terms inside a bracket (its own sum, brackets ignored at the top)."""
    inner = Node(node.op, node.args, node.value, False)
    return signed_terms(inner)


def state_body(st: State) -> Node:
    """The node the rules rewrite: an expression chain's last part, else the line."""
    if st.kind == "expr" and st.node.op == "rel":
        return st.node.args[-1]
    return st.node


def single_relation(st: State) -> bool:
    return st.node.op == "rel" and len(st.node.value) == 1 and st.op != ""


class _Ctx:
    def __init__(self, reader: Reader, a: State, b: State, follows: Follows):
        self.reader, self.a, self.b, self.follows = reader, a, b, follows
        self.hole = reader.conv.symbol(HOLE)

    def with_hole(self, target: Node, value: Any) -> bool:
        """The previous line with ``target`` replaced by ``value`` says what line b says."""
        body = state_body(self.a)
        holed = replace_subtree(body, target, Node("sym", (), HOLE))
        rv = self.reader
        try:
            if self.a.kind == "expr":
                v = rv.value(holed).xreplace({self.hole: value})
                return self.b.kind == "expr" and _equal(v, self.b.value)
            if not single_relation(self.a):
                return False
            lhs = rv.value(holed.args[0]).xreplace({self.hole: value})
            rhs = rv.value(holed.args[1]).xreplace({self.hole: value})
            return same_relation(self.a.op, lhs, rhs, self.b, rv.var)
        except _UNREADABLE:
            return False

    def value(self, node: Node) -> Any:
        return self.reader.value(node)


def _equal(a: Any, b: Any) -> bool:
    try:
        d = sp.expand(a - b)
        return bool(d == 0 or sp.cancel(d) == 0)
    except SYMPY_ERRORS:
        return False


# ---------------------------------------------------------------- the rules
def inequality_direction(c: _Ctx) -> Diagnosis | None:
    a, b = c.a, c.b
    if (
        not (single_relation(a) and single_relation(b))
        or a.op not in INEQUALITIES
        or b.op not in INEQUALITIES
    ):
        return None
    flipped = REVERSE[b.op]
    if not same_relation(flipped, b.lhs, b.rhs, a, c.reader.var):
        return None
    var = c.reader.var
    # read both with x's side first (-48 > 6x is 6x < -48): did x's coefficient change sign?
    ka, opa = var_side(a, var)
    kb, opb = var_side(b, var)
    if ka != 0 and kb != 0 and (kb / ka) < 0 and opb == opa:
        return Diagnosis(
            "inequality_not_reversed",
            f"You multiplied or divided by a negative number ({ka / kb}) but kept the sign "
            f"{b.op}: reverse it to {flipped}.",
            where=b.op,
        )
    return Diagnosis(
        "inequality_reversed_wrongly",
        f"You reversed the inequality sign, but this step does not multiply or divide by a "
        f"negative number: keep {flipped}.",
        where=b.op,
    )


def sign_move(c: _Ctx) -> Diagnosis | None:
    a, b = c.a, c.b
    if single_relation(a) and a.kind != "expr":
        for side in (0, 1):
            terms = signed_terms(a.node.args[side])
            if not 2 <= len(terms) <= MAX_CANDIDATES:
                continue  # a side's only term is not "moved"; a huge sum is not diagnosed
            for s, t in terms:
                try:
                    tv = s * c.value(t)
                except _UNREADABLE:
                    continue
                # moved without changing sign: the other side gets +t instead of -t
                delta = 2 * tv if side == 0 else -2 * tv
                ops = [a.op] + ([REVERSE[a.op]] if a.op in REVERSE else [])
                for op in ops:
                    if same_relation(op, a.lhs, a.rhs + delta, b, c.reader.var):
                        return Diagnosis(
                            "sign_move",
                            f"Sign error: {tv} moved to the other side without changing its "
                            f"sign (it becomes {-tv} there).",
                            where=str(tv),
                        )
    # (x + 3)(x - 2) = 0 to x = 3 or x = -2: each root with the wrong sign
    if a.kind == "rel" and b.kind == "rel" and a.set is not None and b.set is not None:
        pa, pb = set_points(a.set), set_points(b.set)
        if pa and pb and len(pa) == len(pb) >= 2 and any(p != 0 for p in pa):
            if sorted(-p for p in pa) == sorted(pb):
                return Diagnosis(
                    "sign_move",
                    "Sign error: each solution has the wrong sign. From x + 3 = 0 the 3 "
                    "changes sign: x = -3.",
                    where=", ".join(str(p) for p in pb),
                )
    return None


def distribute_one_term(c: _Ctx) -> Diagnosis | None:
    for n, factor, bracket in islice(products_in(state_body(c.a)), MAX_CANDIDATES):
        terms = _sum_terms(bracket)
        if len(terms) < 2:
            continue
        try:
            f = c.value(factor) if factor is not None else sp.Integer(-1)
            vals = [s * c.value(t) for s, t in terms]
        except _UNREADABLE:
            continue
        for k in range(len(vals)):
            rest = sum(v for j, v in enumerate(vals) if j != k)
            # a - c(u + v) read as a - cu + v too: the minus in front belongs to the factor
            if not any(c.with_hole(n, f * vals[k] + sign * rest) for sign in (1, -1)):
                continue
            if factor is None:
                msg = (
                    f"The minus sign in front of ({to_text(bracket)}) changes the sign of "
                    "every term inside it."
                )
            else:
                msg = (
                    f"{to_text(factor)} must multiply every term of ({to_text(bracket)}), "
                    f"not only {to_text(terms[k][1])}."
                )
            return Diagnosis("distribute_one_term", msg, where=to_text(n))
    return None


def products_in(node: Node) -> Iterator[tuple[Node, Node | None, Node]]:
    """(the product, its factor, the bracket) for c(u + v), (u + v)c, -(u + v), a - (u + v)."""
    stack = [node]
    while stack:
        n = stack.pop()
        stack.extend(n.args)
        if n.op in ("mul", "imul"):
            x, y = n.args
            if y.op in ("add", "sub") and y.paren:
                yield n, x, y
            elif x.op in ("add", "sub") and x.paren:
                yield n, y, x
        elif n.op == "neg" and n.args[0].op in ("add", "sub"):
            yield n, None, n.args[0]
        elif n.op == "sub" and n.args[1].op in ("add", "sub") and n.args[1].paren:
            # a - (u + v): the minus is a factor -1 of the bracket
            yield n.args[1], None, n.args[1]


def add_fractions(c: _Ctx) -> Diagnosis | None:
    sums = (
        n
        for n in walk_nodes(state_body(c.a))
        if n.op in ("add", "sub") and n.args[0].op == "div" and n.args[1].op == "div"
    )
    for n in islice(sums, MAX_CANDIDATES):
        x, y = n.args
        try:
            a1, b1 = c.value(x.args[0]), c.value(x.args[1])
            a2, b2 = c.value(y.args[0]), c.value(y.args[1])
        except _UNREADABLE:
            continue
        sign = 1 if n.op == "add" else -1
        cands = [(a1 + sign * a2) / (b1 + sign * b2), (a1 + sign * a2) / (b1 + b2)]
        for wrong in cands:
            if wrong.has(sp.zoo, sp.nan):
                continue
            if c.with_hole(n, wrong):
                return Diagnosis(
                    "add_fractions",
                    f"{to_text(n)} is not {to_text(x.args[0])} {'+' if sign > 0 else '-'} "
                    f"{to_text(y.args[0])} over {to_text(x.args[1])} + {to_text(y.args[1])}: "
                    "write both fractions over a common denominator, then add the tops.",
                    where=to_text(n),
                )
    return None


def walk_nodes(node: Node) -> Iterator[Node]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.args))


_OPS = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "imul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
}


def infix_terms(node: Node) -> list[Any]:
    """The operands and operators of an unbracketed chain, in reading order."""
    if node.op in _OPS and not node.paren:
        return infix_terms(node.args[0]) + [node.op] + infix_terms(node.args[1])
    return [node]


def order_of_operations(c: _Ctx) -> Diagnosis | None:
    a, b = c.a, c.b
    if a.kind != "expr" or b.kind != "expr":
        return None
    seq = infix_terms(state_body(a))
    ops = seq[1::2]
    if not any(o in ("add", "sub") for o in ops) or not any(o not in ("add", "sub") for o in ops):
        return None  # only one level of operations: the order cannot be wrong
    try:
        v = c.value(seq[0])
        for op, operand in zip(ops, seq[2::2], strict=True):
            v = _OPS[op](v, c.value(operand))
    except _UNREADABLE:  # ZeroDivisionError is an ArithmeticError, among them
        return None
    if v.has(sp.zoo, sp.nan) or _equal(v, a.value) or not _equal(v, b.value):
        return None
    return Diagnosis(
        "order_of_operations",
        "You worked from left to right: multiply and divide before you add and subtract.",
        where=to_text(state_body(a)),
    )


def term_sign(c: _Ctx) -> Diagnosis | None:
    """3x + 4 - 5x + 2 to 8x + 6: one term of an expression taken with the wrong sign
    (in an equation the same slip reads as moving a term: :func:`sign_move`)."""
    a, b = c.a, c.b
    if a.kind != "expr" or b.kind != "expr":
        return None
    terms = signed_terms(state_body(a))
    if not 2 <= len(terms) <= MAX_CANDIDATES:
        return None
    for s, t in terms:
        try:
            tv = s * c.value(t)
        except _UNREADABLE:
            continue
        if _equal(a.value - 2 * tv, b.value):
            return Diagnosis(
                "term_sign",
                f"Sign error: this line has {-tv} where the line before has {tv}.",
                where=str(tv),
            )
    return None


def divide_one(c: _Ctx) -> Diagnosis | None:
    a, b = c.a, c.b
    if not (single_relation(a) and single_relation(b)):
        return None
    var = _pivot(a, b)
    if var is None:
        return None
    ka, _ = var_side(a, var)
    kb, _ = var_side(b, var)
    if ka == 0 or kb not in (1, -1):
        return None  # the student meant to leave x alone: divided by its coefficient
    try:  # the terms as written: 20 - 5 is two terms, not 15
        terms = [(i, sg * c.value(t)) for i in (0, 1) for sg, t in signed_terms(a.node.args[i])]
    except _UNREADABLE:
        return None
    terms = [(i, t) for i, t in terms if t != 0]
    if sum(1 for _, t in terms if t.has(var)) != 1:
        return None  # x on both sides: collect it first; dividing is not the step
    factors = {ka / kb}
    if len(terms) > 6:
        return None
    for k in factors:
        if k in (0, 1, -1) or k.free_symbols:
            continue
        for size in range(1, len(terms)):
            for chosen in combinations(range(len(terms)), size):
                new = [sp.Integer(0), sp.Integer(0)]
                for j, (i, t) in enumerate(terms):
                    new[i] += t / k if j in chosen else t
                ops = [a.op] + ([REVERSE[a.op]] if a.op in REVERSE else [])
                if not any(same_relation(op, new[0], new[1], b, c.reader.var) for op in ops):
                    continue
                whole = {i for i, _ in terms}
                one_side = any(
                    set(chosen) == {j for j, (i, _) in enumerate(terms) if i == side}
                    for side in whole
                )
                how = f"divided by {k}" if abs(k) >= 1 else f"multiplied by {1 / k}"
                if one_side:
                    return Diagnosis(
                        "divide_one_side",
                        f"You {how} only one side: do the same to the other side.",
                        where=str(k),
                    )
                return Diagnosis(
                    "divide_one_term",
                    f"You {how} only some of the terms: every term on both sides must be "
                    f"{how.split(' ')[0]}.",
                    where=", ".join(str(terms[j][1]) for j in chosen),
                )
    return None


def var_side(st: State, var: Any) -> tuple[Any, str]:
    """(the coefficient of ``var`` on its side, the relation read from that side): 16 > 4x
    is (4, "<"); with ``var`` on both sides, the left side's net coefficient."""
    try:
        kl = sp.Poly(sp.expand(st.lhs), var).coeff_monomial(var)
        kr = sp.Poly(sp.expand(st.rhs), var).coeff_monomial(var)
    except (sp.PolynomialError, *SYMPY_ERRORS):
        return sp.Integer(0), st.op
    if kl == 0 and kr != 0:
        return kr, SWAP[st.op]
    return kl - kr, st.op


def _pivot(a: State, b: State) -> Any:
    syms = (a.lhs - a.rhs).free_symbols & (b.lhs - b.rhs).free_symbols
    if not syms:
        return None
    return sorted(syms, key=lambda s: s.name)[0]


def dropped_solution(c: _Ctx) -> Diagnosis | None:
    a, b = c.a, c.b
    if a.kind != "rel" or b.kind != "rel" or a.set is None or b.set is None:
        return None
    pa, pb = set_points(a.set), set_points(b.set)
    if pa is None or pb is None or not pb:
        return None
    lost = [p for p in pa if p not in pb]
    if lost and all(p in pa for p in pb):
        name = c.reader.var
        vals = " and ".join(f"{name} = {p}" for p in lost)
        return Diagnosis(
            "dropped_solution",
            f"{vals} also solves the previous line, but this line loses it"
            + (" (a square has two square roots: ±)." if len(pa) == 2 else "."),
            where=vals,
        )
    return None


def arithmetic_slip(c: _Ctx) -> Diagnosis | None:
    b = c.b
    lits = literals(b.node)
    # every number that, changed, could make the line follow; the likeliest slips first:
    # a whole number stays whole, the change is small, the last number is the newest result
    cands = []
    for pos, lit in enumerate(lits):
        for t0 in _slip_values(c, lit):
            try:
                old = c.value(lit)
            except _UNREADABLE:
                continue
            if not slip_like(old, t0):
                continue
            whole = 0 if (t0.is_Integer or not old.is_Integer) else 1
            cands.append(((whole, abs(t0 - old), -pos), lit, t0))
    cands.sort(key=lambda x: x[0])
    for _, lit, t0 in cands[:8]:
        try:
            fixed = replace_subtree(b.node, lit, parse(str(t0)).node)
            st = c.reader.state(fixed)
        except Unreadable:
            continue
        except Exception:  # noqa: BLE001 - reading a number we wrote ourselves: never
            continue
        if c.follows(c.a, st):
            nth = ""
            same = [n for n in lits if n.value == lit.value]
            if len(same) > 1:
                k = next(i for i, n in enumerate(same) if n is lit)
                nth = f" (the {_ordinal(k + 1)} {lit.value})"
            if t0 == -c.value(lit):
                msg = f"A sign slip: the sign of the {lit.value}{nth} in this line is wrong."
            else:
                msg = f"Arithmetic slip: the {lit.value}{nth} in this line should be {t0}."
            return Diagnosis("arithmetic_slip", msg, where=f"{lit.value} -> {t0}")
    return None


def slip_like(old: Any, new: Any) -> bool:
    """``new`` could be what was meant where ``old`` was written: a sign, a small difference,
    or one digit (27 for 21, 12 for 7 +- 5 is not); otherwise the line is just wrong."""
    if new == -old or (old.is_Integer and new.is_Integer and abs(new - old) <= 3):
        return True
    if new < 0 <= old or not (old.is_Integer and new.is_Integer):
        return old.is_Integer is False  # a decimal or fraction literal: any fix is a slip
    a, b = str(abs(old)), str(abs(new))
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(k, f"{k}th")


def _slip_values(c: _Ctx, lit: Node) -> list[Any]:
    """Values the literal could have had for the line to follow."""
    a, b, rv = c.a, c.b, c.reader
    holed = replace_subtree(b.node, lit, Node("sym", (), HOLE))
    try:
        old = rv.value(lit)
    except _UNREADABLE:
        return []
    out: list[Any] = []
    try:
        if b.kind == "expr" and a.kind == "expr":
            node = holed.args[-1] if holed.op == "rel" else holed
            d = rv.value(node) - a.value
            syms = sorted(d.free_symbols - {c.hole}, key=lambda s: s.name)
            d = d.xreplace({s: sp.Rational(7 + 2 * i, 3) for i, s in enumerate(syms)})
            out = _linear_root(d, c.hole)
        elif holed.op == "rel" and len(holed.value) == 1:
            f = rv.value(holed.args[0]) - rv.value(holed.args[1])
            for env in _reference_points(a, rv):
                g = f.xreplace(env)
                if g.has(c.hole):
                    out += _linear_root(g, c.hole)
        elif a.kind == "rel" and a.set is not None:
            pts = list(set_points(a.set) or [])
            out = pts + [-v for v in pts]  # the literal may sit under a minus sign
    except SYMPY_ERRORS as e:  # no slip value found: the line stays plainly wrong
        sympy_gave_up("finding the value a miscopied number should have had", e)
        return []
    good = []
    for v in out:
        if v.is_Rational and v != old and v not in good:
            good.append(v)
    return good[:4]


def _linear_root(d: Any, t: Any) -> list[Any]:
    """The value of ``t`` that makes ``d`` zero, when ``d``'s numerator is linear in ``t`` (a
    number under a power is not looked for)."""
    try:  # a number in a denominator: 28/t = 28/81 is linear over a common denominator
        poly = sp.Poly(sp.expand(sp.together(d).as_numer_denom()[0]), t)
    except (sp.PolynomialError, *SYMPY_ERRORS):
        return []
    if poly.degree() != 1:
        return []
    c1, c0 = poly.all_coeffs()
    return [sp.nsimplify(-c0 / c1)] if not (c0 / c1).free_symbols else []


def _reference_points(a: State, rv: Reader) -> list[dict[Any, Any]]:
    """Points where the previous line's relation is an equality: its solutions or the
    endpoints of its solution set (for systems, the system's solution)."""
    var = rv.var
    if a.kind == "system":
        return [rv.solution] if rv.solution else []
    if a.kind != "rel" or a.set is None:
        return []
    pts = []
    for lo, hi, _, _ in a.set.pieces:
        for p in (lo, hi):
            if p.is_finite and p not in pts:
                pts.append(p)
    return [{var: p} for p in pts[:2]]


RULES: tuple[Callable[[_Ctx], Diagnosis | None], ...] = (
    inequality_direction,
    distribute_one_term,
    add_fractions,
    divide_one,
    sign_move,
    dropped_solution,
    order_of_operations,
    term_sign,
    arithmetic_slip,
)


def diagnose(reader: Reader, a: State, b: State, follows: Follows) -> Diagnosis | None:
    """The first malrule that explains why line ``b`` does not follow from line ``a``."""
    ctx = _Ctx(reader, a, b, follows)
    for rule in RULES:
        try:
            d = rule(ctx)
        except _UNREADABLE_OR_DEEP:
            d = None
        if d is not None:
            return d
    return None
