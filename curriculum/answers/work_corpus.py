"""A deterministic corpus of worked solutions with a known first wrong line, over the demo
course's skills (curriculum/demo/course.yaml) and the malrules of :mod:`.malrules`.

Each trace is built forward from numbers chosen with a seeded generator: the correct lines,
or the correct lines up to the line where one error is made on purpose (its malrule known),
after which the working carries the error on consistently. The labels come from how a trace
is built, never from the checker. ``python -m curriculum.answers.work_corpus OUT.jsonl``
writes it (tests/answers/data/work_traces.jsonl is this output).
"""

from __future__ import annotations

import json
import random
import re
import sys
from fractions import Fraction as F
from math import gcd
from typing import Any

PER_SKILL = 20

Num = int | F  # a number of a trace: an integer or an exact fraction
Trace = dict[str, Any]  # skill, spec, lines, first_error, malrule, note (+ style, id)


def n(v: Num) -> str:
    """A number as a student writes it: 3, -2, 7/12."""
    v = F(v)
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def p(v: Num) -> str:
    """A number, in brackets when negative."""
    s = n(v)
    return f"({s})" if F(v) < 0 else s


def sg(v: Num) -> str:
    """+ 3 or - 3 (a signed term)."""
    v = F(v)
    return f"+ {n(v)}" if v >= 0 else f"- {n(-v)}"


def cx(a: Num, var: str = "x") -> str:
    """The term a·x written: x, -x, 3x."""
    a = F(a)
    if a == 1:
        return var
    if a == -1:
        return f"-{var}"
    return f"{n(a)}{var}" if a.denominator == 1 else f"({n(a)}){var}"


def scx(a: Num, var: str = "x") -> str:
    a = F(a)
    return f"+ {cx(a, var)}" if a >= 0 else f"- {cx(-a, var)}"


def slip(rng: random.Random, v: Num) -> F:
    """v off by a little (never -v, which reads as a sign error)."""
    out = F(v) + rng.choice([-2, -1, 1, 2])
    return out if out != -F(v) else F(v) + 3


def _t(
    skill: str,
    spec: dict[str, Any],
    lines: list[str],
    first: int | None,
    rule: str | None,
    note: str = "",
) -> Trace:
    return {
        "skill": skill,
        "spec": spec,
        "lines": lines,
        "first_error": first,
        "malrule": rule,
        "note": note,
    }


def _num(key: Num) -> dict[str, Any]:
    return {"kind": "number", "key": [n(key)], "options": {"task": "compute"}}


def _eq(x: Num) -> dict[str, Any]:
    return {
        "kind": "equation",
        "key": [f"x = {n(x)}"],
        "options": {"task": "solve", "allow_value_for_equation": True},
    }


# ---------------------------------------------------------------- skills
def integer_addition(rng: random.Random, err: str | None) -> Trace:
    a, b = (
        rng.choice([i for i in range(-20, 21) if i]),
        rng.choice([i for i in range(-20, 21) if i]),
    )
    s = a + b
    if err == "arithmetic_slip":
        return _t("integer-addition", _num(s), [f"{a} + {p(b)}", n(slip(rng, s))], 1, err)
    if err == "sign_slip":  # the sign of the result lost: an arithmetic slip too
        w = -s if s else 1
        return _t("integer-addition", _num(s), [f"{a} + {p(b)}", n(w)], 1, "arithmetic_slip")
    return _t("integer-addition", _num(s), [f"{a} + {p(b)}", f"{a} {sg(b)}", n(s)], None, None)


def integer_multiplication(rng: random.Random, err: str | None) -> Trace:
    a, b = (
        rng.choice([2, 3, 4, 5, 6, 7, 8, 9, -2, -3, -4, -6, -7]),
        rng.choice([2, 3, 5, 6, 8, 9, -3, -4, -5, -8, -11]),
    )
    q = a * b
    if err == "arithmetic_slip":
        return _t("integer-multiplication", _num(q), [f"{p(a)} * {p(b)}", n(slip(rng, q))], 1, err)
    if err == "sign_slip":
        return _t(
            "integer-multiplication", _num(q), [f"{p(a)} * {p(b)}", n(-q)], 1, "arithmetic_slip"
        )
    return _t("integer-multiplication", _num(q), [f"{p(a)} * {p(b)}", n(q)], None, None)


def order_of_operations(rng: random.Random, err: str | None) -> Trace:
    a, b = rng.choice([i for i in range(-10, 11) if i]), rng.randint(2, 9)
    c, d = rng.choice([i for i in range(-9, 10) if i]), rng.randint(1, 12)
    v, bc = a + b * c - d, b * c
    start = f"{a} + {b} * {p(c)} - {d}"
    if err == "arithmetic_slip" and rng.random() < 0.5:
        w = slip(rng, bc)
        return _t(
            "order-of-operations", _num(v), [start, f"{a} + {p(w)} - {d}", n(a + w - d)], 1, err
        )
    if err == "arithmetic_slip":
        return _t(
            "order-of-operations", _num(v), [start, f"{a} + {p(bc)} - {d}", n(slip(rng, v))], 2, err
        )
    if err == "order_of_operations":  # left to right: (a + b)c - d
        lr = (a + b) * c - d
        if lr == v:
            return _t("order-of-operations", _num(v), [start, n(v)], None, None)
        return _t("order-of-operations", _num(v), [start, n(lr)], 1, err, "left to right")
    return _t("order-of-operations", _num(v), [start, f"{a} + {p(bc)} - {d}", n(v)], None, None)


def fraction_simplifying(rng: random.Random, err: str | None) -> Trace:
    while True:
        k, pp, q = rng.randint(2, 9), rng.randint(1, 11), rng.randint(2, 12)
        if gcd(pp, q) == 1 and pp < q:
            break
    spec = {
        "kind": "number",
        "key": [f"{pp}/{q}"],
        "options": {"task": "lowest_terms", "form": "lowest_terms"},
    }
    start = f"{k * pp}/{k * q}"
    if err == "arithmetic_slip":
        return _t(
            "fraction-simplifying", spec, [start, f"({pp}*{k})/({q}*{k})", f"{pp}/{q + 1}"], 2, err
        )
    return _t(
        "fraction-simplifying", spec, [start, f"({pp}*{k})/({q}*{k})", f"{pp}/{q}"], None, None
    )


def fraction_addition(rng: random.Random, err: str | None) -> Trace:
    while True:
        a, b, c, d = rng.randint(1, 9), rng.randint(2, 10), rng.randint(1, 9), rng.randint(2, 10)
        if a < b and c < d and b != d and gcd(a, b) == 1 and gcd(c, d) == 1:
            break
    s = F(a, b) + F(c, d)
    lcm = b * d // gcd(b, d)
    na, nc = a * lcm // b, c * lcm // d
    spec = {"kind": "number", "key": [n(s)], "options": {"task": "compute", "form": "lowest_terms"}}
    start = f"{a}/{b} + {c}/{d}"
    if err == "add_fractions":
        return _t("fraction-addition", spec, [start, f"{a + c}/{b + d}"], 1, err)
    if err == "arithmetic_slip":
        return _t(
            "fraction-addition",
            spec,
            [start, f"{na}/{lcm} + {nc}/{lcm}", f"{na + nc + 1}/{lcm}"],
            2,
            err,
        )
    lines = [start, f"{na}/{lcm} + {nc}/{lcm}", f"{na + nc}/{lcm}"]
    if F(na + nc, lcm).denominator != lcm:
        lines.append(n(s))
    return _t("fraction-addition", spec, lines, None, None)


def fraction_multiplication(rng: random.Random, err: str | None) -> Trace:
    while True:
        a, b, c, d = rng.randint(1, 9), rng.randint(2, 10), rng.randint(1, 9), rng.randint(2, 10)
        if a < b and c < d and gcd(a, b) == 1 and gcd(c, d) == 1:
            break
    q = F(a * c, b * d)
    spec = {"kind": "number", "key": [n(q)], "options": {"task": "compute", "form": "lowest_terms"}}
    start = f"{a}/{b} * {c}/{d}"
    if err == "arithmetic_slip":
        return _t("fraction-multiplication", spec, [start, f"{a * c}/{b * d + 1}"], 1, err)
    lines = [start, f"({a}*{c})/({b}*{d})", f"{a * c}/{b * d}"]
    if q.denominator != b * d:
        lines.append(n(q))
    return _t("fraction-multiplication", spec, lines, None, None)


def _nz(rng: random.Random, lo: int, hi: int, bad: tuple[int, ...] = (0,)) -> int:
    return rng.choice([i for i in range(lo, hi + 1) if i not in bad])


def combining_like_terms(rng: random.Random, err: str | None) -> Trace:
    while True:
        a, b, c, d = (
            _nz(rng, -9, 9, (-1, 0, 1)),
            _nz(rng, -12, 12),
            _nz(rng, -9, 9, (-1, 0, 1)),
            _nz(rng, -12, 12),
        )
        if a + c and b + d:
            break
    spec = {
        "kind": "expression",
        "key": [f"{a + c}x + {p(b + d)}"],
        "options": {"task": "simplify", "form": "simplified"},
    }
    start = f"{cx(a)} {sg(b)} {scx(c)} {sg(d)}"
    mid = f"{cx(a)} {scx(c)} {sg(b)} {sg(d)}"
    if err == "arithmetic_slip":
        return _t(
            "combining-like-terms", spec, [start, mid, f"{cx(a + c)} {sg(b + d + 1)}"], 2, err
        )
    if err == "term_sign" and a - c:  # the sign of cx lost while collecting
        return _t("combining-like-terms", spec, [start, f"{cx(a - c)} {sg(b + d)}"], 1, err)
    return _t("combining-like-terms", spec, [start, mid, f"{cx(a + c)} {sg(b + d)}"], None, None)


def distributive_property(rng: random.Random, err: str | None) -> Trace:
    a, b = _nz(rng, -9, 9, (-1, 0, 1)), _nz(rng, -12, 12)
    if rng.random() < 0.5:  # an expression
        spec = {
            "kind": "expression",
            "key": [f"{a}x + {p(a * b)}"],
            "options": {"task": "expand", "form": "expanded"},
        }
        start = f"{a}(x {sg(b)})"
        if err == "distribute_one_term":
            return _t("distributive-property", spec, [start, f"{cx(a)} {sg(b)}"], 1, err)
        if err == "arithmetic_slip":
            w = a * b + 3 if a * b + 3 != b else a * b - 3  # not the un-multiplied b
            return _t("distributive-property", spec, [start, f"{cx(a)} {sg(w)}"], 1, err)
        return _t("distributive-property", spec, [start, f"{cx(a)} {sg(a * b)}"], None, None)
    x = rng.randint(-8, 8)
    c = a * (x + b)
    start = f"{a}(x {sg(b)}) = {c}"
    if err == "distribute_one_term":
        wx = F(c - b, a)
        return _t(
            "distributive-property",
            _eq(x),
            [start, f"{cx(a)} {sg(b)} = {c}", f"{cx(a)} = {n(c - b)}", f"x = {n(wx)}"],
            1,
            err,
        )
    if err == "arithmetic_slip":
        return _t(
            "distributive-property",
            _eq(x),
            [start, f"{cx(a)} {sg(a * b)} = {c}", f"{cx(a)} = {n(c - a * b + 2)}"],
            2,
            err,
        )
    return _t(
        "distributive-property",
        _eq(x),
        [start, f"{cx(a)} {sg(a * b)} = {c}", f"{cx(a)} = {n(c - a * b)}", f"x = {x}"],
        None,
        None,
    )


def one_step(rng: random.Random, err: str | None) -> Trace:
    x, b = rng.randint(-20, 20), _nz(rng, -20, 20)
    c = x + b
    start = f"x {sg(b)} = {c}"
    if err == "sign_move":
        return _t("one-step-equations", _eq(x), [start, f"x = {c} {sg(b)}", f"x = {c + b}"], 1, err)
    if err == "arithmetic_slip":
        return _t(
            "one-step-equations",
            _eq(x),
            [start, f"x = {c} {sg(-b)}", f"x = {n(slip(rng, x))}"],
            2,
            err,
        )
    return _t("one-step-equations", _eq(x), [start, f"x = {c} {sg(-b)}", f"x = {x}"], None, None)


def two_step(rng: random.Random, err: str | None) -> Trace:
    a, b, x = _nz(rng, -9, 9, (-1, 0, 1)), _nz(rng, -15, 15), _nz(rng, -10, 10)
    c = a * x + b
    start = f"{cx(a)} {sg(b)} = {c}"
    ok = [start, f"{cx(a)} = {c} {sg(-b)}", f"{cx(a)} = {c - b}", f"x = {x}"]
    if err == "sign_move":
        return _t(
            "two-step-equations",
            _eq(x),
            [start, f"{cx(a)} = {c + b}", f"x = {n(F(c + b, a))}"],
            1,
            err,
        )
    if err == "divide_one_term":
        return _t(
            "two-step-equations",
            _eq(x),
            [start, f"x {sg(b)} = {n(F(c, a))}", f"x = {n(F(c, a) - b)}"],
            1,
            err,
        )
    if err == "divide_one_side":
        return _t("two-step-equations", _eq(x), ok[:3] + [f"x = {c - b}"], 3, err)
    if err == "arithmetic_slip":
        return _t(
            "two-step-equations",
            _eq(x),
            ok[:2] + [f"{cx(a)} = {c - b + 1}", f"x = {n(F(c - b + 1, a))}"],
            2,
            err,
        )
    return _t("two-step-equations", _eq(x), ok, None, None)


def both_sides(rng: random.Random, err: str | None) -> Trace:
    while True:
        a, c, b, x = _nz(rng, -9, 9), _nz(rng, -9, 9), rng.randint(-15, 15), _nz(rng, -10, 10)
        d = (a - c) * x + b
        if a != c and d and b and a - c not in (0,):
            break
    start = f"{cx(a)} {sg(b)} = {cx(c)} {sg(d)}"
    k = a - c
    ok = [start, f"{cx(k)} {sg(b)} = {d}", f"{cx(k)} = {d - b}"]
    if k not in (1,):
        ok.append(f"x = {x}")
    if err == "sign_move":
        w = a + c
        if w == 0:
            return both_sides(rng, None)
        return _t(
            "equations-both-sides",
            _eq(x),
            [start, f"{cx(w)} {sg(b)} = {d}", f"{cx(w)} = {d - b}", f"x = {n(F(d - b, w))}"],
            1,
            err,
        )
    if err == "arithmetic_slip":
        return _t(
            "equations-both-sides",
            _eq(x),
            ok[:2] + [f"{cx(k)} = {d - b + 2}", f"x = {n(F(d - b + 2, k))}"],
            2,
            err,
        )
    return _t("equations-both-sides", _eq(x), ok, None, None)


def inequality(rng: random.Random, err: str | None) -> Trace:
    a, b, r = _nz(rng, -6, 6, (-1, 0, 1)), _nz(rng, -12, 12), rng.randint(-8, 8)
    c = a * r + b
    op = "<" if a > 0 else ">"
    rev = ">" if op == "<" else "<"
    spec = {"kind": "inequality", "key": [f"x {op} {r}"], "options": {"task": "solve", "var": "x"}}
    start = f"{cx(a)} {sg(b)} < {c}"
    mid = f"{cx(a)} < {c - b}"
    if err in ("inequality_not_reversed", "inequality_reversed_wrongly"):
        if (a < 0) != (err == "inequality_not_reversed"):
            a = -a
            c = a * r + b
            op, rev = rev, op
            spec["key"] = [f"x {op} {r}"]
            start, mid = f"{cx(a)} {sg(b)} < {c}", f"{cx(a)} < {c - b}"
        return _t("linear-inequalities", spec, [start, mid, f"x {rev} {r}"], 2, err)
    if err == "sign_move":
        return _t(
            "linear-inequalities",
            spec,
            [start, f"{cx(a)} < {c + b}", f"x {op} {n(F(c + b, a))}"],
            1,
            err,
        )
    if err == "arithmetic_slip":
        return _t(
            "linear-inequalities",
            spec,
            [start, f"{cx(a)} < {c - b + 1}", f"x {op} {n(F(c - b + 1, a))}"],
            1,
            err,
        )
    return _t("linear-inequalities", spec, [start, mid, f"x {op} {r}"], None, None)


def substitution(rng: random.Random, err: str | None) -> Trace:
    while True:
        m, pp, q = _nz(rng, -5, 5), rng.randint(1, 6), _nz(rng, -6, 6)
        x0, y0 = rng.randint(-6, 6), rng.randint(-6, 6)
        b = y0 - m * x0
        r = pp * x0 + q * y0
        if pp + q * m and b:
            break
    spec = {"kind": "list", "key": [f"({x0}, {y0})"], "options": {"task": "solve", "ordered": True}}
    start = f"y = {cx(m)} {sg(b)} and {cx(pp)} {scx(q, 'y')} = {r}"
    l1 = f"{cx(pp)} {sg(q)}({cx(m)} {sg(b)}) = {r}"
    k = pp + q * m
    if err == "distribute_one_term" and q != 1:  # 1(mx + b): multiplying one term is right
        w = f"{cx(k)} {sg(b)} = {r}"
        return _t("systems-substitution", spec, [start, l1, w, f"{cx(k)} = {r - b}"], 2, err)
    if err == "sign_move":
        return _t(
            "systems-substitution",
            spec,
            [start, l1, f"{cx(k)} {sg(q * b)} = {r}", f"{cx(k)} = {r + q * b}"],
            3,
            err,
        )
    lines = [
        start,
        l1,
        f"{cx(k)} {sg(q * b)} = {r}",
        f"{cx(k)} = {r - q * b}",
        f"x = {x0}",
        f"x = {x0}, y = {y0}",
    ]
    if err == "arithmetic_slip":
        lines[3] = f"{cx(k)} = {r - q * b + 1}"
        return _t("systems-substitution", spec, lines[:4], 3, err)
    return _t("systems-substitution", spec, lines, None, None)


def elimination(rng: random.Random, err: str | None) -> Trace:
    while True:
        a, b, c, d = rng.randint(1, 5), _nz(rng, -5, 5), rng.randint(1, 5), _nz(rng, -5, 5)
        x0, y0 = rng.randint(-5, 5), rng.randint(-5, 5)
        if a * d - b * c:
            break
    e, f = a * x0 + b * y0, c * x0 + d * y0
    spec = {"kind": "list", "key": [f"({x0}, {y0})"], "options": {"task": "solve", "ordered": True}}
    start = f"{cx(a)} {scx(b, 'y')} = {e} and {cx(c)} {scx(d, 'y')} = {f}"
    l1 = f"{cx(a * c)} {scx(b * c, 'y')} = {e * c} and {cx(a * c)} {scx(a * d, 'y')} = {a * f}"
    k, rr = b * c - a * d, e * c - a * f
    l2 = f"{cx(k, 'y')} = {rr}"
    l3 = f"y = {y0}"
    l4 = f"{cx(a)} {sg(b * y0)} = {e}"
    l5 = f"{cx(a)} = {e - b * y0}"
    end = f"x = {x0}, y = {y0}"
    if err == "arithmetic_slip":
        return _t("systems-elimination", spec, [start, l1, f"{cx(k, 'y')} = {rr + 1}"], 2, err)
    if err == "sign_move" and b * y0 != 0:
        return _t(
            "systems-elimination", spec, [start, l1, l2, l3, l4, f"{cx(a)} = {e + b * y0}"], 5, err
        )
    return _t("systems-elimination", spec, [start, l1, l2, l3, l4, l5, end], None, None)


def foil(rng: random.Random, err: str | None) -> Trace:
    pp, q = sorted((_nz(rng, -9, 9), _nz(rng, -9, 9)))
    spec = {
        "kind": "expression",
        "key": [f"x^2 + {p(pp + q)}x + {p(pp * q)}"],
        "options": {"task": "expand", "form": "expanded"},
    }
    start = f"(x {sg(pp)})(x {sg(q)})"
    l1 = f"x^2 {scx(q)} {scx(pp)} {sg(pp * q)}"
    if err == "arithmetic_slip":
        return _t(
            "expanding-binomials", spec, [start, l1, f"x^2 {scx(pp + q)} {sg(pp * q + 2)}"], 2, err
        )
    if err == "no_rule" and pp + q:  # (x + p)(x + q) = x^2 + pq (right when q = -p)
        return _t(
            "expanding-binomials",
            spec,
            [start, f"x^2 {sg(pp * q)}"],
            1,
            None,
            "first and last only",
        )
    lines = [start, l1]
    if pp + q:
        lines.append(f"x^2 {scx(pp + q)} {sg(pp * q)}")
    return _t("expanding-binomials", spec, lines, None, None)


def factoring(rng: random.Random, err: str | None) -> Trace:
    while True:
        pp, q = sorted((_nz(rng, -9, 9), _nz(rng, -9, 9)))
        if pp + q:
            break
    spec = {
        "kind": "expression",
        "key": [f"(x + {p(pp)})(x + {p(q)})"],
        "options": {"task": "factor", "form": "factored"},
    }
    start = f"x^2 {scx(pp + q)} {sg(pp * q)}"
    if err == "arithmetic_slip":
        return _t("factoring-trinomials", spec, [start, f"(x {sg(pp)})(x {sg(q + 1)})"], 1, err)
    if err == "term_sign":  # both signs wrong: the factors of x^2 - sx + t
        return _t(
            "factoring-trinomials",
            spec,
            [start, f"(x {sg(-pp)})(x {sg(-q)})"],
            1,
            err,
            "signs of both",
        )
    return _t(
        "factoring-trinomials",
        spec,
        [start, f"x^2 {scx(pp)} {scx(q)} {sg(pp * q)}", f"(x {sg(pp)})(x {sg(q)})"],
        None,
        None,
    )


def quadratic(rng: random.Random, err: str | None) -> Trace:
    while True:
        pp, q = rng.randint(-9, 9), rng.randint(-9, 9)
        if pp < q and pp + q and pp * q:
            break
    spec = {"kind": "set", "key": [f"{{{-pp}, {-q}}}"], "options": {"task": "solve"}}
    start = f"x^2 {scx(pp + q)} {sg(pp * q)} = 0"
    l1 = f"(x {sg(pp)})(x {sg(q)}) = 0"
    if err == "sign_move":
        return _t("quadratics-by-factoring", spec, [start, l1, f"x = {pp} or x = {q}"], 2, err)
    if err == "dropped_solution":
        return _t("quadratics-by-factoring", spec, [start, l1, f"x = {-pp}"], 2, err)
    if err == "arithmetic_slip":  # (never the other root: that is a dropped solution)
        w = -q + 1 if -q + 1 != -pp else -q - 1
        return _t("quadratics-by-factoring", spec, [start, l1, f"x = {-pp} or x = {w}"], 2, err)
    if err == "one_way":  # x^2 = kx: dividing by x is flagged, not wrong; the answer misses 0
        k = _nz(rng, -9, 9)
        spec = {"kind": "set", "key": [f"{{0, {k}}}"], "options": {"task": "solve"}}
        return _t(
            "quadratics-by-factoring",
            spec,
            [f"x^2 = {cx(k)}", f"x^2 {scx(-k)} = 0", f"x(x {sg(-k)}) = 0", f"x = 0 or x = {k}"],
            None,
            None,
            "zero product",
        )
    if err == "squares":
        k = rng.randint(2, 9)
        spec = {"kind": "set", "key": [f"{{{k}, {-k}}}"], "options": {"task": "solve"}}
        if rng.random() < 0.5:
            return _t(
                "quadratics-by-factoring",
                spec,
                [f"x^2 = {k * k}", f"x = {k}"],
                1,
                "dropped_solution",
            )
        return _t(
            "quadratics-by-factoring", spec, [f"x^2 = {k * k}", f"x = {k} or x = {-k}"], None, None
        )
    return _t(
        "quadratics-by-factoring",
        spec,
        [start, l1, f"x {sg(pp)} = 0 or x {sg(q)} = 0", f"x = {-pp} or x = {-q}"],
        None,
        None,
    )


SKILLS = {
    integer_addition: [None, None, "arithmetic_slip", "sign_slip"],
    integer_multiplication: [None, "arithmetic_slip", "sign_slip"],
    order_of_operations: [None, "arithmetic_slip", "order_of_operations"],
    fraction_simplifying: [None, "arithmetic_slip"],
    fraction_addition: [None, "add_fractions", "add_fractions", "arithmetic_slip"],
    fraction_multiplication: [None, "arithmetic_slip"],
    combining_like_terms: [None, "arithmetic_slip", "term_sign"],
    distributive_property: [None, "distribute_one_term", "distribute_one_term", "arithmetic_slip"],
    one_step: [None, "sign_move", "sign_move", "arithmetic_slip"],
    two_step: [None, "sign_move", "divide_one_term", "divide_one_side", "arithmetic_slip"],
    both_sides: [None, "sign_move", "arithmetic_slip"],
    inequality: [
        None,
        "inequality_not_reversed",
        "inequality_reversed_wrongly",
        "sign_move",
        "arithmetic_slip",
    ],
    substitution: [None, "distribute_one_term", "sign_move", "arithmetic_slip"],
    elimination: [None, "arithmetic_slip", "sign_move"],
    foil: [None, "arithmetic_slip", "no_rule"],
    factoring: [None, "arithmetic_slip", "term_sign"],
    quadratic: [None, "sign_move", "dropped_solution", "arithmetic_slip", "one_way", "squares"],
}


# skills whose malrules are rarer get more traces, so that each malrule has a dozen or more
MORE = {two_step: 40, inequality: 40, quadratic: 36, distributive_property: 24}

STYLES = ("plain", "no_spaces", "explicit_times", "swapped_or_latex")


def _swap(line: str) -> str:
    """``a op b`` written ``b op' a`` (one relation only), else the line unchanged."""
    if any(w in line for w in (" or ", " and ", ",")):
        return line
    for op, rev in (("<=", ">="), (">=", "<="), ("<", ">"), (">", "<"), ("=", "=")):
        parts = line.split(f" {op} ")
        if len(parts) == 2 and sum(line.count(o) for o in "<>=") == 1 + (len(op) == 2):
            return f"{parts[1]} {rev} {parts[0]}"
    return line


def _latex_fractions(line: str) -> str:
    return re.sub(r"(?<![\w)])(\d+)/(\d+)(?![\w(])", r"\\frac{\1}{\2}", line)


def stylise(t: Trace, style: str) -> Trace:
    """The same working written another way (labels unchanged: the mathematics is the same).
    The start line stays as the problem states it; sides are swapped only on middle lines."""
    lines = list(t["lines"])
    for i in range(1, len(lines)):
        x = lines[i]
        if style == "no_spaces":
            x = x.replace(" or ", "  or  ").replace(" and ", "  and  ")
            x = re.sub(r"(?<! ) (?! )", "", x).replace("  ", " ")
        elif style == "explicit_times":
            x = re.sub(r"(\d)([a-z(])", r"\1*\2", x)
        elif style == "swapped_or_latex":
            if t["spec"]["kind"] == "number":
                x = _latex_fractions(x)
            elif i < len(lines) - 1 and t["spec"]["kind"] in ("equation", "inequality", "list"):
                x = _swap(x)
        lines[i] = x
    return {**t, "lines": lines, "style": style}


def build(per_skill: int = PER_SKILL, seed: int = 15) -> list[Trace]:
    """The corpus: ``per_skill`` traces for each skill (more for some), errors in turn (about
    a third correct), each written in one of :data:`STYLES` in turn."""
    out = []
    for k, (make, errs) in enumerate(SKILLS.items()):
        rng = random.Random(seed * 1000 + k)
        for i in range(MORE.get(make, per_skill)):
            err = errs[i % len(errs)]
            out.append(make(rng, err))
    for i, t in enumerate(out):
        out[i] = stylise(t, STYLES[i % len(STYLES)])
        out[i]["id"] = i
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    traces = build()
    text = "".join(json.dumps(t, sort_keys=True) + "\n" for t in traces)
    if argv:
        with open(argv[0], "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
