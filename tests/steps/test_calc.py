"""calc_result: fires after `$LEFT =` inside a step's parentheses, nowhere else."""

from __future__ import annotations

import re
import time

import pytest

from inference.steps.calc import calc_left, calc_result


@pytest.mark.parametrize(
    "line, inserted",
    [
        ("Add $3$ to both sides ($5 + 3 =", " 8"),
        ("Add $3$ to both sides ($5 + 3 = ", "8"),  # the line already ends with a space
        (r"Divide both sides by $-8$ ($8 \div (-8) =", " -1"),
        (r"Multiply first ($3 \cdot (-8) = -24$, $7 + (-24) =", " -17"),
        (r"Add ($7 + (-24) = -17$, $-17 - 8 =", " -25"),
        (r"Multiply ($\frac{2}{3} \cdot \frac{3}{4} =", r" \frac{1}{2}"),
        (r"Add ($\frac{1}{4} + \frac{2}{3} =", r" \frac{11}{12}"),
        (r"Subtract ($\frac{1}{4} - \frac{2}{3} =", r" -\frac{5}{12}"),
        (r"Divide ($12 \div 18 =", r" \frac{2}{3}"),
        (r"Combine like terms ($3x - 7x =", " -4x"),
        (r"Expand ($-3(x - 4) =", " -3x + 12"),
        (r"Multiply ($(x + 2)(x - 5) =", " x^2 - 3x - 10"),
        (r"Multiply ($\left(x + 2\right)\left(x - 5\right) =", " x^2 - 3x - 10"),
        (r"Expand ($2(2x + 3) =", " 4x + 6"),
        (r"Halve ($\frac{1}{2} \cdot 3x =", r" \frac{3}{2}x"),
        (r"Combine ($3a + 2b - a + 4b =", " 2a + 6b"),
        (r"Combine ($2e + 3e =", " 5e"),  # a letter, not Euler's number
        (r"Square ($2^{10} =", " 1024"),
        (r"Substitute ($2 \cdot 1 + 3 =", " 5"),
        # decimals: all numbers decimals or integers, result terminating
        ("Add ($0.5 + 0.25 =", " 0.75"),
        (r"Divide ($1.5 \div 3 =", " 0.5"),
        ("Combine ($0.5x + 1.25x =", " 1.75x"),
        (r"Divide ($0.3 \div 7 =", r" \frac{3}{70}"),  # does not terminate
        (r"Add ($\frac{1}{2} + 0.25 =", r" \frac{3}{4}"),  # a fraction in LEFT
        (r"Divide ($1 \div 4 =", r" \frac{1}{4}"),  # no decimal in LEFT
    ],
)
def test_fires(line, inserted):
    assert calc_result(line) == inserted


@pytest.mark.parametrize(
    "line",
    [
        "Add $3$ to both sides ($5 + 3",  # no `=` yet
        "Add $3$ to both sides ($5 + 3 = 8",
        "Add $3$ to both sides ($5 + 3 = 8$): $-8x =",  # the STATE
        "Add $3$ to both sides: $-8x =",  # the STATE of a line without CALCs
        r"Answer: $\boxed{x =",  # the answer line
        "Answer: $x =",
        "Substitute $y =",  # maths of the PHRASE
        "Substitute $y = 2x + 3$ into the second equation, $3x =",
        "Add ($5 + 3 = 8$), then $x =",
        "Add =",  # not in maths
        "Add ($5 + 3 = 8$) =",
        "Add ($x = 3 =",  # LEFT holds a relation
        r"Add ($3 < 4 =",
        r"Add ($x \le 4 =",
        "Add ($ =",  # LEFT empty
        "Add ($5 + =",  # LEFT unreadable
        r"Add ($\frac{1}{ =",
        r"Divide ($1 \div 0 =",  # no value
        r"Divide ($\frac{1}{x} =",  # not a polynomial
        r"Take ($\sqrt{2} =",  # not rational
        r"Raise ($2^{100} =",  # too large an exponent for school work
        "",
        "=",
        "$=",
    ],
)
def test_does_not_fire(line):
    assert calc_result(line) is None


def _stream(model_line: str) -> str:
    """Feed a line character by character, as a model writes it without RESULTs, and insert
    what the calculator returns (the engine's loop)."""
    line = ""
    for ch in model_line:
        line += ch
        got = calc_result(line)
        if got is not None:
            line += got
    return line


@pytest.mark.parametrize(
    "full",
    [
        r"Add $3$ to both sides ($5 + 3 = 8$): $-8x = 8$.",
        r"Divide both sides by $-8$ ($8 \div (-8) = -1$): $x = -1$.",
        r"Multiply first ($3 \cdot (-8) = -24$, $7 + (-24) = -17$): $-17 - 8$.",
        r"Substitute $y = 2x + 3$ into the second equation ($2(2x + 3) = 4x + 6$): "
        r"$3x + 4x + 6 = 13$.",
        r"Set each factor equal to zero: $x + 2 = 0 \text{ or } x - 5 = 0$.",
        r"Answer: $\boxed{x = -1}$",
    ],
)
def test_streaming_inserts_exactly_the_results(full):
    # the model writes each CALC up to `=` and goes on with `$`: the engine fills in RESULT
    model = re.sub(r"(\(\$|, \$)([^$]*?) = [^$]*\$", r"\1\2 =$", full)
    assert _stream(model) == full


def test_calc_left():
    assert calc_left("Add ($5 + 3 =") == "5 + 3"
    assert calc_left(r"Add ($1 = 1$, $2 + 2 = ") == "2 + 2"
    assert calc_left("Add ($5 + 3 = 8$): $x =") is None


def test_cheap_when_not_firing():
    lines = ["Add $3$ to both sides ($5 + 3", "Add $3$ to both sides ($5 + 3 = 8$): $-8x"]
    n = 20000
    t0 = time.perf_counter()
    for i in range(n):
        calc_result(lines[i & 1])
    assert (time.perf_counter() - t0) / n < 20e-6  # well under a microsecond normally
