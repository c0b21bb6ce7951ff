"""What a step of a working exercises: the step concepts of docs/work-checking.md.

A line that follows from the line before may have *done* something recognisable besides the
problem's own routine: multiplied out brackets, added two fractions, reversed an inequality
when dividing by a negative, collected like terms... A wrong line's malrule says which of
these went wrong. The learner model counts both as (weaker) evidence for the skills that own
these concepts (``tutor/adaptive/steps_evidence.py``); moving terms, dividing both sides and
arithmetic are the problem's own routine and name no concept here (the final answer is the
evidence for the problem's own skill).

Recognition is structural and cheap: it compares the parse trees of the two lines (only the
inequality concept asks SymPy for x's coefficient), so it adds little to a line's time.
"""

from __future__ import annotations

from collections import Counter
from itertools import islice
from typing import Any

from .compare import SYMPY_ERRORS
from .malrules import (
    infix_terms,
    products_in,
    signed_terms,
    single_relation,
    state_body,
    var_side,
    walk_nodes,
)
from .nodes import Node
from .worklines import INEQUALITIES, State

# The concepts, each with what it means (for documentation and teachers' pages).
CONCEPTS = {
    "distribute": "multiplying out a bracket by a factor",
    "expand": "multiplying out a product of two brackets",
    "factor": "writing an expression as a product of brackets",
    "add_fractions": "adding or subtracting fractions",
    "inequality_negative": "reversing an inequality when multiplying or dividing by a negative",
    "order_of_operations": "the order of operations",
    "collect_terms": "collecting like terms",
}

# The concept a wrong line's malrule belongs to (rules not listed are the problem's routine).
MALRULE_CONCEPT = {
    "distribute_one_term": "distribute",
    "add_fractions": "add_fractions",
    "inequality_not_reversed": "inequality_negative",
    "inequality_reversed_wrongly": "inequality_negative",
    "order_of_operations": "order_of_operations",
    "term_sign": "collect_terms",
}

_LIMIT = 24  # nodes of a kind counted per line: a huge line costs no more than a small one


def _bracket_products(node: Node) -> tuple[int, int]:
    """(factor times bracket, bracket times bracket) products in the line."""
    one = two = 0
    for _, factor, _bracket in islice(products_in(node), _LIMIT):
        if factor is not None and factor.op in ("add", "sub") and factor.paren:
            two += 1
        else:
            one += 1
    return one, two


def _fraction_sums(node: Node) -> int:
    sums = (
        n
        for n in walk_nodes(node)
        if n.op in ("add", "sub") and n.args[0].op == "div" and n.args[1].op == "div"
    )
    return sum(1 for _ in islice(sums, _LIMIT))


def _signature(term: Node) -> tuple[tuple[str, int], ...] | None:
    """The letters and their powers of a term (3x^2y: (("x", 2), ("y", 1))); None for a
    number or a term with a sum inside (a bracket is not a like term)."""
    powers: Counter[str] = Counter()
    stack = [term]
    while stack:
        n = stack.pop()
        if n.op in ("add", "sub"):
            return None
        if n.op == "pow" and n.args[0].op == "sym":
            e = n.args[1]
            if e.op != "num" or not e.value.isdigit():
                return None
            powers[n.args[0].value] += int(e.value)
            continue
        if n.op == "sym":
            powers[n.value] += 1
            continue
        stack.extend(n.args)
    return tuple(sorted(powers.items())) or None


def _like_pairs(side: Node) -> int:
    sigs = [_signature(t) for _, t in signed_terms(side)[:_LIMIT]]
    letters = [s for s in sigs if s is not None]
    return len(letters) - len(set(letters))


def _sides(st: State) -> list[Node]:
    if st.kind == "expr":
        return [state_body(st)]
    if st.node.op == "rel":
        return list(st.node.args[:2])
    return []


def exercised(a: State, b: State, var: Any = None) -> list[str]:
    """The concepts a step from line ``a`` to line ``b`` (which follows) carried out."""
    found: list[str] = []
    na, nb = state_body(a), state_body(b)
    (one_a, two_a), (one_b, two_b) = _bracket_products(na), _bracket_products(nb)
    if one_b < one_a:
        found.append("distribute")
    if two_b < two_a:
        found.append("expand")
    if a.kind == "expr" and b.kind == "expr" and two_a == 0 and (two_b or (one_b and not one_a)):
        found.append("factor")  # (x + 2)(x + 3), or a common factor: 3(2x + 3)
    if _fraction_sums(nb) < _fraction_sums(na):
        found.append("add_fractions")
    if (
        a.kind == "expr"
        and b.kind == "expr"
        and "add_fractions" not in found
        and not any(n.op == "sym" for n in walk_nodes(na))
    ):
        # a chain of numbers with both levels of operations (a fraction 3/6 is a number)
        ops = [
            o
            for o, n in zip(infix_terms(na)[1::2], infix_terms(na)[2::2], strict=True)
            if not (o == "div" and n.op == "num")
        ]
        mixed = any(o in ("add", "sub") for o in ops) and any(o not in ("add", "sub") for o in ops)
        if mixed and len(infix_terms(nb)) < len(infix_terms(na)):
            found.append("order_of_operations")
    sa, sb = _sides(a), _sides(b)
    if len(sa) == len(sb) and sa:
        if any(_like_pairs(x) > _like_pairs(y) for x, y in zip(sa, sb, strict=True)):
            found.append("collect_terms")
    if (
        var is not None
        and single_relation(a)
        and single_relation(b)
        and a.op in INEQUALITIES
        and b.op in INEQUALITIES
    ):
        try:
            ka, _ = var_side(a, var)
            kb, _ = var_side(b, var)
            if ka != 0 and kb != 0 and bool((kb / ka) < 0):
                found.append("inequality_negative")
        except SYMPY_ERRORS:  # TypeError among them
            pass
    return found


def of_error(malrule: str, b: State | None = None) -> list[str]:
    """The concept a wrong line's malrule belongs to: ``term_sign`` in a line that is a
    product of brackets went wrong factoring, not collecting terms."""
    concept = MALRULE_CONCEPT.get(malrule)
    if concept == "collect_terms" and b is not None and _bracket_products(state_body(b))[1]:
        concept = "factor"
    return [concept] if concept else []
