"""Equations and inequalities compared as relations: the same up to a constant factor
(``2x = 6`` is ``x = 3``; ``3x < 9`` is ``x < 3``, ``a < b`` is ``b > a``)."""

from __future__ import annotations

from typing import Any

import sympy as sp

from .compare import (
    SYMPY_ERRORS,
    Undefined,
    equivalent,
    eval_at,
    has_extreme,
    number_sign,
    points,
    sympy_gave_up,
    to_float,
)
from .context import Ctx
from .convert import NotAnExpression
from .nodes import Node


def ratio_constant(f: Any, g: Any, positive: bool = False) -> bool:
    """f/g is a nonzero constant (positive when asked) at random points."""
    ratio = f / g
    syms = ratio.free_symbols
    if not syms:
        c = to_float(ratio)
        return c is not None and c != 0 and (not positive or (abs(c.imag) < 1e-12 and c.real > 0))
    vals = []
    for env in points(syms, 8, seed=7):
        try:
            vals.append(eval_at(ratio, env))
        except Undefined:
            continue
    if len(vals) < 3:
        return False
    v0 = vals[0]
    if abs(v0) < 1e-12:
        return False
    if positive and not (abs(v0.imag) < 1e-9 and v0.real > 0):
        return False
    if not all(abs(v - v0) <= 1e-8 * max(1, abs(v0)) for v in vals):
        return False
    if has_extreme(ratio):
        # x - e^-999 is not a multiple of x, however close in floating point: decide exactly
        try:
            r = sp.simplify(ratio)
        except SYMPY_ERRORS as e:
            sympy_gave_up("simplify", e)
            return False
        return not r.free_symbols and number_sign(r) in ((1,) if positive else (1, -1))
    return True


def eq_equivalent(l1: Any, r1: Any, l2: Any, r2: Any) -> bool:
    """One equation vs another: same solution set with multiplicity (proportional sides)."""
    f, g = l1 - r1, l2 - r2
    if f == 0 or g == 0:
        return bool((f == 0) == (g == 0))
    if equivalent(f, g) or equivalent(f, -g):
        return True
    if ratio_constant(f, g):
        return True
    # 1/x + 1/y = 2 and y = x/(2x - 1): compare the numerators over a common denominator
    try:
        fn = sp.together(f).as_numer_denom()[0]
        gn = sp.together(g).as_numer_denom()[0]
    except SYMPY_ERRORS as e:
        sympy_gave_up("together", e)
        return False
    if (fn, gn) != (f, g) and ratio_constant(fn, gn):
        return True
    return False


_FLIP = {">": "<", ">=": "<=", "<": "<", "<=": "<="}


def rel_equivalent(a: Node, b: Node, ctx_a: Ctx, ctx_b: Ctx) -> bool:
    """Single inequalities (or equations) in any number of variables: a<b is b>a, 3x<9 is x<3."""
    if a.op != "rel" or b.op != "rel" or len(a.value) != 1 or len(b.value) != 1:
        return False
    oa, ob = a.value[0], b.value[0]
    if oa == "=" or ob == "=":
        if oa != ob:
            return False
        try:
            sides = [ctx.value(side) for ctx, n in ((ctx_a, a), (ctx_b, b)) for side in n.args]
        except NotAnExpression:  # (p, q) = (1, 2): not a relation between expressions
            return False
        return eq_equivalent(*sides)
    if oa not in _FLIP or ob not in _FLIP or _FLIP[oa] != _FLIP[ob]:
        return False

    def side(n: Node, ctx: Ctx) -> Any:  # f with the relation read as f < 0 (or <=)
        lhs, rhs = ctx.value(n.args[0]), ctx.value(n.args[1])
        return lhs - rhs if n.value[0] in ("<", "<=") else rhs - lhs

    return ratio_constant(side(a, ctx_a), side(b, ctx_b), positive=True)
