"""Hostile input: every case returns a verdict (or a clear error) within the deadline, and
nothing the student typed is executed."""

import os
import time

import pytest

from curriculum.answers import CheckerPool, check_inline

CANARY = "/tmp/answers_canary_should_not_exist"

HOSTILE = [
    "__import__('os').system('id')",
    f"__import__('os').system('touch {CANARY}')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "eval('1+1')",
    "exec('import os')",
    "lambda: 1",
    "open('/etc/passwd').read()",
    "import os",
    "x.__dict__",
    "9^9^9^9",
    "10**10**10",
    "2^2^2^2^2^2",
    "(x+1)^1000000",
    "x^(10^100)",
    "1e999999",
    "1" * 200,
    "99999999999999999999999999999999999999999999999999!",
    "factorial(100000)",
    "x" * 100_000,
    "(" * 10_000 + "x" + ")" * 10_000,
    "-" * 5000 + "x",
    "[" * 300 + "]" * 300,
    "2 \u0445",  # Cyrillic x
    "\u0430 + 1",  # Cyrillic a
    "\u202ex+1",  # right-to-left override
    "x\u0000y",
    "\ud800",
    r"\input{/etc/passwd}",
    r"\include{secret}",
    r"\def\x{\x}\x",
    r"\catcode`\^^@=11",
    r"\write18{rm -rf /}",
    r"\immediate\write18{id}",
    r"\newcommand{\a}{\a}\a",
    r"\frac{" * 500,
    "\\" * 1000,
    "sin" * 300,
    "%" * 100,
    "|" * 1000,
]


@pytest.fixture(scope="module")
def pool():
    p = CheckerPool(size=2, deadline=2.0)
    p.start(wait=True)
    yield p
    p.close()


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("kind", ["expression", "number", "equation", "list"])
def test_hostile_inline_never_raises(raw, kind):
    key = {"expression": "x+1", "number": "2", "equation": "x=1", "list": "1, 2"}[kind]
    t = time.perf_counter()
    v = check_inline(raw, {"kind": kind, "key": [key]})
    assert time.perf_counter() - t < 2.0
    assert not v.correct
    assert v.feedback
    if not v.valid:
        assert v.code in (
            "syntax_error",
            "too_long",
            "too_complex",
            "unknown_word",
            "unknown_command",
            "empty",
        )


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_through_pool_within_deadline(pool, raw):
    t = time.perf_counter()
    v = pool.check(raw, {"kind": "expression", "key": ["x+1"]})
    assert time.perf_counter() - t < pool.deadline + 1.0
    assert not v.correct and v.feedback


def test_nothing_executed():
    for raw in HOSTILE[:10]:
        check_inline(raw, {"kind": "expression", "key": ["x"]})
    assert not os.path.exists(CANARY)


def test_latex_includes_are_refused_by_name():
    v = check_inline(r"\input{/etc/passwd}", {"kind": "expression", "key": ["x"]})
    assert v.code == "unknown_command" and "not allowed" in v.feedback


def test_huge_powers_are_refused_not_computed():
    for raw in ("9^9^9^9", "10**10**10", "(x+1)^1000000"):
        t = time.perf_counter()
        v = check_inline(raw, {"kind": "expression", "key": ["1"]})
        assert v.code == "too_complex", (raw, v)
        assert time.perf_counter() - t < 0.5


def test_non_string_input():
    for raw in (None, 12, 3.5, ["x"], {"a": 1}, b"x+1"):
        v = check_inline(raw, {"kind": "expression", "key": ["x+1"]})
        assert isinstance(v.code, str)
