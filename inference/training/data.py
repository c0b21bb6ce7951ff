"""Worked solutions for the tutor model, generated exactly and verified with SymPy.

    python -m inference.training.data --n 1000 --seed 1 --split train --out FILE.jsonl
    python -m inference.training.data --show 3

Every example is one problem of a demo-curriculum family (``FAMILIES``: the templates of
curriculum/demo/course.yaml, the problems of the seeded demo course ``tutor.demo.DEMO_SKILLS``
and nearby variants such as ``distribute-collect``): a varied prompt
(phrasing, LaTeX or plain notation, variable letter, coefficient kind) and a solution in the
exact format of docs/tutor-model.md: step lines ``PHRASE (CALC, ...): $STATE$.`` with every
computation in a CALC whose RESULT is ``latex_result`` of its LEFT, then
``Answer: $\\boxed{...}$``. Generation uses ``Fraction`` and string building only (fast);
``verify`` re-reads everything with the answer checker's safe parser and SymPy.

Splits: a problem is held out when a stable hash of its normalised statement (family and
starting state with the variable written ``x``) falls in the first ``HELDOUT_PERMILLE`` of
the hash space; the train stream drops those, the held-out stream keeps only those (and is
seeded differently), so no held-out prompt, in any phrasing, is ever emitted by train.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import math
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

from inference.steps.render import (
    decimals_for,
    is_terminating,
    latex_number,
    latex_result,
)
from inference.steps.writer import (
    ANS,
    CP,
    FLIP,
    OT,
    REL_LATEX,
    C,
    F,
    J,
    L,
    Lin,
    N,
    O,
    P,
    T,
    back_substitution_line,
    binom,
    factor_line_parts,
    factor_lines,
    factors_latex,
    foil_lines,
    fraction_as_written,
    gather_line,
    mixed_lines,
    mono,
    reduce_lines,
    render_tree,
    zero_product_lines,
)

HELDOUT_PERMILLE = 100  # 10% of the problem space is held out

# Variable letters besides x (no e, i, o: constants / digits; no l; no r: a bare `r` reads
# as "all real numbers" in the answer parser).
LETTERS = "abcdghkmnpqstuvwyz"
DEMO_P = 0.3  # share of problems drawn exactly as the demo template writes them
# Share of those demo draws worded as the seeded demo course (tutor/demo.py, DEMO_SKILLS)
# words the same kind of problem ("... and give the result as a fraction.", "Solve
# $x + 9 = 4$. What is $x$?"); params select it with ``"wording": DEMO_SKILLS_WORDING``.
DEMO2_P = 0.3
DEMO_SKILLS_WORDING = "demo-skills"


@dataclass
class Example:
    family: str
    prompt: str
    solution: str
    answer: str
    spec: dict
    start: str = ""  # canonical LaTeX of the problem's starting state (for verify)
    var: str = "x"
    key: str = field(default="", repr=False)  # normalised problem, for the split

    def to_json(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------- canonical LaTeX pieces


def plain_num(q) -> str:
    q = F(q)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def plain_poly(pairs) -> str:
    """Answer-key text (the checker's plain syntax) of (coef, monomial) pairs."""
    out = []
    for c, m in pairs:
        if c == 0:
            continue
        m = re.sub(r"(?<=[a-z])(?=[a-z])", "*", m)
        t = (
            plain_num(c)
            if not m
            else (m if c == 1 else "-" + m if c == -1 else f"{plain_num(c)}*{m}")
        )
        out.append(t)
    return " + ".join(out).replace("+ -", "- ") or "0"


def signed_int(v: int) -> str:
    """The demo's ``|signed`` filter: ``+ 3`` / ``- 3``."""
    return f"- {-v}" if v < 0 else f"+ {v}"


def coef_f(v: int) -> str:
    """The demo's ``|coef`` filter."""
    return "" if v == 1 else "-" if v == -1 else str(v)


def scoef_f(v: int) -> str:
    """The demo's ``|scoef`` filter."""
    return "+ " if v == 1 else "- " if v == -1 else signed_int(v)


def paren_f(v: int) -> str:
    return f"({v})" if v < 0 else str(v)


# ---------------------------------------------------------------- prompt notation


class Sty:
    """How a prompt writes its math: LaTeX (``\\frac``, ``\\cdot``, maybe ``\\left(``) or
    plain text (``3/4``, ``3*x``, maybe tight ``3x+2=7``), inside ``$...$`` or not."""

    def __init__(self, rng: random.Random | None = None, dec: bool = False):
        self.dec = dec
        self.latex, self.dollars, self.tight, self.star, self.lr = True, True, False, False, False
        self.times, self.xfrac = "\\cdot", False
        if rng is None:
            return
        self.latex = rng.random() < 0.65
        if self.latex:
            self.lr = rng.random() < 0.15
            self.times = "\\times" if rng.random() < 0.2 else "\\cdot"
        else:
            self.dollars = rng.random() < 0.35
            self.tight = rng.random() < 0.35
            self.star = rng.random() < 0.25
            self.times = "*" if rng.random() < 0.85 else "×"
        self.xfrac = rng.random() < 0.5  # x/2 rather than (1/2)x

    def wrap(self, m: str) -> str:
        return f"${m}$" if self.dollars else m

    def n(self, q) -> str:
        q = F(q)
        if q.denominator == 1 or (self.dec and is_terminating(q)):
            return latex_number(q, True)
        if self.latex:
            return latex_number(q)
        return f"{q.numerator}/{q.denominator}"

    def par(self, inner: str) -> str:
        return f"\\left({inner}\\right)" if self.lr else f"({inner})"

    def o(self, q) -> str:
        s = self.n(q)
        if s.startswith("-") or (not self.latex and "/" in s):
            return self.par(s)
        return s

    def term(self, c, m: str = "") -> str:
        c = F(c)
        if not m:
            return self.n(c)
        if c == 1:
            return m
        if c == -1:
            return "-" + m
        if c.denominator != 1 and not (self.dec and is_terminating(c)):
            num, den = abs(c.numerator), c.denominator
            sign = "-" if c < 0 else ""
            if self.xfrac:
                top = m if num == 1 else (f"{num}*{m}" if self.star else f"{num}{m}")
                return f"{sign}\\frac{{{top}}}{{{den}}}" if self.latex else f"{sign}{top}/{den}"
            if not self.latex:
                return f"{sign}({num}/{den}){'*' if self.star else ''}{m}"
        s = self.n(c)
        return f"{s}*{m}" if self.star and not self.latex else s + m

    def join(self, terms: list[str]) -> str:
        terms = [t for t in terms if t]
        if not terms:
            return "0"
        plus, minus = ("+", "-") if self.tight else (" + ", " - ")
        out = terms[0]
        for t in terms[1:]:
            out += minus + t[1:] if t.startswith("-") else plus + t
        return out

    def poly(self, pairs) -> str:
        return self.join([self.term(c, m) for c, m in pairs if c != 0])

    def sp(self, op: str) -> str:
        return op if self.tight else f" {op} "

    def mul(self) -> str:
        return self.sp(self.times)

    def div(self) -> str:
        if self.latex:
            return " \\div "
        return self.sp("÷") if self.times == "×" else self.sp("/")

    def rel(self, r: str) -> str:
        if self.latex:
            return self.sp({"<=": "\\le", ">=": "\\ge"}.get(r, r))
        return self.sp({"<=": "<=", ">=": ">="}.get(r, r))

    def frac(self, a: int, b: int) -> str:
        if self.latex:
            s = f"\\frac{{{abs(a)}}}{{{b}}}"
            return "-" + s if a < 0 else s
        return f"{a}/{b}"

    def v(self, name: str) -> str:
        return f"${name}$" if self.dollars else name


def pick(rng: random.Random, options: list[str]) -> str:
    return options[rng.randrange(len(options))]


def letter(rng: random.Random, p_x: float = 0.6) -> str:
    return "x" if rng.random() < p_x else LETTERS[rng.randrange(len(LETTERS))]


def nz(rng: random.Random, lo: int, hi: int, exclude=(0,)) -> int:
    while True:
        v = rng.randint(lo, hi)
        if v not in exclude:
            return v


def _demo(rng: random.Random, params: dict | None) -> bool:
    """Draw this problem exactly as the demo template does (always when params are given)."""
    return params is not None or rng.random() < DEMO_P


def _demo2(rng: random.Random, params: dict | None) -> bool:
    """Inside a demo draw: word it as the seeded demo course (tutor/demo.py) does."""
    if params is not None:
        return params.get("wording") == DEMO_SKILLS_WORDING
    return rng.random() < DEMO2_P


def _pv(params: dict | None, names: str, draw: Callable[[], tuple]) -> tuple:
    """The demo template's variables: from params (``curriculum.generate`` instances:
    strings) when given, else drawn."""
    if params is not None:
        return tuple(int(params[n]) for n in names.split())
    return draw()


def _ex(family, prompt, start, lines, answer, spec, var="x", var2="") -> Example:
    key = start
    if var2:  # two letters (no constants): written x and y in the key, whatever they are
        sub = {var: "x", var2: "y"}
        key = re.sub(rf"(?<![\\a-zA-Z])[{var}{var2}](?![a-zA-Z])", lambda m: sub[m[0]], start)
    elif var != "x":  # the split must not depend on the letter
        key = re.sub(rf"(?<![\\a-zA-Z]){var}(?![a-zA-Z])", "x", start)
    return Example(family, prompt, "\n".join(lines + [ANS(answer)]), answer, spec, start, var, key)


# ---------------------------------------------------------------- integers


def _sum_steps(nums: list[int], ops: list[str]) -> tuple[list[str], int]:
    """Left-to-right addition/subtraction of integers, one line per operation."""
    lines = []
    acc = nums[0]
    for i, (op, b) in enumerate(zip(ops, nums[1:], strict=True)):
        rest = list(zip(ops[i + 1 :], nums[i + 2 :], strict=True))
        if op == "+":
            val = acc + b
            if b < 0:
                phrase, left = f"Adding ${b}$ is subtracting ${-b}$", f"{acc} - {-b}"
            else:
                phrase, left = "Add", f"{acc} + {b}"
        else:
            val = acc - b
            if b < 0:
                phrase, left = f"Subtracting ${b}$ is adding ${-b}$", f"{acc} + {-b}"
            else:
                phrase, left = "Subtract", f"{acc} - {b}"
        state = str(val) + "".join(f" {o} {O(n)}" for o, n in rest)
        if rest and phrase in ("Add", "Subtract"):
            phrase += " from left to right"
        lines.append(L(phrase, [C(left, val)], state))
        acc = val
    return lines, acc


def gen_add_integers(rng: random.Random, params: dict | None = None) -> Example:
    if _demo(rng, params):
        a, b = _pv(params, "a b", lambda: (nz(rng, -20, 20), nz(rng, -20, 20)))
        nums, ops = [a, b], ["+"]
        prompt = f"Compute ${a} + {paren_f(b)}$."
    else:
        k = 2 if rng.random() < 0.8 else 3
        nums = [nz(rng, -30, 30) for _ in range(k)]
        ops = [pick(rng, ["+", "+", "-"]) for _ in range(k - 1)]
        s = Sty(rng)
        m = s.n(nums[0]) + "".join(s.sp(o) + s.o(n) for o, n in zip(ops, nums[1:], strict=True))
        prompt = pick(
            rng, ["Compute {m}.", "Evaluate {m}.", "What is {m}?", "Find {m}.", "Calculate {m}."]
        ).format(m=s.wrap(m))
    lines, val = _sum_steps(nums, ops)
    start = str(nums[0]) + "".join(f" {o} {O(n)}" for o, n in zip(ops, nums[1:], strict=True))
    return _ex(
        "add-integers", prompt, start, lines, str(val), {"kind": "number", "key": [str(val)]}
    )


def _sign_phrase(verb: str, a: int, b: int, noun: str) -> str:
    if a < 0 or b < 0:
        like = (a < 0) == (b < 0)
        sign = "like signs give a positive" if like else "unlike signs give a negative"
        return f"{verb}; {sign} {noun}"
    return verb


def gen_multiply_integers(rng: random.Random, params: dict | None = None) -> Example:
    demo = _demo(rng, params)
    if demo:
        a, b = _pv(
            params, "a b", lambda: (nz(rng, -12, 12, (-1, 0, 1)), nz(rng, -12, 12, (-1, 0, 1)))
        )
        prompt = f"Compute ${paren_f(a)} \\cdot {paren_f(b)}$."
    else:
        a, b = nz(rng, -15, 15, (0, 1)), nz(rng, -15, 15, (0, 1))
        s = Sty(rng)
        if rng.random() < 0.15:
            m = s.o(a) + s.par(s.n(b))
        else:
            m = (s.n(a) if rng.random() < 0.3 else s.o(a)) + s.mul() + s.o(b)
        prompt = pick(
            rng,
            [
                "Compute {m}.",
                "Evaluate {m}.",
                "What is {m}?",
                "Multiply: {m}.",
                "Find the product {m}.",
                "Calculate {m}.",
            ],
        ).format(m=s.wrap(m))
    p = a * b
    lines = [L(_sign_phrase("Multiply", a, b, "product"), [C(f"{a} \\cdot {O(b)}", p)], str(p))]
    start = f"{O(a)} \\cdot {O(b)}"
    return _ex(
        "multiply-integers", prompt, start, lines, str(p), {"kind": "number", "key": [str(p)]}
    )


def gen_divide_integers(rng: random.Random, params: dict | None = None) -> Example:
    if _demo(rng, params):
        q, b = _pv(
            params, "q b", lambda: (nz(rng, -12, 12, (-1, 0, 1)), nz(rng, -9, 9, (-1, 0, 1)))
        )
        a = q * b
        prompt = f"Compute ${a} \\div {paren_f(b)}$."
    else:
        q, b = nz(rng, -15, 15), nz(rng, -12, 12, (0, 1))
        a = q * b
        s = Sty(rng)
        if s.latex and rng.random() < 0.25:
            m = f"\\frac{{{a}}}{{{b}}}"
        else:
            m = s.n(a) + s.div() + s.o(b)
        prompt = pick(
            rng,
            ["Compute {m}.", "Evaluate {m}.", "What is {m}?", "Divide: {m}.", "Calculate {m}."],
        ).format(m=s.wrap(m))
    lines = [L(_sign_phrase("Divide", a, b, "quotient"), [C(f"{a} \\div {O(b)}", q)], str(q))]
    return _ex(
        "divide-integers",
        prompt,
        f"{a} \\div {O(b)}",
        lines,
        str(q),
        {"kind": "number", "key": [str(q)]},
    )


# Order of operations: small expression trees. A node is an int, ("()", inner) or
# (op, left, right) with op in + - * /.


def _mixed_tree(rng: random.Random):
    def n(lo=-10, hi=10, ex=(0,)):
        return nz(rng, lo, hi, ex)

    shape = rng.randrange(9)
    if shape == 0:
        return ("-", ("+", n(), ("*", rng.randint(2, 9), n(-9, 9))), rng.randint(1, 12))
    if shape == 1:
        return ("+", ("-", n(), ("*", rng.randint(2, 9), n(-9, 9))), rng.randint(1, 12))
    if shape == 2:
        return (rng.choice("+-"), ("*", n(), n()), ("*", n(-9, 9), n(-9, 9)))
    if shape == 3:
        c = n(-9, 9, (0, 1, -1))
        return ("+", n(), ("/", c * n(-9, 9), c))
    if shape == 4:
        return ("-", ("*", ("()", (rng.choice("+-"), n(), n())), n(-9, 9)), rng.randint(1, 12))
    if shape == 5:
        return ("-", n(), ("*", ("()", ("-", n(), n())), n(-6, 6)))
    if shape == 6:
        return ("*", n(-9, 9), ("()", (rng.choice("+-"), n(), n())))
    if shape == 7:
        return ("+", n(), ("*", n(2, 9), ("()", ("-", n(), n()))))
    c = n(-9, 9, (0, 1, -1))
    return (rng.choice("+-"), ("/", c * n(-9, 9), c), ("*", n(-9, 9), n(-9, 9)))


def gen_mixed_operations(rng: random.Random, params: dict | None = None) -> Example:
    if _demo(rng, params):
        a, b, c, d = _pv(
            params,
            "a b c d",
            lambda: (nz(rng, -10, 10), rng.randint(2, 9), nz(rng, -9, 9), rng.randint(1, 12)),
        )
        tree = ("-", ("+", a, ("*", b, c)), d)
        prompt = f"Compute ${a} + {b} \\cdot {paren_f(c)} - {d}$."
    else:
        tree = _mixed_tree(rng)
        s = Sty(rng)
        m = render_tree(tree, s, True)
        prompt = pick(
            rng,
            [
                "Compute {m}.",
                "Evaluate {m}.",
                "What is {m}?",
                "Find the value of {m}.",
                "Use the order of operations to evaluate {m}.",
                "Calculate {m}.",
            ],
        ).format(m=s.wrap(m))
    start, lines, node = mixed_lines(tree)
    return _ex(
        "mixed-operations", prompt, start, lines, str(node), {"kind": "number", "key": [str(node)]}
    )


# ---------------------------------------------------------------- fractions


def _reduce_steps(n: int, d: int, rng: random.Random, two_step_p: float = 0.3) -> list[str]:
    """Lines that bring n/d (d > 0) to lowest terms: by the greatest common factor, or now and
    then by a prime factor of it first."""
    g = math.gcd(n, d)
    if g == 1:
        return []
    factors = [g]
    if rng.random() < two_step_p:
        for p in (2, 3, 5, 7):
            if g % p == 0 and g != p:
                factors = [p, g // p]
                break
    return reduce_lines(n, d, factors)


def _num_spec(q: F, form: bool = True) -> dict:
    spec = {"kind": "number", "key": [plain_num(q)]}
    if form:
        spec["options"] = {"form": "lowest_terms"}
    return spec


def gen_lowest_terms(rng: random.Random, params: dict | None = None) -> Example:
    demo = _demo(rng, params)
    while True:
        if demo:
            k, p, q = _pv(
                params, "k p q", lambda: (rng.randint(2, 9), rng.randint(1, 11), rng.randint(2, 12))
            )
            if math.gcd(p, q) == 1 and p < q:
                break
        else:
            k, p, q = rng.randint(2, 12), rng.randint(1, 15), rng.randint(2, 15)
            if math.gcd(p, q) == 1 and (p < q or rng.random() < 0.3):
                break
    neg = not demo and rng.random() < 0.15
    n, d = k * p * (-1 if neg else 1), k * q
    if demo:
        prompt = f"Write $\\frac{{{n}}}{{{d}}}$ in lowest terms."
    else:
        s = Sty(rng)
        m = s.wrap(s.frac(n, d))
        prompt = pick(
            rng,
            [
                "Write {m} in lowest terms.",
                "Simplify the fraction {m}.",
                "Simplify {m}.",
                "Reduce {m} to lowest terms.",
                "Write {m} in simplest form.",
                "What is {m} in lowest terms?",
            ],
        ).format(m=m)
    lines = _reduce_steps(n, d, rng)
    r = F(n, d)
    return _ex("lowest-terms", prompt, fraction_as_written(n, d), lines, N(r), _num_spec(r))


def _frac_pair(rng, demo: bool, params: dict | None = None):
    if params is not None:
        return _pv(params, "a b c d", tuple)
    while True:
        if demo:
            a, b, c, d = (
                rng.randint(1, 9),
                rng.randint(2, 10),
                rng.randint(1, 9),
                rng.randint(2, 10),
            )
        else:
            a, b, c, d = (
                rng.randint(1, 11),
                rng.randint(2, 12),
                rng.randint(1, 11),
                rng.randint(2, 12),
            )
        if a < b and c < d and math.gcd(a, b) == 1 and math.gcd(c, d) == 1:
            return a, b, c, d


def gen_add_fractions(rng: random.Random, params: dict | None = None) -> Example:
    demo = _demo(rng, params)
    while True:
        a, b, c, d = _frac_pair(rng, demo, params)
        if b != d:
            break
    op = "+"
    form = True  # key option lowest_terms (the answer is in lowest terms either way)
    if demo:
        tail = "in lowest terms"
        if _demo2(rng, params):
            tail, form = "as a fraction", False
        prompt = (
            f"Compute $\\frac{{{a}}}{{{b}}} + \\frac{{{c}}}{{{d}}}$ and give the result {tail}."
        )
    else:
        op = "+" if rng.random() < 0.6 else "-"
        if rng.random() < 0.15:
            a = -a
        s = Sty(rng)
        m = s.wrap(s.frac(a, b) + s.sp(op) + s.frac(c, d))
        prompt = pick(
            rng,
            [
                "Compute {m} and give the result in lowest terms.",
                "Compute {m}.",
                "Evaluate {m}. Write the answer in lowest terms.",
                "What is {m}?",
                "Simplify {m}.",
                "Find {m} in lowest terms.",
                "Compute {m} and give the result as a fraction.",
                "Compute {m}. Give the result as a fraction.",
            ],
        ).format(m=m)
        form = "as a fraction" not in prompt  # the seeded demo key: no form option
    start = f"{fraction_as_written(a, b)} {op} {fraction_as_written(c, d)}"
    lcd = math.lcm(b, d)
    na, nc = a * (lcd // b), c * (lcd // d)
    calcs = []
    if lcd != b:
        calcs.append(C(f"{a} \\cdot {lcd // b}", na))
    if lcd != d:
        calcs.append(C(f"{c} \\cdot {lcd // d}", nc))
    which = (
        "both fractions"
        if len(calcs) == 2
        else f"${fraction_as_written(a, b) if lcd != b else fraction_as_written(c, d)}$"
    )
    lines = [
        L(
            f"Write {which} with denominator ${lcd}$",
            calcs,
            f"{fraction_as_written(na, lcd)} {op} {fraction_as_written(nc, lcd)}",
        )
    ]
    tot = na + nc if op == "+" else na - nc
    verb = "Add" if op == "+" else "Subtract"
    lines.append(
        L(f"{verb} the numerators", [C(f"{na} {op} {nc}", tot)], fraction_as_written(tot, lcd))
    )
    lines += _reduce_steps(tot, lcd, rng, 0.0)
    r = F(tot, lcd)
    return _ex("add-fractions", prompt, start, lines, N(r), _num_spec(r, form))


def gen_multiply_fractions(rng: random.Random, params: dict | None = None) -> Example:
    demo = _demo(rng, params)
    a, b, c, d = _frac_pair(rng, demo, params)
    kind = "frac"
    form = True
    if demo:
        tail = " in lowest terms"
        if _demo2(rng, params):
            tail, form = "", False
        prompt = f"Compute $\\frac{{{a}}}{{{b}}} \\cdot \\frac{{{c}}}{{{d}}}${tail}."
    else:
        u = rng.random()
        kind = "div" if u < 0.15 else "int" if u < 0.3 else "frac"
        if rng.random() < 0.2:
            a = -a
        s = Sty(rng)
        if kind == "int":
            a, b = rng.randint(2, 9) * (-1 if a < 0 else 1), 1
            m = s.n(a) + s.mul() + s.frac(c, d)
        else:
            sym = s.div() if kind == "div" else s.mul()
            f1, f2 = s.frac(a, b), s.frac(c, d)
            if not s.latex and (kind == "div" or rng.random() < 0.5):
                f1, f2 = s.par(f1), s.par(f2)  # 5/8/7/12 would be ambiguous
            m = f1 + sym + f2
        m = s.wrap(m)
        prompt = pick(
            rng,
            [
                "Compute {m} in lowest terms.",
                "Compute {m}.",
                "Evaluate {m}. Give the answer in lowest terms.",
                "What is {m}?",
                "Simplify {m}.",
                "Find {m} and simplify.",
                "Compute {m} and give the result as a fraction.",
            ],
        ).format(m=m)
        form = "as a fraction" not in prompt  # the seeded demo key: no form option
    lines = []
    if kind == "div":
        start = f"{fraction_as_written(a, b)} \\div {fraction_as_written(c, d)}"
        c, d = d, c
        lines.append(
            L(
                f"Multiply by the reciprocal of ${fraction_as_written(d, c)}$",
                [],
                f"{fraction_as_written(a, b)} \\cdot {fraction_as_written(c, d)}",
            )
        )
    else:
        start = f"{fraction_as_written(a, b)} \\cdot {fraction_as_written(c, d)}"
    n, m = a * c, b * d
    if kind == "int":
        lines.append(
            L(
                f"Multiply the numerator by ${a}$",
                [C(f"{a} \\cdot {c}", n)],
                fraction_as_written(n, m),
            )
        )
    else:
        calcs = [C(f"{a} \\cdot {c}", n), C(f"{b} \\cdot {d}", m)]
        lines.append(
            L("Multiply the numerators and the denominators", calcs, fraction_as_written(n, m))
        )
    lines += _reduce_steps(n, m, rng)
    r = F(n, m)
    return _ex("multiply-fractions", prompt, start, lines, N(r), _num_spec(r, form))


# ---------------------------------------------------------------- expressions


def _expr_spec(pairs_or_key, form: str) -> dict:
    key = pairs_or_key if isinstance(pairs_or_key, str) else plain_poly(pairs_or_key)
    return {"kind": "expression", "key": [key], "options": {"form": form}}


def _combine(terms: list) -> tuple[list[str], list]:
    """Lines that group and combine like terms of (coef, monomial) pairs (variables in
    alphabetical order, then the constants); returns (lines, final nonzero pairs)."""
    groups = sorted({m for _, m in terms}, key=lambda m: (m == "", m))
    grouped = [t for g in groups for t in terms if t[1] == g]
    lines = []
    if grouped != terms:
        lines.append(L("Group like terms", [], P(grouped)))
    cur = grouped
    for g in groups:
        members = [t for t in cur if t[1] == g]
        if len(members) < 2:
            continue
        tot = sum(c for c, _ in members)
        what = f"the ${g}$ terms" if g else "the constants"
        calc = CP(P(members), [(tot, g)])
        i = cur.index(members[0])
        cur = [t for t in cur if t[1] != g]
        cur.insert(i, (tot, g))
        lines.append(L(f"Combine {what}", [calc], P(cur)))
    return lines, [(c, m) for c, m in cur if c != 0]


COLLECT_PHRASES = [
    "Simplify {m}.",
    "Simplify {m} by combining like terms.",
    "Combine like terms: {m}.",
    "Collect like terms in {m}.",
    "Write {m} in simplest form.",
]
LETTER_PAIRS = ["ab", "ab", "xy", "xy", "mn", "pq", "st"]


def _two_letter_terms(rng: random.Random, demo: bool) -> tuple[list, str]:
    """3-4 terms in two letters, no constant, each letter's total nonzero; the seeded demo
    course's ``4a + 3b - 2a + b`` alternates the letters and starts positive."""
    vs = pick(rng, LETTER_PAIRS)
    while True:
        if demo:
            terms = [(rng.randint(2, 9), vs[0]), (rng.randint(1, 9), vs[1])]
            terms += [(nz(rng, -9, 9), vs[0]), (nz(rng, -9, 9), vs[1])]
            if rng.random() < 0.25:
                terms.pop()
        else:
            counts = pick(rng, [(2, 2), (2, 2), (2, 1), (1, 2)])
            terms = [(nz(rng, -9, 9), w) for w, k in zip(vs, counts, strict=True) for _ in range(k)]
            rng.shuffle(terms)
        if all(sum(c for c, m in terms if m == w) != 0 for w in vs):
            return terms, vs


def gen_collect_terms(rng: random.Random, params: dict | None = None) -> Example:
    v = letter(rng)
    v2 = ""  # the second letter of two-letter problems without constants
    demo = _demo(rng, params)
    if demo and _demo2(rng, params):  # "Simplify $4a + 3b - 2a + b$."
        if params is not None:
            v, v2 = params.get("vars", "ab")
            cs = [int(params[n]) for n in "abcd" if params.get(n) is not None]
            terms = [(c, (v, v2)[i % 2]) for i, c in enumerate(cs)]
        else:
            terms, (v, v2) = _two_letter_terms(rng, True)
        prompt = f"Simplify ${Sty().poly(terms)}$."
    elif demo:
        while True:
            a, b, c, d = _pv(
                params,
                "a b c d",
                lambda: (
                    nz(rng, -9, 9, (-1, 0, 1)),
                    nz(rng, -12, 12),
                    nz(rng, -9, 9, (-1, 0, 1)),
                    nz(rng, -12, 12),
                ),
            )
            if a + c != 0 and b + d != 0:
                break
        v = "x"
        terms = [(a, "x"), (b, ""), (c, "x"), (d, "")]
        prompt = f"Simplify ${a}x {signed_int(b)} {signed_int(c)}x {signed_int(d)}$."
    else:
        two = rng.random() < 0.2
        vs = [v]
        if two and rng.random() < 0.4:  # two letters, no constant
            terms, (v, v2) = _two_letter_terms(rng, False)
        else:
            if two:
                vs = list(pick(rng, ["xy", "ab", "mn", "pq", "st", "xy", "xy"]))
            while True:
                terms = []
                for w in vs:
                    terms += [(nz(rng, -9, 9), w) for _ in range(rng.choice([2, 2, 2, 3]))]
                terms += [(nz(rng, -12, 12), "") for _ in range(rng.choice([1, 2, 2]))]
                rng.shuffle(terms)
                if all(sum(c for c, m in terms if m == w) != 0 for w in vs):
                    break
            v = vs[0]
        s = Sty(rng)
        m = s.wrap(s.poly(terms))
        prompt = pick(rng, COLLECT_PHRASES).format(m=m)
    start = P(terms)
    lines, final = _combine(terms)
    spec = _expr_spec(final, "simplified")
    return _ex("collect-terms", prompt, start, lines, P(final), spec, v, v2)


def gen_distribute(rng: random.Random, params: dict | None = None) -> Example:
    v = letter(rng)
    if _demo(rng, params):
        a, b = _pv(params, "a b", lambda: (nz(rng, -9, 9, (-1, 0, 1)), nz(rng, -12, 12)))
        v, k, inner = "x", 1, [(1, "x"), (b, "")]
        prompt = f"Expand ${a}(x {signed_int(b)})$."
        s = None
    else:
        a = nz(rng, -9, 9, (0, 1))
        if rng.random() < 0.08:
            a = F(1, rng.choice([2, 3, 4]))
        k = rng.choice([1, 1, 1, 2, 3, 4, 5, -1, -2])
        b = nz(rng, -12, 12)
        if isinstance(a, F):
            k, b = k * a.denominator, b * a.denominator
        inner = [(k, v), (b, "")]
        if rng.random() < 0.2:
            inner = inner[::-1]
        s = Sty(rng)
        body = s.par(s.poly(inner))
        if a == -1:
            m = "-" + body
        elif rng.random() < 0.1 and a > 0:
            m = body + s.mul() + s.n(a)
        else:
            m = s.n(a) + ("*" if s.star and not s.latex else "") + body
        prompt = pick(
            rng,
            [
                "Expand {m}.",
                "Multiply out {m}.",
                "Use the distributive property to expand {m}.",
                "Remove the brackets: {m}.",
                "Expand and simplify {m}.",
            ],
        ).format(m=s.wrap(m))
    a = F(a)
    inside = P(inner)
    start = f"-({inside})" if a == -1 else f"{N(a)}({inside})"
    out = [(a * c, mm) for c, mm in inner]
    calcs = [CP(f"{N(a)} \\cdot {OT(c, mm)}", [(a * c, mm)]) for c, mm in inner]
    lines = [L(f"Multiply each term in the brackets by ${N(a)}$", calcs, P(out))]
    if out[0][1] == "":
        out = out[::-1]
        lines.append(L("Write the variable term first", [], P(out)))
    return _ex("distribute", prompt, start, lines, P(out), _expr_spec(out, "expanded"), v)


# Order of the parts of a distribute-collect problem: p = a(kx + b), x = cx, d = constant.
DC_ORDERS_DEMO = ["px", "px", "pxd", "dp", "xp", "dpx"]
DC_ORDERS = ["px", "px", "pxd", "pdx", "dp", "dpx", "xp", "xpd", "dxp", "pd"]
DC_PHRASES = [
    "Simplify {m}.",
    "Simplify {m}.",
    "Expand and simplify {m}.",
    "Simplify {m} by distributing and combining like terms.",
    "Distribute and combine like terms: {m}.",
    "Write {m} in simplest form.",
    "Simplify the expression {m}.",
]


def gen_distribute_collect(rng: random.Random, params: dict | None = None) -> Example:
    """``Simplify $3(x + 2) - x$.`` (the seeded demo course): a(kx + b) with a term cx
    and / or a constant d around it; distribute, then combine like terms. params: a b c d
    (c, d zero or left out when absent) and order (default ``pxd``, see DC_ORDERS)."""
    v = letter(rng)
    k, flip = 1, False  # inner k*v + b, written b + k*v when flip
    if _demo(rng, params):
        v, s, phrase = "x", Sty(), "Simplify {m}."
        if params is not None:
            a, b, c, d = (int(params.get(n) or 0) for n in "abcd")
            order = params.get("order", "pxd")
        else:
            order = pick(rng, DC_ORDERS_DEMO)
            while True:
                a, b = nz(rng, -6, 9, (0, 1)), nz(rng, -9, 9)
                c = nz(rng, -9, 9) if "x" in order else 0
                d = nz(rng, -12, 12) if "d" in order else 0
                if a + c != 0:
                    break
    else:
        order = pick(rng, DC_ORDERS)
        k = rng.choice([1, 1, 1, 1, 2, 3, -1])
        flip = rng.random() < 0.15
        while True:
            a, b = nz(rng, -9, 9, (0, 1)), nz(rng, -12, 12)
            c = nz(rng, -9, 9) if "x" in order else 0
            d = nz(rng, -15, 15) if "d" in order else 0
            if a * k + c != 0:
                break
        s, phrase = Sty(rng), pick(rng, DC_PHRASES)
    inner = [(k, v), (b, "")]
    if flip:
        inner = inner[::-1]
    order = "".join(o for o in order if o == "p" or (o == "x" and c) or (o == "d" and d))
    inside = P(inner)
    canon = {"p": f"-({inside})" if a == -1 else f"{a}({inside})", "x": T(c, v), "d": N(d)}
    start = J([canon[o] for o in order])
    body = s.par(s.poly(inner))
    if a == -1:
        prod = "-" + body
    else:
        prod = s.n(a) + ("*" if s.star and not s.latex else "") + body
    shown = {"p": prod, "x": s.term(c, v), "d": s.n(d)}
    prompt = phrase.format(m=s.wrap(s.join([shown[o] for o in order])))
    # distribute, then group and combine like terms
    terms: list = []
    for o in order:
        if o == "p":
            terms += [(a * cc, mm) for cc, mm in inner]
        else:
            terms.append((c, v) if o == "x" else (d, ""))
    calcs = [CP(f"{a} \\cdot {OT(cc, mm)}", [(a * cc, mm)]) for cc, mm in inner]
    lines = [L(f"Multiply each term in the brackets by ${a}$", calcs, P(terms))]
    more, final = _combine(terms)
    spec = _expr_spec(final, "simplified")
    return _ex("distribute-collect", prompt, start, lines + more, P(final), spec, v)


def gen_foil(rng: random.Random, params: dict | None = None) -> Example:
    v = letter(rng)
    square = False
    if _demo(rng, params):
        p, q = _pv(params, "p q", lambda: tuple(sorted((nz(rng, -9, 9), nz(rng, -9, 9)))))
        v, a, b = "x", 1, 1
        prompt = f"Expand $(x {signed_int(p)})(x {signed_int(q)})$."
    else:
        a = rng.choice([1, 1, 1, 1, 2, 3, -1])
        b = rng.choice([1, 1, 1, 1, 2, 3])
        p, q = nz(rng, -10, 10), nz(rng, -10, 10)
        if rng.random() < 0.1:
            q, b = -p, a  # (x + p)(x - p)
        square = rng.random() < 0.08
        if square:
            q, b = p, a
        s = Sty(rng)
        f1, f2 = s.par(s.poly(binom(a, v, p))), s.par(s.poly(binom(b, v, q)))
        if square:
            m = f"{f1}^2"
        else:
            m = f1 + ("*" if s.star and not s.latex else "") + f2
        prompt = pick(
            rng,
            [
                "Expand {m}.",
                "Multiply out {m}.",
                "Expand and simplify {m}.",
                "Multiply {m}.",
                "Use FOIL to expand {m}.",
                "Write {m} as a polynomial.",
            ],
        ).format(m=s.wrap(m))
    start, lines, final = foil_lines(a, p, b, q, v, square)
    return _ex("foil", prompt, start, lines, P(final), _expr_spec(final, "expanded"), v)


def gen_factor(rng: random.Random, params: dict | None = None) -> Example:
    v = letter(rng)
    k = 1
    if _demo(rng, params):
        while True:
            p, q = _pv(params, "p q", lambda: tuple(sorted((nz(rng, -9, 9), nz(rng, -9, 9)))))
            if p + q != 0:
                break
        v, s_, t = "x", p + q, p * q
        prompt = f"Factor $x^2 {scoef_f(s_)}x {signed_int(t)}$."
    else:
        p, q = nz(rng, -12, 12), nz(rng, -12, 12)
        if rng.random() < 0.1:
            q = -p
        if rng.random() < 0.15:
            k = rng.choice([2, 3, 4, 5, -1])
        s = Sty(rng)
        pairs = [(k, mono(v, 2)), (k * (p + q), v), (k * p * q, "")]
        m = s.wrap(s.poly(pairs))
        prompt = pick(
            rng,
            [
                "Factor {m}.",
                "Factor {m} completely.",
                "Factorise {m}.",
                "Write {m} as a product of two binomials.",
                "Factor the trinomial {m}.",
            ],
        ).format(m=m)
    start, lines, ans = factor_lines(k, p, q, v)
    pp, qq = max(p, q), min(p, q)
    key = f"{k}*({v}+({pp}))*({v}+({qq}))"
    return _ex("factor", prompt, start, lines, ans, _expr_spec(key, "factored"), v)


# ---------------------------------------------------------------- linear equations


def _eq_spec(v: str, r: F, dec: bool = False) -> dict:
    return {
        "kind": "equation",
        "key": [f"{v} = {plain_num(r)}"],
        "options": {"allow_value_for_equation": True},
    }


SOLVE_PHRASES = [
    "Solve {m}.",
    "Solve {m}.",
    "Solve for {v}: {m}.",
    "Find {v} if {m}.",
    "Solve the equation {m}.",
    "What value of {v} makes {m} true?",
    "Find the value of {v} that satisfies {m}.",
]


def _solve_prompt(rng, s: Sty, m: str, v: str) -> str:
    return pick(rng, SOLVE_PHRASES).format(m=s.wrap(m), v=s.v(v))


# "Solve $x + 9 = 4$. What is $x$?" (the seeded demo course): the key is a number; the
# answer stays ``x = -5``, which a number key accepts.
VALUE_PHRASES = [
    "Solve {m}. What is {v}?",
    "Solve {m}. What is {v}?",
    "Solve {m}. What is the value of {v}?",
]
VALUE_P = 0.12


def _solve_prompt_v(rng, s: Sty, m: str, v: str) -> tuple[str, bool]:
    """A solve prompt, and whether it asks for the value (then the key is a number)."""
    if rng.random() < VALUE_P:
        return pick(rng, VALUE_PHRASES).format(m=s.wrap(m), v=s.v(v)), True
    return _solve_prompt(rng, s, m, v), False


def _value_spec(r: F) -> dict:
    return {"kind": "number", "key": [plain_num(r)]}


def gen_one_step(rng: random.Random, params: dict | None = None) -> Example:
    v = letter(rng)
    dec = False
    demo = _demo(rng, params)
    s = None
    value_q = False  # "What is $x$?"
    if demo:
        x, b = _pv(params, "x b", lambda: (rng.randint(-20, 20), nz(rng, -20, 20)))
        v, form = "x", "add"
        prompt = f"Solve $x {signed_int(b)} = {x + b}$."
        if _demo2(rng, params):
            prompt, value_q = prompt + " What is $x$?", True
    else:
        form = pick(rng, ["add", "add", "add", "mul", "mul", "div", "neg"])
        x = rng.randint(-25, 25)
        b = nz(rng, -25, 25)
        u = rng.random()
        if form == "add" and u < 0.1:
            dec, x, b = True, F(rng.randint(-99, 99), 10), F(nz(rng, -99, 99), 10)
        elif form == "add" and u < 0.18:
            den = rng.choice([2, 3, 4, 5])
            b = F(nz(rng, -9, 9), den)
            x = F(rng.randint(-20, 20) * den + rng.choice([0, 1]), den)
        if form == "mul":
            b = nz(rng, -12, 12, (0, 1))
            x = rng.randint(-12, 12)
        if form == "div":
            b = nz(rng, -9, 9, (0, 1))
        s = Sty(rng, dec)
    lin = Lin(v, dec)
    if form == "add":
        c = x + b
        start = f"{lin.side(1, b)} = {lin.n(c)}"
        if s is not None:
            lhs = pick(rng, ["vb", "vb", "vb", "bv"])
            side = s.poly([(1, v), (b, "")]) if lhs == "vb" else s.poly([(b, ""), (1, v)])
            m = f"{side}{s.sp('=')}{s.n(c)}" if rng.random() < 0.8 else f"{s.n(c)}{s.sp('=')}{side}"
            prompt, value_q = _solve_prompt_v(rng, s, m, v)
        r = lin.move_const(1, b, c)
        ans = F(r)
    elif form == "mul":
        c = b * x
        start = f"{T(b, v)} = {c}"
        m = f"{s.term(b, v)}{s.sp('=')}{s.n(c)}"
        prompt, value_q = _solve_prompt_v(rng, s, m, v)
        ans, _ = lin.divide(b, c)
    elif form == "div":
        c = x
        x = c * b
        start = f"{T(F(1, b), v)} = {c}"
        if s.latex and rng.random() < 0.7:
            lhs = f"\\frac{{{v}}}{{{b}}}" if b > 0 else f"-\\frac{{{v}}}{{{-b}}}"
        else:
            lhs = f"{v}/{b}" if b > 0 else f"-{v}/{-b}"
        prompt, value_q = _solve_prompt_v(rng, s, f"{lhs}{s.sp('=')}{s.n(c)}", v)
        ans, _ = lin.divide(F(1, b), c)
    else:  # -x = c
        c = -x
        start = f"-{v} = {c}"
        prompt, value_q = _solve_prompt_v(rng, s, f"-{v}{s.sp('=')}{s.n(c)}", v)
        ans, _ = lin.divide(-1, c)
    if not lin.lines:  # pragma: no cover - every form moves something
        raise AssertionError(start)
    answer = f"{v} = {lin.n(ans)}"
    spec = _value_spec(F(ans)) if value_q else _eq_spec(v, F(ans))
    return _ex("one-step", prompt, start, lin.lines, answer, spec, v)


def _coef_kind(rng: random.Random) -> str:
    u = rng.random()
    return "dec" if u < 0.1 else "frac" if u < 0.2 else "int"


def gen_two_step(rng: random.Random, params: dict | None = None) -> Example:
    v = letter(rng)
    dec = False
    if _demo(rng, params):
        a, b, x = _pv(
            params,
            "a b x",
            lambda: (nz(rng, -9, 9, (-1, 0, 1)), nz(rng, -15, 15), rng.randint(-10, 10)),
        )
        v, c = "x", a * x + b
        prompt = f"Solve ${a}x {signed_int(b)} = {c}$."
        value_q = _demo2(rng, params)
        if value_q:
            prompt += " What is $x$?"
        s = None
    else:
        kind = _coef_kind(rng)
        b = F(nz(rng, -20, 20))
        if kind == "int":
            a, x = F(nz(rng, -12, 12, (0, 1))), F(rng.randint(-12, 12))
        elif kind == "frac":
            den = rng.choice([2, 3, 4, 5])
            num = rng.choice([1, 1, 2, 3, -1, -2])
            if math.gcd(num, den) != 1:
                num = 1
            a, x = F(num, den), F(rng.randint(-8, 8) * den)
        else:
            dec = True
            a = F(rng.choice([2, 4, 5, 6, 8, 12, 15, 25, -2, -5]), 10)
            x = F(rng.randint(-20, 20), rng.choice([1, 1, 2]))
            b = F(nz(rng, -50, 50), rng.choice([1, 10]))
        c = a * x + b
        s = Sty(rng, dec)
        order = pick(rng, ["ab", "ab", "ab", "ba"])
        side = s.poly([(a, v), (b, "")] if order == "ab" else [(b, ""), (a, v)])
        m = f"{side}{s.sp('=')}{s.n(c)}" if rng.random() < 0.85 else f"{s.n(c)}{s.sp('=')}{side}"
        prompt, value_q = _solve_prompt_v(rng, s, m, v)
    lin = Lin(v, dec)
    start = f"{lin.side(a, b)} = {lin.n(c)}"
    c2 = lin.move_const(a, b, c)
    r, _ = lin.divide(a, c2)
    spec = _value_spec(r) if value_q else _eq_spec(v, r)
    return _ex("two-step", prompt, start, lin.lines, f"{v} = {lin.n(r)}", spec, v)


def gen_both_sides(rng: random.Random, params: dict | None = None) -> Example:
    v = letter(rng)
    dist = None
    if _demo(rng, params):
        while True:
            a, c, b, x = _pv(
                params,
                "a c b x",
                lambda: (
                    nz(rng, -9, 9),
                    nz(rng, -9, 9),
                    rng.randint(-15, 15),
                    rng.randint(-10, 10),
                ),
            )
            d = (a - c) * x + b
            if a != c and d != 0 and b != 0:
                break
        v = "x"
        prompt = f"Solve ${coef_f(a)}x {signed_int(b)} = {coef_f(c)}x {signed_int(d)}$."
    else:
        while True:
            a, c = nz(rng, -12, 12), nz(rng, -12, 12)
            b, x = rng.randint(-20, 20), rng.randint(-12, 12)
            d = (a - c) * x + b
            if a != c:
                break
        s = Sty(rng)
        lhs = s.poly([(a, v), (b, "")])
        if rng.random() < 0.2:  # k(v + m) on the left
            k = nz(rng, -6, 6, (0, 1))
            mm = nz(rng, -9, 9)
            a, b = k, k * mm
            while a == c:
                c += 1
            d = (a - c) * x + b
            dist = (k, mm)
            lhs = ("-" if k == -1 else s.n(k)) + s.par(s.poly([(1, v), (mm, "")]))
        rhs_pairs = [(c, v), (d, "")] if rng.random() < 0.75 else [(d, ""), (c, v)]
        m = f"{lhs}{s.sp('=')}{s.poly(rhs_pairs)}"
        prompt = _solve_prompt(rng, s, m, v)
    lin = Lin(v)
    rhs = P([(c, v), (d, "")])
    if dist:
        k, mm = dist
        inner = P([(1, v), (mm, "")])
        dl = f"-({inner})" if k == -1 else f"{k}({inner})"
        start = f"{dl} = {rhs}"
        lin.lines.append(L("Distribute", [CP(dl, [(a, v), (b, "")])], f"{lin.side(a, b)} = {rhs}"))
    else:
        start = f"{lin.side(a, b)} = {rhs}"
    # gather the variable on the left (demo hint), or where its coefficient stays positive
    left = not (c > a and c > 0 and rng.random() < 0.4)
    lin.lines.append(gather_line(a, b, c, d, v, left))
    if left:
        k = a - c
        c2 = lin.move_const(k, b, d)
        r, _ = lin.divide(k, c2)
    else:
        k = c - a
        c2 = lin.move_const(k, d, b, "=", var_left=False)
        r, _ = lin.divide(k, c2, "=", var_left=False)
    return _ex("both-sides", prompt, start, lin.lines, f"{v} = {N(r)}", _eq_spec(v, r), v)


def gen_inequality(rng: random.Random, params: dict | None = None) -> Example:
    v = letter(rng)
    var_left = True
    if _demo(rng, params):
        a, b, r0 = _pv(
            params,
            "a b r",
            lambda: (nz(rng, -6, 6, (-1, 0, 1)), nz(rng, -12, 12), rng.randint(-8, 8)),
        )
        v, rel, c = "x", "<", a * r0 + b
        prompt = f"Solve ${a}x {signed_int(b)} < {c}$."
    else:
        a, b, r0 = nz(rng, -9, 9, (0, 1)), nz(rng, -15, 15), rng.randint(-10, 10)
        rel = pick(rng, ["<", ">", "<=", ">="])
        c = a * r0 + b
        s = Sty(rng)
        side = s.poly([(a, v), (b, "")] if rng.random() < 0.8 else [(b, ""), (a, v)])
        if rng.random() < 0.2:
            var_left = False
            m = f"{s.n(c)}{s.rel(rel)}{side}"
        else:
            m = f"{side}{s.rel(rel)}{s.n(c)}"
        prompt = pick(
            rng,
            [
                "Solve {m}.",
                "Solve {m}.",
                "Solve the inequality {m}.",
                "Solve for {v}: {m}.",
                "Find all {v} with {m}.",
                "Which values of {v} satisfy {m}?",
            ],
        ).format(m=s.wrap(m), v=s.v(v))
    lin = Lin(v)
    side = lin.side(a, b)
    start = f"{side} {REL_LATEX[rel]} {c}" if var_left else f"{c} {REL_LATEX[rel]} {side}"
    c2 = lin.move_const(a, b, c, rel, var_left)
    r, final = lin.divide(a, c2, rel, var_left)
    answer = f"{v} {REL_LATEX[final]} {N(r)}"
    spec = {"kind": "inequality", "key": [f"{v} {final} {plain_num(r)}"], "options": {"var": v}}
    return _ex("inequality", prompt, start, lin.lines, answer, spec, v)


# ---------------------------------------------------------------- systems


def _sys_prompt(rng, s: Sty, e1: str, e2: str, demo_tail: bool = True) -> str:
    w1, w2 = s.wrap(e1), s.wrap(e2)
    return pick(
        rng,
        [
            "Solve the system {a} and {b}. Give $(x, y)$.",
            "Solve the system {a} and {b}.",
            "Solve the system of equations {a}, {b}.",
            "Find $x$ and $y$ if {a} and {b}.",
            "Solve the system: {a}, {b}. Write the answer as $(x, y)$.",
            "Solve {a} and {b} for $x$ and $y$.",
        ],
    ).format(a=w1, b=w2)


def _sys_start(e1: str, e2: str) -> str:
    return f"{e1} \\text{{ and }} {e2}"


def _list_spec(x0: int, y0: int) -> dict:
    return {"kind": "list", "key": [f"({x0}, {y0})"], "options": {"ordered": True}}


def _solve_lin1(lines: list[str], v: str, k: int, const: int, rhs: int) -> int:
    """k*v + const = rhs -> v (lines appended)."""
    lin = Lin(v)
    c2 = lin.move_const(k, const, rhs)
    r, _ = lin.divide(k, c2)
    lines += lin.lines
    return int(r)


def gen_substitution(rng: random.Random, params: dict | None = None) -> Example:
    demo = _demo(rng, params)
    while True:
        if demo:
            m, p, q, x0, y0 = _pv(
                params,
                "m p q x0 y0",
                lambda: (
                    nz(rng, -5, 5),
                    rng.randint(1, 6),
                    nz(rng, -6, 6),
                    rng.randint(-6, 6),
                    rng.randint(-6, 6),
                ),
            )
        else:
            m, p, q = nz(rng, -5, 5), nz(rng, -6, 7), nz(rng, -6, 6)
            x0, y0 = rng.randint(-7, 7), rng.randint(-7, 7)
        b = y0 - m * x0
        if p + q * m != 0 and b != 0:
            break
    iso, other = "y", "x"  # the isolated variable and the other one
    swap = not demo and rng.random() < 0.3
    if swap:  # x = m y + b
        iso, other = "x", "y"
        b = x0 - m * y0
        if b == 0 or q + p * m == 0:
            return gen_substitution(rng)
    r = p * x0 + q * y0
    e1 = f"{iso} = {P([(m, other), (b, '')])}"
    e2 = f"{P([(p, 'x'), (q, 'y')])} = {r}"
    if demo:
        prompt = (
            f"Solve the system $y = {coef_f(m)}x {signed_int(b)}$ and "
            f"${coef_f(p)}x {scoef_f(q)}y = {r}$. Give $(x, y)$."
        )
        first = True
    else:
        s = Sty(rng)
        s.star = s.star and not s.dollars
        f1 = f"{iso}{s.sp('=')}{s.poly([(m, other), (b, '')])}"
        f2 = f"{s.poly([(p, 'x'), (q, 'y')])}{s.sp('=')}{s.n(r)}"
        first = rng.random() < 0.75
        prompt = _sys_prompt(rng, s, f1, f2) if first else _sys_prompt(rng, s, f2, f1)
    start = _sys_start(e1, e2) if first else _sys_start(e2, e1)
    # coefficient of the isolated variable in the other equation, and of the other variable
    ci, co = (q, p) if iso == "y" else (p, q)
    expr = P([(m, other), (b, "")])
    oterm = T(co, other)
    if ci == 1:
        sub = f"{oterm} + ({expr})"
    elif ci == -1:
        sub = f"{oterm} - ({expr})"
    else:
        sub = J([oterm, f"{ci}({expr})"])
    if iso == "x":  # keep the x term first, as the equation is written
        sub = J([f"{ci}({expr})" if abs(ci) != 1 else ("-" if ci < 0 else "") + f"({expr})", oterm])
    which = "second" if first else "first"
    lines = [L(f"Substitute ${e1}$ into the {which} equation", [], f"{sub} = {r}")]
    dist = [(ci * m, other), (ci * b, "")]
    dl = f"{'-' if ci == -1 else '' if ci == 1 else ci}({expr})"
    if iso == "y":
        after = [(co, other)] + dist
    else:
        after = dist + [(co, other)]
    if ci == 1:
        lines.append(L("Remove the brackets", [], f"{P(after)} = {r}"))
    else:
        lines.append(L("Distribute", [CP(dl, dist)], f"{P(after)} = {r}"))
    k = co + ci * m
    like = [t for t in after if t[1] == other]
    lines.append(
        L(
            "Combine like terms",
            [CP(P(like), [(k, other)])],
            f"{P([(k, other), (ci * b, '')])} = {r}",
        )
    )
    val = _solve_lin1(lines, other, k, ci * b, r)
    lines.append(back_substitution_line(m, b, other, val, iso, e1))
    return _ex("substitution", prompt, start, lines, f"({x0}, {y0})", _list_spec(x0, y0))


def gen_elimination(rng: random.Random, params: dict | None = None) -> Example:
    demo = _demo(rng, params)
    while True:
        if demo:
            a, b, c, d, x0, y0 = _pv(
                params,
                "a b c d x0 y0",
                lambda: (
                    rng.randint(1, 5),
                    nz(rng, -5, 5),
                    rng.randint(1, 5),
                    nz(rng, -5, 5),
                    rng.randint(-5, 5),
                    rng.randint(-5, 5),
                ),
            )
        else:
            a, b, c, d = nz(rng, -6, 7), nz(rng, -6, 6), nz(rng, -6, 7), nz(rng, -6, 6)
            x0, y0 = rng.randint(-8, 8), rng.randint(-8, 8)
        if a * d - b * c != 0:
            break
    e, f = a * x0 + b * y0, c * x0 + d * y0
    e1, e2 = f"{P([(a, 'x'), (b, 'y')])} = {e}", f"{P([(c, 'x'), (d, 'y')])} = {f}"
    if demo:
        prompt = (
            f"Solve the system ${coef_f(a)}x {scoef_f(b)}y = {e}$ and "
            f"${coef_f(c)}x {scoef_f(d)}y = {f}$. Give $(x, y)$."
        )
    else:
        s = Sty(rng)
        f1 = f"{s.poly([(a, 'x'), (b, 'y')])}{s.sp('=')}{s.n(e)}"
        f2 = f"{s.poly([(c, 'x'), (d, 'y')])}{s.sp('=')}{s.n(f)}"
        prompt = _sys_prompt(rng, s, f1, f2)
    start = _sys_start(e1, e2)
    # eliminate the variable whose coefficients need the smaller multipliers
    lx, ly = math.lcm(a, c), math.lcm(b, d)
    elim = "x" if (abs(lx), a) <= (abs(ly), 0) else "y"
    if abs(b) == abs(d) and abs(a) != abs(c):
        elim = "y"
    k1, k2 = (a, c) if elim == "x" else (b, d)
    lm = abs(math.lcm(k1, k2))
    m1, m2 = lm // abs(k1), lm // abs(k2)
    eq1, eq2 = [a, b, e], [c, d, f]
    lines = []

    def eqs(u, w):
        return (
            f"{P([(u[0], 'x'), (u[1], 'y')])} = {u[2]} \\text{{ and }} "
            f"{P([(w[0], 'x'), (w[1], 'y')])} = {w[2]}"
        )

    for idx, mult in ((0, m1), (1, m2)):
        if mult == 1:
            continue
        eq = eq1 if idx == 0 else eq2
        lhs = P([(eq[0], "x"), (eq[1], "y")])
        new = [mult * eq[0], mult * eq[1], mult * eq[2]]
        calcs = [
            CP(f"{mult}({lhs})", [(new[0], "x"), (new[1], "y")]),
            C(f"{mult} \\cdot {O(eq[2])}", new[2]),
        ]
        if idx == 0:
            eq1 = new
        else:
            eq2 = new
        which = "first" if idx == 0 else "second"
        lines.append(L(f"Multiply the {which} equation by ${mult}$", calcs, eqs(eq1, eq2)))
    j = 0 if elim == "x" else 1
    add = eq1[j] == -eq2[j]
    sign = 1 if add else -1
    res = [eq1[0] + sign * eq2[0], eq1[1] + sign * eq2[1], eq1[2] + sign * eq2[2]]
    keep = "y" if elim == "x" else "x"
    kc = res[1 - j]
    l1, l2 = P([(eq1[0], "x"), (eq1[1], "y")]), P([(eq2[0], "x"), (eq2[1], "y")])
    op = "+" if add else "-"
    phrase = "Add the equations" if add else "Subtract the second equation from the first"
    calcs = [CP(f"({l1}) {op} ({l2})", [(kc, keep)]), C(f"{eq1[2]} {op} {O(eq2[2])}", res[2])]
    lines.append(L(phrase, calcs, f"{T(kc, keep)} = {res[2]}"))
    kv = _solve_lin1(lines, keep, kc, 0, res[2])
    # back-substitute into the original first equation
    ck, co = (b, a) if keep == "y" else (a, b)
    other = "x" if keep == "y" else "y"
    prod = ck * kv
    # keep the order of the first equation (x term first)
    pairs = [(co, other), (prod, "")] if keep == "y" else [(prod, ""), (co, other)]
    state = f"{P(pairs)} = {e}"
    phrase = f"Substitute ${keep} = {kv}$ into the first equation"
    if ck == 1:
        calcs = []
    elif ck == -1:
        calcs = [C(f"-1 \\cdot {O(kv)}", prod)]
    else:
        calcs = [C(f"{ck} \\cdot {O(kv)}", prod)]
    lines.append(L(phrase, calcs, state))
    _solve_lin1(lines, other, co, prod, e)
    return _ex("elimination", prompt, start, lines, f"({x0}, {y0})", _list_spec(x0, y0))


# ---------------------------------------------------------------- quadratics


def gen_solve_quadratic(rng: random.Random, params: dict | None = None) -> Example:
    v = letter(rng)
    moved = 0
    if _demo(rng, params):
        while True:
            p, q = _pv(params, "p q", lambda: (rng.randint(-9, 9), rng.randint(-9, 9)))
            if p < q and p + q != 0 and p * q != 0:
                break
        v = "x"
        prompt = f"Solve $x^2 {scoef_f(p + q)}x {signed_int(p * q)} = 0$. Give every solution."
    else:
        while True:
            p, q = nz(rng, -11, 11), nz(rng, -11, 11)
            if p != q or rng.random() < 0.1:
                break
        if rng.random() < 0.2:
            moved = -p * q  # written x^2 + sx = -t
        s = Sty(rng)
        lhs = s.poly([(1, mono(v, 2)), (p + q, v), (p * q + moved, "")])
        m = s.wrap(f"{lhs}{s.sp('=')}{s.n(moved)}")
        prompt = pick(
            rng,
            [
                "Solve {m}. Give every solution.",
                "Solve {m}.",
                "Solve {m} by factoring.",
                "Find all solutions of {m}.",
                "Find every value of {v} with {m}.",
                "Solve for {v}: {m}.",
            ],
        ).format(m=m, v=s.v(v))
    tri = P([(1, mono(v, 2)), (p + q, v), (p * q, "")])
    lines = []
    if moved:
        start = f"{P([(1, mono(v, 2)), (p + q, v)])} = {moved}"
        mv = -moved
        phrase = f"Add ${mv}$ to both sides" if mv > 0 else f"Subtract ${-mv}$ from both sides"
        left = f"{moved} + {mv}" if mv > 0 else f"{moved} - {-mv}"
        lines.append(L(phrase, [C(left, 0)], f"{tri} = 0"))
    else:
        start = f"{tri} = 0"
    phrase, calcs = factor_line_parts(p, q, v, True)
    lines.append(L(phrase, calcs, f"{factors_latex(p, q, v)} = 0"))
    roots = sorted({-p, -q})
    lines += zero_product_lines(p, q, v)
    answer = "\\{" + ", ".join(str(r) for r in roots) + "\\}"
    spec = {"kind": "set", "key": ["{" + ", ".join(str(r) for r in roots) + "}"]}
    return _ex("solve-quadratic", prompt, start, lines, answer, spec, v)


# ---------------------------------------------------------------- registry and streams

GENERATORS: dict[str, Callable[[random.Random, dict | None], Example]] = {
    "add-integers": gen_add_integers,
    "multiply-integers": gen_multiply_integers,
    "divide-integers": gen_divide_integers,
    "mixed-operations": gen_mixed_operations,
    "lowest-terms": gen_lowest_terms,
    "add-fractions": gen_add_fractions,
    "multiply-fractions": gen_multiply_fractions,
    "collect-terms": gen_collect_terms,
    "distribute": gen_distribute,
    "distribute-collect": gen_distribute_collect,
    "one-step": gen_one_step,
    "two-step": gen_two_step,
    "both-sides": gen_both_sides,
    "inequality": gen_inequality,
    "substitution": gen_substitution,
    "elimination": gen_elimination,
    "foil": gen_foil,
    "factor": gen_factor,
    "solve-quadratic": gen_solve_quadratic,
}
FAMILIES = tuple(GENERATORS)

# Harder / longer families get more examples.
WEIGHTS = {
    "add-integers": 3,
    "multiply-integers": 2,
    "divide-integers": 2,
    "mixed-operations": 6,
    "lowest-terms": 3,
    "add-fractions": 6,
    "multiply-fractions": 4,
    "collect-terms": 6,
    "distribute": 4,
    "distribute-collect": 6,
    "one-step": 4,
    "two-step": 8,
    "both-sides": 9,
    "inequality": 8,
    "substitution": 10,
    "elimination": 10,
    "foil": 6,
    "factor": 6,
    "solve-quadratic": 8,
}


def generate(family: str, rng: random.Random, params: dict | None = None) -> Example:
    """One example of a family (either split; see ``stream`` for the split). ``params``:
    the demo template's variables (e.g. ``curriculum.generate.Instance.params``) to write
    exactly that demo problem."""
    return GENERATORS[family](rng, params)


def problem_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


def normalize_prompt(prompt: str) -> str:
    """Prompt text with notation noise removed (``$``, ``\\left``, spaces, case)."""
    s = prompt.replace("\\left", "").replace("\\right", "").replace("$", "")
    return re.sub(r"\s+", "", s).lower()


def is_heldout(example: Example) -> bool:
    return problem_hash(f"{example.family}|{example.key}") % 1000 < HELDOUT_PERMILLE


def stream(
    n: int, seed: int = 0, split: str = "train", weights: dict[str, float] | None = None
) -> Iterator[Example]:
    """n examples, a deterministic weighted mix of all families, from one split.

    ``weights`` overrides the share of some families (a run that works on the weak ones).
    """
    if split not in ("train", "heldout"):
        raise ValueError("split is 'train' or 'heldout'")
    unknown = set(weights or {}) - set(WEIGHTS)
    if unknown:
        raise ValueError(f"unknown families: {', '.join(sorted(unknown))}")
    rng = random.Random(f"tutor-data:{split}:{seed}")
    mix = {**WEIGHTS, **(weights or {})}
    fams, weights = list(mix), list(mix.values())
    want = split == "heldout"
    made = 0
    while made < n:
        fam = rng.choices(fams, weights)[0]
        ex = generate(fam, rng)
        if is_heldout(ex) == want:
            made += 1
            yield ex


# ---------------------------------------------------------------- verification

_STEP = re.compile(r"^(?P<pre>.+): \$(?P<state>[^$]+)\$\.$")
_ANS = re.compile(r"^Answer: \$\\boxed\{(?P<ans>.+)\}\$$")
_NUM = re.compile(r"\d+(?:\.\d+)?")
_BIN = re.compile(r"(\\cdot|\\div|\\le|\\ge|\+|=|<|>)")

STATE_KIND = {
    "add-integers": "value",
    "multiply-integers": "value",
    "divide-integers": "value",
    "mixed-operations": "value",
    "lowest-terms": "value",
    "add-fractions": "value",
    "multiply-fractions": "value",
    "collect-terms": "value",
    "distribute": "value",
    "distribute-collect": "value",
    "foil": "value",
    "factor": "value",
    "one-step": "eq",
    "two-step": "eq",
    "both-sides": "eq",
    "solve-quadratic": "eq",
    "inequality": "ineq",
    "substitution": "system",
    "elimination": "system",
}


def split_step(line: str) -> tuple[str, list[str], str] | None:
    """(phrase, calcs, state) of a step line, or None when it is malformed."""
    m = _STEP.match(line)
    if not m:
        return None
    pre, state = m.group("pre"), m.group("state")
    parts = pre.split("$")
    if len(parts) % 2 == 0:
        return None
    calcs: list[str] = []
    if parts[-1] == ")" and len(parts) >= 3:
        i = len(parts) - 2  # last math segment
        found = None
        while i >= 1:
            calcs.insert(0, parts[i])
            txt = parts[i - 1]
            if txt.endswith(" ("):
                found = i - 1
                break
            if txt != ", ":
                return None
            i -= 2
        if found is None:
            return None
        parts = parts[:found] + [parts[found][:-2]]
    phrase = "$".join(parts)
    if not phrase or phrase.endswith(" ") or "(" in phrase.replace("$(", ""):
        return None
    return phrase, calcs, state


def lint_math(m: str) -> list[str]:
    """Spacing of canonical math: single spaces around binary operators, none after a
    unary minus, none inside brackets."""
    errs = []
    if m != m.strip() or "  " in m:
        errs.append(f"stray spaces in {m!r}")
    for mt in _BIN.finditer(m):
        i, j = mt.start(), mt.end()
        if m[j : j + 1] == "{" and mt.group() in ("\\le", "\\ge"):
            continue
        if i == 0 or m[i - 1] != " " or j >= len(m) or m[j] != " ":
            errs.append(f"operator {mt.group()!r} not spaced in {m!r}")
    for i, ch in enumerate(m):
        if ch != "-":
            continue
        nxt = m[i + 1 : i + 2]
        if nxt == " ":  # binary
            if i < 2 or m[i - 1] != " " or not (m[i - 2].isalnum() or m[i - 2] in ")}"):
                errs.append(f"binary minus misplaced in {m!r}")
        else:  # unary
            prev = m[:i].rstrip()
            # after \cdot and \div a negative operand is bracketed: 3 \cdot (-8)
            ok = (
                i == 0
                or m[i - 1] in "({"
                or (
                    m[i - 1] == " "
                    and re.search(r"(=|<|>|\\le|\\ge|,|\\text\{ or \}|\\text\{ and \})$", prev)
                )
            )
            if not ok:
                errs.append(f"unary minus misplaced in {m!r}")
    if "( " in m or " )" in m or ",-" in m:
        errs.append(f"bad bracket/comma spacing in {m!r}")
    return errs


def _rels(node):
    """[(lhs_node, op, rhs_node)], connective ('and' / 'or' / None)."""
    if node.op in ("and", "or"):
        out = []
        for a in node.args:
            sub, _ = _rels(a)
            out += sub
        return out, node.op
    if node.op == "rel" and len(node.args) == 2:
        return [(node.args[0], node.value[0], node.args[1])], None
    raise ValueError(f"not a relation: {node}")


def _sympy():
    import sympy as sp

    from curriculum.answers import parse
    from curriculum.answers.parsing import to_sympy

    return sp, parse, to_sympy


@functools.lru_cache(maxsize=8192)  # states are read twice (as STATE, then as previous)
def _value(text: str):
    sp, parse, _ = _sympy()
    return parse(text, syntax="latex").sympy()


@functools.lru_cache(maxsize=8192)
def _relations(text: str):
    sp, parse, to_sympy = _sympy()
    node = parse(text, syntax="latex").node
    rels, conn = _rels(node)
    return [(to_sympy(a), op, to_sympy(b)) for a, op, b in rels], conn


def _solution_set(text: str, var):
    """Solution set of an equation or of equations joined by 'or' (one variable)."""
    sp, _, _ = _sympy()
    rels, conn = _relations(text)
    if conn == "and":
        raise ValueError("'and' in a one-variable equation state")
    out = set()
    for lhs, op, rhs in rels:
        if op != "=":
            raise ValueError(f"relation {op} in an equation state")
        poly = sp.Poly(sp.expand(lhs - rhs), var)
        if poly.degree() <= 0:
            raise ValueError(f"no variable left in {text!r}")
        if poly.degree() == 1:
            c1, c0 = poly.all_coeffs()
            out.add(-c0 / c1)
            continue
        roots = sp.roots(poly)
        if sum(roots.values()) != poly.degree():
            raise ValueError(f"roots not found for {text!r}")
        out |= set(roots)
    return frozenset(out)


def _ineq_norm(text: str, var):
    """A linear inequality as (op, boundary) with the variable on the left."""
    sp, _, _ = _sympy()
    rels, conn = _relations(text)
    if conn or len(rels) != 1:
        raise ValueError("one inequality expected")
    lhs, op, rhs = rels[0]
    if op not in ("<", ">", "<=", ">="):
        raise ValueError(f"{op} is not an inequality")
    poly = sp.Poly(sp.expand(lhs - rhs), var)
    if poly.degree() != 1:
        raise ValueError("not linear")
    a, b = poly.all_coeffs()
    return (FLIP[op] if a < 0 else op), -b / a


def _system_solution(start: str):
    sp, _, _ = _sympy()
    rels, conn = _relations(start)
    if conn != "and" or len(rels) != 2:
        raise ValueError("a system of two equations expected")
    x, y = sp.Symbol("x"), sp.Symbol("y")
    rows = []
    for lhs, op, rhs in rels:
        f = sp.Poly(sp.expand(lhs - rhs), x, y)
        if op != "=" or f.total_degree() != 1:
            raise ValueError("two linear equations expected")
        rows.append((f.coeff_monomial(x), f.coeff_monomial(y), -f.coeff_monomial(1)))
    (a, b, e), (c, d, f) = rows
    det = a * d - b * c
    if det == 0:
        raise ValueError("the system has no unique solution")
    return {x: (e * d - b * f) / det, y: (a * f - e * c) / det}  # Cramer's rule


def _true_at(text: str, point: dict) -> bool:
    sp, _, _ = _sympy()
    rels, conn = _relations(text)
    ok = []
    for lhs, op, rhs in rels:
        d = sp.expand((lhs - rhs).subs(point))
        ok.append(
            d == 0 if op == "=" else bool({"<": d < 0, ">": d > 0, "<=": d <= 0, ">=": d >= 0}[op])
        )
    return any(ok) if conn == "or" else all(ok)


def verify(ex: Example) -> list[str]:
    """Every problem found in an example (empty list: the example is fine)."""
    try:
        return _verify(ex)
    except Exception as e:  # noqa: BLE001 - a parse or SymPy failure is a problem of the example
        return [f"verify raised {type(e).__name__}: {e}"]


def _verify(ex: Example) -> list[str]:
    sp, parse, _ = _sympy()
    from curriculum.answers import check_inline

    errs: list[str] = []
    lines = ex.solution.split("\n")
    if len(lines) < 2:
        errs.append("a solution needs at least one step and the answer line")
    m = _ANS.match(lines[-1])
    if not m:
        return errs + [f"bad answer line {lines[-1]!r}"]
    if m.group("ans") != ex.answer:
        errs.append(f"answer line {m.group('ans')!r} != answer {ex.answer!r}")
    kind = STATE_KIND[ex.family]
    var = sp.Symbol(ex.var)
    numbers_start = set(_NUM.findall(ex.start))
    if kind == "system":
        point = _system_solution(ex.start)
    states = [ex.start]
    for ln in lines[:-1]:
        parts = split_step(ln)
        if parts is None:
            errs.append(f"malformed step line {ln!r}")
            continue
        phrase, calcs, state = parts
        maths = [state] + calcs + phrase.split("$")[1::2]
        for mm in maths:
            errs += lint_math(mm)
        results: set[str] = set()
        for c in calcs:
            if c.count(" = ") != 1:
                errs.append(f"CALC {c!r} is not LEFT = RESULT")
                continue
            left, right = c.split(" = ")
            lv = sp.expand(sp.cancel(_value(left)))
            rv = _value(right)
            if sp.expand(lv - rv) != 0:
                errs.append(f"CALC {c!r} is wrong ({left} is {lv})")
            want = latex_result(lv, decimals_for(left))
            if right != want:
                errs.append(f"CALC {c!r}: RESULT should read {want!r}")
            if (
                not decimals_for(left)
                and "\\frac" not in left
                and lv.is_number
                and not lv.is_Integer
            ):
                errs.append(f"CALC {c!r}: integers divided into a non-integer")
            results |= set(_NUM.findall(c))  # STATE may copy LEFT operands (factoring)
        # "0": a side that cancels out (-9v + 9v) is restated, not computed
        allowed = (
            numbers_start | set(_NUM.findall(states[-1])) | results | set(_NUM.findall(phrase))
        )
        allowed.add("0")
        new = set(_NUM.findall(state)) - allowed
        if new:
            errs.append(f"STATE {state!r} has numbers no CALC produced: {sorted(new)}")
        prev = states[-1]
        try:
            if kind == "value":
                if sp.expand(_value(state) - _value(prev)) != 0:
                    errs.append(f"STATE {state!r} does not equal {prev!r}")
            elif kind == "eq":
                if _solution_set(state, var) != _solution_set(prev, var):
                    errs.append(f"STATE {state!r} is not equivalent to {prev!r}")
            elif kind == "ineq":
                if _ineq_norm(state, var) != _ineq_norm(prev, var):
                    errs.append(f"STATE {state!r} is not equivalent to {prev!r}")
            elif not _true_at(state, point):
                errs.append(f"STATE {state!r} is false at the solution")
        except Exception as e:  # noqa: BLE001 - the example is reported as broken, not the generator
            errs.append(f"STATE {state!r} could not be read: {e}")
        states.append(state)
    errs += lint_math(ex.answer)
    # the answer against the problem itself (independent of the generator's key)
    a = ex.answer
    if kind == "value":
        if sp.expand(_value(a) - _value(ex.start)) != 0:
            errs.append(f"answer {a!r} is not the value of {ex.start!r}")
        if a != states[-1]:
            errs.append(f"answer {a!r} is not the last state {states[-1]!r}")
    elif kind == "eq" and ex.family != "solve-quadratic":
        if _solution_set(a, var) != _solution_set(ex.start, var):
            errs.append(f"answer {a!r} does not solve {ex.start!r}")
        if a != states[-1]:
            errs.append(f"answer {a!r} is not the last state {states[-1]!r}")
    elif kind == "eq":
        node = parse(a, syntax="latex").node
        vals = frozenset(
            sp.Integer(int(n.value)) if n.op == "num" else -sp.Integer(int(n.args[0].value))
            for n in node.args
        )
        if node.op != "set" or vals != _solution_set(ex.start, var):
            errs.append(f"answer {a!r} is not the solution set of {ex.start!r}")
        if vals != _solution_set(states[-1], var):
            errs.append("answer differs from the last state")
    elif kind == "ineq":
        if _ineq_norm(a, var) != _ineq_norm(ex.start, var):
            errs.append(f"answer {a!r} does not solve {ex.start!r}")
        if not re.fullmatch(rf"{ex.var} (<|>|\\le|\\ge) -?(\d+|\\frac\{{\d+\}}\{{\d+\}})", a):
            errs.append(f"answer {a!r} is not '{ex.var} REL value'")
    else:
        node = parse(a, syntax="latex").node
        if node.op != "tuple" or len(node.args) != 2:
            errs.append(f"answer {a!r} is not (x, y)")
        else:
            _, _, to_sympy = _sympy()
            xy = [to_sympy(n) for n in node.args]
            if {sp.Symbol("x"): xy[0], sp.Symbol("y"): xy[1]} != point:
                errs.append(f"answer {a!r} does not solve the system")
    v = check_inline(a, ex.spec)
    if not v.correct:
        errs.append(f"checker rejects {a!r} for {ex.spec}: {v.code}")
    return errs


def _verify_json(d: dict) -> list[str]:
    return verify(Example(**d))


def verify_many(examples: list[Example], processes: int = 0) -> list[list[str]]:
    """verify() over a list, in worker processes when processes > 1."""
    if processes <= 1:
        return [verify(e) for e in examples]
    import multiprocessing as mp

    with mp.get_context("fork").Pool(processes) as pool:
        return pool.map(_verify_json, [e.to_json() for e in examples], chunksize=64)


# ---------------------------------------------------------------- CLI


def _show(k: int, seed: int) -> None:
    rng = random.Random(seed)
    for fam in FAMILIES:
        print(f"===== {fam}")
        for _ in range(k):
            ex = generate(fam, rng)
            print(ex.prompt)
            print(ex.solution)
            errs = verify(ex)
            if errs:
                print("  !!", errs)
            print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--split", choices=("train", "heldout"), default="train")
    ap.add_argument("--out", help="write JSONL here")
    ap.add_argument("--verify", dest="verify", action="store_true", default=None)
    ap.add_argument("--no-verify", dest="verify", action="store_false")
    ap.add_argument("--processes", type=int, default=0, help="verify workers (0: CPU count)")
    ap.add_argument("--show", type=int, default=0, help="print N examples per family and exit")
    args = ap.parse_args(argv)
    if args.show:
        _show(args.show, args.seed)
        return 0
    do_verify = args.verify if args.verify is not None else bool(args.out)
    t0 = time.perf_counter()
    examples = list(stream(args.n, args.seed, args.split))
    t1 = time.perf_counter()
    print(
        f"generated {len(examples)} in {t1 - t0:.2f}s ({len(examples) / max(t1 - t0, 1e-9):.0f}/s)",
        file=sys.stderr,
    )
    bad = 0
    if do_verify:
        import os

        procs = args.processes or os.cpu_count() or 1
        results = verify_many(examples, procs)
        t2 = time.perf_counter()
        keep = []
        for ex, errs in zip(examples, results, strict=True):
            if errs:
                bad += 1
                if bad <= 10:
                    print(f"REJECTED {ex.family}: {ex.prompt}\n  {errs}", file=sys.stderr)
            else:
                keep.append(ex)
        examples = keep
        print(
            f"verified in {t2 - t1:.2f}s ({len(results) / max(t2 - t1, 1e-9):.0f}/s), {bad} rejected",
            file=sys.stderr,
        )
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            for ex in examples:
                fh.write(json.dumps(ex.to_json(), ensure_ascii=False) + "\n")
    else:
        for ex in examples[:5]:
            print(json.dumps(ex.to_json(), ensure_ascii=False))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
