"""The parse tree of an answer: small immutable nodes, printable as text and LaTeX.

The tree keeps what the student wrote (``2/4`` stays a division of two literals, ``0.50``
keeps its digits), so that form tests (lowest terms, factored, significant figures) can
look at it; :mod:`curriculum.answers.convert` turns it into SymPy objects for the maths.

Ops (``Node.op``):

* leaves: ``num`` (value: the digits as typed, normalised: ``"1000"``, ``"0.50"``,
  ``"2.5e3"``), ``sym`` (value: name), ``const`` (``pi``, ``e``, ``i``, ``oo``),
  ``mixed`` (value: ``(whole, numerator, denominator)`` digit strings), ``special``
  (``nosol``, ``allreal``, ``empty``);
* binary: ``add``, ``sub``, ``pm`` (a ± b), ``mul`` (``*`` typed), ``imul`` (implied ``*``),
  ``div``, ``pow``;
* unary: ``neg``, ``pos``, ``upm`` (± a), ``pct`` (a %), ``fact`` (a !), ``abs``;
* ``func`` (value: function name; args: its arguments);
* ``rel`` (args: operands; value: tuple of operators ``= < <= > >= != in``; chains allowed);
* collections: ``tuple`` (``(a, b)``), ``list`` (``[a, b]``), ``set`` (``{a, b}``),
  ``interval`` (value ``(left_closed, right_closed)``; args ``(lo, hi)``), ``matrix``
  (args: rows, each a ``list``), ``seq`` (a bare ``a, b, c``), ``union``, ``or``, ``and``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from .lexer import GREEK

__all__ = ["Node", "replace_subtree", "to_text", "to_latex", "walk"]


class Node:
    __slots__ = ("op", "args", "value", "paren", "_hash")

    def __init__(
        self, op: str, args: Iterable[Node] = (), value: Any = None, paren: bool = False
    ) -> None:
        self.op = op
        self.args: tuple[Node, ...] = tuple(args)
        # str for most leaves and functions, a tuple for mixed numbers, relations, intervals
        self.value: Any = value
        self.paren = paren  # written inside ( ); not part of equality
        self._hash: int | None = None

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Node)
            and self.op == other.op
            and self.value == other.value
            and self.args == other.args
        )

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash((self.op, self.value, self.args))
        return self._hash

    def __repr__(self) -> str:
        if self.args:
            inner = ", ".join(repr(a) for a in self.args)
            if self.value is not None:
                return f"{self.op}[{self.value!r}]({inner})"
            return f"{self.op}({inner})"
        return f"{self.op}[{self.value!r}]"

    def __str__(self) -> str:
        return to_text(self)


def walk(node: Node) -> Iterator[Node]:
    """All nodes, parents before children (iterative: trees may be deep)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.args))


# ---------------------------------------------------------------- printing
# precedence: larger binds tighter
_PREC = {
    "or": 1,
    "and": 1,
    "seq": 2,
    "rel": 3,
    "union": 4,
    "add": 5,
    "sub": 5,
    "pm": 5,
    "mul": 6,
    "imul": 6,
    "div": 6,
    "neg": 7,
    "pos": 7,
    "upm": 7,
    "pow": 8,
    "pct": 9,
    "fact": 9,
}
_ATOM = 10


def _prec(n: Node) -> int:
    if n.op == "num" and n.value.startswith("-"):
        return 7
    if n.op == "mixed":
        return 5
    return _PREC.get(n.op, _ATOM)


_CONST_TEXT = {"pi": "pi", "e": "e", "i": "i", "oo": "oo"}
_SPECIAL_TEXT = {"nosol": "no solution", "allreal": "all real numbers", "empty": "{}"}


def to_text(n: Node) -> str:
    """Plain text with explicit ``*`` and minimal brackets (how we read the answer)."""
    op = n.op
    if op == "num":
        digits: str = n.value
        return digits
    if op == "sym":
        name: str = n.value
        return name
    if op == "const":
        return _CONST_TEXT[n.value]
    if op == "special":
        return _SPECIAL_TEXT[n.value]
    if op == "mixed":
        w, a, b = n.value
        return f"{w} {a}/{b}"
    p = _prec(n)

    def wrap(child: Node, need: int) -> str:
        s = to_text(child)
        return f"({s})" if _prec(child) < need else s

    if op in ("add", "sub", "pm"):
        sym = {"add": " + ", "sub": " - ", "pm": " ± "}[op]
        return wrap(n.args[0], p) + sym + wrap(n.args[1], p + 1)
    if op in ("mul", "imul"):
        return wrap(n.args[0], p) + "*" + wrap(n.args[1], p + 1)
    if op == "div":
        return wrap(n.args[0], p) + "/" + wrap(n.args[1], p + 1)
    if op in ("neg", "pos", "upm"):
        sym = {"neg": "-", "pos": "+", "upm": "±"}[op]
        return sym + wrap(n.args[0], p + 1 if n.args[0].op != "pow" else p)
    if op == "pow":
        return wrap(n.args[0], p + 1) + "^" + wrap(n.args[1], p)
    if op == "pct":
        return wrap(n.args[0], p) + "%"
    if op == "fact":
        return wrap(n.args[0], p + 1) + "!"
    if op == "abs":
        return "|" + to_text(n.args[0]) + "|"
    if op == "func":
        fname: str = n.value
        return fname + "(" + ", ".join(to_text(a) for a in n.args) + ")"
    if op == "rel":
        parts = [wrap(n.args[0], p + 1)]
        for o, a in zip(n.value, n.args[1:], strict=True):
            parts.append(f" {o} ")
            parts.append(wrap(a, p + 1))
        return "".join(parts)
    if op == "tuple":
        return "(" + ", ".join(to_text(a) for a in n.args) + ")"
    if op == "list":
        return "[" + ", ".join(to_text(a) for a in n.args) + "]"
    if op == "set":
        return "{" + ", ".join(to_text(a) for a in n.args) + "}"
    if op == "interval":
        lc, rc = n.value
        return (
            ("[" if lc else "(")
            + to_text(n.args[0])
            + ", "
            + to_text(n.args[1])
            + ("]" if rc else ")")
        )
    if op == "matrix":
        return "matrix(" + ", ".join(to_text(r) for r in n.args) + ")"
    if op == "seq":
        return ", ".join(wrap(a, p + 1) for a in n.args)
    if op == "union":
        return " U ".join(wrap(a, p + 1) for a in n.args)
    if op in ("or", "and"):
        return f" {op} ".join(wrap(a, p + 1) for a in n.args)
    raise ValueError(f"cannot print node {op}")  # pragma: no cover


_LATEX_FUNCS = {
    "sin",
    "cos",
    "tan",
    "sec",
    "csc",
    "cot",
    "sinh",
    "cosh",
    "tanh",
    "coth",
    "ln",
    "log",
    "exp",
    "arcsin",
    "arccos",
    "arctan",
    "det",
}
_LATEX_REL = {"=": "=", "<": "<", "<=": r"\le", ">": ">", ">=": r"\ge", "!=": r"\ne", "in": r"\in"}
_GREEK = GREEK  # Greek letter names print as their LaTeX commands


def _latex_name(name: str) -> str:
    base, _, sub = name.partition("_")
    b = "\\" + base if base in _GREEK else (base if len(base) == 1 else r"\mathrm{" + base + "}")
    return b + ("_{" + sub + "}" if sub else "")


def to_latex(n: Node) -> str:
    """LaTeX for showing the reading back to the student (KaTeX renders it)."""
    op = n.op
    if op == "num":
        digits: str = n.value
        return digits.replace("e", r"\times 10^{") + "}" if "e" in digits else digits
    if op == "sym":
        return _latex_name(n.value)
    if op == "const":
        return {"pi": r"\pi", "e": "e", "i": "i", "oo": r"\infty"}[n.value]
    if op == "special":
        return {"nosol": r"\text{no solution}", "allreal": r"\mathbb{R}", "empty": r"\emptyset"}[
            n.value
        ]
    if op == "mixed":
        w, a, b = n.value
        return f"{w}\\tfrac{{{a}}}{{{b}}}"
    p = _prec(n)

    def wrap(child: Node, need: int) -> str:
        s = to_latex(child)
        return rf"\left({s}\right)" if _prec(child) < need else s

    if op in ("add", "sub", "pm"):
        sym = {"add": " + ", "sub": " - ", "pm": r" \pm "}[op]
        return wrap(n.args[0], p) + sym + wrap(n.args[1], p + 1)
    if op == "mul":
        return wrap(n.args[0], p) + r" \cdot " + wrap(n.args[1], p + 1)
    if op == "imul":
        return wrap(n.args[0], p) + r" \, " + wrap(n.args[1], p + 1)
    if op == "div":
        return r"\frac{" + to_latex(n.args[0]) + "}{" + to_latex(n.args[1]) + "}"
    if op in ("neg", "pos", "upm"):
        sym = {"neg": "-", "pos": "+", "upm": r"\pm "}[op]
        return sym + wrap(n.args[0], p + 1 if n.args[0].op != "pow" else p)
    if op == "pow":
        return wrap(n.args[0], p + 1) + "^{" + to_latex(n.args[1]) + "}"
    if op == "pct":
        return wrap(n.args[0], p) + r"\%"
    if op == "fact":
        return wrap(n.args[0], p + 1) + "!"
    if op == "abs":
        return r"\left|" + to_latex(n.args[0]) + r"\right|"
    if op == "func":
        name: str = n.value
        args = ", ".join(to_latex(a) for a in n.args)
        if name == "sqrt":
            return r"\sqrt{" + args + "}"
        if name == "root" and len(n.args) == 2:
            return r"\sqrt[" + to_latex(n.args[1]) + "]{" + to_latex(n.args[0]) + "}"
        head = "\\" + name if name in _LATEX_FUNCS else r"\operatorname{" + name + "}"
        return head + r"\left(" + args + r"\right)"
    if op == "rel":
        parts = [wrap(n.args[0], p + 1)]
        for o, a in zip(n.value, n.args[1:], strict=True):
            parts.append(f" {_LATEX_REL[o]} ")
            parts.append(wrap(a, p + 1))
        return "".join(parts)
    if op == "tuple":
        return r"\left(" + ", ".join(to_latex(a) for a in n.args) + r"\right)"
    if op == "list":
        return r"\left[" + ", ".join(to_latex(a) for a in n.args) + r"\right]"
    if op == "set":
        return r"\left\{" + ", ".join(to_latex(a) for a in n.args) + r"\right\}"
    if op == "interval":
        lc, rc = n.value
        return (
            (r"\left[" if lc else r"\left(")
            + to_latex(n.args[0])
            + ", "
            + to_latex(n.args[1])
            + (r"\right]" if rc else r"\right)")
        )
    if op == "matrix":
        rows = [" & ".join(to_latex(c) for c in r.args) for r in n.args]
        return r"\begin{pmatrix}" + r" \\ ".join(rows) + r"\end{pmatrix}"
    if op == "seq":
        return ", ".join(wrap(a, p + 1) for a in n.args)
    if op == "union":
        return r" \cup ".join(wrap(a, p + 1) for a in n.args)
    if op in ("or", "and"):
        return (" \\text{ " + op + " } ").join(wrap(a, p + 1) for a in n.args)
    raise ValueError(f"cannot print node {op}")  # pragma: no cover


def replace_subtree(node: Node, target: Node, rep: Node) -> Node:
    """``node`` with the subtree ``target`` (by identity) replaced by ``rep``; unchanged
    subtrees are shared, not copied."""
    if node is target:
        return rep
    if not node.args:
        return node
    new = tuple(replace_subtree(a, target, rep) for a in node.args)
    if all(x is y for x, y in zip(new, node.args, strict=True)):
        return node
    return Node(node.op, new, node.value, node.paren)
