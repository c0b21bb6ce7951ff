"""Inequalities, intervals and unions as sets of reals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import sympy as sp

from .compare import SYMPY_ERRORS, number_sign, sympy_gave_up
from .context import Ctx, Wrong, tolerance
from .nodes import Node, to_text
from .parsing import Parsed
from .relations import rel_equivalent
from .verdict import Verdict, make

_OPS = {"<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge, "=": sp.Eq, "!=": sp.Ne}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}


class NotASet(ValueError):
    pass


# (lo, hi, lo_closed, hi_closed) with exact SymPy endpoints or +-oo
Piece = tuple[Any, Any, bool, bool]


# ---------------------------------------------------------------- a small set-of-reals type
def _num(v: Any) -> Any:
    """An endpoint as a number to sort by: a 30-digit SymPy Float (its exponent is
    unbounded, so e^999 and e^1000, or e^-999 and 0, stay apart), or +-oo."""
    if v is sp.oo or v is sp.S.NegativeInfinity:
        return v
    return sp.N(v, 30)


def _cmp(a: Any, b: Any) -> int:
    """Compare two endpoints exactly (arbitrary precision, never floating point)."""
    if a == b:
        return 0
    if a.is_finite is False or b.is_finite is False:
        fa, fb = _num(a), _num(b)
        return 0 if fa == fb else (-1 if fa < fb else 1)
    sign = number_sign(a - b)
    if sign is None:
        raise NotASet("endpoints that cannot be compared")
    return sign


class RealSet:
    """A finite union of intervals of the real line, kept sorted and merged.

    Pieces are ``(lo, hi, lo_closed, hi_closed)`` with exact SymPy endpoints (or +-oo);
    a point is ``(c, c, True, True)``. Much faster than SymPy's set algebra, which we
    only use to solve what is not a rational (or |rational|) inequality.
    """

    __slots__ = ("pieces",)

    def __init__(self, pieces: Iterable[tuple[Any, Any, Any, Any]] = ()) -> None:
        self.pieces: list[Piece] = self._normalise(list(pieces))

    # constructors
    @classmethod
    def reals(cls) -> RealSet:
        return cls([(sp.S.NegativeInfinity, sp.oo, False, False)])

    @classmethod
    def empty(cls) -> RealSet:
        return cls([])

    @classmethod
    def interval(cls, lo: Any, hi: Any, lc: bool, rc: bool) -> RealSet:
        return cls([(lo, hi, lc and lo.is_finite is not False, rc and hi.is_finite is not False)])

    @classmethod
    def points(cls, pts: Iterable[Any]) -> RealSet:
        return cls([(p, p, True, True) for p in pts])

    @classmethod
    def from_sympy(cls, S: Any) -> RealSet:
        if S is sp.S.EmptySet:
            return cls.empty()
        if S == sp.S.Reals:
            return cls.reals()
        if isinstance(S, sp.Interval):
            return cls.interval(S.start, S.end, not S.left_open, not S.right_open)
        if isinstance(S, sp.FiniteSet):
            if not all(p.is_real for p in S.args):
                raise NotASet("complex points")
            return cls.points(S.args)
        if isinstance(S, sp.Union):
            out = cls.empty()
            for a in S.args:
                out = out | cls.from_sympy(a)
            return out
        if isinstance(S, sp.Complement) and S.args[0] == sp.S.Reals:
            return cls.reals() - cls.from_sympy(S.args[1])
        raise NotASet(type(S).__name__)

    # algebra
    @staticmethod
    def _normalise(pieces: list[tuple[Any, Any, Any, Any]]) -> list[Piece]:
        good: list[Piece] = []
        for lo, hi, lc, rc in pieces:
            c = _cmp(lo, hi)
            if c > 0 or (c == 0 and not (lc and rc)):
                continue
            good.append((lo, hi, bool(lc), bool(rc)))
        good.sort(key=lambda p: (_num(p[0]), not p[2]))
        out: list[Piece] = []
        for lo, hi, lc, rc in good:
            if out:
                plo, phi, plc, prc = out[-1]
                c = _cmp(lo, phi)
                if c < 0 or (c == 0 and (prc or lc)):
                    ch = _cmp(hi, phi)
                    if ch > 0:
                        out[-1] = (plo, hi, plc, rc)
                    elif ch == 0:
                        out[-1] = (plo, phi, plc, prc or rc)
                    if _cmp(lo, plo) == 0 and lc and not plc:
                        out[-1] = (out[-1][0], out[-1][1], True, out[-1][3])
                    continue
            out.append((lo, hi, lc, rc))
        return out

    def __or__(self, other: RealSet) -> RealSet:
        return RealSet(self.pieces + other.pieces)

    def complement(self) -> RealSet:
        out: list[Piece] = []
        lo, lc = sp.S.NegativeInfinity, False
        for plo, phi, plc, prc in self.pieces:
            out.append((lo, plo, lc, not plc))
            lo, lc = phi, not prc
        out.append((lo, sp.oo, lc, False))
        return RealSet(out)

    def __and__(self, other: RealSet) -> RealSet:
        return (self.complement() | other.complement()).complement()

    def __sub__(self, other: RealSet) -> RealSet:
        return self & other.complement()

    def closure(self) -> RealSet:
        return RealSet(
            [
                (lo, hi, lo.is_finite is not False, hi.is_finite is not False)
                for lo, hi, _, _ in self.pieces
            ]
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RealSet) or len(self.pieces) != len(other.pieces):
            return False
        return all(
            _cmp(a[0], b[0]) == 0 and _cmp(a[1], b[1]) == 0 and a[2] == b[2] and a[3] == b[3]
            for a, b in zip(self.pieces, other.pieces, strict=True)
        )

    # __eq__ without __hash__: Python makes the class unhashable (its __hash__ is None).

    def is_reals(self) -> bool:
        return self == RealSet.reals()

    def to_sympy(self) -> Any:
        parts = []
        for lo, hi, lc, rc in self.pieces:
            if _cmp(lo, hi) == 0:
                parts.append(sp.FiniteSet(lo))
            else:
                parts.append(sp.Interval(lo, hi, not lc, not rc))
        return sp.Union(*parts) if parts else sp.S.EmptySet

    def __str__(self) -> str:
        if not self.pieces:
            return "{}"
        out = []
        for lo, hi, lc, rc in self.pieces:
            if _cmp(lo, hi) == 0:
                out.append("{" + sp.sstr(lo) + "}")
            else:
                out.append(
                    ("[" if lc else "(") + sp.sstr(lo) + ", " + sp.sstr(hi) + ("]" if rc else ")")
                )
        return " U ".join(out)

    __repr__ = __str__


# ---------------------------------------------------------------- relations to sets
def _simple(op: str, a: Any, b: Any, var: Any) -> RealSet | None:
    """var op c (or c op var) without calling the solver."""
    if a == var and not b.free_symbols:
        c, o = b, op
    elif b == var and not a.free_symbols:
        c, o = a, _FLIP[op]
    else:
        return None
    if not (c.is_real or c in (sp.oo, -sp.oo)):
        return None
    return _from_op(o, c)


def _from_op(o: str, c: Any) -> RealSet:
    ninf, inf = sp.S.NegativeInfinity, sp.oo
    make_set: dict[str, Callable[[], RealSet]] = {
        "<": lambda: RealSet.interval(ninf, c, False, False),
        "<=": lambda: RealSet.interval(ninf, c, False, True),
        ">": lambda: RealSet.interval(c, inf, False, False),
        ">=": lambda: RealSet.interval(c, inf, True, False),
        "=": lambda: RealSet.points([c]),
        "!=": lambda: RealSet.points([c]).complement(),
    }
    return make_set[o]()


def _relation_set(op: str, a: Any, b: Any, var: Any) -> RealSet:
    s = _simple(op, a, b, var)
    if s is not None:
        return s
    if (a - b).free_symbols - {var}:
        raise NotASet("more than one variable")
    s = _sign_chart(op, a - b, var)
    if s is not None:
        return s
    rel = _OPS[op](a, b)
    try:
        return RealSet.from_sympy(sp.solveset(rel, var, sp.S.Reals))
    except NotASet:
        raise
    except SYMPY_ERRORS as e:  # the solver gave up
        sympy_gave_up("solveset", e)
        raise NotASet(str(e)) from None


def _holds(op: str, v: float) -> bool:
    return {"<": v < 0, "<=": v <= 0, ">": v > 0, ">=": v >= 0, "=": v == 0, "!=": v != 0}[op]


def _rational_roots(f: Any, var: Any) -> tuple[set[Any], set[Any]] | None:
    """(zeros, poles) of a rational function, or None."""
    num, den = sp.fraction(sp.together(f))
    pn = sp.Poly(num, var)
    pd = sp.Poly(den, var)
    if not all(c.is_real for c in pn.coeffs() + pd.coeffs()):
        return None
    if pn.degree() > 10 or pd.degree() > 10:
        return None
    zs = set(pn.real_roots()) if pn.degree() > 0 else set()
    ps = set(pd.real_roots()) if pd.degree() > 0 else set()
    return zs, ps


def _sign_chart(op: str, f: Any, var: Any) -> RealSet | None:
    """{var : f op 0} by a sign chart, for f rational in var or with |rational| parts."""
    try:
        absparts = [a for a in f.atoms(sp.Abs) if a.has(var)]
        if len(absparts) > 3:
            return None
        cands: set[Any] = set()
        poles: set[Any] = set()
        # each |g| is +g or -g: the critical points of every branch, and the roots of g
        for signs in range(2 ** len(absparts)):
            rep = {
                a: (a.args[0] if (signs >> k) & 1 else -a.args[0]) for k, a in enumerate(absparts)
            }
            r = _rational_roots(f.xreplace(rep), var)
            if r is None:
                return None
            cands |= r[0]
            poles |= r[1]
        for a in absparts:
            r = _rational_roots(a.args[0], var)
            if r is None:
                return None
            cands |= r[0]
            poles |= r[1]
    except (sp.PolynomialError, sp.GeneratorsNeeded, NotImplementedError):
        return None
    crit = sorted(cands | poles, key=_num)
    # merge numerically equal candidates
    uniq: list[Any] = []
    for c in crit:
        if not uniq or _cmp(uniq[-1], c) != 0:
            uniq.append(c)
    crit = uniq

    def val(x: float) -> float:
        v = complex(sp.N(f.xreplace({var: sp.Float(x, 30)}), 20))
        if abs(v.imag) > 1e-12:
            raise NotASet("complex values")
        return v.real

    pieces: list[Piece] = []
    fl = [_num(c) for c in crit]
    tests = (
        [fl[0] - max(1, abs(fl[0]))]
        + [(fl[i] + fl[i + 1]) / 2 for i in range(len(fl) - 1)]
        + [fl[-1] + max(1, abs(fl[-1]))]
        if fl
        else [0.0]
    )
    bounds = [sp.S.NegativeInfinity] + crit + [sp.oo]
    try:
        for i, t in enumerate(tests):
            if _holds(op, val(t)):
                pieces.append((bounds[i], bounds[i + 1], False, False))
    except (ZeroDivisionError, TypeError, ValueError):
        return None
    for c in crit:
        if any(_cmp(c, p) == 0 for p in poles):
            continue
        v = f.xreplace({var: c})
        try:
            if v.is_zero is None:
                v = sp.nsimplify(sp.N(v, 30), rational=False)
            fv = 0.0 if v.is_zero else float(v)
        except (TypeError, ValueError):
            return None
        if _holds(op, fv):
            pieces.append((c, c, True, True))
    return RealSet(pieces)


def node_to_set(node: Node, var: Any, value: Callable[[Node], Any]) -> RealSet:
    """``value`` converts an expression node to SymPy."""
    op = node.op
    if op == "special":
        return RealSet.reals() if node.value == "allreal" else RealSet.empty()
    if op in ("interval", "tuple", "list") and len(node.args) == 2:
        if op == "interval":
            lc, rc = node.value
        else:
            lc = rc = op == "list"
        lo, hi = value(node.args[0]), value(node.args[1])
        if not (lo.is_real or lo.is_infinite) or not (hi.is_real or hi.is_infinite):
            raise NotASet("bad interval")
        if lo == sp.oo or hi == sp.S.NegativeInfinity or _cmp(lo, hi) > 0:
            raise NotASet("bad interval")
        return RealSet.interval(lo, hi, lc, rc)
    if op in ("union", "or"):
        out = RealSet.empty()
        for a in node.args:
            out = out | node_to_set(a, var, value)
        return out
    if op == "and":
        out = RealSet.reals()
        for a in node.args:
            out = out & node_to_set(a, var, value)
        return out
    if op == "set":
        vals = [value(a) for a in node.args]
        if not all(v.is_real for v in vals):
            raise NotASet("complex points")
        return RealSet.points(vals)
    if op == "rel":
        if var is None:
            raise NotASet("no variable")
        out = RealSet.reals()
        args = node.args
        for i, o in enumerate(node.value):
            if o == "in":
                if args[i].op != "sym":
                    raise NotASet("in")
                out = out & node_to_set(args[i + 1], var, value)
                continue
            a, b = value(args[i]), value(args[i + 1])
            out = out & _relation_set(o, a, b, var)
        return out
    raise NotASet(op)


def _uses_relation(node: Node) -> bool:
    if node.op == "rel":
        return not (len(node.value) == 1 and node.value[0] == "in")
    if node.op in ("or", "and"):
        return any(_uses_relation(a) for a in node.args)
    return False


def sets_equal(a: RealSet, b: RealSet) -> bool:
    return a == b


def check_inequality(parsed: Parsed, keys: list[Parsed], ctx: Ctx) -> Verdict:
    spec = ctx.spec
    var = None
    v = spec.opt("var") or (spec.opt("variables") or [None])[0]
    if v:
        var = sp.Symbol(v)
    snode = parsed.node
    notation = spec.opt("notation", "any")
    if notation == "interval" and _uses_relation(snode):
        raise Wrong(
            "wrong_form",
            "Please write your answer in interval notation, like [1, 3).",
            form="interval",
        )
    if notation == "inequality" and not _uses_relation(snode) and snode.op != "special":
        raise Wrong(
            "wrong_form",
            "Please write your answer as an inequality, like 1 <= x < 3.",
            form="inequality",
        )
    best = None
    tol = tolerance(spec)
    for k in keys:
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
            raise Wrong(
                "wrong_type",
                "Your answer should be an inequality or an interval, like x > 2 or (2, oo).",
            ) from None
        if sets_equal(ss, ks) or (tol is not None and _sets_close(ss, ks, tol)):
            return make("correct", normalized=str(ss))
        # diagnose
        comp = ks.complement()
        if ks.pieces and not ks.is_reals() and ss.closure() == comp.closure():
            best = make("inequality_reversed", normalized=str(ss))
            continue
        if ss.closure() == ks.closure():
            best = best or make("wrong_endpoints", normalized=str(ss))
            continue
        best = best or make("wrong", normalized=str(ss))
    return best or make("wrong")


def _sets_close(a: RealSet, b: RealSet, tol: dict[str, float]) -> bool:
    """Same shape, endpoints within the tolerance (for decimal endpoints)."""
    pa, pb = a.pieces, b.pieces
    if len(pa) != len(pb):
        return False
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


def _syms(node: Node) -> Iterator[str]:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.op == "sym":
            yield n.value
        stack.extend(n.args)


__all__ = ["check_inequality", "node_to_set", "sets_equal", "to_text"]
