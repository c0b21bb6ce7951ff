"""The task is part of the answer spec (issue 12): a restated question is "the question
itself", work not carried out is not correct, and the solved or computed answer is."""

from __future__ import annotations

import pytest

from curriculum.answers import AnswerSpec, check_inline
from curriculum.answers.statements import accepted_spans, given_from_statement, with_given
from curriculum.answers.tasks import infer_task, math_spans


def spec(kind: str, key: str, task: str | None = None, given: str | None = None, **options):
    o = dict(options)
    if task:
        o["task"] = task
    if given:
        o["given"] = [given]
    return {"kind": kind, "key": [key], "options": o}


SOLVE_LINEAR = spec("equation", "x = -1", "solve", "-8x - 3 = 5")
COMPUTE = spec("number", "23", "compute", r"7 + 3 \cdot 8 - 8")
FACTOR = spec("expression", "(x+2)(x+3)", "factor", "x^2 + 5x + 6")
INEQUALITY = spec("inequality", "x > -3", "solve", "2x + 1 > -5", var="x")
QUADRATIC = spec("set", "{4, -7}", "solve", "(x - 4)(x + 7) = 0")
LOWEST = spec("number", "3/4", "lowest_terms", r"\frac{6}{8}", form="lowest_terms")
EXPAND = spec("expression", "x^2+5x+6", "expand", "(x+2)(x+3)")
SIMPLIFY = spec("expression", "5x+2", "simplify", "2x + 3x + 2")
SYSTEM = spec("list", "(2, 3)", "solve", None, ordered=True)


@pytest.mark.parametrize(
    "raw,s",
    [
        ("-8x - 3 = 5", SOLVE_LINEAR),
        ("5 = -3 - 8x", SOLVE_LINEAR),  # the same up to order
        ("7 + 3*8 - 8", COMPUTE),
        ("7 + 3 \\cdot 8 - 8", COMPUTE),
        ("x^2+5x+6", FACTOR),
        ("2x+1 > -5", INEQUALITY),
        ("(x-4)(x+7) = 0", QUADRATIC),
        ("6/8", LOWEST),
        ("(x+2)(x+3)", EXPAND),
        ("2x+3x+2", SIMPLIFY),
    ],
)
def test_the_question_itself_is_not_the_answer(raw, s):
    v = check_inline(raw, s)
    assert v.code == "restated" and not v.correct and v.valid
    assert v.feedback == "That is the question itself; carry out the steps."


@pytest.mark.parametrize(
    "raw,s,form",
    [
        ("-8x = 8", SOLVE_LINEAR, "solved"),
        ("x = 8/-8", SOLVE_LINEAR, "solved"),
        ("x + 1 = 0", SOLVE_LINEAR, "solved"),
        ("7 + 24 - 8", COMPUTE, "carried_out"),
        ("31 - 8", COMPUTE, "carried_out"),
        ("2x > -6", INEQUALITY, "solved"),
        ("x + 3 > 0", INEQUALITY, "solved"),
        ("{2+2, -7}", QUADRATIC, "solved"),
        ("(1+1, 3)", SYSTEM, "solved"),
        ("{2+2, -7}", spec("set", "{4, -7}", "compute"), "carried_out"),
        ("x(x+5) + 6", FACTOR, "factored"),
        ("x(x+2) + 3(x+2)", EXPAND, "expanded"),
        ("2x + 3x + 2 + 0", SIMPLIFY, "simplified"),
    ],
)
def test_work_not_carried_out_is_not_correct(raw, s, form):
    v = check_inline(raw, s)
    assert not v.correct and v.code == "wrong_form", (v.code, v.feedback)
    assert v.details["form"] == form


@pytest.mark.parametrize(
    "raw,s",
    [
        ("x = -1", SOLVE_LINEAR),
        ("-1", SOLVE_LINEAR),
        ("23", COMPUTE),
        ("(x+3)(x+2)", FACTOR),
        ("x > -3", INEQUALITY),
        ("-3 < x", INEQUALITY),
        ("(-3, oo)", INEQUALITY),
        ("{-7, 4}", QUADRATIC),
        ("x = 4 or x = -7", QUADRATIC),
        ("3/4", LOWEST),
        ("0.75", spec("number", "3/4", "compute")),
        ("x^2 + 5x + 6", EXPAND),
        ("5x + 2", SIMPLIFY),
        ("(2, 3)", SYSTEM),
        ("x = 2, y = 3", SYSTEM),
    ],
)
def test_the_solved_or_computed_answer_is_correct(raw, s):
    v = check_inline(raw, s)
    assert v.correct, (v.code, v.feedback)


def test_no_solution_and_all_real_numbers_are_solved_forms():
    assert check_inline("no solution", spec("equation", "x + 1 = x", "solve")).correct
    assert check_inline("all real numbers", spec("equation", "x + 1 = 1 + x", "solve")).correct
    assert not check_inline("no solution", spec("equation", "x = 2", "solve")).correct


def test_a_key_that_is_in_the_statement_is_not_a_restatement():
    # "Is x = 3 the solution?"-style items: the statement holds the key itself
    s = spec("equation", "x = 3", "solve", "x = 3")
    assert check_inline("x = 3", s).correct


def test_a_wrong_answer_stays_wrong_and_other_kinds_are_unaffected():
    assert check_inline("x = 2", SOLVE_LINEAR).code == "wrong"
    assert check_inline("24", COMPUTE).code in ("wrong", "close")
    assert check_inline("2x+2", spec("expression", "2(x+1)")).correct  # no task: any form


def test_task_and_given_are_validated():
    with pytest.raises(ValueError, match="task"):
        AnswerSpec.from_dict(spec("number", "1", "guess"))
    with pytest.raises(ValueError, match="given"):
        AnswerSpec.from_dict({"kind": "number", "key": ["1"], "options": {"given": "1+0"}})


@pytest.mark.parametrize(
    "text,task",
    [
        ("Solve $-8x - 3 = 5$.", "solve"),
        ("Use the quadratic formula to solve $x^2 = 2$.", "solve"),
        ("Factor $x^2+5x+6$ completely.", "factor"),
        ("Factor out the greatest common factor.", "factor"),
        ("Find the greatest common factor of 6 and 8.", None),
        ("Expand $(x+1)^2$.", "expand"),
        ("Multiply out $(x+1)(x+2)$.", "expand"),
        ("Simplify $2x + 3x$.", "simplify"),
        ("Evaluate $2^3$.", "compute"),
        ("Compute $7 + 3$.", "compute"),
        ("Write $\\frac{6}{8}$ in lowest terms.", "lowest_terms"),
        ("What is the slope of the line?", None),
        ("The solve button is broken", None),
    ],
)
def test_the_task_is_read_from_the_instruction(text, task):
    assert infer_task(text) == task


def test_statement_spans_become_given_and_are_no_longer_accepted():
    statement = r"Compute $7 + 3 \cdot 8 - 8$. Then check with $x = 2$ and $23$."
    assert math_spans(statement) == [r"7 + 3 \cdot 8 - 8", "x = 2", "23"]
    bare = {"kind": "number", "key": ["23"]}
    # without the loader's given, the sum is accepted: the hole this closes
    assert [a.span for a in accepted_spans(statement, bare)] == [r"7 + 3 \cdot 8 - 8", "23"]
    assert given_from_statement(statement, AnswerSpec.from_dict(bare)) == [
        r"7 + 3 \cdot 8 - 8",
        "x = 2",
    ]
    loaded = with_given(bare, statement)
    accepted = accepted_spans(statement, loaded)
    assert [(a.span, a.legitimate) for a in accepted] == [("23", True)]  # the key itself
