"""Expressions: algebraic equivalence, then the requested form; ± answers; matrices."""

from __future__ import annotations

from typing import Any

import sympy as sp

from . import forms as formtests
from .compare import equivalent
from .context import (
    NOT_SINGLE_VALUE,
    Ctx,
    Wrong,
    describe,
    expand_pm,
    expr_value,
    fmt,
    free_names,
    has_op,
    match_unordered,
    num_equal,
    tolerance,
    unwrap,
    value_list,
    value_node,
)
from .nodes import Node
from .parsing import Parsed
from .verdict import Verdict, make


def _unexpected_vars(sv: Any, kvals: list[Any], ctx: Ctx) -> list[str]:
    declared = set(ctx.spec.opt("variables", []) or [])
    key_names = set().union(*(free_names(k) for k in kvals)) if kvals else set()
    allowed = declared | key_names
    return sorted(free_names(sv) - allowed)


def check_expression(parsed: Parsed, keys: list[Parsed], ctx: Ctx) -> Verdict:
    spec = ctx.spec
    node = value_node(parsed.node, spec, ctx.notes) if not spec.opt("strict_type") else parsed.node
    node = unwrap(node)
    if node.op in ("matrix",) or any(unwrap(k.node).op == "matrix" for k in keys):
        return check_matrix(node, keys, ctx)
    key_nodes = [value_node(k.node, spec, []) for k in keys]
    if any(has_op(k, ("pm", "upm")) for k in key_nodes) and node.op in ("set", "seq", "list", "or"):
        vals = value_list(node)
        if vals is not None:
            return check_pm([a for v in vals for a in expand_pm(v)], key_nodes, ctx)
    if node.op in NOT_SINGLE_VALUE:
        kv_nodes = [value_node(k.node, spec, []) for k in keys]
        if all(k.op not in ("rel",) for k in kv_nodes):
            raise Wrong(
                "wrong_type", f"Your answer should be a single expression, not {describe(node)}."
            )
    alts = expand_pm(node)
    key_nodes = [value_node(k.node, spec, []) for k in keys]
    if len(alts) > 1 or any(has_op(k, ("pm", "upm")) for k in key_nodes):
        return check_pm(alts, key_nodes, ctx)
    sv = expr_value(node, ctx)
    kvals = [expr_value(k, Ctx(spec)) for k in key_nodes]
    for knode, kv in zip(key_nodes, kvals, strict=True):
        if equivalent(sv, kv):
            failed = formtests.check_forms(spec, node, sv, knode)
            if failed:
                form, msg = failed
                return make(
                    "wrong_form",
                    msg,
                    score=0.0,
                    correct=False,
                    normalized=fmt(sv),
                    details={"form": form},
                )
            return make("correct", normalized=fmt(sv))
    extra = _unexpected_vars(sv, kvals, ctx)
    if extra:
        names = ", ".join(extra)
        return make(
            "unexpected_variable",
            f"Your answer uses {names}, which this problem does not use.",
            normalized=fmt(sv),
            details={"variables": extra},
        )
    for kv in kvals:
        if kv != 0 and equivalent(sv, -kv):
            return make("sign_error", normalized=fmt(sv))
    return make("wrong", normalized=fmt(sv))


def check_pm(alts: list[Node], key_nodes: list[Node], ctx: Ctx) -> Verdict:
    """Values written with ± (or listed) against keys with ±: the same values, any order."""
    svals = [expr_value(a, ctx) for a in alts]
    for k in key_nodes:
        kvals = [expr_value(a, Ctx(ctx.spec)) for a in expand_pm(k)]
        matched = match_unordered(svals, kvals)
        if (
            matched == len(kvals)
            and len(set(map(fmt, svals))) <= len(kvals)
            and all(any(equivalent(s, kv) for kv in kvals) for s in svals)
        ):
            return make("correct", normalized=", ".join(map(fmt, svals)))
        if matched and len(kvals) > 1:
            return make(
                "partial",
                f"You have {matched} of the {len(kvals)} values.",
                score=matched / max(len(kvals), len(svals))
                if ctx.spec.opt("partial_credit", True)
                else 0.0,
                correct=False,
            )
    return make("wrong")


def _matrix_rows(node: Node, ctx: Ctx) -> list[list[Any]]:
    v = expr_value(node, ctx, "a matrix")
    if not isinstance(v, sp.MatrixBase):
        raise Wrong("wrong_type", "Your answer should be a matrix.")
    return [[v[i, j] for j in range(v.cols)] for i in range(v.rows)]


def check_matrix(node: Node, keys: list[Parsed], ctx: Ctx) -> Verdict:
    srows = _matrix_rows(node, ctx)
    for k in keys:
        knode = unwrap(k.node)
        if not has_op(knode, ("matrix",)):
            continue
        krows = _matrix_rows(knode, Ctx(ctx.spec))
        if len(krows) != len(srows) or len(krows[0]) != len(srows[0]):
            raise Wrong("wrong_length", f"The matrix should be {len(krows)}×{len(krows[0])}.")
        tol = tolerance(ctx.spec)
        ok = all(
            num_equal(s, kk, tol)
            for sr, kr in zip(srows, krows, strict=True)
            for s, kk in zip(sr, kr, strict=True)
        )
        if ok:
            return make("correct")
    return make("wrong")
