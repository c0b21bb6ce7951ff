"""Equations and systems: solution sets (``x = 2 or x = -3`` is ``x^2 + x - 6 = 0``), one
equation up to a factor, systems by Groebner bases, "no solution" and "all real numbers"."""

from __future__ import annotations

from typing import Any

import sympy as sp

from .collections_ import elem_equal
from .compare import SYMPY_ERRORS, equivalent, sympy_gave_up
from .context import (
    Ctx,
    Wrong,
    expand_pm,
    fmt,
    is_symbolish,
    match_unordered,
    value_list,
    value_node,
)
from .convert import NotAnExpression
from .expressions import check_expression
from .nodes import Node
from .parsing import Parsed
from .relations import eq_equivalent, ratio_constant
from .spec import AnswerSpec
from .verdict import Verdict, make

# What reading both sides of an equation may raise when they are not expressions.
_NOT_EXPRESSIONS: tuple[type[BaseException], ...] = (NotAnExpression, *SYMPY_ERRORS)


def _equations(node: Node) -> list[Node] | None:
    """A list of equation nodes (x = 1 or x = 2, [x=1, y=2], x = 1, 2 ...)."""
    if node.op == "rel" and all(o == "=" for o in node.value):
        if len(node.args) > 2:
            return [Node("rel", (node.args[0], node.args[-1]), ("=",))]
        return [node]
    if node.op in ("or", "seq", "list", "set", "and", "tuple"):
        out: list[Node] = []
        for a in node.args:
            e = _equations(a)
            if e is None:
                # "x = -3, 2": a bare value after an equation x = ... is another value of x
                if (
                    out
                    and out[-1].args[0].op == "sym"
                    and a.op not in ("rel", "set", "list", "tuple")
                ):
                    e = [Node("rel", (out[-1].args[0], a), ("=",))]
                else:
                    return None
            out.extend(e)
        return out
    return None


def _main_var(spec: AnswerSpec, key_syms: set[Any]) -> sp.Symbol | None:
    v = spec.opt("var")
    if v:
        return sp.Symbol(v)
    vs = spec.opt("variables")
    if vs and len(vs) == 1:
        return sp.Symbol(vs[0])
    if len(key_syms) == 1:
        return next(iter(key_syms))
    return None


def _solution_set(eqs: list[tuple[Any, Any]], var: Any) -> Any:
    """Real solution set of a list of equations joined by 'or' (values for var)."""
    sols = set()
    for lhs, rhs in eqs:
        f = lhs - rhs
        if f.free_symbols - {var}:
            return None
        if lhs == var and not rhs.free_symbols:
            sols.add(rhs)
            continue
        s = _poly_roots(f, var)
        if s is None:
            s = sp.solveset(sp.Eq(lhs, rhs), var, sp.S.Reals)
        if isinstance(s, sp.FiniteSet):
            sols.update(s)
        elif s == sp.S.Reals:
            return sp.S.Reals
        elif s is sp.S.EmptySet:
            continue
        else:
            return None
    return sols


def _poly_roots(f: Any, var: Any) -> Any:
    """Real roots of a rational function's numerator (not of its denominator), or None."""
    try:
        num, den = sp.together(f).as_numer_denom()
        pn = sp.Poly(num, var)
        pd = sp.Poly(den, var)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return None
    if not all(c.is_real for c in pn.coeffs() + pd.coeffs()) or pn.degree() > 12:
        return None
    if pn.is_zero:
        return sp.S.Reals if pd.degree() <= 0 else None
    if pn.degree() <= 0:
        return sp.S.EmptySet
    roots = [r for r in set(pn.real_roots()) if pd.degree() <= 0 or pd.eval(r) != 0]
    return sp.FiniteSet(*roots) if roots else sp.S.EmptySet


def _same_values(a: set[Any], b: set[Any]) -> tuple[int, int, int]:
    """(matched, len a, len b) matching by numeric equality."""
    al, bl = list(a), list(b)
    m = match_unordered(al, bl)
    return m, len(al), len(bl)


def check_equation(parsed: Parsed, keys: list[Parsed], ctx: Ctx) -> Verdict:
    snode = parsed.node
    best = None
    for k in keys:
        v = _check_equation_one(snode, k.node, ctx)
        if v.correct:
            return v
        if best is None or v.score > best.score:
            best = v
    assert best is not None  # a spec has at least one key
    return best


def _check_equation_one(snode: Node, knode: Node, ctx: Ctx) -> Verdict:
    spec = ctx.spec
    if knode.op == "special":
        return _against_special_key(snode, knode, ctx)
    keqs = _equations(knode)
    if keqs is None:
        # the key is a value (e.g. 3): compare values
        return check_expression(Parsed(snode, "", "text"), [Parsed(knode, "", "text")], ctx)
    if snode.op == "special":
        if spec.opt("strict_type") and snode.value == "empty":
            raise Wrong("wrong_type", "Your answer should be an equation, like x = 2.")
        return _special_equation(snode, keqs, ctx)
    seqs = _equations(snode)
    allow_value = spec.opt("allow_value_for_equation", True) and not spec.opt("strict_type")
    if (
        seqs is None
        and allow_value
        and len(keqs) == 1
        and is_symbolish(keqs[0].args[0])
        and not (spec.opt("var") or spec.opt("variables"))
    ) or _has_collection_side(keqs):
        # the key names its answer (y = ..., (p, q) = (3, 2)): compare the values
        sv = value_node(snode, spec, ctx.notes)
        ok = any(elem_equal(sv, value_node(e, spec, []), ctx) for e in keqs)
        if ok:
            return make("correct")
        if seqs is None or _has_collection_side(keqs):
            return make("wrong")
    if (
        seqs is None
        and allow_value
        and len(keqs) > 1
        and all(is_symbolish(e.args[0]) for e in keqs)
        and not (spec.opt("var") or spec.opt("variables"))
    ):
        # AB = 4, CD = 5 answered as 4, 5: the values in order
        vals = value_list(snode)
        if vals is not None and len(vals) == len(keqs):
            ok = all(
                elem_equal(v, value_node(e, spec, []), ctx) for v, e in zip(vals, keqs, strict=True)
            )
            return make("correct" if ok else "wrong")
    kctx = Ctx(spec)
    kpairs = [(kctx.value(e.args[0]), kctx.value(e.args[1])) for e in _expand_eqs(keqs)]
    key_syms = set().union(*((a - b).free_symbols for a, b in kpairs))
    var = _main_var(spec, key_syms)
    if seqs is None:
        # bare values: "2, -3", "{2, -3}", "±2", "2"
        if var is None or not spec.opt("allow_value_for_equation", True):
            raise Wrong("wrong_type", "Your answer should be an equation, like x = 2.")
        vals_nodes = value_list(snode)
        if vals_nodes is None:
            raise Wrong("wrong_type", "Your answer should be an equation, like x = 2.")
        spairs = [(var, ctx.value(n)) for vn in vals_nodes for n in expand_pm(vn)]
    else:
        try:
            spairs = [(ctx.value(e.args[0]), ctx.value(e.args[1])) for e in _expand_eqs(seqs)]
        except NotAnExpression:
            return make("wrong")
    # one equation each: proportional sides
    if len(spairs) == 1 and len(kpairs) == 1:
        if eq_equivalent(*spairs[0], *kpairs[0]):
            return make("correct", normalized=fmt(sp.Eq(*spairs[0], evaluate=False)))
    if knode.op in ("list", "and") and len(kpairs) > 1:
        # a system of simultaneous equations
        return _system_by_solution(spairs, kpairs)
    if spec.opt("multiplicity") and var is not None and (len(spairs) == 1 or len(kpairs) == 1):
        # roots with multiplicity: x = 2 or x = -3 is (x - 2)(x + 3) = 0
        def product(pairs: list[tuple[Any, Any]]) -> Any:
            out = sp.Integer(1)
            for lhs, rhs in pairs:
                out *= sp.together(lhs - rhs).as_numer_denom()[0]
            return out

        ok = ratio_constant(product(spairs), product(kpairs))
        return make("correct" if ok else "wrong")
    if var is not None:
        ks = _solution_set(kpairs, var)
        ss = _solution_set(spairs, var)
        if ks is not None and ss is not None:
            if ks == sp.S.Reals or ss == sp.S.Reals:
                ok = ks == ss
                return make("correct" if ok else "wrong")
            m, ns, nk = _same_values(ss, ks)
            if m == nk and ns == nk:
                if (
                    len(spairs) == 1
                    and len(kpairs) == 1
                    and not _single_solution_form(spairs[0], var)
                ):
                    # same solutions but a different equation (e.g. multiplicities): accept
                    pass
                return make("correct", normalized=", ".join(f"{var} = {fmt(s)}" for s in ss))
            if m and nk > 1:
                score = m / max(nk, ns) if spec.opt("partial_credit", True) else 0.0
                if ns < nk:
                    msg = (
                        "You found one of the two solutions."
                        if nk == 2 and m == 1
                        else f"You found {m} of the {nk} solutions."
                    )
                else:
                    msg = f"{m} of your {ns} solutions are right, but not all."
                return make("partial", msg, score=score, correct=False)
            if ns == nk and all(any(equivalent(-s, k) for k in ks) for s in ss):
                return make("sign_error")
            return make("wrong")
    if len(spairs) == len(kpairs) and len(spairs) > 1:
        # a system: compare as sets of equations, each up to a factor
        used = [False] * len(kpairs)
        for sp_ in spairs:
            for j, kp in enumerate(kpairs):
                if not used[j] and eq_equivalent(*sp_, *kp):
                    used[j] = True
                    break
        if all(used):
            return make("correct")
        return _system_by_solution(spairs, kpairs)
    if len(spairs) != len(kpairs) and len(kpairs) > 1:
        return _system_by_solution(spairs, kpairs)
    return make("wrong")


def _special_equation(snode: Node, keqs: list[Node], ctx: Ctx) -> Verdict:
    """'no solution' / 'all real numbers' against the key's solution set."""
    kctx = Ctx(ctx.spec)
    kpairs = [(kctx.value(e.args[0]), kctx.value(e.args[1])) for e in _expand_eqs(keqs)]
    key_syms = set().union(*((a - b).free_symbols for a, b in kpairs))
    var = _main_var(ctx.spec, key_syms) or (sp.Symbol("x") if not key_syms else None)
    if var is None:
        return make("wrong")
    ks = _solution_set(kpairs, var)
    if ks is None:
        return make("wrong")
    want = sp.S.Reals if snode.value == "allreal" else sp.S.EmptySet
    got = ks if ks == sp.S.Reals else (sp.FiniteSet(*ks) if ks else sp.S.EmptySet)
    return make("correct" if got == want else "wrong")


def _against_special_key(snode: Node, knode: Node, ctx: Ctx) -> Verdict:
    """The key is "no solution" or "all real numbers": the answer says the same, or is an
    equation with that solution set (x + 1 = x has none)."""
    want_all = knode.value == "allreal"
    if snode.op == "special":
        return make("correct" if (snode.value == "allreal") == want_all else "wrong")
    seqs = _equations(snode)
    if seqs is None:
        return make("wrong")
    try:
        pairs = [(ctx.value(e.args[0]), ctx.value(e.args[1])) for e in _expand_eqs(seqs)]
        syms = set().union(*((a - b).free_symbols for a, b in pairs))
    except _NOT_EXPRESSIONS:  # A = (a matrix), (p, q) = (1, 2): not these
        return make("wrong")
    var = _main_var(ctx.spec, syms) or (sp.Symbol("x") if not syms else None)
    if var is None:
        return make("wrong")
    got = _solution_set(pairs, var)
    if got is None:
        return make("wrong")
    ok = got == sp.S.Reals if want_all else (got != sp.S.Reals and not got)
    return make("correct" if ok else "wrong")


def _has_collection_side(eqs: list[Node]) -> bool:
    return any(a.op in ("tuple", "list", "set", "matrix") for e in eqs for a in e.args)


def _single_solution_form(pair: tuple[Any, Any], var: Any) -> bool:
    return bool(pair[0] == var and not pair[1].free_symbols)


def _system_by_solution(spairs: list[tuple[Any, Any]], kpairs: list[tuple[Any, Any]]) -> Verdict:
    syms = sorted(
        set().union(*((a - b).free_symbols for a, b in spairs + kpairs)), key=lambda s: s.name
    )
    if not syms or len(syms) > 4:
        return make("wrong")
    nums_k = [sp.together(a - b).as_numer_denom()[0] for a, b in kpairs]
    nums_s = [sp.together(a - b).as_numer_denom()[0] for a, b in spairs]
    try:
        polys = [sp.Poly(f, *syms) for f in nums_k + nums_s]
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return make("wrong")
    if any(p.total_degree() > 6 for p in polys):
        return make("wrong")
    try:
        # same ideal, same reduced Groebner basis (STACK's SysEquiv)
        gk = sp.groebner(nums_k, *syms, order="lex")
        gs = sp.groebner(nums_s, *syms, order="lex")
        return make("correct" if list(gk.exprs) == list(gs.exprs) else "wrong")
    except SYMPY_ERRORS as e:
        sympy_gave_up("groebner", e)
    try:
        ks = sp.solve([a - b for a, b in kpairs], syms, dict=True)
        ss = sp.solve([a - b for a, b in spairs], syms, dict=True)
    except SYMPY_ERRORS as e:
        sympy_gave_up("solve", e)
        return make("wrong")
    if not ks or not ss:
        return make("wrong")

    def norm(sols: list[dict[Any, Any]]) -> list[tuple[Any, ...]]:
        out = []
        for d in sols:
            out.append(tuple(d.get(s, s) for s in syms))
        return out

    kn, sn = norm(ks), norm(ss)
    if len(kn) != len(sn):
        return make("wrong")
    m = match_unordered(
        sn, kn, eq=lambda a, b: all(equivalent(x, y) for x, y in zip(a, b, strict=True))
    )
    return make("correct") if m == len(kn) else make("wrong")


def _expand_eqs(eqs: list[Node]) -> list[Node]:
    out = []
    for e in eqs:
        out.extend(expand_pm(e))
    return out
