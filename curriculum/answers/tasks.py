"""What a problem asks the student to do, as part of the answer spec (``options.task``),
and answers that only restate the question (``options.given``).

"Solve" wants the solved form (``x = -1``, the values, a set, an interval, "no
solution", "all real numbers"); "compute" (evaluate) wants the operations carried out;
"simplify", "factor", "expand" and "lowest_terms" want that form. An answer equal in value
to the key but not in the form the task asks for is not correct. ``given`` holds the
question's own expressions (filled from the statement when a curriculum is loaded); an
answer that is one of them gets its own feedback, whatever the task.
"""

from __future__ import annotations

import re

from . import forms as formtests
from .compare import SYMPY_ERRORS
from .convert import Converter, NotAnExpression
from .errors import ParseError
from .nodes import Node, walk
from .spec import TASKS

__all__ = ["TASKS", "infer_task", "math_spans", "restates", "task_failure", "worth_comparing"]

# What reading a line as an expression may raise when it is not one.
_UNREADABLE: tuple[type[BaseException], ...] = (NotAnExpression, ParseError, *SYMPY_ERRORS)


MESSAGES = {
    "solve": "That is equivalent, but not solved: get the unknown on its own "
    "(like x = 2, or x > 2 for an inequality).",
    "compute": "That is equivalent, but the operations are not carried out: give the result.",
}

# ------------------------------------------------------------------ reading statements
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)


def math_spans(text: str) -> list[str]:
    """The math of a statement (``$..$``, ``$$..$$``, ``\\(..\\)``, ``\\[..\\]``), in order."""
    return [next(g for g in m.groups() if g is not None).strip() for m in _MATH.finditer(text)]


_START = r"(?:^|(?<=[.!?:;])\s+|\n\s*|\bto\s+|\bthen\s+|\band\s+)"
_VERBS = (
    ("solve", r"solve"),
    ("factor", r"factor(?:ise|ize)?(?!\s+(?:of|out of))"),
    ("expand", r"(?:expand|multiply out)"),
    ("simplify", r"(?:simplify|combine like terms)"),
    ("compute", r"(?:evaluate|compute|calculate)"),
)
_VERB_RE = re.compile(_START + r"(" + "|".join(f"(?P<{t}>{v})" for t, v in _VERBS) + r")\b", re.I)
_LOWEST = re.compile(r"\b(?:lowest terms|simplest form)\b", re.I)


def infer_task(text: str) -> str | None:
    """The task an instruction states ("Solve ...", "Factor ...", "Write in lowest terms"),
    from its first imperative verb; None when it states none."""
    if _LOWEST.search(text):
        return "lowest_terms"
    prose = _MATH.sub(" ", text)
    m = _VERB_RE.search(prose)
    if not m:
        return None
    return next(t for t, _ in _VERBS if m.group(t))


# ------------------------------------------------------------------ restating
_OPS = {"add", "sub", "mul", "imul", "div", "pow", "neg", "func", "rel", "pm", "abs", "root"}


def worth_comparing(node: Node) -> bool:
    """A statement span that does something (2 + 3, x - 4 = 0), not a lone number or name."""
    return any(m.op in _OPS and not (m.op == "neg" and m.args[0].op == "num") for m in walk(node))


def restates(node: Node, given: list[Node], keys: list[Node]) -> bool:
    """The answer is one of the question's own expressions (up to order), and that
    expression is not itself an answer key."""
    c = formtests.canon(node)
    key_canons = {formtests.canon(k) for k in keys}
    return any(formtests.canon(g) == c and formtests.canon(g) not in key_canons for g in given)


# ------------------------------------------------------------------ carrying out the task
def _carried_out(node: Node, key_nodes: list[Node]) -> bool:
    """No arithmetic left between numbers, fractions reduced, no like terms left."""
    try:
        value = Converter().conv(node)
    except _UNREADABLE:
        return True  # not an expression (a word, a set...): nothing to carry out here
    return formtests.is_simplified(node, value, key_nodes)


_CONTAINERS = ("seq", "or", "and", "set", "list", "tuple", "union")


def _solved(node: Node, key_nodes: list[Node]) -> bool:
    """In solved form: every relation has a lone unknown on one side and a carried-out
    value free of it on the other; every bare value is carried out."""
    if node.op == "special":
        return True
    if node.op in _CONTAINERS:
        return all(_solved(a, key_nodes) for a in node.args)
    if node.op == "interval":
        return all(_carried_out(a, key_nodes) for a in node.args)
    if node.op == "rel":
        if node.value == ("in",):
            return _solved(node.args[1], key_nodes)
        lone = [i for i, a in enumerate(node.args) if a.op == "sym"]
        if len(node.args) == 3:  # a < x < b
            lone = [1] if node.args[1].op == "sym" else []
        if not lone:
            return False
        name = node.args[lone[0]].value
        others = [a for i, a in enumerate(node.args) if i != lone[0]]
        return all(
            not any(m.op == "sym" and m.value == name for m in walk(a))
            and _carried_out(a, key_nodes)
            for a in others
        )
    return _carried_out(node, key_nodes)


def task_failure(task: str, kind: str, node: Node, key_nodes: list[Node]) -> tuple[str, str] | None:
    """``(form, message)`` when an answer equal in value to a key does not do the task
    (None when it does). An expression answer's form (simplified, factored, ...) is judged
    by the form tests, which the task adds to the spec's forms (``AnswerSpec.forms``)."""
    if task == "solve":
        return None if _solved(node, key_nodes) else ("solved", MESSAGES["solve"])
    if kind == "expression":
        return None
    # numbers, sets, lists: every value carried out (and reduced, for lowest terms)
    for v in _values(node):
        if not _carried_out(v, key_nodes) or (
            task == "lowest_terms" and not formtests.is_lowest_terms(v)
        ):
            return ("carried_out", MESSAGES["compute"])
    return None


def _values(node: Node) -> list[Node]:
    if node.op in _CONTAINERS:
        return [v for a in node.args for v in _values(a)]
    if node.op == "rel":
        return _values(node.args[-1])
    if node.op in ("special", "interval"):
        return []
    return [node]
