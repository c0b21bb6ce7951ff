"""Equivalence of SymPy values: exact where cheap, random points (as WeBWorK does) otherwise.

``equivalent(a, b)`` first tries structural equality, then evaluates both sides at
random real points (fixed seed, so verdicts are reproducible) with a relative tolerance.
Points where either side is undefined are skipped; when one side is defined and the
other is not at most points, the domains differ and the answer is not equivalent.
Only when too few points can be evaluated does it fall back to ``simplify(a - b) == 0``
(which is why heavy work runs in the bounded pool).
"""

from __future__ import annotations

import cmath
import logging
import math
import random
from collections.abc import Iterable
from typing import Any

import mpmath
import sympy as sp
from sympy.core.evalf import PrecisionExhausted
from sympy.polys.polyerrors import BasePolynomialError

log = logging.getLogger(__name__)

REL_TOL = 1e-9
N_POINTS = 8

# What a SymPy routine raises when it cannot do a job (an unsupported expression, a domain
# it does not handle, a coercion that fails). Caught where the routine is one optional way
# to decide; RecursionError and MemoryError are not here: they mean "too complex".
SYMPY_ERRORS: tuple[type[BaseException], ...] = (
    ArithmeticError,
    AttributeError,
    BasePolynomialError,
    NotImplementedError,
    TypeError,
    ValueError,
)


def sympy_gave_up(what: str, e: BaseException) -> None:
    """Log a SymPy routine that failed where the checker falls back to another way."""
    log.info("%s failed (%s: %s); falling back", what, type(e).__name__, str(e)[:200])


class Undefined(Exception):
    pass


_CFUNC = {
    sp.sin: cmath.sin,
    sp.cos: cmath.cos,
    sp.tan: cmath.tan,
    sp.asin: cmath.asin,
    sp.acos: cmath.acos,
    sp.atan: cmath.atan,
    sp.sinh: cmath.sinh,
    sp.cosh: cmath.cosh,
    sp.tanh: cmath.tanh,
    sp.asinh: cmath.asinh,
    sp.acosh: cmath.acosh,
    sp.atanh: cmath.atanh,
    sp.exp: cmath.exp,
}


def num_eval(e: Any, env: dict[Any, complex]) -> complex:
    """Evaluate a SymPy expression with Python complex numbers (fast path)."""
    if e.is_Symbol:
        return env[e]
    if e.is_Number:
        if e.is_Rational:
            return complex(e.p / e.q) if e.q != 1 else complex(float(e.p))
        if e is sp.zoo or e is sp.nan:
            raise Undefined
        return complex(float(e))
    if e is sp.pi:
        return complex(math.pi)
    if e is sp.E:
        return complex(math.e)
    if e is sp.I:
        return 1j
    if e.is_Add:
        return sum((num_eval(a, env) for a in e.args), 0j)
    if e.is_Mul:
        out = 1 + 0j
        for a in e.args:
            out *= num_eval(a, env)
        return out
    if e.is_Pow:
        b = num_eval(e.base, env)
        ex = e.exp
        if ex.is_Integer:
            n = int(ex)
            if b == 0 and n < 0:
                raise Undefined
            if abs(n) > 400:
                return b ** complex(n)
            return b**n
        x = num_eval(ex, env)
        if b == 0:
            if x.real > 0:
                return 0j
            raise Undefined
        return b**x
    f = e.func
    if f in _CFUNC:
        return _CFUNC[f](num_eval(e.args[0], env))
    if f is sp.log:
        a = num_eval(e.args[0], env)
        if a == 0:
            raise Undefined
        return cmath.log(a)
    if f is sp.Abs:
        return complex(abs(num_eval(e.args[0], env)))
    if f in (sp.sec, sp.csc, sp.cot):
        a = num_eval(e.args[0], env)
        d = {sp.sec: cmath.cos, sp.csc: cmath.sin, sp.cot: cmath.tan}[f](a)
        if d == 0:
            raise Undefined
        return 1 / d
    # anything else: let SymPy do it (slower, rare)
    v = e.xreplace({k: sp.Float(z.real) + sp.I * sp.Float(z.imag) for k, z in env.items()}).evalf(
        20
    )
    if not v.is_number:
        raise Undefined
    try:
        return complex(v)
    except (TypeError, ValueError):
        raise Undefined from None


def mp_eval(e: Any, env: dict[Any, complex]) -> mpmath.mpc:
    """The same with SymPy's arbitrary precision (slow path, for overflow)."""
    xs = {
        k: sp.Float(mpmath.mpf(v.real), 30) + sp.I * sp.Float(mpmath.mpf(v.imag), 30)
        for k, v in env.items()
    }
    v = e.xreplace(xs).evalf(30)
    if not v.is_number or v.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise Undefined
    re_, im_ = v.as_real_imag()
    return mpmath.mpc(
        mpmath.mpf(str(re_)) if re_ != 0 else 0, mpmath.mpf(str(im_)) if im_ != 0 else 0
    )


def eval_at(e: Any, env: dict[Any, complex]) -> complex | mpmath.mpc:
    """The value of ``e`` at a point, in floating point (arbitrary precision when that
    overflows); raises :class:`Undefined` where it has no finite value."""
    try:
        v = num_eval(e, env)
        if cmath.isfinite(v):
            return v
        raise OverflowError
    except (OverflowError, ZeroDivisionError, ValueError):
        try:
            return mp_eval(e, env)
        except Undefined:
            raise
        except SYMPY_ERRORS as err:
            sympy_gave_up("arbitrary-precision evaluation", err)
            raise Undefined from None
    except Undefined:
        raise
    except (TypeError, AttributeError, RecursionError):
        raise Undefined from None


def close(a: Any, b: Any, rel: float = REL_TOL) -> bool:
    d = abs(a - b)
    scale = max(1.0, abs(a), abs(b))
    return bool(d <= rel * scale)


def points(
    symbols: Iterable[Any], n: int = N_POINTS, seed: int = 0, positive: bool = False
) -> list[dict[Any, complex]]:
    syms = sorted(symbols, key=lambda s: s.name)
    rng = random.Random(1000003 * seed + len(syms))
    out = []
    for _ in range(n):
        env: dict[Any, complex] = {}
        for s in syms:
            if positive:
                v = rng.uniform(0.1, 0.95)
            else:
                v = rng.uniform(0.1, 2.0) * rng.choice((-1, 1))
            env[s] = complex(round(v, 6))
        out.append(env)
    return out


def numeric_compare(
    a: Any, b: Any, symbols: set[Any] | None = None, n: int = N_POINTS, rel: float = REL_TOL
) -> bool | None:
    """True/False when the random points decide, None when they cannot.

    Points in [-2, 2] for every variable, principal branches for roots and logs (so
    ``sqrt(x^2)`` is not ``x`` and ``log(a*b)`` is not ``log(a) + log(b)``: domain care).
    """
    syms = symbols if symbols is not None else (a.free_symbols | b.free_symbols)
    return _numeric_compare(a, b, syms, n, rel, positive=False)


def _is_real(v: Any) -> bool:
    return bool(abs(v.imag) <= 1e-9 * max(1.0, abs(v)))


def _numeric_compare(
    a: Any, b: Any, syms: set[Any], n: int, rel: float, positive: bool
) -> bool | None:
    """Values at random points. With logarithms, when either side takes real values, the
    comparison is over the real domain: points where both sides are non-real are outside it
    and skipped (ln(x^3) and 3 ln(x) agree wherever they are defined), points where only one
    side is real show different domains (log(x^2) is real at x < 0, 2 log(x) is not)."""
    vals = []
    for env in points(syms, n, positive=positive):
        pair: list[Any] = []
        for e in (a, b):
            try:
                pair.append(eval_at(e, env))
            except Undefined:
                pair.append(None)
        vals.append(pair)
    # Only logarithms: a power of a negative base is a complex number in its own right
    # ((a^b)^c is not a^(bc) there), a logarithm of one is outside its real domain.
    real_domain = (a.has(sp.log) or b.has(sp.log)) and any(
        v is not None and _is_real(v) for pair in vals for v in pair
    )
    ok = 0
    one_sided = 0
    for va, vb in vals:
        if real_domain:
            ra, rb = va is not None and _is_real(va), vb is not None and _is_real(vb)
            if not ra and not rb:
                continue
            if ra != rb:
                one_sided += 1
                continue
        elif va is None or vb is None:
            one_sided += va is not vb
            continue
        if not close(va, vb, rel):
            return False
        ok += 1
    if ok >= 3 and one_sided <= ok // 2:
        return True
    if one_sided > ok and one_sided >= 3:
        return False
    if real_domain and not positive and one_sided == 0:
        # the common real domain held too few points (ln(x^3), 3 ln(x)): positive values
        return _numeric_compare(a, b, syms, n, rel, positive=True)
    return None


def _undefined(v: Any) -> bool:
    return bool(v.has(sp.zoo, sp.nan))


def number_sign(d: Any) -> int | None:
    """The sign (-1, 0, 1) of a real constant, decided with arbitrary precision, or None
    (complex, or not a number).

    SymPy's evalf finds 30 correct digits of a nonzero number whatever its size (``e^999``,
    ``e^-999``: no overflow to infinity, no underflow to zero) and finds none only when
    the number is zero to its working precision (``log(8)/log(2) - 3``); that case is
    settled symbolically, and an undecided one is not zero.
    """
    if d == 0:
        return 0
    try:
        v = d.evalf(30, strict=True)
    except PrecisionExhausted:
        try:
            return 0 if d.equals(0) is True else None
        except SYMPY_ERRORS as e:
            sympy_gave_up("equals", e)
            return None
    except SYMPY_ERRORS as e:
        sympy_gave_up("evalf", e)
        return None
    if not v.is_number or v.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return None
    re_, im_ = v.as_real_imag()
    if im_ != 0:
        return None
    return 0 if re_ == 0 else (1 if re_ > 0 else -1)


def is_zero_number(d: Any) -> bool:
    """A constant is exactly zero (see :func:`number_sign`); complex ones part by part."""
    if d == 0:
        return True
    try:
        re_, im_ = d.as_real_imag()
    except SYMPY_ERRORS as e:
        sympy_gave_up("as_real_imag", e)
        return False
    return number_sign(re_) == 0 and number_sign(im_) == 0


def numbers_equal(a: Any, b: Any) -> bool:
    """Two constants are equal: exactly, never through floating point (``e^999`` is not
    ``7``, ``e^-999`` is not ``10^-300``)."""
    if _undefined(a) or _undefined(b):
        return False
    if a == b:
        return True
    if a.is_Rational and b.is_Rational:
        return False
    inf = (sp.oo, -sp.oo, sp.zoo, sp.nan)
    if a.has(*inf) or b.has(*inf):
        return bool(sp.simplify(a - b) == 0) if a.is_finite == b.is_finite else False
    d = a - b
    if not d.is_number:
        return bool(sp.simplify(d) == 0)
    return is_zero_number(d)


def equivalent(a: Any, b: Any) -> bool:
    """Algebraic equivalence of two SymPy expressions."""
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        if (
            not (isinstance(a, sp.MatrixBase) and isinstance(b, sp.MatrixBase))
            or a.shape != b.shape
        ):
            return False
        return all(equivalent(x, y) for x, y in zip(a, b, strict=True))
    if _undefined(a) or _undefined(b):
        return False
    if a == b:
        return True
    fa, fb = a.free_symbols, b.free_symbols
    syms = fa | fb
    if not syms:
        return numbers_equal(a, b)
    try:
        if (a - b) == 0:
            return True
    except SYMPY_ERRORS as e:  # pragma: no cover
        sympy_gave_up("subtraction", e)
    res = numeric_compare(a, b, syms)
    if res is True and (has_extreme(a) or has_extreme(b)):
        return _simplifies_to_zero(a - b)  # x + e^-999 is not x, however close in floats
    if res is True:
        return _confirm(a, b, syms)
    if res is not None:
        return res
    return _simplifies_to_zero(a - b)


def _simplifies_to_zero(d: Any) -> bool:
    try:
        return bool(sp.simplify(d) == 0)
    except SYMPY_ERRORS as e:
        sympy_gave_up("simplify", e)
        return False


def _confirm(a: Any, b: Any, syms: set[Any]) -> bool:
    """Floats agree to ~1e-9; decide exactly (0.333333333333333*x vs x/3 differ)."""
    d = a - b
    if d == 0:
        return True
    # exact for small polynomials / rational functions
    try:
        if all(
            p.is_Pow is False or not p.exp.is_Integer or abs(p.exp) <= 12 for p in d.atoms(sp.Pow)
        ):
            if d.is_rational_function(*syms) and sp.count_ops(d) < 400:
                return bool(sp.cancel(d) == 0)
    except SYMPY_ERRORS as e:
        sympy_gave_up("cancel", e)
    # otherwise: the same points at 50 digits (over the real domain when there is one,
    # as in _numeric_compare: points where both sides are non-real are skipped)
    checked = 0
    for env in points(syms, 3, seed=11) + points(syms, 3, seed=11, positive=True):
        if checked >= 3:
            break
        try:
            xs = {k: sp.Float(v.real, 50) for k, v in env.items()}
            va = sp.N(a.xreplace(xs), 50)
            vb = sp.N(b.xreplace(xs), 50)
            if not (va.is_number and vb.is_number):
                continue
            ca, cb = complex(sp.N(va, 15)), complex(sp.N(vb, 15))
            if (
                not _is_real(ca)
                and not _is_real(cb)
                and (a.has(sp.log) or b.has(sp.log))
                and _real_somewhere(a, b, syms)
            ):
                continue
            dv = abs(complex(sp.N(va - vb, 30)))
            scale = max(1.0, abs(ca), abs(cb))
        except (TypeError, ValueError, OverflowError):
            continue
        checked += 1
        if dv > 1e-35 * scale:
            return False
    return True


def _real_somewhere(a: Any, b: Any, syms: set[Any]) -> bool:
    """Either side takes a real value at one of the random points (it has a real domain)."""
    for env in points(syms, N_POINTS) + points(syms, N_POINTS, positive=True):
        for e in (a, b):
            try:
                if _is_real(eval_at(e, env)):
                    return True
            except Undefined:
                continue
    return False


_HUGE = mpmath.mpf(10) ** 300
_TINY = mpmath.mpf(10) ** -300


def has_extreme(e: Any) -> bool:
    """A constant inside ``e`` too large or too small for floating point (``e^999``,
    ``e^-999``): random points in floating point cannot judge an expression with one."""
    for s in sp.preorder_traversal(e):
        if not s.is_number or s.is_NumberSymbol or s is sp.I:
            continue
        if s.is_Rational:
            p, q = abs(s.p), s.q
            if p and (p > q * 10**300 or q > p * 10**300):
                return True
            continue
        v = to_mp(s)
        if v is not None and v != 0 and not (_TINY < abs(v) < _HUGE):
            return True
    return False


def to_float(v: Any) -> complex | None:
    """``v`` as a Python complex, or None where floating point cannot hold it (it overflows,
    or a nonzero value underflows to 0)."""
    try:
        x = sp.N(v, 30)
        c = complex(x)
    except (TypeError, ValueError):
        return None
    if not cmath.isfinite(c) or (c == 0 and x != 0):
        return None
    return c


def to_mp(v: Any) -> mpmath.mpc | None:
    """``v`` to 30 digits as an mpmath number, whose exponent is unbounded (no overflow,
    no underflow), or None when it is not a finite number."""
    try:
        x = sp.N(v, 30)
    except SYMPY_ERRORS as e:
        sympy_gave_up("evalf", e)
        return None
    if not x.is_number or x.has(sp.oo, -sp.oo, sp.zoo, sp.nan):
        return None
    re_, im_ = x.as_real_imag()
    try:
        with mpmath.workdps(30):
            return mpmath.mpc(mpmath.mpf(str(re_)), mpmath.mpf(str(im_)))
    except (TypeError, ValueError):
        return None
