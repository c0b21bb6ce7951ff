"""Reading problem statements of the tutor model's families into SymPy (no Django, no torch).

``read_problem(statement)`` returns a :class:`ProblemState` (the task, the starting state, the
variables and, for equations, the exact solution) or ``None`` when the statement is not one of
the families the built-in tutor covers (word problems, figures, unknown tasks...). Maths is read
only with the project's safe parser (:func:`curriculum.answers.parse`), never with sympify.

The small helpers here (cached parsing, relations, solution sets) are shared with
:mod:`inference.steps.calc` and :mod:`inference.steps.check`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sympy as sp

from curriculum.answers import parse
from curriculum.answers.convert import Converter
from curriculum.answers.nodes import Node, walk

__all__ = [
    "TASKS",
    "ProblemState",
    "expr_of",
    "has_decimal",
    "math_segments",
    "parse_math",
    "read_problem",
    "relation_of",
    "solution_set",
]

TASKS = ("compute", "lowest_terms", "simplify", "expand", "factor", "solve", "solve_system")

# School algebra never means Euler's number or the imaginary unit by a bare e or i.
_LETTER_VARIABLES = ("e", "i")
_MAX_MATH = 400  # longer maths is not a school exercise of these families
_MAX_POWER = 12  # the largest exponent in a CALC or statement (2^{10} is school arithmetic)
_MAX_DEGREE = 6  # the largest degree of a problem's polynomial, with room to spare
# Node ops of plain arithmetic and polynomial algebra: anything else is another topic.
_PLAIN_OPS = frozenset(
    {"num", "sym", "add", "sub", "mul", "imul", "div", "neg", "pos", "pow", "rel"}
    | {"and", "or", "seq", "tuple", "set"}
)
_REL_OPS = {"=": sp.Eq, "<": sp.Lt, "<=": sp.Le, ">": sp.Gt, ">=": sp.Ge}


# ---------------------------------------------------------------- shared helpers
@lru_cache(maxsize=4096)
def parse_math(text: str) -> Node | None:
    """The parse tree of a piece of maths (LaTeX or plain), or None when it cannot be read."""
    if not text or len(text) > _MAX_MATH:
        return None
    try:
        return parse(text, variables=_LETTER_VARIABLES).node
    except Exception:  # noqa: BLE001 - the parser's errors, and anything odd: never raise on model text
        return None


def is_plain(node: Node) -> bool:
    """Only arithmetic and polynomial operations, with small whole-number exponents."""
    for m in walk(node):
        if m.op not in _PLAIN_OPS:
            return False
        if m.op == "pow":
            e = m.args[1]
            if e.op != "num" or not e.value.isdigit() or int(e.value) > _MAX_POWER:
                return False
        if m.op == "num" and "e" in m.value:  # 2.5e3: scientific notation is not school maths
            return False
    return True


def has_decimal(node: Node) -> bool:
    return any(m.op == "num" and "." in m.value for m in walk(node))


@lru_cache(maxsize=4096)
def expr_of(node: Node) -> sp.Expr | None:
    """The exact SymPy value of an expression node (decimals become Rationals), else None."""
    if node.op in ("rel", "and", "or", "seq", "tuple", "set"):
        return None
    try:
        v = Converter().conv(node)
    except Exception:  # noqa: BLE001 - model text: anything SymPy cannot convert is unreadable
        return None
    if not isinstance(v, sp.Expr) or v.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None
    return v


def relation_of(node: Node) -> sp.Rel | None:
    """``a = b``, ``a < b``... as an unevaluated SymPy relation (chains and ``!=`` give None)."""
    if node.op != "rel" or len(node.value) != 1 or node.value[0] not in _REL_OPS:
        return None
    lhs, rhs = expr_of(node.args[0]), expr_of(node.args[1])
    if lhs is None or rhs is None:
        return None
    return _REL_OPS[node.value[0]](lhs, rhs, evaluate=False)


def _poly(expr: sp.Expr, var: sp.Symbol) -> sp.Poly | None:
    try:
        p = sp.Poly(expr, var)
    except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError, TypeError):
        return None
    if any(not c.is_Rational for c in p.coeffs()):
        return None
    return p


def solution_set(rel: sp.Rel, var: sp.Symbol) -> sp.Set | None:
    """The real solutions of one polynomial relation in one variable, or None.

    Exact and fast: degree 1 directly, higher degrees from the real roots (``Poly.real_roots``
    and a sign test between them), never SymPy's general solver (it can take seconds).
    """
    p = _poly(sp.expand(rel.lhs - rel.rhs), var)
    if p is None or p.degree() > _MAX_DEGREE:
        return None  # x in a denominator, or no step of these families
    deg = p.degree()
    if deg <= 0:
        c = p.as_expr() if not p.is_zero else sp.Integer(0)
        holds = bool(type(rel)(c, 0))
        return sp.S.Reals if holds else sp.S.EmptySet
    if deg == 1:
        a, b = p.all_coeffs()
        r = -b / a
        if isinstance(rel, sp.Eq):
            return sp.FiniteSet(r)
        strict = isinstance(rel, (sp.StrictLessThan, sp.StrictGreaterThan))
        # a*x + b < 0 is x < r for a > 0 and x > r for a < 0
        below = isinstance(rel, (sp.StrictLessThan, sp.LessThan)) == bool(a > 0)
        if below:
            return sp.Interval(-sp.oo, r, True, strict)
        return sp.Interval(r, sp.oo, strict, True)
    roots = sorted(set(p.real_roots()), key=lambda r: float(r.evalf(30)))
    if isinstance(rel, sp.Eq):
        return sp.FiniteSet(*roots)
    # the sign of p is constant between consecutive roots: test one rational point in each
    cuts = [float(r.evalf(30)) for r in roots]
    samples = [cuts[0] - 1] if cuts else [0.0]
    samples += [(u + v) / 2 for u, v in zip(cuts, cuts[1:], strict=False)]
    samples += [cuts[-1] + 1] if cuts else []
    ends = [-sp.oo, *roots, sp.oo]
    out: sp.Set = sp.S.EmptySet
    for i, t in enumerate(samples):
        if bool(type(rel)(p.eval(sp.Rational(t)), 0)):
            out = out.union(sp.Interval.open(ends[i], ends[i + 1]))
    if not isinstance(rel, (sp.StrictLessThan, sp.StrictGreaterThan)):
        out = out.union(sp.FiniteSet(*roots))  # p = 0 satisfies <= and >=
    return out


# ---------------------------------------------------------------- statements
_MATH_RE = re.compile(
    r"\$\$(?P<a>.+?)\$\$|(?<!\\)\$(?P<b>(?:\\.|[^$\\])+?)\$|\\\((?P<c>.+?)\\\)|\\\[(?P<d>.+?)\\\]",
    re.S,
)
_FIGURE_RE = re.compile(r"!\[|<img|<svg|\\includegraphics|\\begin\{(?:tikz|figure)", re.I)


def math_segments(text: str) -> list[tuple[bool, str]]:
    """``text`` as (is_math, piece) pairs, maths taken from ``$...$``, ``$$...$$``, ``\\(...\\)``."""
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in _MATH_RE.finditer(text):
        out.append((False, text[pos : m.start()]))
        out.append((True, next(g for g in m.groups() if g is not None)))
        pos = m.end()
    out.append((False, text[pos:]))
    return out


# Words a statement of the covered families may use outside its maths; any other word (a
# story, a figure, another topic) means the built-in tutor does not cover the problem.
_WORDS = frozenset(
    """
    a an the of and to in for if as by is are that such it its this these each every all
    compute calculate evaluate find what work out give write express reduce show
    value values result results answer answers your number numbers exact exactly
    lowest simplest terms term form fraction fractions simplify simplified simplest
    combine collect like expand expanded multiply distribute distributive property foil
    factor factorise factorize factored completely fully
    solve solved system systems equation equations inequality inequalities solution solutions
    pair ordered makes make true satisfies satisfy holds using use method substitution
    elimination real possible following expression expressions then first step steps
    factoring factorising factorizing substituting eliminating sum difference product quotient
    standard integer integers whole number given
    divide remove brackets bracket parentheses combining collecting distributing
    with which order operations polynomial binomial binomials trinomial two
    """.split()
)
_TASK_WORDS = {
    "factor": "factor",
    "factorise": "factor",
    "factorize": "factor",
    "expand": "expand",
    "distribute": "expand",
    "foil": "expand",
    "multiply": "expand",
    "simplify": "simplify",
    "combine": "simplify",
    "collect": "simplify",
    "solve": "solve",
    "find": "any",
    "compute": "compute",
    "calculate": "compute",
    "evaluate": "compute",
    "what": "any",
    "work": "compute",
    "write": "any",
    "express": "any",
    "reduce": "lowest",
    "divide": "compute",
    "remove": "expand",  # "Remove the brackets: $2(x - 4)$"
}
_LOWEST_WORDS = {"lowest", "simplest", "reduce"}
# What "Write $M$ ..." / "Find $M$ ..." of a polynomial asks for, by the words of the request:
# "as a product of two binomials" is factoring, "as a polynomial" expanding, "in simplest
# form" simplifying (checked in this order).
_FORM_WORDS = (
    ("factor", frozenset({"binomial", "binomials", "factors"})),
    ("expand", frozenset({"polynomial"})),
    ("simplify", frozenset({"simplest"})),
)


@dataclass(frozen=True)
class ProblemState:
    """A problem the built-in tutor covers, read into SymPy.

    ``start`` is the first state of a solution: an expression (compute, lowest_terms, simplify,
    expand, factor), an ``Eq`` or inequality (solve) or a list of two ``Eq`` (solve_system).
    ``solution`` is the exact solution: a SymPy ``Set`` for solve, a dict {symbol: value} for
    solve_system, None for the other tasks (their value is ``start`` itself).
    """

    task: str
    start: Any
    variables: tuple[sp.Symbol, ...]
    solution: Any = None
    start_latex: str = ""  # the start as the statement writes it (for messages)
    decimals: bool = False  # the statement's numbers include decimals
    statement: str = field(default="", compare=False)

    @property
    def var(self) -> sp.Symbol | None:
        """The main variable (the unknown of a one-variable equation)."""
        return self.variables[0] if self.variables else None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)


def read_problem(statement: str) -> ProblemState | None:
    """The problem of a statement of a covered family, or None (never raises)."""
    if not isinstance(statement, str) or not statement.strip() or len(statement) > 2000:
        return None
    try:
        return _read(statement)
    except Exception:  # noqa: BLE001 - a statement we did not foresee: not covered, never an error
        return None


def _plain_segments(text: str) -> list[tuple[bool, str]]:
    """Split a statement without ``$`` into prose words and runs of maths tokens."""
    tokens = text.split()
    kinds = []
    for i, tok in enumerate(tokens):
        core = tok.strip(".,:;?!\"'")
        if not core or (core.isalpha() and len(core) > 1):
            kinds.append(False)
        elif core in ("a", "A"):
            # "a" is a word between words ("find a value"), a variable next to maths
            near = [t.strip(".,:;?!") for t in tokens[max(i - 1, 0) : i] + tokens[i + 1 : i + 2]]
            kinds.append(any(t and not t.isalpha() for t in near))
        else:
            kinds.append(True)
    out: list[tuple[bool, str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            s = " ".join(run)
            tail = ""
            while s and s[-1] in ".,:;?!":
                tail = s[-1] + tail
                s = s[:-1]
            lead = ""
            while s and s[0] in ":;,":
                lead += s[0]
                s = s[1:]
            if lead:
                out.append((False, lead))
            if s:
                out.append((True, s))
            out.append((False, tail))
            run.clear()

    for tok, is_math in zip(tokens, kinds, strict=True):
        if is_math:
            run.append(tok)
            if tok[-1] in ".:;?!":  # "for k: 3k - 2 = 7": punctuation ends the maths
                flush()
        else:
            flush()
            out.append((False, tok))
    flush()
    return out


_PLAIN_MATH_RE = re.compile(r"[0-9=+*/^<>×÷]")


def _split_prose(pieces: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    """Plain maths in the prose of a statement with ``$...$`` maths, as maths pieces.

    "Find $x$ and $y$ if 2x - y = 3 and x + y = 6." writes only the unknowns in dollars;
    its equations are plain text between them, read as in a statement without dollars.
    """
    out: list[tuple[bool, str]] = []
    for is_math, piece in pieces:
        if is_math or "$" in piece or "\\" in piece or not _PLAIN_MATH_RE.search(piece):
            out.append((is_math, piece))
        else:
            out.extend(_plain_segments(piece))
    return out


def _read(statement: str) -> ProblemState | None:
    if _FIGURE_RE.search(statement):
        return None
    pieces = math_segments(statement)
    if not any(is_math for is_math, _ in pieces):
        if "$" in statement:
            return None
        pieces = _plain_segments(statement)
    else:
        pieces = _split_prose(pieces)
    prose = " ".join(p for is_math, p in pieces if not is_math).lower()
    if re.search(r"[0-9=+*/^<>$\\]", prose):
        return None  # maths outside the maths delimiters: not a statement we can read
    words = re.findall(r"[a-z]+", prose)
    # single letters name variables ("the value of x"); any other word must be known
    if any(w not in _WORDS and len(w) > 1 for w in words):
        return None
    maths = [p.strip() for is_math, p in pieces if is_math and p.strip()]
    if not maths or any("\\$" in m for m in maths):  # money: a word problem
        return None
    parsed = [parse_math(m) for m in maths]
    nodes = [n for n in parsed if n is not None and is_plain(n)]
    if len(nodes) != len(parsed):
        return None
    # "$x$" in "Find $x$ if ..." and "$(x, y)$" in "Give $(x, y)$" name the unknowns
    mentions: list[str] = []
    main: list[tuple[Node, str]] = []
    for n, m in zip(nodes, maths, strict=True):
        if n.op == "sym":
            mentions.append(n.value)
        elif n.op == "tuple" and all(a.op == "sym" for a in n.args):
            mentions.extend(a.value for a in n.args)
        else:
            main.append((n, m))
    if not main:
        return None
    verb = next((_TASK_WORDS[w] for w in words if w in _TASK_WORDS), "none")
    lowest = any(w in _LOWEST_WORDS for w in words)
    decimals = any(has_decimal(n) for n, _ in main)
    rels = [n for n, _ in main if n.op in ("rel", "and", "seq")]
    if rels:
        if len(rels) != len(main) or verb not in ("solve", "any", "none"):
            return None
        return _read_relations(statement, main, mentions, words, decimals)
    if len(main) != 1:
        return None
    node, latex = main[0]
    if verb == "any" and (value := expr_of(node)) is not None and value.free_symbols:
        verb = next((t for t, ws in _FORM_WORDS if ws & set(words)), verb)
    return _read_expression(statement, node, latex, verb, lowest, decimals, mentions)


def _read_relations(
    statement: str,
    main: list[tuple[Node, str]],
    mentions: list[str],
    words: list[str],
    decimals: bool,
) -> ProblemState | None:
    eqs: list[Node] = []
    for n, _ in main:
        eqs.extend(n.args if n.op in ("and", "seq") else [n])
    if any(e.op != "rel" for e in eqs):
        return None
    latex = " \\text{ and } ".join(m for _, m in main)
    if len(eqs) == 2 or "system" in words:
        return _read_system(statement, eqs, mentions, latex, decimals)
    if len(eqs) != 1:
        return None
    rel = relation_of(eqs[0])
    if rel is None:
        return None
    syms = rel.free_symbols
    if len(syms) != 1 or (mentions and {s.name for s in syms} != set(mentions)):
        return None  # more than one unknown outside systems
    (var,) = syms
    p = _poly(sp.expand(rel.lhs - rel.rhs), var)
    if p is None or p.degree() > 2:
        return None  # (x + 5 = x + 6 is kept: its answer is "no solution")
    if p.degree() == 2 and not isinstance(rel, sp.Eq):
        return None  # quadratic inequalities are not a family of the tutor
    sol = solution_set(rel, var)
    if sol is None:
        return None
    return ProblemState("solve", rel, (var,), sol, latex, decimals, statement)


def _read_system(
    statement: str, eqs: list[Node], mentions: list[str], latex: str, decimals: bool
) -> ProblemState | None:
    if len(eqs) != 2:
        return None
    found = [relation_of(e) for e in eqs]
    rels = [r for r in found if r is not None and isinstance(r, sp.Eq)]
    if len(rels) != len(found):
        return None
    syms = set().union(*(r.free_symbols for r in rels))
    if len(syms) != 2:
        return None
    by_name = {s.name: s for s in syms}
    if mentions and set(mentions) == set(by_name) and len(mentions) == 2:
        variables = tuple(by_name[n] for n in mentions)
    else:
        variables = tuple(sorted(syms, key=lambda s: s.name))
    for r in rels:
        try:
            if sp.Poly(r.lhs - r.rhs, *variables).total_degree() != 1:
                return None
        except sp.PolynomialError:
            return None
    sols = sp.linsolve([r.lhs - r.rhs for r in rels], *variables)
    if len(sols) != 1:
        return None
    (vals,) = sols
    if any(v.free_symbols for v in vals):
        return None  # dependent equations: no single solution
    solution = dict(zip(variables, vals, strict=True))
    return ProblemState("solve_system", rels, variables, solution, latex, decimals, statement)


def _is_number_literal(n: Node) -> bool:
    while n.op in ("neg", "pos"):
        n = n.args[0]
    return n.op == "num"


def _read_expression(
    statement: str,
    node: Node,
    latex: str,
    verb: str,
    lowest: bool,
    decimals: bool,
    mentions: list[str],
) -> ProblemState | None:
    value = expr_of(node)
    if value is None or mentions:
        return None
    syms = value.free_symbols
    if not syms:
        if verb in ("factor", "solve") or not value.is_Rational:
            return None
        bare = node.args[0] if node.op == "neg" else node
        fraction = bare.op == "div" and all(_is_number_literal(a) for a in bare.args)
        if fraction and (lowest or verb == "simplify"):
            return ProblemState("lowest_terms", value, (), None, latex, decimals, statement)
        return ProblemState("compute", value, (), None, latex, decimals, statement)
    if len(syms) > 3:
        return None
    variables = tuple(sorted(syms, key=lambda s: s.name))
    try:
        p = sp.Poly(value, *variables)
    except sp.PolynomialError:
        return None
    if any(not c.is_Rational for c in p.coeffs()) or p.total_degree() > _MAX_DEGREE:
        return None
    if verb in ("factor", "expand", "simplify"):
        task = verb
    elif verb == "lowest":
        return None
    else:
        return None  # "evaluate 3x + 2" needs a value of x: another family
    if task == "factor" and (len(variables) != 1 or p.total_degree() < 1):
        return None
    # SymPy keeps 2*(x + 1) as 2x + 2; the start is the value, the tree keeps the writing
    return ProblemState(task, value, variables, None, latex, decimals, statement)


def plain_value(latex: str) -> sp.Expr | None:
    """The value of a plain expression written in LaTeX (no relation, no text), or None."""
    node = parse_math(latex)
    if node is None or not is_plain(node):
        return None
    return expr_of(node)


def plain_relations(latex: str, joiner: str = r" \text{ and } ") -> list[sp.Rel] | None:
    """The relations of a state such as ``2x + y = 7 \text{ and } x - y = 2``, or None when a
    part is not a plain relation."""
    rels = []
    for piece in latex.split(joiner):
        node = parse_math(piece)
        rel = relation_of(node) if node is not None and is_plain(node) else None
        if rel is None:
            return None
        rels.append(rel)
    return rels
