"""Lines the CAS writes itself when the model keeps failing at a step: planned lines.

After a few rejected attempts at a line (``PLAN_AFTER`` in the local engine) the engine writes the
line the training data would write from the current state, exactly as the generators of
``inference.training.data`` write it (tests compare them): an elimination step (the multiplier
that lines up one unknown, then adding or subtracting the equations), a linear equation
``a v + b = c`` (move the constant, divide), a monic quadratic (move, factor), one bracket to
distribute. :func:`off_plan_multiplier` recognises the true elimination step that leads nowhere.

Pure Python + SymPy (no Django, no torch).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fractions import Fraction

import sympy as sp

from curriculum.answers.nodes import Node, walk

from .check import LineChecker, split_line
from .problems import ProblemState, expr_of, is_plain, parse_math, plain_relations, plain_value
from .render import latex_result, latex_sum
from .writer import (
    Lin,
    Op,
    Tree,
    back_substitution_line,
    factor_lines,
    foil_lines,
    gather_line,
    mixed_lines,
    reduce_lines,
    zero_product_lines,
)

__all__ = [
    "PLANNERS",
    "planned_line",
    "both_sides_line",
    "substitute_back_line",
    "term_of",
    "zero_product_line",
    "arithmetic_line",
    "factor_line",
    "foil_line",
    "answer_line",
    "DISTRIBUTE_PHRASE",
    "ONE_EQUATION_PHRASE",
    "distribute_line",
    "elimination_line",
    "linear_line",
    "lowest_terms_line",
    "off_plan_multiplier",
    "quadratic_line",
]

ONE_EQUATION_PHRASE = re.compile(
    r"^Multiply\s+the\s+(?P<which>first|second)\s+equation\s+by\s+\$(?P<k>[^$]+)\$"
)


def _linear_pair(latex: str, names: tuple[str, str]) -> list[list[int]] | None:
    """``a x + b y = e`` twice, as [[a, b, e], [c, d, f]] with whole numbers, or None."""
    rels = plain_relations(latex)
    if rels is None or len(rels) != 2 or not all(isinstance(r, sp.Eq) for r in rels):
        return None
    x, y = sp.symbols(names)
    out = []
    for rel in rels:
        expr = sp.expand(rel.lhs - rel.rhs)
        if not expr.free_symbols <= {x, y}:
            return None
        try:
            poly = sp.Poly(expr, x, y)
        except sp.PolynomialError:
            return None
        if poly.total_degree() > 1:
            return None
        a, b, k = poly.coeff_monomial(x), poly.coeff_monomial(y), -poly.coeff_monomial(1)
        if not all(v.is_Integer for v in (a, b, k)) or (a == 0 and b == 0):
            return None
        out.append([int(a), int(b), int(k)])
    return out


def _operand(n: int) -> str:
    return f"({n})" if n < 0 else str(n)


def elimination_line(problem: ProblemState, previous_state: str) -> str | None:
    """The next line of an elimination written by the CAS from the current pair of equations,
    as the training data plans it: multiply an equation so that one unknown's coefficients
    match (the smaller multipliers), then add or subtract the equations. None when the state
    is not a pair of whole-number linear equations in the problem's two unknowns."""
    if problem.task != "solve_system" or len(problem.variables) != 2:
        return None
    names = (problem.variables[0].name, problem.variables[1].name)
    pair = _linear_pair(previous_state, names)
    if pair is None:
        return None
    eq1, eq2 = pair
    (a, b, _), (c, d, _) = eq1, eq2
    if a * d - b * c == 0:
        return None

    def side(eq: list[int]) -> str:
        return latex_sum([(eq[0], names[0]), (eq[1], names[1])])

    def both(u: list[int], w: list[int]) -> str:
        return f"{side(u)} = {u[2]} \\text{{ and }} {side(w)} = {w[2]}"

    for j in (0, 1):  # coefficients already equal or opposite: combine
        if eq1[j] and abs(eq1[j]) == abs(eq2[j]):
            add = eq1[j] == -eq2[j]
            sign, op = (1, "+") if add else (-1, "-")
            res = [eq1[i] + sign * eq2[i] for i in range(3)]
            keep = names[1 - j]
            phrase = "Add the equations" if add else "Subtract the second equation from the first"
            left = f"({side(eq1)}) {op} ({side(eq2)})"
            calcs = (
                f"${left} = {latex_sum([(res[1 - j], keep)])}$, "
                f"${eq1[2]} {op} {_operand(eq2[2])} = {res[2]}$"
            )
            kept = latex_sum([(res[1 - j], keep)])
            return f"{phrase} ({calcs}): ${kept} = {res[2]}$."
    lx, ly = math.lcm(a, c), math.lcm(b, d)
    j = 0 if (abs(lx), a) <= (abs(ly), 0) else 1
    if abs(b) == abs(d) and abs(a) != abs(c):
        j = 1
    k1, k2 = eq1[j], eq2[j]
    if k1 == 0 or k2 == 0:
        return None
    lm = math.lcm(k1, k2)
    for which, eq, mult in (("first", eq1, lm // abs(k1)), ("second", eq2, lm // abs(k2))):
        if mult == 1:
            continue
        new = [mult * v for v in eq]
        other = eq2 if which == "first" else eq1
        state = both(new, other) if which == "first" else both(other, new)
        calcs = f"${mult}({side(eq)}) = {side(new)}$, ${mult} \\cdot {_operand(eq[2])} = {new[2]}$"
        return f"Multiply the {which} equation by ${mult}$ ({calcs}): ${state}$."
    return None


def off_plan_multiplier(problem: ProblemState, previous_state: str, line: str) -> bool:
    """A "Multiply the first/second equation by $k$" line of an elimination that does not bring
    either unknown's coefficient to the least common multiple of the two equations' (the
    multiplier a plan needs): a true step that leads away from the answer."""
    m = ONE_EQUATION_PHRASE.match(split_line(line).phrase)
    if not m or problem.task != "solve_system" or len(problem.variables) != 2:
        return False
    names = (problem.variables[0].name, problem.variables[1].name)
    pair = _linear_pair(previous_state, names)
    k = plain_value(m["k"])
    if pair is None or k is None or not k.is_Integer:
        return False
    eq1, eq2 = pair
    eq = eq1 if m["which"] == "first" else eq2
    return not any(
        eq1[j] and eq2[j] and abs(int(k) * eq[j]) == math.lcm(eq1[j], eq2[j]) for j in (0, 1)
    )


def _poly(expr: sp.Expr, v: sp.Symbol) -> sp.Poly | None:
    """``expr`` as a polynomial in ``v``, or None when it is not one."""
    try:
        return sp.Poly(expr, v)
    except sp.PolynomialError:
        return None


_REL_OPS = {
    sp.Eq: "=",
    sp.StrictLessThan: "<",
    sp.StrictGreaterThan: ">",
    sp.LessThan: "<=",
    sp.GreaterThan: ">=",
}


def linear_line(problem: ProblemState, previous_state: str) -> str | None:
    """The next line for ``a v + b REL c`` or ``c REL a v + b`` (whole, fraction or decimal
    numbers; an equation or an inequality), written by the CAS with the training data's own
    :class:`~inference.steps.writer.Lin`: move the constant, then divide (or multiply by the
    reciprocal, reversing an inequality for a negative number), then put the unknown on the
    left. None for other states and for a state already solved."""
    rels = plain_relations(previous_state)
    if not rels or len(rels) != 1 or type(rels[0]) not in _REL_OPS:
        return None
    rel = rels[0]
    on_left, on_right = rel.lhs.free_symbols, rel.rhs.free_symbols
    if len(on_left | on_right) != 1 or (on_left and on_right):
        return None
    var_left = bool(on_left)
    side, const = (rel.lhs, rel.rhs) if var_left else (rel.rhs, rel.lhs)
    (v,) = on_left | on_right
    poly = _poly(side, v)
    if poly is None:
        return None
    if poly.degree() != 1:
        return None
    numbers = (poly.coeff_monomial(v), poly.coeff_monomial(1), const)
    if not all(n.is_Rational for n in numbers):
        return None
    a, b, c = (Fraction(int(n.p), int(n.q)) for n in numbers)
    lin = Lin(v.name, dec=problem.decimals or "." in previous_state)
    op = _REL_OPS[type(rel)]
    c = lin.move_const(a, b, c, op, var_left)
    if not lin.lines:
        lin.divide(a, c, op, var_left)
    return lin.lines[0] if lin.lines else None


def _linear_coefficients(expr: sp.Expr, v: sp.Symbol) -> tuple[int, int] | None:
    """``a v + b`` with whole numbers as (a, b), or None."""
    poly = _poly(expr, v)
    if poly is None:
        return None
    a, b = poly.coeff_monomial(v), poly.coeff_monomial(1)
    if poly.degree() > 1 or not (a.is_Integer and b.is_Integer):
        return None
    return int(a), int(b)


def both_sides_line(problem: ProblemState, previous_state: str) -> str | None:
    """The next line for an equation with the unknown on both sides, ``a v + b = c v + d`` or
    ``k(v + m) = c v + d`` (whole numbers), as the training data writes it: distribute, then
    gather the unknown on the left (:func:`~inference.steps.writer.gather_line`). None for
    other states."""
    if problem.task != "solve" or problem.var is None:
        return None
    v = problem.var
    rels = plain_relations(previous_state)
    if not rels or len(rels) != 1 or not isinstance(rels[0], sp.Eq):
        return None
    rel = rels[0]
    if rel.lhs.free_symbols != {v} or rel.rhs.free_symbols != {v}:
        return None
    left, right = _linear_coefficients(rel.lhs, v), _linear_coefficients(rel.rhs, v)
    if left is None or right is None or left[0] == right[0] or 0 in (left[0], right[0]):
        return None
    (a, b), (c, d) = left, right
    node = parse_math(previous_state.split(" = ")[0])
    bracket = node is not None and any(n.paren for n in walk(node))
    if not bracket:
        return gather_line(a, b, c, d, v.name)
    k = math.gcd(a, b) * (1 if a > 0 else -1)
    if a != k or b % k:
        return None  # the data distributes k(v + m) only
    inner = latex_sum([(1, v.name), (b // k, "")])
    bracketed = f"-({inner})" if k == -1 else f"{k}({inner})"
    side, rhs = latex_sum([(a, v.name), (b, "")]), latex_sum([(c, v.name), (d, "")])
    return f"Distribute (${bracketed} = {side}$): ${side} = {rhs}$."


def _follow(problem: ProblemState, previous_state: str, start: str, lines: list[str]) -> str | None:
    """The line of a canonical solution (``start`` and its ``lines``) that comes after
    ``previous_state``: the first line at the problem's start, the next one after a state the
    solution writes. None when the state is not one of its states."""
    if not lines:
        return None
    if previous_state in (problem.start_latex, start):
        return lines[0]
    for i, line in enumerate(lines[:-1]):
        if split_line(line).state == previous_state:
            return lines[i + 1]
    return None


def _binomial(node: Node, v: sp.Symbol) -> tuple[int, int] | None:
    """``a v + p`` (whole numbers, a != 0) as (a, p), or None."""
    value = expr_of(node)
    if value is None or value.free_symbols != {v}:
        return None
    poly = _poly(value, v)
    if poly is None:
        return None
    a, p = poly.coeff_monomial(v), poly.coeff_monomial(1)
    if poly.degree() != 1 or not (a.is_Integer and p.is_Integer) or p == 0:
        return None
    return int(a), int(p)


def foil_line(problem: ProblemState, previous_state: str) -> str | None:
    """The next line of expanding ``(a v + p)(b v + q)`` or ``(a v + p)^2`` as the training
    data writes it (:func:`~inference.steps.writer.foil_lines`): each product of the two
    brackets, then the like terms combined. None for other problems and states."""
    if problem.task not in ("expand", "simplify") or problem.var is None:
        return None
    node = parse_math(problem.start_latex)
    if node is None:
        return None
    square = node.op == "pow" and node.args[1].op == "num" and node.args[1].value == "2"
    if square:
        factors = [node.args[0], node.args[0]]
    elif node.op in ("mul", "imul") and all(f.paren for f in node.args):
        factors = list(node.args)
    else:
        return None
    pairs = [pair for f in factors if (pair := _binomial(f, problem.var)) is not None]
    if len(pairs) != len(factors):
        return None  # a factor that is not ``a v + p`` with whole numbers
    (a, p), (b, q) = pairs
    start, lines, _ = foil_lines(a, p, b, q, problem.var.name, square)
    return _follow(problem, previous_state, start, lines)


def factor_line(problem: ProblemState, previous_state: str) -> str | None:
    """The next line of factoring ``k v^2 + k s v + k t`` with whole-number roots as the
    training data writes it (:func:`~inference.steps.writer.factor_lines`): the common factor
    out first, then the two numbers. None for other problems and states."""
    if problem.task != "factor" or problem.var is None:
        return None
    v = problem.var
    value = plain_value(problem.start_latex)
    if value is None or value.free_symbols != {v}:
        return None
    poly = _poly(value, v)
    if poly is None:
        return None
    coeffs = poly.all_coeffs()
    if poly.degree() != 2 or not all(c.is_Integer for c in coeffs):
        return None
    k = int(coeffs[0])
    if any(int(c) % k for c in coeffs):
        return None  # no common factor that leaves a monic trinomial
    s, t = int(coeffs[1]) // k, int(coeffs[2]) // k
    disc = s * s - 4 * t
    root = math.isqrt(disc) if disc >= 0 else -1
    if root < 0 or root * root != disc or (s + root) % 2:
        return None
    p, q = (s + root) // 2, (s - root) // 2  # v^2 + s v + t = (v + p)(v + q)
    start, lines, _ = factor_lines(k, p, q, v.name)
    return _follow(problem, previous_state, start, lines)


def zero_product_line(problem: ProblemState, previous_state: str) -> str | None:
    """The next line once a quadratic equation is factored, ``(v + p)(v + q) = 0`` (written in
    either order, or as a square), as the training data writes it
    (:func:`~inference.steps.writer.zero_product_lines`): each factor set equal to zero, then
    each equation solved. None for other problems and states."""
    if problem.task != "solve" or problem.var is None or not isinstance(problem.start, sp.Eq):
        return None
    v = problem.var
    if (
        _poly(problem.start.lhs - problem.start.rhs, v) is None
        or sp.degree(problem.start.lhs - problem.start.rhs, v) != 2
    ):
        return None  # a quadratic equation only
    roots = problem.solution if isinstance(problem.solution, sp.FiniteSet) else None
    if roots is None or not 1 <= len(roots) <= 2 or not all(r.is_Integer for r in roots):
        return None
    ordered = sorted(int(r) for r in roots)
    p, q = -ordered[0], -ordered[-1]  # (v + p)(v + q); one root twice for a square
    lines = zero_product_lines(p, q, v.name)
    left, _, right = previous_state.partition(" = ")
    node = parse_math(left)
    if right.strip() == "0" and node is not None and node.op in ("mul", "imul", "pow"):
        product = plain_value(left)
        if product is not None and sp.expand(product - (v + p) * (v + q)) == 0:
            return lines[0]  # the factored equation, its factors in any order
    # After it, the next line of the data's own; never from the unfactored start.
    for i, line in enumerate(lines[:-1]):
        if split_line(line).state == previous_state:
            return lines[i + 1]
    return None


def substitute_back_line(problem: ProblemState, previous_state: str) -> str | None:
    """In a system with an equation ``u = m v + b``, once ``v = value`` is found: the line that
    substitutes it into that equation to find ``u``, as the training data writes it
    (:func:`~inference.steps.writer.back_substitution_line`). None otherwise."""
    if problem.task != "solve_system" or not isinstance(problem.solution, dict):
        return None
    name, _, value_text = previous_state.partition(" = ")
    found = {str(k): val for k, val in problem.solution.items()}
    value = plain_value(value_text) if value_text else None
    if name not in found or value is None or not value.is_Integer or value != found[name]:
        return None
    other = sp.Symbol(name)
    for rel in plain_relations(problem.start_latex) or []:
        if not (isinstance(rel, sp.Eq) and rel.lhs.is_Symbol and rel.lhs != other):
            continue
        if not rel.rhs.free_symbols <= {other}:
            continue
        coefficients = _linear_coefficients(rel.rhs, other)
        if coefficients is None or coefficients[0] == 0:
            continue
        m, b = coefficients
        iso = str(rel.lhs)
        equation = f"{iso} = {latex_sum([(m, name), (b, '')])}"
        return back_substitution_line(m, b, name, int(value), iso, equation)
    return None


_FRACTION = re.compile(r"^(?P<sign>-?)\\frac\{(?P<n>\d+)\}\{(?P<d>\d+)\}$")


def lowest_terms_line(problem: ProblemState, previous_state: str) -> str | None:
    """For a state that is one fraction not in lowest terms (``\\frac{42}{27}``), the line that
    divides its numerator and denominator by their greatest common factor, as the training data
    writes it (:func:`~inference.steps.writer.reduce_lines`). None otherwise."""
    m = _FRACTION.match(previous_state.strip())
    if m is None:
        return None
    n, d = int(m["n"]), int(m["d"])
    g = math.gcd(n, d)
    if d == 0 or g == 1:
        return None
    return reduce_lines(-n if m["sign"] else n, d, [g])[0]


def _tree(node: Node) -> Tree | None:
    """The training data's arithmetic tree of a whole-number expression, or None."""
    if node.op == "num":
        return int(node.value) if node.value.isdigit() else None
    if node.op == "neg":
        inner = node.args[0]
        return -int(inner.value) if inner.op == "num" and inner.value.isdigit() else None
    ops: dict[str, Op] = {"add": "+", "sub": "-", "mul": "*", "imul": "*", "div": "/"}
    if node.op not in ops or len(node.args) != 2:
        return None
    a, b = _tree(node.args[0]), _tree(node.args[1])
    if a is None or b is None:
        return None
    tree = (ops[node.op], a, b)
    return ("()", tree) if node.paren else tree


def arithmetic_line(problem: ProblemState, previous_state: str) -> str | None:
    """The next line of working out a whole-number expression in the order of operations as
    the training data writes it (:func:`~inference.steps.writer.mixed_lines`). None for other
    problems and states."""
    if problem.task != "compute":
        return None
    node = parse_math(problem.start_latex)
    tree = _tree(node) if node is not None else None
    if tree is None or isinstance(tree, int):
        return None
    start, lines, _ = mixed_lines(tree)
    return _follow(problem, previous_state, start, lines)


def quadratic_line(problem: ProblemState, previous_state: str) -> str | None:
    """The factoring line of ``v^2 + s v + t`` (whole-number roots), written by the CAS as the
    training data writes it ("Find two numbers that multiply to $t$ and add to $s$ ..."), and
    for an equation ``v^2 + s v = m`` first the move of ``m``. None for other states."""
    if problem.task not in ("solve", "factor") or problem.var is None:
        return None
    v = problem.var
    node = parse_math(previous_state)
    if node is None or any(n.paren for n in walk(node)):
        return None  # already factored (or bracketed): not a trinomial to factor
    if problem.task == "factor":
        value = plain_value(previous_state)
        if value is None:
            return None
        lhs, rhs = value, None
    else:
        rels = plain_relations(previous_state)
        if not rels or len(rels) != 1 or not isinstance(rels[0], sp.Eq):
            return None
        lhs, rhs = rels[0].lhs, rels[0].rhs
        if rhs.free_symbols:
            return None
    poly = _poly(lhs, v)
    if poly is None:
        return None
    if poly.degree() != 2 or poly.coeff_monomial(v**2) != 1 or lhs.free_symbols != {v}:
        return None
    s, t = poly.coeff_monomial(v), poly.coeff_monomial(1)
    if not (s.is_Integer and t.is_Integer and (rhs is None or rhs.is_Integer)):
        return None
    s, t = int(s), int(t)
    name = v.name
    if rhs is not None and rhs != 0:
        if t != 0:
            return None
        moved = int(rhs)
        trinomial = latex_sum([(1, f"{name}^2"), (s, name), (-moved, "")])
        if moved < 0:
            return f"Add ${-moved}$ to both sides (${moved} + {-moved} = 0$): ${trinomial} = 0$."
        return f"Subtract ${moved}$ from both sides (${moved} - {moved} = 0$): ${trinomial} = 0$."
    roots = sp.Poly(lhs, v).all_roots() if (s * s - 4 * t) >= 0 else []
    if len(roots) != 2 or not all(r.is_Integer for r in roots):
        return None
    p, q = (-int(r) for r in roots)  # lhs = (v + p)(v + q)
    hi, lo = max(p, q), min(p, q)
    f1, f2 = latex_sum([(1, name), (hi, "")]), latex_sum([(1, name), (lo, "")])
    factors = f"({f1})^2" if hi == lo else f"({f1})({f2})"
    calcs = f"${hi} \\cdot {_operand(lo)} = {t}$, ${hi} + {_operand(lo)} = {s}$"
    if rhs is None:
        return f"Find two numbers that multiply to ${t}$ and add to ${s}$ ({calcs}): ${factors}$."
    return (
        f"Factor: find two numbers that multiply to ${t}$ and add to ${s}$ ({calcs}): "
        f"${factors} = 0$."
    )


DISTRIBUTE_PHRASE = re.compile(r"^Multiply each term in the brackets by \$(?P<k>[^$]+)\$$")


def _signed_nodes(node: Node, sign: int, out: list[tuple[int, Node]]) -> None:
    """Top-level terms of a sum as (sign, node); a bracket stays one node."""
    if node.op in ("add", "sub") and not node.paren:
        _signed_nodes(node.args[0], sign, out)
        _signed_nodes(node.args[1], -sign if node.op == "sub" else sign, out)
    elif node.op == "neg" and not node.paren:
        _signed_nodes(node.args[0], -sign, out)
    else:
        out.append((sign, node))


def term_of(node: Node) -> tuple[sp.Rational, str] | None:
    """A term ``c`` or ``c v`` (rational c, one letter) as (c, letter or ""), or None."""
    value = expr_of(node)
    if value is None:
        return None
    coef, rest = value.as_coeff_Mul()
    if not coef.is_Rational or not (rest == 1 or rest.is_Symbol):
        return None
    return coef, "" if rest == 1 else rest.name


def distribute_line(problem: ProblemState, previous_state: str) -> str | None:
    """ "Multiply each term in the brackets by $k$" for an expression with one bracket
    ``k(a + b)`` (or ``-(a + b)``, or ``(a + b) \\cdot k``) among its terms, written by the CAS as the training data
    writes it: each product as a CALC, the other terms left as they are. None otherwise."""
    if problem.task not in ("simplify", "expand"):
        return None
    node = parse_math(previous_state)
    if node is None or not is_plain(node) or node.op == "rel":
        return None
    parts: list[tuple[int, Node]] = []
    _signed_nodes(node, 1, parts)
    terms: list[tuple[sp.Rational, str] | None] = []  # (coef, monomial); the bracket's place: None
    bracket: tuple[sp.Rational, list[tuple[sp.Rational, str]]] | None = None
    for sign, part in parts:
        inner, k = None, None
        if part.paren and part.op in ("add", "sub"):
            inner, k = part, sp.Integer(sign)
        elif part.op in ("mul", "imul"):
            left, right = part.args
            # k(a + b), or (a + b) \cdot k as other authors write it (the data writes k first)
            number: Node | None = None
            bracketed: Node | None = None
            if right.paren and right.op in ("add", "sub"):
                number, bracketed = left, right
            elif left.paren and left.op in ("add", "sub"):
                number, bracketed = right, left
            if bracketed is not None and number is not None:
                factor = expr_of(number)
                if factor is None or not factor.is_Rational:
                    return None
                inner, k = bracketed, sign * factor
        if inner is None:
            term = term_of(part)
            if term is None:
                return None
            terms.append((sign * term[0], term[1]))
            continue
        if bracket is not None:
            return None  # one bracket at a time
        inside: list[tuple[int, Node]] = []
        _signed_nodes(inner.args[0], 1, inside)
        _signed_nodes(inner.args[1], -1 if inner.op == "sub" else 1, inside)
        read = [(s, t) for s, n in inside if (t := term_of(n)) is not None]
        if len(read) != len(inside):
            return None  # a term inside that is not a number, or a number times one letter
        bracket = (k, [(s * t[0], t[1]) for s, t in read])
        terms.append(None)
    if bracket is None:
        return None
    k, inner_terms = bracket
    k_text = latex_result(k)
    calcs = []
    for c, m in inner_terms:
        operand = latex_sum([(c, m)])
        operand = f"({operand})" if operand.startswith("-") else operand
        calcs.append(f"${k_text} \\cdot {operand} = {latex_sum([(k * c, m)])}$")
    out = []
    for t in terms:
        out.extend([(k * c, m) for c, m in inner_terms] if t is None else [t])
    return (
        f"Multiply each term in the brackets by ${k_text}$ ({', '.join(calcs)}): "
        f"${latex_sum(out)}$."
    )


def answer_line(problem: ProblemState, previous_state: str) -> str | None:
    """The answer line when the last state already is the answer in the form the task asks for:
    the training data's answer copies it (``Answer: $\\boxed{x = -23}$``). A model that slips
    while copying it (``x = -1``) gets the copy the CAS makes. None when the state is not yet
    the answer, or not in its form."""
    candidates = [previous_state]
    if problem.var is not None:
        name, _, value = previous_state.partition(" = ")
        if name == problem.var.name and value:
            candidates.append(value)  # a "What is $x$?" key may want the value alone
        pieces = [piece.partition(" = ") for piece in previous_state.split(" \\text{ or } ")]
        if all(n == problem.var.name and val for n, _, val in pieces):
            values = [plain_value(val) for _, _, val in pieces]
            whole = [int(x) for x in values if x is not None and x.is_Integer]
            if len(whole) == len(values):
                roots = ", ".join(str(x) for x in sorted(set(whole)))  # as the data writes it
                candidates.append(f"\\{{{roots}\\}}")
    if problem.task == "solve_system" and isinstance(problem.solution, dict):
        name, _, value = previous_state.partition(" = ")
        solved = {str(k): v for k, v in problem.solution.items()}
        if name in solved and plain_value(value) == solved[name]:
            # The last line found the second unknown; the line before it, the first.
            pair = ", ".join(latex_result(solved[str(v)]) for v in problem.variables)
            candidates.append(f"({pair})")
    for text in candidates:
        line = f"Answer: $\\boxed{{{text}}}$"
        verdict = LineChecker(problem).check_line(line)
        if verdict.ok and verdict.kind == "answer":
            return line
    return None


# The planners in the order the engine tries them; the first that writes a line wins.
PLANNERS: tuple[Callable[[ProblemState, str], str | None], ...] = (
    elimination_line,
    linear_line,
    both_sides_line,
    factor_line,
    quadratic_line,
    foil_line,
    distribute_line,
    arithmetic_line,
    lowest_terms_line,
    zero_product_line,
    substitute_back_line,
)


def planned_line(problem: ProblemState, previous_state: str, answer: bool = True) -> str | None:
    """The line the CAS writes after ``previous_state``: the answer line when the state is the
    answer (unless ``answer`` is False, as for a hint), else the first planner's line."""
    plans = ((answer_line,) if answer else ()) + PLANNERS
    return next((line for plan in plans if (line := plan(problem, previous_state))), None)
