"""The CAS corrects a miscopied number (steps.repair) and writes planned lines (steps.plans)."""

from __future__ import annotations

import pytest

from inference.steps.check import LineChecker
from inference.steps.plans import (
    answer_line,
    arithmetic_line,
    both_sides_line,
    distribute_line,
    elimination_line,
    factor_line,
    foil_line,
    linear_line,
    lowest_terms_line,
    off_plan_multiplier,
    quadratic_line,
    substitute_back_line,
    zero_product_line,
)
from inference.steps.problems import read_problem
from inference.steps.repair import repair_step

SYSTEM = "Solve the system $x + y = 6$ and $3x - y = 14$. Give $(x, y)$."
SYSTEM_START = r"x + y = 6 \text{ and } 3x - y = 14"


@pytest.mark.parametrize(
    ("statement", "previous", "line", "repaired"),
    [
        # The carried-over constant miscopied when the variable term moves.
        (
            "Find $x$ if $-12x + 9 = 8x + 209$.",
            "-12x + 9 = 8x + 209",
            "Subtract $8x$ from both sides ($-12x - 8x = -20x$): $-20x + 9 = 142$.",
            "Subtract $8x$ from both sides ($-12x - 8x = -20x$): $-20x + 9 = 209$.",
        ),
        (
            "Solve $11x + 17 = 187 - 6x$.",
            "11x + 17 = 187 - 6x",
            "Add $6x$ to both sides ($11x + 6x = 17x$): $17x + 17 = 195$.",
            "Add $6x$ to both sides ($11x + 6x = 17x$): $17x + 17 = 187$.",
        ),
        # The CALC was right, the STATE did not use its result (the sign kept).
        (
            "Find $x$ if $-12x + 9 = 8x + 209$.",
            "9 = 20x + 209",
            "Subtract $209$ from both sides ($9 - 209 = -200$): $-54 = 20x$.",
            "Subtract $209$ from both sides ($9 - 209 = -200$): $-200 = 20x$.",
        ),
        # A CALC copied its operand wrong (215 for the 209 of the previous line): the operand
        # set right, the RESULT worked out again, the STATE to match.
        (
            "Find $x$ if $-12x + 9 = 8x + 209$.",
            "9 = 20x + 209",
            "Subtract $209$ from both sides ($9 - 215 = -206$): $-206 = 20x$.",
            "Subtract $209$ from both sides ($9 - 209 = -200$): $-200 = 20x$.",
        ),
        (
            "Find $x$ if $-12x + 9 = 8x + 209$.",
            "-20x + 9 = 209",
            "Subtract $9$ from both sides ($205 - 9 = 196$): $-20x = 196$.",
            "Subtract $9$ from both sides ($209 - 9 = 200$): $-20x = 200$.",
        ),
        # Like terms: the operation fixes every term, so the CAS writes the line out.
        (
            "Collect like terms in -7p - 6p + 7p - 7.",
            "-7p - 6p + 7p - 7",
            "Combine the $p$ terms ($-7p - 6p - 7p = -20p$): $-20p - 7$.",
            "Combine the $p$ terms ($-7p - 6p + 7p = -6p$): $-6p - 7$.",
        ),
        (
            "Write 5t+8s+7s+5t+8s+10 in simplest form.",
            "5t+8s+7s+5t+8s+10",
            "Group like terms: $-8s + 8s + 5t + 7t + 5t + 5$.",
            "Group like terms: $8s + 7s + 8s + 5t + 5t + 10$.",
        ),
        (
            "Collect like terms in 9x + 5y - 7 + 9y + 8x - 7x - 12.",
            "10x + 14y - 7 - 12",
            "Combine the constants ($-7 - 12 = -5$): $10x + 14y - 5$.",
            "Combine the constants ($-7 - 12 = -19$): $10x + 14y - 19$.",
        ),
        # Fraction steps whose numbers the operation fixes: written out by the CAS.
        (
            "Compute $\\frac{5}{6} + \\frac{1}{2}$ and give the result as a fraction.",
            "\\frac{5}{6} + \\frac{1}{2}",
            "Write $\\frac{1}{2}$ with denominator $6$ ($1 \\cdot 2 = 2$): "
            "$\\frac{5}{6} + \\frac{2}{6}$.",
            "Write $\\frac{1}{2}$ with denominator $6$ ($1 \\cdot 3 = 3$): "
            "$\\frac{5}{6} + \\frac{3}{6}$.",
        ),
        (
            "Find $\\frac{11}{12} \\div \\frac{4}{5}$ and simplify.",
            "\\frac{11}{12} \\div \\frac{4}{5}",
            "Multiply by the reciprocal of $\\frac{4}{5}$: $\\frac{11}{12} \\cdot \\frac{5}{11}$.",
            "Multiply by the reciprocal of $\\frac{4}{5}$: $\\frac{11}{12} \\cdot \\frac{5}{4}$.",
        ),
        (
            "Compute $(2/3)/(8/11)$ in lowest terms.",
            "\\frac{2}{3} \\cdot \\frac{11}{8}",
            "Multiply the numerators and the denominators ($2 \\cdot 11 = 22$, $3 \\cdot 1 = 3$): "
            "$\\frac{22}{3}$.",
            "Multiply the numerators and the denominators ($2 \\cdot 11 = 22$, $3 \\cdot 8 = 24$): "
            "$\\frac{22}{24}$.",
        ),
        # Inequalities: the same, relation kept.
        (
            "Solve $3x + 4 > 2x + 9$.",
            "3x + 4 > 2x + 9",
            "Subtract $2x$ from both sides ($3x - 2x = x$): $x + 4 > 5$.",
            "Subtract $2x$ from both sides ($3x - 2x = x$): $x + 4 > 9$.",
        ),
        # Systems: one equation multiplied, and the equations added.
        (
            SYSTEM,
            SYSTEM_START,
            r"Multiply the second equation by $2$ ($2(3x - y) = 6x - 2y$, $2 \cdot 14 = 28$): "
            r"$x + y = 6 \text{ and } 6x - 2y = 24$.",
            r"Multiply the second equation by $2$ ($2(3x - y) = 6x - 2y$, $2 \cdot 14 = 28$): "
            r"$x + y = 6 \text{ and } 6x - 2y = 28$.",
        ),
        (
            SYSTEM,
            SYSTEM_START,
            r"Add the equations ($(x + y) + (3x - y) = 4x$, $6 + 14 = 20$): $4x = 21$.",
            r"Add the equations ($(x + y) + (3x - y) = 4x$, $6 + 14 = 20$): $4x = 20$.",
        ),
    ],
)
def test_a_miscopied_number_is_corrected_and_the_line_then_checks_out(
    statement, previous, line, repaired
):
    problem = read_problem(statement)
    assert not LineChecker(problem).check_line(line).ok
    assert repair_step(problem, previous, line) == repaired
    assert LineChecker(problem).check_line(repaired).ok


@pytest.mark.parametrize(
    ("statement", "previous", "line"),
    [
        # Sides swapped against the operation: equivalent numbers exist, but the line would
        # still not say what subtracting 6n gives.
        (
            "Solve $6n+17=9n+11$.",
            "6n+17=9n+11",
            "Subtract $6n$ from both sides ($9n - 6n = 3n$): $3n + 17 = 11$.",
        ),
        # The phrase's operation does not lead to the STATE's shape (a new letter), and the
        # CALC does not belong to the phrase: no number to correct.
        (
            "Find $x$ if $-12x + 9 = 8x + 209$.",
            "9 = 20x + 209",
            "Add $264$ to both sides ($9 + 215 = 224$): $b = 224$.",
        ),
        # Numbers that would make it right appear nowhere in the line or the previous one.
        (
            "Find $x$ if $-12x + 9 = 8x + 209$.",
            "-20x + 9 = 209",
            "Divide both sides by $-20$ ($209 \\div (-20) = -\\frac{209}{20}$): $x + 9 = 11$.",
        ),
        # A wrong term, not a wrong number.
        (
            "Find $x$ if $-12x + 9 = 8x + 209$.",
            "-12x + 9 = 8x + 209",
            "Subtract $8x$ from both sides ($-12x - 8x = -20x$): $-20x + 9 = 8x + 209$.",
        ),
        # The line is right: nothing to correct.
        (
            "Solve $11x + 17 = 187 - 6x$.",
            "11x + 17 = 187 - 6x",
            "Add $6x$ to both sides ($11x + 6x = 17x$): $17x + 17 = 187$.",
        ),
        # Nothing to group (already grouped), or a single term of that letter to combine.
        (
            "Collect like terms in 9x + 5y - 7 + 9y + 8x - 7x - 12.",
            "9x + 8x - 7x + 5y + 9y - 7 - 12",
            "Group like terms: $9x + 8x + 7x + 5y + 9y - 7 - 12$.",
        ),
        (
            "Collect like terms in 9x + 5y - 7 + 9y + 8x - 7x - 12.",
            "10x + 5y + 9y - 7 - 12",
            "Combine the $x$ terms ($10x + 5x = 15x$): $15x + 5y + 9y - 7 - 12$.",
        ),
        # A denominator the fractions do not both divide: no rewrite.
        (
            "Compute $\\frac{5}{6} + \\frac{1}{2}$ and give the result as a fraction.",
            "\\frac{5}{6} + \\frac{1}{2}",
            "Write both fractions with denominator $8$ ($5 \\cdot 2 = 10$, $1 \\cdot 4 = 4$): "
            "$\\frac{10}{8} + \\frac{4}{8}$.",
        ),
        # Model text that is not a step.
        ("Solve $11x + 17 = 187 - 6x$.", "11x + 17 = 187 - 6x", "Add $6x$ to both"),
    ],
)
def test_no_correction_where_a_number_is_not_the_slip(statement, previous, line):
    assert repair_step(read_problem(statement), previous, line) is None


def test_a_step_gone_back_on_is_left_out_of_the_explanations_working():
    from inference.steps.check import BACKTRACK_NOTE
    from inference.verify import explanation_lines

    text = (
        "Multiply the second equation by $2$ ($2(3x - y) = 6x - 2y$, $2 \\cdot 14 = 28$): "
        "$x + y = 6 \\text{ and } 6x - 2y = 28$.\n"
        f"{BACKTRACK_NOTE}\n"
        "Add the equations ($(x + y) + (3x - y) = 4x$, $6 + 14 = 20$): $4x = 20$.\n"
        "Answer: $\\boxed{(5, 1)}$"
    )
    assert explanation_lines(text) == ["4x = 20", "(5, 1)"]


# ---------------------------------------------------------------- lines the CAS plans


def _same_as_training(family: str, plan, count: int = 150) -> tuple[int, int]:
    """How many of the training data's lines the planner writes identically, where it writes
    one (the model goes on from them as from its own)."""
    import random

    from inference.steps.check import split_line
    from inference.training import data

    rng = random.Random(5)
    same = total = 0
    for _ in range(count):
        ex = data.GENERATORS[family](rng)
        problem = read_problem(ex.prompt)
        previous = ex.start
        for line in ex.solution.splitlines()[:-1]:
            planned = plan(problem, previous)
            if planned is not None:
                total += 1
                same += planned == line
            previous = split_line(line).state
    return same, total


@pytest.mark.parametrize(
    ("family", "plan", "at_least"),
    [
        ("one-step", linear_line, 1.0),
        ("two-step", linear_line, 1.0),
        ("both-sides", linear_line, 1.0),
        # The data gathers the unknown on the right in about 1 of 6; the CAS always on the left.
        ("both-sides", both_sides_line, 0.8),
        ("inequality", linear_line, 1.0),
        ("foil", foil_line, 1.0),
        ("factor", factor_line, 1.0),
        ("mixed-operations", arithmetic_line, 1.0),
        # The data sometimes divides by a prime factor first; the CAS by the greatest at once.
        ("lowest-terms", lowest_terms_line, 0.6),
        ("solve-quadratic", quadratic_line, 1.0),
        ("solve-quadratic", zero_product_line, 1.0),
        ("substitution", substitute_back_line, 1.0),
        ("factor", quadratic_line, 1.0),
        ("distribute", distribute_line, 1.0),
        ("distribute-collect", distribute_line, 1.0),
        # Where both unknowns are ready, it combines at once; the data sometimes multiplies first.
        ("elimination", elimination_line, 0.95),
    ],
)
def test_planned_lines_are_the_training_datas_own(family, plan, at_least):
    same, total = _same_as_training(family, plan)
    assert total > 50 and same >= at_least * total, (same, total)


def test_planned_lines_pass_the_checker_from_any_reachable_state():
    problem = read_problem("Solve the system $4x - 5y = -27$ and $7x + 6y = 56$.")
    state = problem.start_latex
    seen = []
    for _ in range(6):
        line = elimination_line(problem, state) or linear_line(problem, state)
        if line is None:
            break
        assert LineChecker(problem).check_line(line).ok, line
        seen.append(line.split(" (")[0])
        state = line.rsplit("$", 2)[-2]
    assert seen[:3] == [
        "Multiply the first equation by $7$",
        "Multiply the second equation by $4$",
        "Subtract the second equation from the first",
    ]
    assert seen[3] == "Divide both sides by $-59$"


@pytest.mark.parametrize(
    ("statement", "state", "line"),
    [
        ("Find $x$ if $-\\frac{x}{1} = 23$.", "x = -23", "Answer: $\\boxed{x = -23}$"),
        ("Simplify $\\frac{6}{11} + \\frac{7}{10}$.", "\\frac{137}{110}", None),
        (
            "Compute $\\frac{1}{2} + \\frac{1}{4}$.",
            "\\frac{3}{4}",
            "Answer: $\\boxed{\\frac{3}{4}}$",
        ),
        ("Solve $2x + 1 = 7$.", "2x = 6", None),  # not solved yet
        ("Solve $4 < -y$.", "-4 > y", "Answer: $\\boxed{-4 > y}$"),  # the key reads it
    ],
)
def test_the_answer_line_copies_a_final_state_only(statement, state, line):
    problem = read_problem(statement)
    if line is None and state == "\\frac{137}{110}":
        line = "Answer: $\\boxed{\\frac{137}{110}}$"
    assert answer_line(problem, state) == line


def test_planned_lines_follow_the_solution_from_a_models_state():
    problem = read_problem("Expand and simplify $\\left(-w - 9\\right)\\left(-w + 9\\right)$.")
    first = foil_line(problem, problem.start_latex)
    assert first.startswith("Multiply each term of the first bracket by each term of the second")
    assert "$-9 \\cdot (-w) = 9w$" in first and first.endswith("$w^2 - 9w + 9w - 81$.")
    second = foil_line(problem, "w^2 - 9w + 9w - 81")
    assert second == "Combine like terms ($-9w + 9w = 0$): $w^2 - 81$."
    factor = read_problem("Factor $5x^2 - 85x + 350$.")
    assert factor_line(factor, factor.start_latex) == (
        "Factor out the common factor $5$ ($(5x^2 - 85x + 350) \\div 5 = x^2 - 17x + 70$): "
        "$5(x^2 - 17x + 70)$."
    )
    assert factor_line(factor, "5(x^2 - 17x + 70)").endswith(": $5(x - 7)(x - 10)$.")
    mixed = read_problem("What is 4 * 1 - 7 * (-3)?")
    assert arithmetic_line(mixed, mixed.start_latex) == (
        "Multiply first ($4 \\cdot 1 = 4$): $4 - 7 \\cdot (-3)$."
    )
    decimals = read_problem("Solve the equation -18.4=2.5*x+1.6.")
    assert linear_line(decimals, decimals.start_latex) == (
        "Subtract $1.6$ from both sides ($-18.4 - 1.6 = -20$): $-20 = 2.5x$."
    )
    for each in (problem, factor, mixed, decimals):
        line = (
            foil_line(each, each.start_latex)
            or factor_line(each, each.start_latex)
            or arithmetic_line(each, each.start_latex)
            or linear_line(each, each.start_latex)
        )
        assert LineChecker(each).check_line(line).ok, line


def test_a_sum_over_a_larger_common_denominator_is_brought_to_lowest_terms():
    problem = read_problem("Simplify $\\frac{2}{3} + \\frac{8}{9}$.")
    line = lowest_terms_line(problem, "\\frac{42}{27}")
    assert line == (
        "Divide the numerator and the denominator by their greatest common factor $3$ "
        "($42 \\div 3 = 14$, $27 \\div 3 = 9$): $\\frac{14}{9}$."
    )
    assert LineChecker(problem).check_line(line).ok  # the same value as the problem
    assert lowest_terms_line(problem, "-\\frac{6}{8}").endswith(": $-\\frac{3}{4}$.")
    assert lowest_terms_line(problem, "\\frac{14}{9}") is None  # already in lowest terms


def test_a_factored_quadratic_is_solved_factor_by_factor_and_only_once_factored():
    problem = read_problem("Solve $(x - 4)(x + 7) = 0$. Give every solution.")
    first = zero_product_line(problem, problem.start_latex)
    assert first == "Set each factor equal to zero: $x + 7 = 0 \\text{ or } x - 4 = 0$."
    second = zero_product_line(problem, "x + 7 = 0 \\text{ or } x - 4 = 0")
    assert second == (
        "Solve each equation ($0 - 7 = -7$, $0 + 4 = 4$): $x = -7 \\text{ or } x = 4$."
    )
    for line in (first, second):
        assert LineChecker(problem).check_line(line).ok, line
    unfactored = read_problem("Solve $x^2 + 3x - 28 = 0$.")
    assert zero_product_line(unfactored, unfactored.start_latex) is None  # factor it first
    linear = read_problem("Solve $2x + 1 = 11$.")
    assert zero_product_line(linear, linear.start_latex) is None


def test_a_system_by_substitution_finds_the_second_unknown_then_answers_the_pair():
    problem = read_problem("Solve the system $x = 3y - 6$ and $3x - 3y = 6$. Give $(x, y)$.")
    line = substitute_back_line(problem, "y = 4")
    assert line == "Substitute $y = 4$ into $x = 3y - 6$ ($3 \\cdot 4 - 6 = 6$): $x = 6$."
    assert LineChecker(problem).check_line(line).ok
    assert answer_line(problem, "x = 6") == "Answer: $\\boxed{(6, 4)}$"
    assert substitute_back_line(problem, "y = 5") is None  # not the system's value
    assert answer_line(problem, "x = 5") is None


def test_other_authors_ways_of_writing_a_bracket_or_a_fraction_are_planned_too():
    bracket_first = read_problem(
        "Use the distributive property to expand $(36 + 4h) \\cdot \\frac{1}{4}$."
    )
    assert distribute_line(bracket_first, bracket_first.start_latex) == (
        "Multiply each term in the brackets by $\\frac{1}{4}$ ($\\frac{1}{4} \\cdot 36 = 9$, "
        "$\\frac{1}{4} \\cdot 4h = h$): $9 + h$."
    )
    plain = read_problem("Find -3/5-3/8 in lowest terms.")
    wrong = (
        "Write both fractions with denominator $40$ ($-3 \\cdot 4 = -12$, $3 \\cdot 5 = 15$): "
        "$-\\frac{12}{40} - \\frac{15}{40}$."
    )
    assert repair_step(plain, plain.start_latex, wrong) == (
        "Write both fractions with denominator $40$ ($-3 \\cdot 8 = -24$, $3 \\cdot 5 = 15$): "
        "$-\\frac{24}{40} - \\frac{15}{40}$."
    )


def test_a_multiplier_that_lines_up_no_unknown_is_off_plan():
    problem = read_problem("Solve the system $x + y = 6$ and $3x - y = 14$. Give $(x, y)$.")
    off = (
        "Multiply the second equation by $2$ ($2(3x - y) = 6x - 2y$, $2 \\cdot 14 = 28$): "
        "$x + y = 6 \\text{ and } 6x - 2y = 28$."
    )
    on = (
        "Multiply the first equation by $3$ ($3(x + y) = 3x + 3y$, $3 \\cdot 6 = 18$): "
        "$3x + 3y = 18 \\text{ and } 3x - y = 14$."
    )
    assert off_plan_multiplier(problem, problem.start_latex, off)
    assert not off_plan_multiplier(problem, problem.start_latex, on)


def test_no_plan_for_states_outside_the_rules():
    inequality = read_problem("Solve $3x - 7 < 8$.")
    assert linear_line(inequality, "x < 5") is None  # solved: nothing left to plan
    assert linear_line(inequality, "3x^2 - 7 < 8") is None  # not linear
    both_sides = read_problem("Solve $3x - 7 = x + 1$.")
    assert linear_line(both_sides, "3x - 7 = x + 1") is None  # the unknown on both sides
    foil = read_problem("Expand $(x + 2)(x - 5)$.")
    assert foil_line(foil, "x^2 - 3x - 10") is None  # not a state of its solution
    assert factor_line(read_problem("Factor $3x^2 + 2x - 1$."), "3x^2 + 2x - 1") is None
    irreducible = read_problem("Factor $x^2 + x + 1$.")
    assert irreducible is None or quadratic_line(irreducible, "x^2 + x + 1") is None


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (" bracket by $8$ ($8 \\cdot 12 = 96$): $k^2 + 16k + 60 = 0$.", "does not say"),
        # True maths under a phrase the tutor never learnt, or with a line's debris inside it.
        ("Write both sides by $16$ ($0 \\cdot 6k = 0$): $(k + 6)(k + 10) = 0$.", "does not say"),
        (
            "Subtract $60$ from both sides ($60 - 60 = 0$): $k^2 + 16k = Add$ both sides "
            "($60 - 60 = 0$): $k^2 + 16k = -60$.",
            "does not say",
        ),
        (
            "Multiply both sides by $16$ ($0 \\cdot 6k = 0$): $k^2 + 16k + 60 = 0$.",
            "changes nothing",
        ),
    ],
)
def test_a_line_that_rambles_or_changes_nothing_is_rejected(line, reason):
    problem = read_problem("Solve for $k$: $k^2 + 16k + 60 = 0$.")
    checker = LineChecker(problem, phrasebook=True)  # as the engine checks the model's lines
    checker.prev_latex = "k^2 + 16k + 60 = 0"
    verdict = checker.check_line(line)
    assert not verdict.ok and reason in verdict.reason


def test_after_a_note_the_whole_solution_check_goes_on_from_the_line_before():
    from inference.steps.check import BACKTRACK_NOTE, check_solution

    problem = read_problem("Solve $2x + 4 = 10$.")
    text = (
        "Add $-4$ to both sides ($10 + (-4) = 6$): $2x = 6$.\n"
        f"{BACKTRACK_NOTE}\n"
        "Subtract $4$ from both sides ($10 - 4 = 6$): $2x = 6$.\n"
        "Divide both sides by $2$ ($6 \\div 2 = 3$): $x = 3$.\n"
        "Answer: $\\boxed{x = 3}$"
    )
    report = check_solution(problem, text)
    assert report.ok and report.steps_total == 3


@pytest.mark.parametrize(
    ("statement", "line"),
    [
        (
            "Simplify $9x - 6(-x + 11)$ by distributing and combining like terms.",
            "Multiply each term in the brackets by $-6$ ($-6 \\cdot (-x) = 6x$, "
            "$-6 \\cdot 11 = -66$): $9x + 6x - 66$.",
        ),
        (
            "Simplify the expression $-15 + 2d - (-d + 4)$.",
            "Multiply each term in the brackets by $-1$ ($-1 \\cdot (-d) = d$, "
            "$-1 \\cdot 4 = -4$): $-15 + 2d + d - 4$.",
        ),
    ],
)
def test_distributing_is_written_with_every_sign_right(statement, line):
    problem = read_problem(statement)
    assert distribute_line(problem, problem.start_latex) == line
    # The model's own line with a sign miscopied is replaced by it.
    wrong = line.replace("9x + 6x", "9x - 6x").replace("2d + d", "2d - d")
    assert repair_step(problem, problem.start_latex, wrong) == line
