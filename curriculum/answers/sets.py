"""Inequalities, intervals and unions as sets of reals."""

from __future__ import annotations

import sympy as sp

from .nodes import Node, to_text
from .verdict import Verdict, make

_OPS = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "=": sp.Eq, "!=": sp.Ne}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}


class NotASet(ValueError):
    pass


def _simple(op: str, a, b, var):
    """var op c (or c op var) without calling the solver."""
    if a == var and var not in b.free_symbols and not b.free_symbols:
        c, o = b, op
    elif b == var and var not in a.free_symbols and not a.free_symbols:
        c, o = a, _FLIP[op]
    else:
        return None
    if not (c.is_real or c in (sp.oo, -sp.oo)):
        return None
    if o == "<":
        return sp.Interval.open(-sp.oo, c)
    if o == "<=":
        return sp.Interval(-sp.oo, c, right_open=False, left_open=True)
    if o == ">":
        return sp.Interval.open(c, sp.oo)
    if o == ">=":
        return sp.Interval(c, sp.oo, left_open=False, right_open=True)
    if o == "=":
        return sp.FiniteSet(c)
    if o == "!=":
        return sp.Union(sp.Interval.open(-sp.oo, c), sp.Interval.open(c, sp.oo))
    return None


def _relation_set(op: str, a, b, var):
    s = _simple(op, a, b, var)
    if s is not None:
        return s
    if (a - b).free_symbols - {var}:
        raise NotASet("more than one variable")
    s = _rational_set(op, a - b, var)
    if s is not None:
        return s
    rel = _OPS[op](a, b)
    return sp.solveset(rel, var, sp.S.Reals)


def _holds(op: str, v: float) -> bool:
    return {"<": v < 0, "<=": v <= 0, ">": v > 0, ">=": v >= 0, "=": v == 0, "!=": v != 0}[op]


def _rational_set(op: str, f, var):
    """{var : f op 0} for a rational function f with real coefficients, by sign charts."""
    try:
        num, den = sp.fraction(sp.together(f))
        pn = sp.Poly(num, var)
        pd = sp.Poly(den, var)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return None
    if not all(c.is_real for c in pn.coeffs() + pd.coeffs()):
        return None
    if pn.degree() > 8 or pd.degree() > 8:
        return None
    try:
        zs = set(pn.real_roots()) if pn.degree() > 0 else set()
        ps = set(pd.real_roots()) if pd.degree() > 0 else set()
    except Exception:
        return None
    crit = sorted(zs | ps, key=lambda r: float(r))
    fn = sp.lambdify(var, num / den, modules="math") if False else None
    del fn

    def val(x: float) -> float:
        return float(pn.eval(sp.Float(x, 30))) / float(pd.eval(sp.Float(x, 30)))

    if not crit:
        try:
            return sp.S.Reals if _holds(op, val(0.0)) else sp.S.EmptySet
        except ZeroDivisionError:
            return None
    pieces = []
    fl = [float(c) for c in crit]
    tests = [fl[0] - 1.0] + [(fl[i] + fl[i + 1]) / 2 for i in range(len(fl) - 1)] + [fl[-1] + 1.0]
    bounds = [-sp.oo] + crit + [sp.oo]
    for i, t in enumerate(tests):
        if _holds(op, val(t)):
            pieces.append(sp.Interval.open(bounds[i], bounds[i + 1]))
    for c in crit:
        if c in ps:
            continue
        if op in ("<=", ">=", "="):
            pieces.append(sp.FiniteSet(c))
    if op == "!=":
        return sp.Complement(sp.S.Reals, sp.FiniteSet(*crit))
    return sp.Union(*pieces) if pieces else sp.S.EmptySet


def node_to_set(node: Node, var, value, kind_hint: str = "inequality"):
    """``value`` converts an expression node to SymPy."""
    op = node.op
    if op == "special":
        return sp.S.Reals if node.value == "allreal" else sp.S.EmptySet
    if op == "interval":
        lc, rc = node.value
        lo, hi = value(node.args[0]), value(node.args[1])
        if lo == sp.oo or hi == -sp.oo:
            raise NotASet("bad interval")
        return sp.Interval(
            lo, hi, left_open=not lc or lo == -sp.oo, right_open=not rc or hi == sp.oo
        )
    if op in ("tuple", "list") and len(node.args) == 2:
        lo, hi = value(node.args[0]), value(node.args[1])
        closed = op == "list"
        return sp.Interval(
            lo, hi, left_open=not closed or lo == -sp.oo, right_open=not closed or hi == sp.oo
        )
    if op == "union" or op == "or":
        return sp.Union(*[node_to_set(a, var, value) for a in node.args])
    if op == "and":
        return sp.Intersection(*[node_to_set(a, var, value) for a in node.args])
    if op == "set":
        return sp.FiniteSet(*[value(a) for a in node.args])
    if op == "rel":
        if var is None:
            raise NotASet("no variable")
        out = sp.S.Reals
        args = node.args
        for i, o in enumerate(node.value):
            if o == "in":
                if args[i].op != "sym":
                    raise NotASet("in")
                out = sp.Intersection(out, node_to_set(args[i + 1], var, value))
                continue
            a, b = value(args[i]), value(args[i + 1])
            out = sp.Intersection(out, _relation_set(o, a, b, var))
        return out
    raise NotASet(op)


def _uses_relation(node: Node) -> bool:
    if node.op == "rel":
        return not (len(node.value) == 1 and node.value[0] == "in")
    if node.op in ("or", "and"):
        return any(_uses_relation(a) for a in node.args)
    return False


def _uses_interval(node: Node) -> bool:
    return node.op in ("interval", "union", "tuple", "list", "special", "set") or (
        node.op == "rel" and node.value == ("in",)
    )


def sets_equal(a, b) -> bool:
    if a == b:
        return True
    try:
        d1 = sp.Complement(a, b)
        d2 = sp.Complement(b, a)
        return d1 is sp.S.EmptySet and d2 is sp.S.EmptySet or (d1.is_empty and d2.is_empty) is True
    except Exception:
        return False


def check_inequality(parsed, keys, ctx) -> Verdict:
    from .checker import _Wrong

    spec = ctx.spec
    var = None
    v = spec.opt("var") or (spec.opt("variables") or [None])[0]
    if v:
        var = sp.Symbol(v)
    snode = parsed.node
    notation = spec.opt("notation", "any")
    if notation == "interval" and _uses_relation(snode):
        raise _Wrong(
            "wrong_form",
            "Please write your answer in interval notation, like [1, 3).",
            form="interval",
        )
    if notation == "inequality" and not _uses_relation(snode) and snode.op != "special":
        raise _Wrong(
            "wrong_form",
            "Please write your answer as an inequality, like 1 <= x < 3.",
            form="inequality",
        )
    best = None
    from .checker import _tolerance

    tol = _tolerance(spec)
    for k in keys:
        from .checker import Ctx, rel_equivalent

        kctx = Ctx(spec)
        ksyms, ssyms = set(_syms(k.node)), set(_syms(snode))
        kvar = svar = var
        if var is None:
            if len(ksyms | ssyms) == 1:
                kvar = svar = sp.Symbol(next(iter(ksyms | ssyms)))
            elif not ksyms and not ssyms:
                kvar = svar = sp.Symbol("x")
            elif len(ksyms) == 1 and len(ssyms) <= 1:
                # one variable each, and the problem does not name it: compare the sets
                kvar = sp.Symbol(next(iter(ksyms)))
                svar = sp.Symbol(next(iter(ssyms))) if ssyms else kvar
        if kvar is None:
            # several variables (a < b, 3x^2 < 9a): compare the relations themselves
            if rel_equivalent(snode, k.node, ctx, kctx):
                return make("correct")
            best = best or make("wrong")
            continue
        try:
            ks = node_to_set(k.node, kvar, kctx.value)
        except NotASet:
            if rel_equivalent(snode, k.node, ctx, kctx):
                return make("correct")
            continue
        try:
            ss = node_to_set(snode, svar, ctx.value)
        except NotASet:
            raise _Wrong(
                "wrong_type",
                "Your answer should be an inequality or an interval, like x > 2 or (2, oo).",
            ) from None
        if sets_equal(ss, ks) or (tol is not None and _sets_close(ss, ks, tol)):
            return make("correct", normalized=sp.sstr(ss))
        # diagnose
        try:
            comp = sp.Complement(sp.S.Reals, ks)
            if (
                ks is not sp.S.Reals
                and ks is not sp.S.EmptySet
                and sets_equal(ss.closure, comp.closure)
            ):
                best = make("inequality_reversed", normalized=sp.sstr(ss))
                continue
            if sets_equal(ss.closure, ks.closure):
                best = best or make("wrong_endpoints", normalized=sp.sstr(ss))
                continue
        except Exception:
            pass
        best = best or make("wrong", normalized=sp.sstr(ss))
    return best or make("wrong")


def _pieces(S):
    if S is sp.S.EmptySet:
        return []
    if isinstance(S, sp.Interval):
        return [(S.start, S.end, S.left_open, S.right_open)]
    if isinstance(S, sp.FiniteSet):
        return [(p, p, False, False) for p in S.args]
    if isinstance(S, sp.Union):
        out = []
        for a in S.args:
            p = _pieces(a)
            if p is None:
                return None
            out.extend(p)
        return out
    return None


def _sets_close(a, b, tol) -> bool:
    """Same shape, endpoints within the tolerance (for decimal endpoints)."""
    pa, pb = _pieces(a), _pieces(b)
    if pa is None or pb is None or len(pa) != len(pb):
        return False

    def key(p):
        return float(p[0]) if p[0].is_finite else -1e308

    pa.sort(key=key)
    pb.sort(key=key)
    for (a0, a1, al, ar), (b0, b1, bl, br) in zip(pa, pb, strict=True):
        if al != bl or ar != br:
            return False
        for x, y in ((a0, b0), (a1, b1)):
            if x.is_finite != y.is_finite:
                return False
            if x.is_finite:
                fx, fy = float(x), float(y)
                if abs(fx - fy) > max(tol["abs"], tol["rel"] * abs(fy)) * (1 + 1e-12):
                    return False
            elif x != y:
                return False
    return True


def _syms(node: Node):
    stack = [node]
    while stack:
        n = stack.pop()
        if n.op == "sym":
            yield n.value
        stack.extend(n.args)


__all__ = ["check_inequality", "node_to_set", "sets_equal", "to_text"]
