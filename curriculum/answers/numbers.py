"""Numbers: their value (exact, within a tolerance, or compared with > / >=), percentages,
± values, and the digits typed (significant figures and decimal places)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sympy as sp

from . import forms as formtests
from .compare import to_float, to_mp
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
    num_equal,
    tolerance,
    value_list,
    value_node,
)
from .expressions import check_pm
from .nodes import Node
from .parsing import Parsed
from .verdict import Verdict, make


def literal_info(node: Node) -> tuple[int, str, int] | None:
    """``(sign, digits, exponent)`` when the node is a decimal literal as typed.

    ``-0.0120`` -> ``(-1, "0.0120", 0)``; ``1.38*10^-1`` -> ``(1, "1.38", -1)``;
    ``5.3e21`` -> ``(1, "5.3", 21)``. ``None`` for anything else (``pi``, ``1/3``, ``2+1``).
    """
    sign = 1
    n = node
    while n.op in ("neg", "pos"):
        if n.op == "neg":
            sign = -sign
        n = n.args[0]
    if n.op == "num":
        v = n.value
        if "e" in v:
            m, _, e = v.partition("e")
            return sign, m, int(e)
        return sign, v, 0
    if n.op in ("mul", "imul"):
        first = n.args[0]
        while first.op in ("neg", "pos"):
            if first.op == "neg":
                sign = -sign
            first = first.args[0]
        if first.op != "num" or "e" in first.value:
            return None
        p = n.args[1]
        if p.op == "pow" and p.args[0] == Node("num", (), "10"):
            ex = p.args[1]
            esign = 1
            while ex.op in ("neg", "pos"):
                if ex.op == "neg":
                    esign = -esign
                ex = ex.args[0]
            if ex.op == "num" and ex.value.isdigit():
                return sign, first.value, esign * int(ex.value)
    return None


def sig_fig_range(digits: str) -> tuple[int, int]:
    """(fewest, most) significant figures a written number can have.

    Trailing zeros of an integer are ambiguous (``1200`` has 2 to 4); zero itself
    has as many as its decimals show (``0.00`` has 2), at least 1.
    """
    d = digits.lstrip("+-")
    if "." in d:
        intpart, frac = d.split(".", 1)
    else:
        intpart, frac = d, ""
    allds = (intpart + frac).lstrip("0")
    if not allds:  # zero
        n = max(1, len(frac))
        return n, n
    if frac:
        return len(allds), len(allds)
    core = allds.rstrip("0")
    return len(core), len(allds)


def decimals_written(digits: str) -> int:
    return len(digits.split(".", 1)[1]) if "." in digits else 0


def _value(info: tuple[int, str, int]) -> Decimal:
    sign, digits, exp = info
    return Decimal(sign) * Decimal(digits) * (Decimal(10) ** exp)


def _exact_decimal(key: Any) -> Decimal:
    return Decimal(str(sp.N(key, 40)))


def round_sig(x: Decimal, n: int) -> Decimal:
    """``x`` rounded half-up to ``n`` significant figures."""
    if x == 0:
        return x
    q = Decimal(1).scaleb(x.adjusted() - n + 1)
    r = x.quantize(q, rounding=ROUND_HALF_UP)
    if r.adjusted() != x.adjusted():  # 9.96 -> 10.0: one figure more, round again
        q = Decimal(1).scaleb(r.adjusted() - n + 1)
        r = x.quantize(q, rounding=ROUND_HALF_UP)
    return r


def accurate_to(sa: Decimal, ta: Decimal, m: int) -> bool:
    """The key rounded to m figures; the answer within half a unit of its last figure."""
    if ta == 0:
        return sa == 0
    tr = round_sig(ta, m)
    half = Decimal(5).scaleb(tr.adjusted() - m)
    return abs(sa - tr) < half


def check_sig_figs(raw: str, node: Node, key: Any, sig: int | list[int]) -> Verdict:
    info = literal_info(node)
    if info is None:
        return make(
            "wrong_sig_figs",
            "Please write your answer as a decimal number "
            "(we judge the significant figures on the digits you type).",
            correct=False,
        )
    lo, hi = sig_fig_range(info[1])
    if isinstance(sig, list):
        n, m = sig
    else:
        n, m = sig, sig
    try:
        ta = _exact_decimal(key)
    except (TypeError, ValueError, InvalidOperation):
        return make("wrong", "This answer should be a number.")
    sa = _value(info)
    shown = str(sa)
    if ta != 0 and sa != 0 and (sa > 0) != (ta > 0):
        return make("sign_error", normalized=shown)
    if m == -1:
        # at least n figures written, accurate to n figures
        if hi < n:
            return make(
                "wrong_sig_figs",
                f"Give your answer to at least {n} significant figures.",
                details={"sig_figs": n},
            )
        return make("correct" if accurate_to(sa, ta, n) else "wrong", normalized=shown)
    if n and not (lo <= n <= hi):
        return make(
            "wrong_sig_figs",
            f"Give your answer to {n} significant figures.",
            details={"sig_figs": n, "accurate": bool(m) and accurate_to(sa, ta, m)},
        )
    if m == 0:
        return make("correct", normalized=shown)
    if accurate_to(sa, ta, m):
        return make("correct", normalized=shown)
    if ta != 0 and abs(sa - ta) <= abs(ta) * Decimal("0.02"):
        return make("close", normalized=shown)
    return make("wrong", normalized=shown)


def check_decimal_places(raw: str, node: Node, key: Any, dp: int) -> Verdict:
    info = literal_info(node)
    if info is None or info[2] != 0:
        return make(
            "wrong_decimal_places",
            f"Please write your answer as a decimal number with {dp} decimal places.",
            correct=False,
        )
    written = decimals_written(info[1])
    try:
        ta = _exact_decimal(key)
    except (TypeError, ValueError, InvalidOperation):
        return make("wrong")
    sa = _value(info)
    q = Decimal(1).scaleb(-dp)
    accurate = sa.quantize(q, rounding=ROUND_HALF_UP) == ta.quantize(q, rounding=ROUND_HALF_UP)
    if written != dp:
        return make(
            "wrong_decimal_places",
            f"Give your answer to {dp} decimal place{'s' if dp != 1 else ''}.",
            details={"decimal_places": dp, "accurate": accurate},
        )
    if accurate:
        return make("correct", normalized=str(sa))
    if ta != 0 and abs(sa - ta) <= abs(ta) * Decimal("0.02"):
        return make("close", normalized=str(sa))
    return make("wrong", normalized=str(sa))


def check_number(parsed: Parsed, keys: list[Parsed], ctx: Ctx) -> Verdict:
    spec = ctx.spec
    node = value_node(parsed.node, spec, ctx.notes)
    key_nodes = [value_node(k.node, spec, []) for k in keys]
    if node.op in ("pm", "upm") or has_op(node, ("pm", "upm")):
        return check_pm(expand_pm(node), key_nodes, ctx)
    key_pm = any(has_op(k, ("pm", "upm")) for k in key_nodes)
    vals = value_list(node)
    if key_pm and vals is not None:
        return check_pm([a for v in vals for a in expand_pm(v)], key_nodes, ctx)
    if node.op in NOT_SINGLE_VALUE + ("matrix",):
        raise Wrong("wrong_type", f"Your answer should be a number, not {describe(node)}.")
    s_pct = node.op == "pct"
    sv = expr_value(node, ctx, "a number")
    if sv.free_symbols:
        raise Wrong(
            "wrong_type",
            f"Your answer should be a number; it contains {', '.join(sorted(free_names(sv)))}.",
        )
    if spec.opt("numeric_only") and literal_info(node) is None:
        raise Wrong(
            "wrong_type", "Please type your answer as a number (like 2.5), not as a calculation."
        )
    tol = tolerance(spec)
    sig = spec.opt("sig_figs")
    dp = spec.opt("decimal_places")
    best: Verdict | None = None
    for knode in key_nodes:
        kv = expr_value(knode, Ctx(spec), "a number")
        if sv.has(sp.zoo, sp.nan) or kv.has(sp.zoo, sp.nan):
            # undefined values (12:00 read as 12/0) are only equal as written
            if formtests.canon(node) == formtests.canon(knode):
                return make("correct", normalized=fmt(sv))
            continue
        # key "28%": the student may type 28 (meaning percent) or 0.28
        svs = [sv / 100, sv] if knode.op == "pct" and not s_pct else [sv]
        if spec.opt("compare"):
            fs, fk = to_mp(sv), to_mp(kv)
            if fs is None or fk is None or fs.imag or fk.imag:
                raise Wrong("wrong_type", "Your answer should be a real number.")
            ok = {
                ">": fs.real > fk.real,
                ">=": fs.real >= fk.real,
                "<": fs.real < fk.real,
                "<=": fs.real <= fk.real,
            }[spec.opt("compare")]
            v = make("correct" if ok else "wrong", normalized=fmt(sv))
        elif sig is not None:
            v = check_sig_figs(parsed.raw, node, kv, sig)
        elif dp is not None:
            v = check_decimal_places(parsed.raw, node, kv, dp)
        else:
            found = next(
                (make("correct", normalized=fmt(s)) for s in svs if num_equal(s, kv, tol)), None
            )
            v = found if found is not None else _near_miss(svs[0], kv)
        if v.correct:
            return v
        best = best or v
    return best or make("wrong")


def _near_miss(s: Any, k: Any) -> Verdict:
    fs, fk = to_float(s), to_float(k)
    if fs is not None and fk is not None:
        if fk != 0 and abs(fs + fk) <= 1e-9 * abs(fk):
            return make("sign_error", normalized=fmt(s))
        if fk != 0 and abs(fs - fk) <= 0.01 * abs(fk):
            return make("close", normalized=fmt(s))
    return make("wrong", normalized=fmt(s))
