"""The reveal check on hint text (issue 12): results stated in a hint count, numbers the
step merely uses do not."""

from __future__ import annotations

import pytest

from curriculum.answers.hints import answer_candidates, reveals_answer

FRACTION = {"kind": "number", "key": ["25/54"], "options": {"task": "compute"}}
SUM = {"kind": "number", "key": ["40"], "options": {"task": "compute"}}
LINEAR = {"kind": "equation", "key": ["x = -1"], "options": {"task": "solve"}}


@pytest.mark.parametrize(
    "text,spec,shown",
    [
        (
            r"Multiply the numerators and the denominators: $\frac{25}{54}$.",
            FRACTION,
            r"\frac{25}{54}",
        ),
        (r"Multiply first: $5 \cdot 8 = 40$.", SUM, "40"),
        ("Now it is a two-step equation: $x = -1$.", LINEAR, "x = -1"),
        (r"So the answer is \boxed{40}", SUM, "40"),
        ("Answer: 40", SUM, "40"),
    ],
)
def test_stated_results_reveal_the_answer(text, spec, shown):
    assert reveals_answer(text, spec) == shown


@pytest.mark.parametrize(
    "text,spec",
    [
        ("Start at $14$ and move $40$ steps to the left.", SUM),  # a number the step uses
        (r"Multiply the numerators together: $\frac{5 \cdot 5}{6 \cdot 9}$.", FRACTION),
        ("Then add and subtract from left to right: $7 + 41 - 8$.", SUM),  # not carried out
        ("First undo the constant: subtract $3$ from both sides.", LINEAR),
        ("Now it is a two-step equation: $-8x = 8$.", LINEAR),  # not solved yet
    ],
)
def test_teaching_the_step_does_not_reveal(text, spec):
    assert reveals_answer(text, spec) is None


def test_candidates_are_bounded_and_unique():
    text = "\n".join(f"$x = {i}$" for i in range(100))
    cands = answer_candidates(text)
    assert len(cands) == 40 and len(set(cands)) == 40


def test_text_kinds_are_not_checked():
    assert reveals_answer("The answer is B.", {"kind": "multiple_choice", "key": ["B"]}) is None
