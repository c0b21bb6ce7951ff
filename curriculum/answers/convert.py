"""Parse trees to SymPy objects, with bounds on sizes (no eval, no sympify of strings)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import sympy as sp

from .errors import ParseError
from .nodes import Node

MAX_RESULT_DIGITS = 5000  # an exact number may have at most this many digits
MAX_SYMBOLIC_EXPONENT = 10000
MAX_FACTORIAL = 500

_FUNCS = {
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "sec": sp.sec,
    "csc": sp.csc,
    "cot": sp.cot,
    "asin": sp.asin,
    "acos": sp.acos,
    "atan": sp.atan,
    "asec": sp.asec,
    "acsc": sp.acsc,
    "acot": sp.acot,
    "arcsin": sp.asin,
    "arccos": sp.acos,
    "arctan": sp.atan,
    "arcsec": sp.asec,
    "arccsc": sp.acsc,
    "arccot": sp.acot,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "sech": sp.sech,
    "csch": sp.csch,
    "coth": sp.coth,
    "asinh": sp.asinh,
    "acosh": sp.acosh,
    "atanh": sp.atanh,
    "arsinh": sp.asinh,
    "arcosh": sp.acosh,
    "artanh": sp.atanh,
    "arcsinh": sp.asinh,
    "arccosh": sp.acosh,
    "arctanh": sp.atanh,
    "exp": sp.exp,
    "ln": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "floor": sp.floor,
    "ceil": sp.ceiling,
    "ceiling": sp.ceiling,
    "sign": sp.sign,
    "sgn": sp.sign,
    "factorial": None,
}


class NotAnExpression(ValueError):
    """The node is a relation, set, list... where a single expression was needed."""


class Converter:
    """Converts expression nodes."""

    def __init__(self, log_base: str = "e"):
        self.log_base = log_base
        self._symbols: dict[str, sp.Symbol] = {}

    def symbol(self, name: str) -> sp.Symbol:
        s = self._symbols.get(name)
        if s is None:
            s = self._symbols[name] = sp.Symbol(name)
        return s

    def __call__(self, n: Node) -> Any:
        return self.conv(n)

    def conv(self, n: Node) -> Any:
        op = n.op
        if op == "num":
            v = n.value
            if "." in v or "e" in v:
                return sp.Rational(v) if "e" not in v else _sci(v)
            return sp.Integer(v)
        if op == "mixed":
            w, a, b = n.value
            return sp.Integer(w) + sp.Rational(int(a), int(b))
        if op == "sym":
            return self.symbol(n.value)
        if op == "const":
            return {"pi": sp.pi, "e": sp.E, "i": sp.I, "oo": sp.oo}[n.value]
        if op == "add":
            return self.conv(n.args[0]) + self.conv(n.args[1])
        if op == "sub":
            return self.conv(n.args[0]) - self.conv(n.args[1])
        if op in ("mul", "imul"):
            return _mul(self.conv(n.args[0]), self.conv(n.args[1]))
        if op == "div":
            a, b = self.conv(n.args[0]), self.conv(n.args[1])
            return _mul(a, _pow(b, sp.Integer(-1)))
        if op == "neg":
            return -self.conv(n.args[0])
        if op == "pos":
            return self.conv(n.args[0])
        if op == "pow":
            return _pow(self.conv(n.args[0]), self.conv(n.args[1]))
        if op == "pct":
            return self.conv(n.args[0]) / 100
        if op == "fact":
            a = self.conv(n.args[0])
            if a.is_Integer and (a > MAX_FACTORIAL or a < 0):
                raise ParseError(f"{a}! is too large to work with.", code="too_complex")
            return sp.factorial(a)
        if op == "abs":
            return sp.Abs(self.conv(n.args[0]))
        if op == "func":
            return self.func(n)
        if op == "matrix":
            return sp.ImmutableMatrix([[self.conv(c) for c in r.args] for r in n.args])
        if op in ("pm", "upm"):
            raise NotAnExpression("±")
        raise NotAnExpression(op)

    def func(self, n: Node) -> Any:
        name = n.value
        args = [self.conv(a) for a in n.args]
        if name in ("log", "lg"):
            if len(args) == 2:
                return sp.log(args[0], args[1])
            if len(args) != 1:
                raise ParseError("log takes one argument (or two: log(x, base)).")
            if name == "lg" or self.log_base == "10":
                return sp.log(args[0], 10)
            return sp.log(args[0])
        if name in ("root", "cbrt"):
            if name == "cbrt":
                args = [args[0], sp.Integer(3)] if len(args) == 1 else args
            if len(args) != 2:
                raise ParseError("root takes two arguments: root(x, n).")
            return _pow(args[0], _pow(args[1], sp.Integer(-1)))
        if name in ("max", "min", "gcd", "lcm"):
            if not args:
                raise ParseError(f"{name} needs arguments.")
            f = {"max": sp.Max, "min": sp.Min, "gcd": sp.gcd, "lcm": sp.lcm}[name]
            return f(*args) if name in ("max", "min") else _fold(f, args)
        if name in ("binomial", "nCr"):
            if len(args) != 2:
                raise ParseError(f"{name} takes two arguments.")
            if args[0].is_Integer and abs(args[0]) > MAX_FACTORIAL:
                raise ParseError("That binomial coefficient is too large.", code="too_complex")
            return sp.binomial(*args)
        if name == "factorial":
            if len(args) != 1:
                raise ParseError("factorial takes one argument.")
            if args[0].is_Integer and args[0] > MAX_FACTORIAL:
                raise ParseError("That factorial is too large.", code="too_complex")
            return sp.factorial(args[0])
        if name == "det":
            raise NotAnExpression("det")
        f = _FUNCS.get(name)
        if f is None:
            raise ParseError(f"We do not know the function '{name}'.", code="unknown_word")
        if len(args) != 1:
            raise ParseError(f"{name} takes one argument.")
        return f(args[0])


def _fold(f: Callable[[Any, Any], Any], args: list[Any]) -> Any:
    out = args[0]
    for a in args[1:]:
        out = f(out, a)
    return out


def _sci(v: str) -> Any:
    mant, _, exp = v.partition("e")
    e = int(exp)
    if abs(e) > MAX_RESULT_DIGITS:
        raise ParseError("That number is too large to work with.", code="too_complex")
    return sp.Rational(mant) * sp.Integer(10) ** e


def _digits(x: Any) -> float:
    """log10 of the size of an exact number (0 for non-numbers)."""
    try:
        if x.is_Integer:
            v = abs(int(x))
            return v.bit_length() * 0.30103 if v else 0.0
        if x.is_Rational:
            return max(_digits(sp.Integer(x.p)), _digits(sp.Integer(x.q)))
        if x.is_Float:
            return 0.0
    except (TypeError, ValueError):  # pragma: no cover
        return 0.0
    return 0.0


def _mul(a: Any, b: Any) -> Any:
    if _digits(a) + _digits(b) > MAX_RESULT_DIGITS:
        raise ParseError("That number is too large to work with.", code="too_complex")
    return a * b


def _pow(base: Any, exp: Any) -> Any:
    if exp.is_Number:
        if not exp.is_finite:
            return sp.Pow(base, exp)
        mag = abs(float(exp)) if exp.is_Rational else abs(float(exp))
        if base.is_Number:
            if base.is_zero or base in (sp.Integer(1), sp.Integer(-1)):
                return base**exp
            size = max(
                _digits(base), math.log10(max(abs(float(base)), 1e-300)) if base.is_finite else 0
            )
            size = max(size, 1.0)
            # an exponent that is a fraction only produces a surd; its integer part counts
            if mag * size > MAX_RESULT_DIGITS:
                raise ParseError("That power is too large to work with.", code="too_complex")
        elif mag > MAX_SYMBOLIC_EXPONENT:
            raise ParseError("That exponent is too large to work with.", code="too_complex")
    else:
        # symbolic exponent on a huge base, or a huge tower: a^(b^c) with numbers inside
        if _digits(exp) > 6:
            raise ParseError("That exponent is too large to work with.", code="too_complex")
    return base**exp
