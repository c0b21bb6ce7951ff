"""Sets and lists (ordered or not, of numbers, expressions, tuples and points)."""

from __future__ import annotations

from .compare import equivalent
from .context import Ctx, Wrong, expand_pm, num_equal, tolerance, value_node
from .convert import NotAnExpression
from .forms import canon
from .nodes import Node, walk
from .parsing import Parsed
from .relations import rel_equivalent
from .verdict import Verdict, make


def _elements(node: Node, kind: str) -> tuple[list[Node], str]:
    """(elements, container) where container is 'set', 'list', 'tuple' or 'single'."""
    if node.op == "set":
        return list(node.args), "set"
    if node.op in ("list", "seq"):
        return list(node.args), "list"
    if node.op == "tuple":
        return list(node.args), "tuple"
    if node.op in ("or", "and"):
        return list(node.args), "list"
    if node.op == "special" and node.value in ("empty", "nosol"):
        return [], "set"
    return [node], "single"


def _expand_elements(items: list[Node]) -> list[Node]:
    out = []
    for it in items:
        if it.op == "rel" or any(n.op in ("pm", "upm") for n in walk(it)):
            out.extend(expand_pm(it))
        else:
            out.append(it)
    return out


def elem_equal(a: Node, b: Node, ctx: Ctx) -> bool:
    """Two entries of a set or list equal (values, tuples, nested sets/lists, relations)."""
    spec = ctx.spec
    a = value_node(a, spec, []) if a.op in ("rel", "seq") else a
    b = value_node(b, spec, []) if b.op in ("rel", "seq") else b
    if a.op == "tuple" or b.op == "tuple":
        if a.op != b.op or len(a.args) != len(b.args):
            return False
        return all(elem_equal(x, y, ctx) for x, y in zip(a.args, b.args, strict=True))
    if a.op in ("set", "list") or b.op in ("set", "list"):
        if a.op != b.op:
            return False
        ea, eb = list(a.args), list(b.args)
        if a.op == "list":
            return len(ea) == len(eb) and all(
                elem_equal(x, y, ctx) for x, y in zip(ea, eb, strict=True)
            )
        return _match(ea, eb, ctx) == len(eb) and _match(eb, ea, ctx) == len(ea)
    a = value_node(a, spec, [])
    b = value_node(b, spec, [])
    if a.op == "rel" or b.op == "rel":
        return canon(a) == canon(b) or rel_equivalent(a, b, ctx, Ctx(spec))
    try:
        va = ctx.value(a)
        vb = Ctx(spec).value(b)
    except NotAnExpression:
        return canon(a) == canon(b)
    tol = tolerance(spec)
    if tol is not None:
        return num_equal(va, vb, tol)
    return equivalent(va, vb) or num_equal(va, vb, None)


def _match(sa: list[Node], ka: list[Node], ctx: Ctx) -> int:
    used = [False] * len(ka)
    n = 0
    for s in sa:
        for j, k in enumerate(ka):
            if not used[j] and elem_equal(s, k, ctx):
                used[j] = True
                n += 1
                break
    return n


def _dedupe(items: list[Node], ctx: Ctx) -> list[Node]:
    out: list[Node] = []
    for it in items:
        if not any(elem_equal(it, o, ctx) for o in out):
            out.append(it)
    return out


def check_collection(parsed: Parsed, keys: list[Parsed], ctx: Ctx) -> Verdict:
    spec = ctx.spec
    kind = spec.kind
    partial = spec.opt("partial_credit", True)
    ordered = spec.opt("ordered", False)
    best = None
    for k in keys:
        kel, kc = _elements(k.node, kind)
        sel, sc = _elements(parsed.node, kind)
        kel, sel = _expand_elements(kel), _expand_elements(sel)
        if spec.opt("strict_type") and kind == "set" and sc not in ("set",):
            raise Wrong(
                "wrong_type", "Your answer should be a set, written with braces like {1, 2}."
            )
        if kc == "tuple" and sc == "set":
            raise Wrong(
                "wrong_type",
                "Your answer should be an ordered pair (or list) in brackets, not a set.",
            )
        if kc == "tuple" and sc == "tuple" and kind == "list" and not ordered:
            # a single point: its coordinates are in order
            is_ordered = True
        else:
            is_ordered = ordered and kind == "list"
        if kind == "set":
            sel = _dedupe(sel, ctx)
            kel = _dedupe(kel, ctx)
        if is_ordered:
            if len(sel) != len(kel):
                v = make(
                    "wrong_length",
                    f"Your answer should have {len(kel)} entries; it has {len(sel)}.",
                )
                best = best or v
                continue
            m = sum(1 for a, b in zip(sel, kel, strict=True) if elem_equal(a, b, ctx))
        else:
            m = _match(sel, kel, ctx)
        nk, ns = len(kel), len(sel)
        if m == nk and ns == nk:
            return make("correct")
        if m and (nk > 1 or ns > 1):
            score = m / max(nk, ns) if partial else 0.0
            if ns < nk:
                msg = f"{m} of your entries are right, but some are missing (there should be {nk})."
            elif ns > nk:
                msg = (
                    f"{m} of your entries are right, but there are too many (there should be {nk})."
                )
            else:
                msg = f"{m} of your {ns} entries are right."
            v = make(
                "partial",
                msg,
                score=score,
                correct=False,
                details={"matched": m, "expected": nk, "given": ns},
            )
            if best is None or v.score > best.score:
                best = v
            continue
        best = best or make("wrong")
    return best or make("wrong")
