"""LineChecker / check_solution: good and bad worked solutions of every family."""

from __future__ import annotations

import pytest
import sympy as sp

from inference.steps.check import LineChecker, check_solution, split_line
from inference.steps.problems import read_problem

x, y = sp.symbols("x y")

GOOD = {
    "add integers": (
        r"Compute $-3 + (-7)$.",
        r"""Adding a negative number is subtracting ($-3 + (-7) = -10$): $-10$.
Answer: $\boxed{-10}$""",
    ),
    "multiply integers": (
        r"Compute $(-4) \cdot 9$.",
        r"""Multiply the absolute values and make it negative ($(-4) \cdot 9 = -36$): $-36$.
Answer: $\boxed{-36}$""",
    ),
    "divide integers": (
        r"Compute $-56 \div (-7)$.",
        r"""Like signs give a positive quotient ($-56 \div (-7) = 8$): $8$.
Answer: $\boxed{8}$""",
    ),
    "order of operations": (
        r"Compute $7 + 3 \cdot (-8) - 8$.",
        r"""Multiply first ($3 \cdot (-8) = -24$): $7 + (-24) - 8$.
Add and subtract from left to right ($7 + (-24) = -17$, $-17 - 8 = -25$): $-25$.
Answer: $\boxed{-25}$""",
    ),
    "lowest terms": (
        r"Write $\frac{12}{18}$ in lowest terms.",
        r"""Divide the top and the bottom by $6$ ($12 \div 6 = 2$, $18 \div 6 = 3$): $\frac{2}{3}$.
Answer: $\boxed{\frac{2}{3}}$""",
    ),
    "add fractions": (
        r"Compute $\frac{1}{4} + \frac{2}{3}$ and give the result in lowest terms.",
        r"""Rewrite both fractions over $12$ ($1 \cdot 3 = 3$, $2 \cdot 4 = 8$): $\frac{3}{12} + \frac{8}{12}$.
Add the numerators ($3 + 8 = 11$): $\frac{11}{12}$.
Answer: $\boxed{\frac{11}{12}}$""",
    ),
    "multiply fractions": (
        r"Compute $\frac{2}{3} \cdot \frac{3}{4}$ in lowest terms.",
        r"""Multiply the numerators and the denominators ($2 \cdot 3 = 6$, $3 \cdot 4 = 12$): $\frac{6}{12}$.
Divide the top and the bottom by $6$ ($6 \div 6 = 1$, $12 \div 6 = 2$): $\frac{1}{2}$.
Answer: $\boxed{\frac{1}{2}}$""",
    ),
    "decimals": (
        r"Compute $2.5 + 0.75$.",
        r"""Line up the decimal points ($2.5 + 0.75 = 3.25$): $3.25$.
Answer: $\boxed{3.25}$""",
    ),
    "like terms": (
        r"Simplify $3x + 5 - 7x + 2$.",
        r"""Combine like terms ($3x - 7x = -4x$, $5 + 2 = 7$): $-4x + 7$.
Answer: $\boxed{-4x + 7}$""",
    ),
    "distribute": (
        r"Expand $-3(x - 4)$.",
        r"""Multiply each term by $-3$ ($-3 \cdot x = -3x$, $-3 \cdot (-4) = 12$): $-3x + 12$.
Answer: $\boxed{-3x + 12}$""",
    ),
    "foil": (
        r"Expand $(x - 2)(x + 5)$.",
        r"""Multiply each term by each term ($x \cdot x = x^2$, $x \cdot 5 = 5x$, $-2 \cdot x = -2x$, $-2 \cdot 5 = -10$): $x^2 + 5x - 2x - 10$.
Combine like terms ($5x - 2x = 3x$): $x^2 + 3x - 10$.
Answer: $\boxed{x^2 + 3x - 10}$""",
    ),
    "factor": (
        r"Factor $x^2 + 3x - 10$.",
        r"""Find two numbers that multiply to $-10$ and add to $3$ ($-2 \cdot 5 = -10$, $-2 + 5 = 3$): $(x - 2)(x + 5)$.
Answer: $\boxed{(x - 2)(x + 5)}$""",
    ),
    "one step": (
        r"Solve $x - 7 = 5$.",
        r"""Add $7$ to both sides ($5 + 7 = 12$): $x = 12$.
Answer: $\boxed{x = 12}$""",
    ),
    "two step": (
        r"Solve $-8x - 3 = 5$.",
        r"""Add $3$ to both sides ($5 + 3 = 8$): $-8x = 8$.
Divide both sides by $-8$ ($8 \div (-8) = -1$): $x = -1$.
Answer: $\boxed{x = -1}$""",
    ),
    "both sides": (
        r"Solve $5x + 4 = 2x - 8$.",
        r"""Subtract $2x$ from both sides ($5x - 2x = 3x$): $3x + 4 = -8$.
Subtract $4$ from both sides ($-8 - 4 = -12$): $3x = -12$.
Divide both sides by $3$ ($-12 \div 3 = -4$): $x = -4$.
Answer: $\boxed{x = -4}$""",
    ),
    "inequality": (
        r"Solve $-3x + 4 < 10$.",
        r"""Subtract $4$ from both sides ($10 - 4 = 6$): $-3x < 6$.
Divide both sides by $-3$ and reverse the sign ($6 \div (-3) = -2$): $x > -2$.
Answer: $\boxed{x > -2}$""",
    ),
    "substitution": (
        r"Solve the system $y = 2x + 3$ and $3x + 2y = 13$. Give $(x, y)$.",
        r"""Substitute $y = 2x + 3$ into the second equation: $3x + 2(2x + 3) = 13$.
Expand ($2(2x + 3) = 4x + 6$): $3x + 4x + 6 = 13$.
Combine like terms ($3x + 4x = 7x$): $7x + 6 = 13$.
Subtract $6$ from both sides ($13 - 6 = 7$): $7x = 7$.
Divide both sides by $7$ ($7 \div 7 = 1$): $x = 1$.
Substitute $x = 1$ into the first equation ($2 \cdot 1 + 3 = 5$): $y = 5$.
Answer: $\boxed{(1, 5)}$""",
    ),
    "elimination": (
        r"Solve the system $x + 2y = 5$ and $3x - 2y = 7$. Give $(x, y)$.",
        r"""Add the two equations ($x + 3x = 4x$, $2y - 2y = 0$, $5 + 7 = 12$): $4x = 12$.
Divide both sides by $4$ ($12 \div 4 = 3$): $x = 3$.
Substitute $x = 3$ into the first equation: $3 + 2y = 5$.
Subtract $3$ from both sides ($5 - 3 = 2$): $2y = 2$.
Divide both sides by $2$ ($2 \div 2 = 1$): $x = 3 \text{ and } y = 1$.
Answer: $\boxed{(3, 1)}$""",
    ),
    "quadratic": (
        r"Solve $x^2 - 3x - 10 = 0$. Give every solution.",
        r"""Factor the left side ($(x + 2)(x - 5) = x^2 - 3x - 10$): $(x + 2)(x - 5) = 0$.
Set each factor equal to zero: $x + 2 = 0 \text{ or } x - 5 = 0$.
Solve each equation ($0 - 2 = -2$, $0 + 5 = 5$): $x = -2 \text{ or } x = 5$.
Answer: $\boxed{\{-2, 5\}}$""",
    ),
    "plain text statement": (
        "Solve 3*x - 2 = 7",
        r"""Add $2$ to both sides ($7 + 2 = 9$): $3x = 9$.
Divide both sides by $3$ ($9 \div 3 = 3$): $x = 3$.
Answer: $\boxed{x = 3}$<|end|>""",
    ),
}


@pytest.mark.parametrize("name", list(GOOD))
def test_good_solutions(name):
    statement, text = GOOD[name]
    problem = read_problem(statement)
    assert problem is not None
    rep = check_solution(problem, text)
    assert rep.first_error == "" and rep.first_error_line is None, rep.first_error
    assert rep.ok and rep.answer_ok and rep.all_steps_valid and rep.all_calcs_exact
    assert rep.steps_total == rep.steps_valid == text.count("\n")


def _first_error(statement: str, text: str):
    rep = check_solution(read_problem(statement), text)
    return rep, rep.first_error_line, rep.first_error


def test_wrong_calc():
    rep, line, reason = _first_error(
        r"Solve $-8x - 3 = 5$.",
        "Add $3$ to both sides ($5 + 3 = 9$): $-8x = 9$.\nAnswer: $\\boxed{x = -1}$",
    )
    assert (line, reason) == (1, "$5 + 3 = 9$ is wrong: it is $8$")
    assert not rep.all_calcs_exact and not rep.all_steps_valid and rep.answer_ok


def test_wrong_calc_in_algebra_and_decimals():
    _, line, reason = _first_error(
        r"Expand $(x - 2)(x + 5)$.",
        "Multiply ($(x - 2)(x + 5) = x^2 + 3x + 10$): $x^2 + 3x + 10$.",
    )
    assert reason == "$(x - 2)(x + 5) = x^2 + 3x + 10$ is wrong: it is $x^2 + 3x - 10$"
    _, _, reason = _first_error(r"Compute $2.5 + 0.75$.", "Add ($2.5 + 0.75 = 3.35$): $3.35$.")
    assert reason == "$2.5 + 0.75 = 3.35$ is wrong: it is $3.25$"


def test_state_that_does_not_follow():
    rep, line, reason = _first_error(
        r"Solve $-8x - 3 = 5$.",
        "Add $3$ to both sides ($5 + 3 = 8$): $-8x = 2$.\n"
        "Divide both sides by $-8$ ($2 \\div (-8) = -\\frac{1}{4}$): $x = -\\frac{1}{4}$.\n"
        "Answer: $\\boxed{x = -\\frac{1}{4}}$",
    )
    assert (line, reason) == (1, "$-8x = 2$ does not follow from $-8x - 3 = 5$")
    assert rep.all_calcs_exact and not rep.all_steps_valid and not rep.answer_ok
    assert rep.steps_total == 2 and rep.steps_valid == 0  # judged against the last valid state


def test_wrong_inequality_direction():
    rep, line, reason = _first_error(
        r"Solve $-3x + 4 < 10$.",
        "Subtract $4$ from both sides ($10 - 4 = 6$): $-3x < 6$.\n"
        "Divide both sides by $-3$ ($6 \\div (-3) = -2$): $x < -2$.\n"
        "Answer: $\\boxed{x < -2}$",
    )
    assert line == 2
    assert reason == (
        "$x < -2$ does not follow from $-3x < 6$: the inequality sign points the wrong way"
    )
    assert rep.verdicts[2].reason == "The answer $x < -2$ is wrong: it is $x > -2$"


def test_inequality_strictness_and_equation_instead_of_inequality():
    p = read_problem(r"Solve $-3x + 4 < 10$.")
    assert not check_solution(p, "Divide ($6 \\div (-3) = -2$): $x \\ge -2$.").all_steps_valid
    assert not check_solution(p, "Divide ($6 \\div (-3) = -2$): $x = -2$.").all_steps_valid
    assert check_solution(p, "Flip it: $-2 < x$.").all_steps_valid


@pytest.mark.parametrize(
    "statement, answer, reason",
    [
        (r"Solve $-8x - 3 = 5$.", "x = 1", "The answer $x = 1$ is wrong: it is $x = -1$"),
        (r"Compute $-3 + (-7)$.", "-4", "The answer $-4$ is wrong: it is $-10$"),
        (
            r"Solve $x^2 - 3x - 10 = 0$.",
            r"\{2, -5\}",
            r"The answer $\{2, -5\}$ is wrong: it is $\{-2, 5\}$",
        ),
        (
            r"Solve the system $y = 2x + 3$ and $3x + 2y = 13$. Give $(x, y)$.",
            "(5, 1)",
            "The answer $(5, 1)$ is wrong: it is $(1, 5)$",
        ),
        (
            r"Factor $x^2 + 3x - 10$.",
            "(x + 2)(x - 5)",
            "The answer $(x + 2)(x - 5)$ is wrong: it is $(x - 2)(x + 5)$",
        ),
        # right value, wrong form
        (
            r"Write $\frac{12}{18}$ in lowest terms.",
            r"\frac{6}{9}",
            r"The answer $\frac{6}{9}$ is right but it is not in lowest terms",
        ),
        (
            r"Compute $7 + 3 \cdot (-8) - 8$.",
            "7 - 24 - 8",
            "The answer $7 - 24 - 8$ is right but it should be a single number",
        ),
        (
            r"Factor $x^2 + 3x - 10$.",
            "x^2 + 3x - 10",
            "The answer $x^2 + 3x - 10$ is right but it is not fully factored",
        ),
        (
            r"Expand $(x - 2)(x + 5)$.",
            "x^2 + 5x - 2x - 10",
            "The answer $x^2 + 5x - 2x - 10$ is right but it is not expanded and simplified",
        ),
        (
            r"Expand $(x - 2)(x + 5)$.",
            "(x - 2)(x + 5)",
            "The answer $(x - 2)(x + 5)$ is right but it is not expanded and simplified",
        ),
        (
            r"Simplify $3x + 5 - 7x + 2$.",
            "3x - 7x + 7",
            "The answer $3x - 7x + 7$ is right but it is not fully simplified",
        ),
        (
            r"Solve $-8x - 3 = 5$.",
            "-8x = 8",
            "The answer $-8x = 8$ is not an answer: the answer should say what $x$ is",
        ),
    ],
)
def test_wrong_answers(statement, answer, reason):
    v = LineChecker(read_problem(statement)).check_line(f"Answer: $\\boxed{{{answer}}}$")
    assert (v.ok, v.kind, v.reason) == (False, "answer", reason)


@pytest.mark.parametrize(
    "statement, answer",
    [
        (r"Solve $-8x - 3 = 5$.", "x = -1"),
        (r"Solve $-8x - 3 = 5$.", "-1"),
        (r"Solve $-8x - 3 = 5$.", "-1 = x"),
        (r"Solve $-3x + 4 < 10$.", "x > -2"),
        (r"Solve $-3x + 4 < 10$.", "-2 < x"),
        (r"Solve $x^2 - 3x - 10 = 0$.", r"\{5, -2\}"),
        (r"Solve $x^2 - 3x - 10 = 0$.", r"x = -2 \text{ or } x = 5"),
        (r"Solve $x + 5 = x + 6$.", r"\text{no solution}"),
        (r"Solve the system $y = 2x + 3$ and $3x + 2y = 13$.", r"x = 1 \text{ and } y = 5"),
        (r"Compute $\frac{2}{3} \cdot \frac{3}{4}$ in lowest terms.", "0.5"),
        (r"Factorise $2x^2 + 6x$.", "2x(x + 3)"),
        (r"Factor $-x^2 + 5x - 6$.", "-(x - 2)(x - 3)"),
        (r"Simplify $3a + 2b - a + 4b$.", "2a + 6b"),
    ],
)
def test_right_answers_in_other_forms(statement, answer):
    v = LineChecker(read_problem(statement)).check_line(f"Answer: $\\boxed{{{answer}}}$")
    assert v.ok, v.reason


def test_systems_and_quadratics():
    system = read_problem(r"Solve the system $y = 2x + 3$ and $3x + 2y = 13$. Give $(x, y)$.")
    c = LineChecker(system)
    v = c.check_line("Substitute: $3x + 2(2x + 3) = 13$.")
    assert v.ok and isinstance(v.state, sp.Eq)
    v = c.check_line("Expand ($2(2x + 3) = 4x + 6$): $3x + 4x + 6 = 14$.")
    assert v.reason == "$3x + 4x + 6 = 14$ does not follow from $3x + 2(2x + 3) = 13$"
    v = c.check_line(r"Restate: $y = 2x + 3 \text{ and } x = 1$.")
    assert v.ok and isinstance(v.state, list) and len(v.state) == 2
    assert not c.check_line(r"Restate: $y = 2x + 3 \text{ and } x = 2$.").ok
    assert not c.check_line("Guess: $x < 3$.").ok  # an inequality is not a system's step

    quad = read_problem(r"Solve $x^2 - 3x - 10 = 0$. Give every solution.")
    c = LineChecker(quad)
    assert c.check_line(r"Zero product: $x + 2 = 0 \text{ or } x - 5 = 0$.").ok
    v = c.check_line(r"Solve each ($0 - 2 = -2$, $0 + 5 = 5$): $x = -2 \text{ or } x = -5$.")
    assert v.reason == (
        r"$x = -2 \text{ or } x = -5$ does not follow from $x + 2 = 0 \text{ or } x - 5 = 0$"
    )
    assert not c.check_line("One root: $x = -2$.").ok  # a solution lost


def test_unreadable_and_other_lines():
    c = LineChecker(read_problem(r"Solve $-8x - 3 = 5$."))
    v = c.check_line("Add three to both sides.")
    assert (v.ok, v.kind) == (False, "text") and v.reason.startswith("cannot read this line")
    v = c.check_line("Add $3$ to both sides ($5 + 3 = 8$): $-8x = = 8$.")
    assert (v.ok, v.kind, v.reason) == (False, "step", "cannot read the state $-8x = = 8$")
    v = c.check_line("Add $3$ ($5 + = 8$): $-8x = 8$.")
    assert v.reason.startswith("cannot read the calculation $5 + = 8$") and not v.calcs_ok
    v = c.check_line("Add $3$ ($5 + 3$): $-8x = 8$.")
    assert v.reason.startswith("cannot read the calculation $5 + 3$")
    v = c.check_line("Add $3$ to both sides ($5 + 3 = 8$): $-8x = 8")  # `$` not closed
    assert not v.ok
    assert c.check_line("   ").ok  # blank lines are skipped
    v = c.check_line("Answer: x = -1")
    assert (v.ok, v.kind) == (False, "answer") and v.reason.startswith("cannot read the answer")
    v = c.check_line(r"Answer: $\boxed{x = }$")
    assert v.reason == "cannot read the answer $x =$"
    v = c.check_line("Done: $x = -1$.")
    assert (v.ok, v.reason) == (False, "there is text after the answer line")


def test_expression_states():
    c = LineChecker(read_problem(r"Compute $7 + 3 \cdot (-8) - 8$."))
    assert c.check_line(r"Multiply first ($3 \cdot (-8) = -24$): $7 + (-24) - 8$.").ok
    v = c.check_line(r"Add ($7 + (-24) = -17$, $-17 - 8 = -25$): $-24$.")
    assert v.reason == "$-24$ does not follow from $7 + (-24) - 8$"
    v = c.check_line("Write it as an equation: $x = -25$.")
    assert v.reason == "$x = -25$ should be an expression, not an equation"
    c = LineChecker(read_problem(r"Solve $x - 7 = 5$."))
    assert c.check_line("Just a number: $12$.").reason == (
        "$12$ should be an equation or an inequality"
    )
    assert not c.check_line("A new letter: $x + y = 12 + y$.").ok


def test_report_without_answer():
    rep = check_solution(read_problem(r"Solve $x - 7 = 5$."), "Add ($5 + 7 = 12$): $x = 12$.")
    assert rep.all_steps_valid and not rep.has_answer and not rep.answer_ok and not rep.ok
    assert rep.first_error == "the solution has no answer line"


def test_split_line():
    p = split_line(r"Multiply first ($3 \cdot (-8) = -24$, $7 + (-24) = -17$): $-17 - 8$.")
    assert (p.kind, p.phrase, p.state) == ("step", "Multiply first", "-17 - 8")
    assert p.calcs == [r"3 \cdot (-8) = -24", "7 + (-24) = -17"]
    p = split_line(r"Substitute $y = 2x + 3$ into the second equation: $3x + 2(2x + 3) = 13$.")
    assert (p.phrase, p.calcs) == ("Substitute $y = 2x + 3$ into the second equation", [])
    p = split_line(r"Add $3$ to both sides ($5 + 3 = 8$): $-8x = 8$.")
    assert (p.phrase, p.calcs, p.state) == ("Add $3$ to both sides", ["5 + 3 = 8"], "-8x = 8")
    assert split_line(r"Answer: $\boxed{\{-2, 5\}}$<|end|>").state == r"\{-2, 5\}"
    assert split_line("").kind == "text" and not split_line("").error
