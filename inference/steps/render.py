"""Canonical LaTeX rendering of CALC results and states (docs/tutor-model.md).

The engine inserts ``latex_result(...)`` after ``$LEFT =`` while the model streams, and the
training data writes exactly the same strings, so this module is the single source of the
canonical RESULT form:

- integers ``-12``; fractions in lowest terms ``\\frac{7}{12}`` / ``-\\frac{7}{12}``;
  with ``decimals=True`` a terminating decimal ``0.75`` (otherwise still a fraction);
- polynomials in descending powers, coefficient 1 / -1 as ``x`` / ``-x``, fraction
  coefficients ``\\frac{1}{2}x``, several variables in alphabetical order;
- single spaces around binary ``+ - = < > \\le \\ge``, none after a unary minus.

Pure Python + SymPy (no Django, no torch) and cheap: numbers never go through ``sp.latex``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from numbers import Integral
from typing import Any

import sympy as sp

__all__ = [
    "RELATIONS",
    "decimals_for",
    "is_terminating",
    "latex_number",
    "latex_operand",
    "latex_relation",
    "latex_result",
    "latex_sum",
    "latex_term",
    "to_rational",
]

# Relation spellings accepted by latex_relation -> the canonical LaTeX operator.
RELATIONS = {
    "=": "=",
    "<": "<",
    ">": ">",
    "<=": "\\le",
    ">=": "\\ge",
    "\\le": "\\le",
    "\\ge": "\\ge",
    "\\leq": "\\le",
    "\\geq": "\\ge",
    "≤": "\\le",
    "≥": "\\ge",
}

_SP_REL = {
    sp.Equality: "=",
    sp.StrictLessThan: "<",
    sp.StrictGreaterThan: ">",
    sp.LessThan: "\\le",
    sp.GreaterThan: "\\ge",
}


def to_rational(value: object) -> Fraction | None:
    """An exact Fraction for a number-like value (int, Fraction, Decimal, float, SymPy
    Integer/Rational/Float), or None when the value is not a rational number."""
    if isinstance(value, bool):
        return Fraction(int(value))
    if isinstance(value, Integral):
        return Fraction(int(value))
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal):
        return Fraction(value)
    if isinstance(value, float):
        # the decimal the user wrote, not the binary float
        return Fraction(repr(value))
    if isinstance(value, sp.Integer):
        return Fraction(int(value.p))
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    if isinstance(value, sp.Float):
        return Fraction(str(sp.nsimplify(value, rational=True)))
    return None


def is_terminating(q: Fraction) -> bool:
    """True when q has a finite decimal expansion (denominator 2^a 5^b)."""
    d = q.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    return d == 1


_DECIMAL_LITERAL = re.compile(r"\d\.\d")


def decimals_for(left: str) -> bool:
    """Whether the RESULT of a CALC with this LEFT is written as a decimal: LEFT has at least
    one decimal number and no ``\\frac`` (``2 \\div 0.5 = 4``, ``7 - 2.5 = 4.5``). All-integer
    LEFTs give integers or fractions (``\\frac{1}{2}``); the training data never divides
    integers into a non-integer, so both readings of the doc agree on it."""
    return "\\frac" not in left and _DECIMAL_LITERAL.search(left) is not None


def _decimal_str(q: Fraction) -> str:
    d = q.denominator
    a = b = 0
    while d % 2 == 0:
        d //= 2
        a += 1
    while d % 5 == 0:
        d //= 5
        b += 1
    digits = max(a, b)
    scaled = abs(q.numerator) * 10**digits // q.denominator
    s = str(scaled).rjust(digits + 1, "0")
    body = s[:-digits] + "." + s[-digits:] if digits else s
    return ("-" if q < 0 else "") + body


def latex_number(value: object, decimals: bool = False) -> str:
    """Canonical LaTeX of a rational number: ``-12``, ``\\frac{7}{12}``, ``-\\frac{7}{12}``,
    or (decimals=True and terminating) ``0.75``."""
    q = value if isinstance(value, Fraction) else to_rational(value)
    if q is None:
        raise ValueError(f"not a rational number: {value!r}")
    if q.denominator == 1:
        return str(q.numerator)
    if decimals and is_terminating(q):
        return _decimal_str(q)
    sign = "-" if q < 0 else ""
    return f"{sign}\\frac{{{abs(q.numerator)}}}{{{q.denominator}}}"


def latex_operand(value: object, decimals: bool = False) -> str:
    """A number as an operand inside LEFT: negative numbers in brackets, ``(-8)``."""
    s = latex_number(value, decimals)
    return f"({s})" if s.startswith("-") else s


def _monomial(powers: tuple[tuple[str, int], ...]) -> str:
    out = []
    for name, e in powers:
        if e == 1:
            out.append(name)
        elif e < 10:
            out.append(f"{name}^{e}")
        else:
            out.append(f"{name}^{{{e}}}")
    return "".join(out)


def latex_term(coef: object, monomial: str = "", decimals: bool = False) -> str:
    """One term ``coef * monomial`` with its own sign: ``-x``, ``3x^2``, ``\\frac{1}{2}x``."""
    q = coef if isinstance(coef, Fraction) else to_rational(coef)
    if q is None:
        raise ValueError(f"not a rational coefficient: {coef!r}")
    if not monomial:
        return latex_number(q, decimals)
    if q == 1:
        return monomial
    if q == -1:
        return "-" + monomial
    return latex_number(q, decimals) + monomial


def latex_sum(pairs: Iterable[tuple[object, str]], decimals: bool = False) -> str:
    """Signed terms ``(coef, monomial)`` in the given order, zero terms dropped: ``3x - 5``;
    ``0`` when nothing is left."""
    return _join([latex_term(c, m, decimals) for c, m in pairs if c != 0])


def _join(terms: list[str]) -> str:
    if not terms:
        return "0"
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def _sympify_value(expr: object) -> Any:
    if isinstance(expr, sp.Basic):
        return expr
    if isinstance(expr, (Fraction, Decimal, float)):
        q = to_rational(expr)
        assert q is not None  # every Fraction, Decimal and float is rational
        return sp.Rational(q.numerator, q.denominator)
    return sp.sympify(expr, strict=True)  # ints and the like only; never strings


def latex_result(expr: object, decimals: bool = False) -> str:
    """The canonical RESULT form of a number or polynomial (see the module docstring).

    Accepts Python int/Fraction/Decimal/float and SymPy numbers, polynomial expressions and
    relations (rendered side by side). Expressions that are not polynomials fall back to
    a lightly normalised ``sp.latex``.
    """
    if isinstance(expr, str):
        raise TypeError("latex_result takes a number or a SymPy expression, not a string")
    q = to_rational(expr)
    if q is not None:
        return latex_number(q, decimals)
    sexpr = _sympify_value(expr)
    rel = _SP_REL.get(type(sexpr))
    if rel is not None:
        return latex_relation(sexpr.lhs, rel, sexpr.rhs, decimals)
    if sexpr.has(sp.Float):
        sexpr = sp.nsimplify(sexpr, rational=True)
    syms = sorted(sexpr.free_symbols, key=lambda s: s.name)
    if not syms:
        q = to_rational(sp.nsimplify(sexpr)) if not sexpr.is_Rational else to_rational(sexpr)
        if q is not None:
            return latex_number(q, decimals)
        return _fallback(sexpr)
    try:
        poly = sp.Poly(sexpr, *syms)
    except sp.PolynomialError:
        try:  # e.g. (x^2 - 5x) \div x: a polynomial once cancelled
            poly = sp.Poly(sp.cancel(sexpr), *syms)
        except sp.PolynomialError:
            return _fallback(sexpr)
    if not poly.domain.is_QQ and not poly.domain.is_ZZ:
        return _fallback(sexpr)
    names = [s.name for s in syms]
    terms = []
    # graded order: total degree first, then alphabetical (x^2 + 2xy + y^2 + x + 1)
    for monom, coef in poly.terms(order="grlex"):
        m = _monomial(tuple((n, e) for n, e in zip(names, monom, strict=True) if e))
        terms.append(latex_term(to_rational(coef), m, decimals))
    return _join(terms)


def _fallback(expr: Any) -> str:
    s: str = sp.latex(expr)
    return s.replace("\\left(", "(").replace("\\right)", ")")


def latex_relation(lhs: object, rel: str, rhs: object, decimals: bool = False) -> str:
    """``LHS REL RHS`` with both sides canonical and the relation as ``= < > \\le \\ge``."""
    op = RELATIONS.get(rel)
    if op is None:
        raise ValueError(f"unknown relation {rel!r}")
    return f"{latex_result(lhs, decimals)} {op} {latex_result(rhs, decimals)}"
