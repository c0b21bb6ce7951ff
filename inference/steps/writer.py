"""The canonical way solutions are written: one source for the training data and the CAS.

The training generators (``inference.training.data``) write every worked solution with these
pieces, and the engine's planned lines (``inference.steps.plans``) use the same ones, so a line the
CAS writes when the model keeps failing is byte for byte the line the model was trained on.

``N`` a number, ``O`` a number as an operand (negatives in brackets), ``T``/``OT`` a term, ``P`` a
sum of (coefficient, monomial) pairs, ``C``/``CP`` a CALC, ``L`` a step line, ``ANS`` the answer
line; :class:`Lin` the lines of a linear equation or inequality; :func:`foil_lines` and
:func:`factor_lines` those of expanding two binomials and factoring a trinomial.

Pure Python (no Django, no torch, no SymPy).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Literal, Protocol, TypeAlias, cast

from .render import decimals_for, is_terminating, latex_number, latex_sum, latex_term

F = Fraction
Rat: TypeAlias = int | Fraction  # the numbers the writers take: whole numbers and fractions


def N(q: Rat, dec: bool = False) -> str:
    """A number in canonical form (integer, \\frac, or decimal in decimal problems)."""
    return latex_number(F(q), dec and is_terminating(F(q)))


def O(q: Rat, dec: bool = False) -> str:  # noqa: E743 - an operand: negatives in brackets
    s = N(q, dec)
    return f"({s})" if s.startswith("-") else s


def T(c: Rat, mono: str = "", dec: bool = False) -> str:
    """One term with its own sign: ``-x``, ``3x``, ``\\frac{1}{2}x``, ``-5``."""
    c = F(c)
    return latex_term(c, mono, dec and is_terminating(c))


def OT(c: Rat, mono: str = "", dec: bool = False) -> str:
    """A term as an operand: ``(-5x)`` in brackets when negative."""
    t = T(c, mono, dec)
    return f"({t})" if t.startswith("-") else t


def J(terms: list[str]) -> str:
    """Join signed terms with `` + `` / `` - ``; empty is ``0``."""
    terms = [t for t in terms if t]
    if not terms:
        return "0"
    out = terms[0]
    for t in terms[1:]:
        out += f" - {t[1:]}" if t.startswith("-") else f" + {t}"
    return out


def P(pairs: Iterable[tuple[Rat, str]], dec: bool = False) -> str:
    """Sum of (coef, monomial) pairs in the given order, zero terms dropped (the engine writes
    the same with :func:`inference.steps.render.latex_sum`)."""
    return latex_sum([(F(c), m) for c, m in pairs], dec)


def C(left: str, value: Rat, dec: bool = False) -> str:
    """A CALC ``$LEFT = RESULT$`` for a number RESULT."""
    q = F(value)
    return f"${left} = {latex_number(q, decimals_for(left) and is_terminating(q))}$"


def CP(left: str, pairs: Iterable[tuple[Rat, str]]) -> str:
    """A CALC whose RESULT is a polynomial given as (coef, monomial) pairs (canonical order)."""
    return f"${left} = {P(pairs, decimals_for(left))}$"


def L(phrase: str, calcs: list[str], state: str) -> str:
    if calcs:
        return f"{phrase} ({', '.join(calcs)}): ${state}$."
    return f"{phrase}: ${state}$."


def ANS(answer: str) -> str:
    return f"Answer: $\\boxed{{{answer}}}$"


def mono(v: str, e: int) -> str:
    return v if e == 1 else f"{v}^{e}"


REL_LATEX = {"=": "=", "<": "<", ">": ">", "<=": "\\le", ">=": "\\ge"}
FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}


def binom(c1: int, v: str, c0: int) -> list[tuple[int, str]]:
    return [(c1, v), (c0, "")]


def factors_latex(p: int, q: int, v: str) -> str:
    """(v + p)(v + q), factor with the smaller root first; a square as ^2."""
    p, q = max(p, q), min(p, q)
    f1, f2 = P(binom(1, v, p)), P(binom(1, v, q))
    return f"({f1})^2" if p == q else f"({f1})({f2})"


def factor_line_parts(p: int, q: int, v: str, eq: bool) -> tuple[str, list[str]]:
    """The phrase and CALCs of the factoring line of ``(v + p)(v + q)``."""
    s, t = p + q, p * q
    p, q = max(p, q), min(p, q)
    phrase = f"Find two numbers that multiply to ${t}$ and add to ${s}$"
    if eq:
        phrase = "Factor: f" + phrase[1:]
    calcs = [C(f"{p} \\cdot {O(q)}", t), C(f"{p} + {O(q)}", s)]
    return phrase, calcs


class Lin:
    """Builds the lines that solve ``ax + b REL c`` (variable on either side)."""

    def __init__(self, v: str, dec: bool = False):
        self.v, self.dec = v, dec
        self.lines: list[str] = []

    def n(self, q: Rat) -> str:
        return N(q, self.dec)

    def o(self, q: Rat) -> str:
        return O(q, self.dec)

    def side(self, a: Rat, b: Rat) -> str:
        return P([(F(a), self.v), (F(b), "")], self.dec)

    def move_const(self, a: Rat, b: Rat, c: Rat, rel: str = "=", var_left: bool = True) -> F:
        """a*v + b REL c  ->  a*v REL c - b (lines); returns the new constant."""
        a, b, c = F(a), F(b), F(c)
        if b == 0:
            return c
        new = c - b
        if b > 0:
            phrase, left = f"Subtract ${self.n(b)}$ from both sides", f"{self.n(c)} - {self.n(b)}"
        else:
            phrase, left = f"Add ${self.n(-b)}$ to both sides", f"{self.n(c)} + {self.n(-b)}"
        lhs, rhs = T(a, self.v, self.dec), self.n(new)
        state = f"{lhs} {REL_LATEX[rel]} {rhs}" if var_left else f"{rhs} {REL_LATEX[rel]} {lhs}"
        self.lines.append(L(phrase, [C(left, new)], state))
        return new

    def divide(self, a: Rat, c: Rat, rel: str = "=", var_left: bool = True) -> tuple[F, str]:
        """a*v REL c -> v REL' c/a; returns (value, final relation with v on the left)."""
        a, c = F(a), F(c)
        r = c / a
        flip = a < 0 and rel != "="
        new_rel = FLIP[rel] if flip else rel
        if a == 1:
            if not var_left:
                final = FLIP.get(rel, rel)
                self.lines.append(
                    L(
                        f"Rewrite with ${self.v}$ on the left",
                        [],
                        f"{self.v} {REL_LATEX[final]} {self.n(r)}",
                    )
                )
                return r, final
            return r, rel
        rev = " and reverse the inequality sign" if flip else ""
        if a == -1:
            phrase, left = f"Multiply both sides by $-1${rev}", f"-1 \\cdot {self.o(c)}"
        elif a.denominator != 1 and not (self.dec and is_terminating(a)):
            inv = 1 / a
            phrase = f"Multiply both sides by ${N(inv)}${rev}"
            left = f"{self.n(c)} \\cdot {O(inv)}"
        else:
            phrase, left = (
                f"Divide both sides by ${self.n(a)}${rev}",
                f"{self.n(c)} \\div {self.o(a)}",
            )
        if var_left or rel == "=":  # an equation is simply written v = r
            state = f"{self.v} {REL_LATEX[new_rel]} {self.n(r)}"
        else:
            state = f"{self.n(r)} {REL_LATEX[new_rel]} {self.v}"
        self.lines.append(L(phrase, [C(left, r)], state))
        final = new_rel if var_left else FLIP.get(new_rel, new_rel)
        if not var_left and rel != "=":
            self.lines.append(
                L(
                    f"Rewrite with ${self.v}$ on the left",
                    [],
                    f"{self.v} {REL_LATEX[final]} {self.n(r)}",
                )
            )
        return r, final


def foil_lines(
    a: int, p: int, b: int, q: int, v: str, square: bool = False
) -> tuple[str, list[str], list[tuple[int, str]]]:
    """The start state and the lines of expanding ``(a v + p)(b v + q)`` (``(a v + p)^2`` when
    ``square``), and the final (coefficient, monomial) pairs."""
    f1, f2 = P(binom(a, v, p)), P(binom(b, v, q))
    lines = []
    if square:
        start = f"({f1})^2"
        lines.append(L("Write the square as a product", [], f"({f1})({f2})"))
    else:
        start = f"({f1})({f2})"
    v2 = mono(v, 2)
    prods = [(a * b, v2), (a * q, v), (p * b, v), (p * q, "")]
    lefts = [
        f"{T(a, v)} \\cdot {OT(b, v)}",
        f"{T(a, v)} \\cdot {O(q)}",
        f"{p} \\cdot {OT(b, v)}",
        f"{p} \\cdot {O(q)}",
    ]
    calcs = [CP(lf, [pr]) for lf, pr in zip(lefts, prods, strict=True)]
    lines.append(
        L("Multiply each term of the first bracket by each term of the second", calcs, P(prods))
    )
    mid = a * q + p * b
    final = [(a * b, v2), (mid, v), (p * q, "")]
    lines.append(L("Combine like terms", [CP(P(prods[1:3]), [(mid, v)])], P(final)))
    return start, lines, final


def factor_lines(k: int, p: int, q: int, v: str) -> tuple[str, list[str], str]:
    """The start state, the lines and the answer of factoring ``k (v + p)(v + q)`` written out
    (``k`` a common factor: 1, or factored out first)."""
    trinomial = [(1, mono(v, 2)), (p + q, v), (p * q, "")]
    full = [(k * c, mm) for c, mm in trinomial]
    start = P(full)
    lines = []
    pre = ""
    if k != 1:
        pre = "-" if k == -1 else str(k)
        phrase = "Factor out $-1$" if k == -1 else f"Factor out the common factor ${k}$"
        lines.append(
            L(phrase, [CP(f"({start}) \\div {O(k)}", trinomial)], f"{pre}({P(trinomial)})")
        )
    phrase, calcs = factor_line_parts(p, q, v, False)
    answer = pre + factors_latex(p, q, v)
    lines.append(L(phrase, calcs, answer))
    return start, lines, answer


# ---------------------------------------------------------------- order of operations
# A tree is an int, ("()", tree) for brackets, or (op, tree, tree) with op one of + - * /.

Op: TypeAlias = Literal["+", "-", "*", "/"]
Tree: TypeAlias = int | tuple[Literal["()"], "Tree"] | tuple[Op, "Tree", "Tree"]
Path: TypeAlias = tuple[int, ...]  # positions (1 or 2) from the root down to a subtree


class Style(Protocol):
    """What :func:`render_tree` asks of a notation style (the training data's ``Sty``)."""

    def par(self, inner: str) -> str: ...

    def sp(self, op: str) -> str: ...

    def mul(self) -> str: ...

    def div(self) -> str: ...


def render_tree(node: Tree, s: Style | None = None, first: bool = True) -> str:
    """Render an arithmetic tree; negatives in brackets unless leftmost (canonical when ``s`` is
    None; ``s`` is the training data's notation style, with ``par``, ``sp``, ``mul``, ``div``)."""
    if isinstance(node, int):
        if node < 0 and not first:
            return s.par(str(node)) if s else f"({node})"
        return str(node)
    if node[0] == "()":
        inner = render_tree(node[1], s, True)
        return s.par(inner) if s else f"({inner})"
    op, a, b = node
    sym = {"+": "+", "-": "-", "*": "\\cdot", "/": "\\div"}[op]
    if s is not None:
        sym = {"+": s.sp("+"), "-": s.sp("-"), "*": s.mul(), "/": s.div()}[op]
    else:
        sym = f" {sym} "
    return render_tree(a, s, first) + sym + render_tree(b, s, False)


def _redex(node: Tree, path: Path = ()) -> tuple[Path | None, bool]:
    """Path of the next operation: brackets first, then leftmost * /, then leftmost + -."""

    def find(n: Tree, p: Path, ops: str) -> Path | None:
        if isinstance(n, int):
            return None
        if n[0] == "()":
            return find(n[1], p + (1,), ops)
        _, a, b = n
        r = find(a, p + (1,), ops)
        if r is not None:
            return r
        r = find(b, p + (2,), ops)
        if r is not None:
            return r
        if n[0] in ops and isinstance(a, int) and isinstance(b, int):
            return p
        return None

    def bracket(n: Tree, p: Path) -> Path | None:
        if isinstance(n, int):
            return None
        if n[0] == "()":
            inner = bracket(n[1], p + (1,))
            if inner is not None:
                return inner
            return find(n[1], p + (1,), "*/") or find(n[1], p + (1,), "+-")
        _, a, b = n
        for i, sub in ((1, a), (2, b)):
            r = bracket(sub, p + (i,))
            if r is not None:
                return r
        return None

    r = bracket(node, ())
    if r is not None:
        return r, True
    r = find(node, (), "*/")
    if r is not None:
        return r, False
    return find(node, (), "+-"), False


def _child(node: Tree, i: int) -> Tree:
    """The subtree at position ``i`` (1 or 2) of a bracket or an operation."""
    assert not isinstance(node, int)  # a path runs through brackets and operations only
    sub = node[i]
    assert not isinstance(sub, str)  # and never to position 0, the operator
    return sub


def _get(node: Tree, path: Path) -> Tree:
    for i in path:
        node = _child(node, i)
    return node


def _set(node: Tree, path: Path, value: Tree) -> Tree:
    if not path:
        return value
    assert not isinstance(node, int)  # a path runs through brackets and operations only
    lst: list[str | Tree] = list(node)
    lst[path[0]] = _set(_child(node, path[0]), path[1:], value)
    out = tuple(lst)
    if out[0] == "()" and isinstance(out[1], int):
        return out[1]  # a bracket around a number is dropped
    return cast(Tree, out)  # the node with one subtree replaced: still a bracket or an operation


def _ops_left(node: Tree) -> str:
    if isinstance(node, int):
        return ""
    if node[0] == "()":
        return _ops_left(node[1])
    return node[0] + _ops_left(node[1]) + _ops_left(node[2])


def mixed_lines(tree: Tree) -> tuple[str, list[str], int]:
    """The start state, the lines and the value of working out an arithmetic tree one operation
    at a time in the order of operations (brackets, then * and / left to right, then + and -)."""
    start = render_tree(tree, None, True)
    lines = []
    node = tree
    while not isinstance(node, int):
        path, in_bracket = _redex(node)
        assert path is not None  # a tree that is not a number has an operation left
        redex = _get(node, path)
        assert not isinstance(redex, int) and redex[0] != "()"  # _redex's path ends at an operation
        op, a, b = redex
        assert isinstance(a, int) and isinstance(b, int)  # on two numbers
        val = a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a // b
        left = render_tree((op, a, b), None, True)
        node = _set(node, path, val)
        more = not isinstance(node, int)
        if in_bracket:
            phrase = "Work inside the brackets first"
        elif op in "*/":
            verb = "Multiply" if op == "*" else "Divide"
            phrase = f"{verb} first" if more and set(_ops_left(node)) & set("+-") else verb
        else:
            verb = "Add" if op == "+" else "Subtract"
            phrase = f"{verb} from left to right" if more else verb
        lines.append(L(phrase, [C(left, val)], render_tree(node, None, True)))
    return start, lines, node


def gather_line(a: int, b: int, c: int, d: int, v: str, left: bool = True) -> str:
    """The line that gathers the unknown of ``a v + b = c v + d`` on one side: on the left
    (``(a - c) v + b = d``) or, with ``left`` False, on the right (``b = (c - a) v + d``)."""
    if left:
        k, keep, move = a - c, a, c
    else:
        k, keep, move = c - a, c, a
    if move > 0:
        phrase = f"Subtract ${T(move, v)}$ from both sides"
        calc = CP(f"{T(keep, v)} - {T(move, v)}", [(k, v)])
    else:
        phrase = f"Add ${T(-move, v)}$ to both sides"
        calc = CP(f"{T(keep, v)} + {T(-move, v)}", [(k, v)])
    side = P([(F(k), v), (F(d if not left else b), "")])
    state = f"{side} = {N(d)}" if left else f"{N(b)} = {side}"
    return L(phrase, [calc], state)


# ---------------------------------------------------------------- fractions


def fraction_as_written(n: int, d: int) -> str:
    """A fraction as written (not reduced), sign in front: ``-\\frac{6}{8}``."""
    if d == 1:
        return str(n)
    s = f"\\frac{{{abs(n)}}}{{{d}}}"
    return "-" + s if n < 0 else s


def reduce_lines(n: int, d: int, factors: list[int]) -> list[str]:
    """The lines that divide the numerator and the denominator of n/d (d > 0) by each factor in
    turn: one line by the greatest common factor, or two by its factors."""
    lines = []
    for k in factors:
        an, nd = abs(n) // k, d // k
        phrase = (
            f"Divide the numerator and the denominator by their greatest common factor ${k}$"
            if len(factors) == 1
            else f"Divide the numerator and the denominator by ${k}$"
        )
        n = an if n > 0 else -an
        lines.append(
            L(
                phrase,
                [C(f"{an * k} \\div {k}", an), C(f"{d} \\div {k}", nd)],
                fraction_as_written(n, nd),
            )
        )
        d = nd
    return lines


def zero_product_lines(p: int, q: int, v: str) -> list[str]:
    """The lines after ``(v + p)(v + q) = 0``: each factor (or the one repeated factor) set equal
    to zero, then each equation solved."""
    lines: list[str] = []
    hi, lo = max(p, q), min(p, q)
    if p == q:
        f1 = P(binom(1, v, p))
        lines.append(L("Set the factor equal to zero", [], f"{f1} = 0"))
        lin = Lin(v)
        lin.move_const(1, p, 0)
        lines += lin.lines
    else:
        f1, f2 = P(binom(1, v, hi)), P(binom(1, v, lo))
        lines.append(L("Set each factor equal to zero", [], f"{f1} = 0 \\text{{ or }} {f2} = 0"))
        calcs = [
            C(f"0 - {hi}" if hi > 0 else f"0 + {-hi}", -hi),
            C(f"0 - {lo}" if lo > 0 else f"0 + {-lo}", -lo),
        ]
        lines.append(L("Solve each equation", calcs, f"{v} = {-hi} \\text{{ or }} {v} = {-lo}"))
    return lines


# ---------------------------------------------------------------- systems


def value_left(m: int, x0: int, b: int) -> str:
    """LEFT of ``m*x0 + b`` (substituting a value into ``y = mx + b``)."""
    if m == 1:
        head = str(x0)
    elif m == -1:
        head = f"-{O(x0)}"
    else:
        head = f"{m} \\cdot {O(x0)}"
    return J([head, str(b)]) if b else head


def back_substitution_line(m: int, b: int, other: str, value: int, iso: str, equation: str) -> str:
    """The line that substitutes ``other = value`` into the isolated equation ``iso = m other +
    b`` (written ``equation``) of a system solved by substitution."""
    iso_value = m * value + b
    return L(
        f"Substitute ${other} = {value}$ into ${equation}$",
        [C(value_left(m, value, b), iso_value)],
        f"{iso} = {iso_value}",
    )
