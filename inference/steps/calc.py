"""The exact calculator of the tutor model's CALCs (docs/tutor-model.md).

While the model streams a step line ``PHRASE ($LEFT = RESULT$, ...): $STATE$.``, the engine
calls :func:`calc_result` with the unfinished line after every token. As soon as the line ends
with ``$LEFT =`` inside the step's parentheses, it returns the text to insert (`` RESULT``):
LEFT carried out exactly with SymPy, written by :func:`inference.steps.render.latex_result`.
"""

from __future__ import annotations

import re
from functools import lru_cache

import sympy as sp

from curriculum.answers.nodes import walk

from .problems import expr_of, has_decimal, is_plain, parse_math
from .render import latex_result

__all__ = ["calc_left", "calc_result", "calc_value"]

_DOLLAR = re.compile(r"(?<!\\)\$")
# a relation in LEFT: `$x = 3 =` is not a calculation
_RELATION = re.compile(r"[<>]|\\(?:le|ge|leq|geq|ne|neq|lt|gt)(?![a-zA-Z])")


def calc_left(line_so_far: str) -> str | None:
    """LEFT when the line ends with ``$LEFT =`` inside the step's CALC parentheses, else None."""
    s = line_so_far
    if s[-1:] != "=" and s[-2:] != "= ":  # the quick test: almost every token stops here
        return None
    if s.lstrip().startswith("Answer"):
        return None
    parts = _DOLLAR.split(s)
    if len(parts) % 2:  # an even number of $: the line is not inside maths
        return None
    k = len(parts) - 1
    j = k - 1
    # earlier CALCs of the same parentheses: `($5 + 3 = 8$, $2 \cdot 4 =`
    while j >= 2 and parts[j].strip() == ",":
        j -= 2
    if not parts[j].rstrip().endswith("("):
        return None  # PHRASE maths (`Substitute $y =`) or the STATE (`): $x =`)
    left = parts[k].rstrip()[:-1].strip()
    if not left or "=" in left or _RELATION.search(left):
        return None
    return left


@lru_cache(maxsize=2048)
def calc_value(left: str) -> tuple[sp.Expr, bool] | None:
    """LEFT carried out exactly, and whether RESULT is written with decimals; None if unreadable.

    The value is a Rational or a polynomial with Rational coefficients (expanded).
    """
    node = parse_math(left)
    if node is None or not is_plain(node):
        return None
    v = expr_of(node)
    if v is None:
        return None
    syms = v.free_symbols
    if syms:
        v = sp.expand(v)
        if not v.is_polynomial(*syms):
            v = sp.cancel(v)
            if not v.is_polynomial(*syms):
                return None  # a rational function: no canonical RESULT form
        try:
            if any(not c.is_Rational for c in sp.Poly(v, *sorted(syms, key=str)).coeffs()):
                return None
        except sp.PolynomialError:
            return None
    elif not v.is_Rational:
        return None
    # decimals only when every number of LEFT is a decimal or an integer (no \frac)
    decimals = (
        has_decimal(node) and "frac" not in left and not any(m.op == "mixed" for m in walk(node))
    )
    return v, decimals


@lru_cache(maxsize=2048)
def _result_text(left: str) -> str | None:
    got = calc_value(left)
    if got is None:
        return None
    value, decimals = got
    try:
        return latex_result(value, decimals=decimals)
    except Exception:  # noqa: BLE001 - model text: a result that cannot be written is not inserted
        return None


def calc_result(line_so_far: str) -> str | None:
    """The text to insert after ``$LEFT =`` in a CALC (`` RESULT``), or None. Never raises."""
    try:
        left = calc_left(line_so_far)
        if left is None:
            return None
        result = _result_text(left)
    except Exception:  # noqa: BLE001 - model text is arbitrary: a calculator that fails stays silent
        return None
    if result is None:
        return None
    return result if line_so_far.endswith(" ") else " " + result
