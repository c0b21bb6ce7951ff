"""One line of a student's working, read into a state that can be compared with another.

A state is one of

* ``expr``: a value (the lines of "compute", "simplify", "expand", "factor" working);
* ``rel``: one equation or inequality, or several joined by ``or`` / ``and``, in one
  variable; compared through its real solution set (:class:`~.sets.RealSet`);
* ``system``: equations in several unknowns (``y = 2x + 1 and 3x + 2y = 5``), compared
  through what holds at the system's solution.

Used by :mod:`.steps` (the verdict per line) and :mod:`.malrules` (the diagnosis).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .compare import SYMPY_ERRORS, equivalent
from .context import expand_pm
from .convert import Converter, NotAnExpression
from .errors import ParseError
from .lexer import ParseOptions
from .nodes import Node, walk
from .parsing import parse
from .relations import ratio_constant
from .sets import NotASet, RealSet, node_to_set

# How a relation reads when its sides are swapped, and its opposite direction.
SWAP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}
REVERSE = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
INEQUALITIES = ("<", "<=", ">", ">=")
# What reading a relation as a set may raise when it cannot be.
_NO_SET: tuple[type[BaseException], ...] = (NotASet, *SYMPY_ERRORS)


class Unreadable(Exception):
    """A line that is not mathematics we can read (the message says why)."""

    def __init__(self, message: str, code: str = "syntax_error"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class State:
    """A line as mathematics: see the module docstring for ``kind``."""

    kind: str  # "expr" | "rel" | "system"
    node: Node
    value: Any = None  # expr: its SymPy value
    op: str = ""  # rel with one relation: its operator
    lhs: Any = None  # rel with one relation: its sides
    rhs: Any = None
    set: RealSet | None = None  # rel: the real solution set in ``var``
    eqs: list[Any] = field(default_factory=list)  # system: (lhs, rhs) pairs
    parts: list[Any] = field(default_factory=list)  # expr chain a = b = c: the values in order

    @property
    def f(self) -> Any:
        """lhs - rhs of a single relation, turned so that it reads ``f < 0`` (or ``<=``,
        ``= 0``)."""
        if self.op in (">", ">="):
            return self.rhs - self.lhs
        return self.lhs - self.rhs

    @property
    def base_op(self) -> str:
        """The operator of :attr:`f`: ``<``, ``<=`` or ``=``."""
        return {">": "<", ">=": "<="}.get(self.op, self.op)


class Reader:
    """Reads lines of one working: the same variable, options and converter for all."""

    def __init__(self, mode: str, var: sp.Symbol | None, options: ParseOptions):
        self.mode = mode  # "expr" | "rel" | "system"
        self.var = var
        self.options = options
        self.conv = Converter()
        self.solution: dict[Any, Any] | None = None  # system: the start's one solution
        self.start: Node | None = None  # system: the start (its unknowns)

    def value(self, node: Node) -> Any:
        try:
            return self.conv.conv(node)
        except NotAnExpression as e:
            raise Unreadable(f"This line is not an expression we can work with ({e}).") from e

    def parse(self, raw: str) -> Node:
        text = raw.strip()
        if self.mode == "expr" and text.startswith("="):
            text = text[1:].strip()  # "= 6x - 3": the next form of the expression
        try:
            return parse(text, "auto", self.options).node
        except ParseError as e:
            raise _unreadable(e) from e

    def read(self, raw: str) -> State:
        return self.state(self.parse(raw))

    def state(self, node: Node) -> State:
        """The state of a parsed line (raises :class:`Unreadable`)."""
        try:
            if self.mode == "expr":
                return self._expr(node)
            if self.mode == "system":
                return self._system(node)
            return self._rel(node)
        except ParseError as e:  # a number too large to work with (9^9^9^9)
            raise _unreadable(e) from e
        except (RecursionError, MemoryError, OverflowError) as e:
            raise Unreadable(
                "This line is too large or too complex to check.", "too_complex"
            ) from e
        except SYMPY_ERRORS as e:
            raise Unreadable(f"This line could not be worked with ({type(e).__name__}).") from e

    # ------------------------------------------------------------ the three kinds
    def _expr(self, node: Node) -> State:
        if node.op == "rel":
            if any(o != "=" for o in node.value):
                raise Unreadable(
                    "Each line should be the expression in its next form, not a relation."
                )
            parts = [self.value(a) for a in node.args]
            return State("expr", node, value=parts[-1], parts=parts)
        if node.op in ("seq", "set", "list", "or", "and", "interval", "special"):
            raise Unreadable("Each line should be a single expression.")
        v = self.value(node)
        return State("expr", node, value=v, parts=[v])

    def _rel(self, node: Node) -> State:
        var = self.var
        assert var is not None  # a "rel" working has its variable (steps._mode)
        x = Node("sym", (), var.name)
        if node.op in ("seq", "or") and any(a.op == "rel" for a in node.args):
            # x = 3, -3 and x = 3 or -3: a bare value after an equation is another value of x
            node = Node(
                "or", tuple(a if a.op == "rel" else Node("rel", (x, a), ("=",)) for a in node.args)
            )
        elif node.op == "seq":
            node = Node("set", node.args)
        elif node.op in ("tuple", "list") and len(node.args) == 2:
            pass  # (-oo, 3), [1, 2]: an interval
        elif node.op not in ("rel", "or", "and", "set", "special", "union", "interval"):
            node = Node("rel", (x, node), ("=",))  # a bare value: "x = value"
        alts = expand_pm(node)
        if len(alts) > 1:  # x = ±3: x = 3 or x = -3
            node = Node("or", tuple(alts))
        try:
            s = node_to_set(node, var, self.value)
        except NotASet as e:
            raise Unreadable(
                f"This line should be an equation or inequality in {var}, or its solutions."
            ) from e
        st = State("rel", node, set=s)
        if node.op == "rel" and len(node.value) == 1 and node.value[0] in SWAP:
            st.op = node.value[0]
            st.lhs, st.rhs = self.value(node.args[0]), self.value(node.args[1])
        return st

    def _system(self, node: Node) -> State:
        eqs = []
        items = node.args if node.op in ("and", "seq", "list") else (node,)
        names = sorted({n.value for n in walk(self.start) if n.op == "sym"} if self.start else ())
        if node.op == "tuple" and len(node.args) == len(names):
            # (2, 5): the values of the unknowns in alphabetical order
            items = tuple(
                Node("rel", (Node("sym", (), n), v), ("=",))
                for n, v in zip(names, node.args, strict=True)
            )
        for a in items:
            if a.op != "rel" or any(o != "=" for o in a.value):
                raise Unreadable("Each line should be one or more equations (joined by 'and').")
            vals = [self.value(x) for x in a.args]
            eqs += [(vals[i], vals[i + 1]) for i in range(len(vals) - 1)]
        st = State("system", node, eqs=eqs)
        if len(eqs) == 1:
            st.op, (st.lhs, st.rhs) = "=", eqs[0]
        return st


def _unreadable(e: ParseError) -> Unreadable:
    msg = e.message.replace("Your answer", "This line").replace("your answer", "this line")
    if e.position is not None and "position" not in msg:
        msg = f"{msg} (at character {e.position + 1})"
    return Unreadable(msg, e.code)


# ---------------------------------------------------------------- comparing states
def holds_at(st: State, solution: dict[Any, Any]) -> bool:
    """Every equation of a system line is true at the solution."""
    for lhs, rhs in st.eqs:
        try:
            d = sp.simplify((lhs - rhs).xreplace(solution))
        except SYMPY_ERRORS:
            return False
        if d != 0:
            return False
    return True


def system_solution(st: State) -> dict[Any, Any] | None:
    """The one solution of a system line (a dict), or None when it has none or many."""
    syms = sorted(set().union(*((a - b).free_symbols for a, b in st.eqs)), key=lambda s: s.name)
    if not syms or len(syms) > 4:
        return None
    try:
        sols = sp.solve([a - b for a, b in st.eqs], syms, dict=True)
    except SYMPY_ERRORS:
        return None
    if len(sols) != 1 or len(sols[0]) != len(syms):
        return None
    one: dict[Any, Any] = sols[0]
    return one


def same_state(a: State, b: State) -> bool:
    """Two states say the same: equal value, the same solution set, proportional equations."""
    if a.kind != b.kind:
        return False
    if a.kind == "expr":
        return _equal(a.value, b.value)
    if a.kind == "rel":
        if a.set is not None and b.set is not None:
            return a.set == b.set
        return False
    if a.op and b.op:
        return ratio_constant(a.lhs - a.rhs, b.lhs - b.rhs)
    return False


def same_relation(op: str, lhs: Any, rhs: Any, b: State, var: Any) -> bool:
    """A candidate relation ``lhs op rhs`` (SymPy sides) says the same as line ``b``."""
    if b.kind == "system":
        if op != "=" or not b.op:
            return False
        return ratio_constant(lhs - rhs, b.lhs - b.rhs)
    if b.kind != "rel" or b.set is None:
        return False
    f = rhs - lhs if op in (">", ">=") else lhs - rhs
    base = {">": "<", ">=": "<="}.get(op, op)
    if b.op and b.base_op == base:
        try:
            if ratio_constant(f, b.f, positive=base != "="):
                return True
        except SYMPY_ERRORS:
            return False
    pts = set_points(b.set) if base == "=" else None
    if pts is not None:
        roots = equation_roots(lhs - rhs, var)
        if roots is not None:
            return _same_points(roots, pts)
    try:
        s = node_to_set(_rel_node(op), var, lambda n: lhs if n.value == "L" else rhs)
    except _NO_SET:
        return False
    return s == b.set


def equation_roots(f: Any, var: Any) -> list[Any] | None:
    """The real solutions of ``f = 0`` for a rational function of degree at most 4 in
    ``var`` (the quadratic formula and its kin: much faster than a sign chart), or None."""
    try:
        num, den = sp.fraction(sp.together(sp.expand(f)))
        pn, pd = sp.Poly(num, var), sp.Poly(den, var)
    except (sp.PolynomialError, sp.GeneratorsNeeded, *SYMPY_ERRORS):
        return None
    if pn.is_zero or pn.degree() > 4 or not all(c.is_Rational for c in pn.coeffs()):
        return None
    if pd.degree() > 0 and not all(c.is_Rational for c in pd.coeffs()):
        return None
    found = sp.roots(pn)
    if sum(found.values()) != pn.degree():
        return None  # roots() could not find them all
    out = []
    for r in found:
        if not r.is_real or (pd.degree() > 0 and pd.eval(r) == 0):
            continue
        out.append(r)
    return out


def _same_points(a: list[Any], b: list[Any]) -> bool:
    if len(a) != len(b):
        return False
    return all(any(_same_number(x, y) for y in b) for x in a)


def _same_number(x: Any, y: Any) -> bool:
    if x == y:
        return True
    try:
        if abs(complex(x) - complex(y)) > 1e-9 * max(1.0, abs(complex(y))):
            return False  # decided in floating point: most pairs differ plainly
        return bool(sp.simplify(x - y) == 0)
    except SYMPY_ERRORS:  # TypeError among them
        return False


def _rel_node(op: str) -> Node:
    return Node("rel", (Node("sym", (), "L"), Node("sym", (), "R")), (op,))


def _equal(a: Any, b: Any) -> bool:
    try:
        d = sp.expand(a - b)
        if d == 0:
            return True
        if d.is_polynomial() and not d.atoms(sp.Function, sp.Pow) - d.atoms(sp.Pow):
            # polynomials (the lines of nearly all working): expanded, they decide exactly
            if all(p.exp.is_Integer and p.exp > 0 for p in d.atoms(sp.Pow)):
                return False
        return bool(equivalent(a, b))
    except SYMPY_ERRORS:
        return False


def set_points(s: RealSet) -> list[Any] | None:
    """The points of a finite solution set, or None when it is not finite."""
    pts = []
    for lo, hi, lc, rc in s.pieces:
        if lo != hi or not (lc and rc):
            return None
        pts.append(lo)
    return pts


def literals(node: Node, limit: int = 16) -> list[Node]:
    """The number literals of a line, in reading order (at most ``limit``)."""
    out = [n for n in walk(node) if n.op == "num"]
    return out[:limit]
