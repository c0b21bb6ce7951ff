"""read_problem: the statements of the covered families, in varied notation, and None for
everything else."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sympy as sp
import yaml

from curriculum.answers import check_inline
from curriculum.generate import instantiate
from inference.steps.check import answer_latex, check_solution
from inference.steps.problems import ProblemState, read_problem

x, y, k, a, b, e = sp.symbols("x y k a b e")
COURSE = Path(__file__).resolve().parents[2] / "curriculum" / "demo" / "course.yaml"


# One instance of every demo template, rendered by hand from the yaml.
@pytest.mark.parametrize(
    "statement, task, start, solution",
    [
        (r"Compute $-3 + (-7)$.", "compute", -10, None),
        (r"Compute $(-4) \cdot 9$.", "compute", -36, None),
        (r"Compute $-56 \div (-7)$.", "compute", 8, None),
        (r"Compute $7 + 3 \cdot (-8) - 8$.", "compute", -25, None),
        (r"Write $\frac{12}{18}$ in lowest terms.", "lowest_terms", sp.Rational(2, 3), None),
        (
            r"Compute $\frac{1}{4} + \frac{2}{3}$ and give the result in lowest terms.",
            "compute",
            sp.Rational(11, 12),
            None,
        ),
        (
            r"Compute $\frac{2}{3} \cdot \frac{3}{4}$ in lowest terms.",
            "compute",
            sp.Rational(1, 2),
            None,
        ),
        (r"Simplify $3x + 5 - 7x + 2$.", "simplify", 7 - 4 * x, None),
        (r"Expand $-3(x - 4)$.", "expand", 12 - 3 * x, None),
        (r"Solve $x - 7 = 5$.", "solve", sp.Eq(x - 7, 5), {12}),
        (r"Solve $-8x - 3 = 5$.", "solve", sp.Eq(-8 * x - 3, 5), {-1}),
        (r"Solve $5x + 4 = 2x - 8$.", "solve", sp.Eq(5 * x + 4, 2 * x - 8), {-4}),
        (r"Solve $-3x + 4 < 10$.", "solve", sp.Lt(-3 * x + 4, 10), sp.Interval.open(-2, sp.oo)),
        (r"Solve $2x - 5 < 3$.", "solve", sp.Lt(2 * x - 5, 3), sp.Interval.open(-sp.oo, 4)),
        (
            r"Solve the system $y = -2x + 3$ and $2x - 3y = 7$. Give $(x, y)$.",
            "solve_system",
            [sp.Eq(y, -2 * x + 3), sp.Eq(2 * x - 3 * y, 7)],
            {x: 2, y: -1},
        ),
        (
            r"Solve the system $2x + 3y = 7$ and $x - 2y = 0$. Give $(x, y)$.",
            "solve_system",
            [sp.Eq(2 * x + 3 * y, 7), sp.Eq(x - 2 * y, 0)],
            {x: 2, y: 1},
        ),
        (r"Expand $(x - 2)(x + 5)$.", "expand", (x - 2) * (x + 5), None),
        (r"Factor $x^2 + 3x - 10$.", "factor", x**2 + 3 * x - 10, None),
        (
            r"Solve $x^2 - 3x - 10 = 0$. Give every solution.",
            "solve",
            sp.Eq(x**2 - 3 * x - 10, 0),
            {-2, 5},
        ),
        (
            r"Solve $(x - 4)(x + 7) = 0$. Give every solution.",
            "solve",
            sp.Eq((x - 4) * (x + 7), 0),
            {4, -7},
        ),
    ],
)
def test_demo_statements(statement, task, start, solution):
    p = read_problem(statement)
    assert isinstance(p, ProblemState)
    assert p.task == task
    if isinstance(start, list):
        assert [sp.expand(r.lhs - r.rhs) for r in p.start] == [
            sp.expand(r.lhs - r.rhs) for r in start
        ]
    elif isinstance(start, sp.Rel):
        assert type(p.start) is type(start)
        assert sp.expand(p.start.lhs - p.start.rhs - (start.lhs - start.rhs)) == 0
    else:
        assert sp.expand(p.start - start) == 0
    if isinstance(solution, set):
        assert p.solution == sp.FiniteSet(*solution)
    elif solution is not None:
        assert p.solution == solution
    else:
        assert p.solution is None


@pytest.mark.parametrize(
    "statement, task, solution",
    [
        ("Solve 3*x - 2 = 7", "solve", sp.FiniteSet(3)),
        ("Solve 3x - 2 = 7 for x.", "solve", sp.FiniteSet(3)),
        ("Solve for k: 3k - 2 = 7", "solve", sp.FiniteSet(3)),
        ("3x - 2 = 7", "solve", sp.FiniteSet(3)),
        ("Find x if 2x + 1 = 9.", "solve", sp.FiniteSet(4)),
        (r"Find $x$ if $\frac{1}{2}x + 3 = 7$.", "solve", sp.FiniteSet(8)),
        (r"What value of $x$ makes $2x + 3 = 7$ true?", "solve", sp.FiniteSet(2)),
        (r"Solve for $x$: $2x + 3 = 7$", "solve", sp.FiniteSet(2)),
        (r"Solve the inequality $2x - 3 \ge 5$.", "solve", sp.Interval(4, sp.oo)),
        (r"Solve $4 - x > 2x + 10$.", "solve", sp.Interval.open(-sp.oo, -2)),
        (r"Solve $\left(x + 2\right)\left(x - 3\right) = 0$.", "solve", sp.FiniteSet(-2, 3)),
        ("Solve x^2 - 3x - 10 = 0. Give every solution.", "solve", sp.FiniteSet(-2, 5)),
        ("Solve 0.2x + 1.5 = 2.3", "solve", sp.FiniteSet(4)),
        (r"Solve $2a + 3 = 7$.", "solve", sp.FiniteSet(2)),
        (r"Solve $2e + 3 = 7$.", "solve", sp.FiniteSet(2)),  # e is a letter, not Euler's e
        (r"Solve $x + 5 = x + 6$.", "solve", sp.S.EmptySet),
        ("Compute 3/4 + 1/2.", "compute", None),
        ("What is -3 + (-7)?", "compute", None),
        ("Calculate 12 / (-3) + 2.", "compute", None),
        ("Reduce 12/18.", "lowest_terms", None),
        (r"Simplify $\frac{12}{18}$.", "lowest_terms", None),
        (r"Compute $\dfrac{5}{6} - \dfrac{1}{4}$.", "compute", None),
        ("Simplify 3x + 5 - 7x + 2.", "simplify", None),
        (r"Combine like terms: $3a + 2b - a + 4b$", "simplify", None),
        (r"Use the distributive property to expand $-3(x - 4)$.", "expand", None),
        ("Expand (x - 2)(x + 5)", "expand", None),
        (r"Multiply $(x+2)(x-3)$.", "expand", None),
        ("Factor x^2 + 3x - 10", "factor", None),
        (r"Factorise $2x^2 + 6x$.", "factor", None),
        ("Solve the system y = 2x + 3 and 3x + 2y = 13. Give (x, y).", "solve_system", None),
        ("Solve the system y = 2x + 3, 3x + 2y = 13", "solve_system", None),
        (r"Solve $y = 2x + 3 \text{ and } 3x + 2y = 13$.", "solve_system", None),
        (r"Solve the system by substitution: $y = 2x + 3$, $3x + 2y = 13$.", "solve_system", None),
        # phrasings of the training data (inference.training.data)
        (r"Which values of $m$ satisfy $9m + 1 < -71$?", "solve", sp.Interval.open(-sp.oo, -8)),
        ("Find all x with -9x + 3 > 30.", "solve", sp.Interval.open(-sp.oo, -3)),
        (r"Find every value of $v$ with $v^2 + 13v = -36$.", "solve", sp.FiniteSet(-9, -4)),
        (r"Write $6n - 1 - 5n - 10$ in simplest form.", "simplify", None),
        ("Simplify 2 - 2*x - 5*x + 11 by combining like terms.", "simplify", None),
        (r"Factor the trinomial $x^2 - 49$.", "factor", None),
        ("Write c^2+11*c+28 as a product of two binomials.", "factor", None),
        (r"Write $(x + 3)(x + 7)$ as a polynomial.", "expand", None),
        (r"Remove the brackets: $2(-1 + 4x)$.", "expand", None),
        (r"Remove the brackets: $-9\left(2t - 11\right)$.", "expand", None),
        (r"Use the order of operations to evaluate $8 + 7 \cdot (-8 - 3)$.", "compute", None),
        ("Use the order of operations to evaluate -4 + 2 × 3 - 4.", "compute", None),
        (r"Divide: $20 \div (-5)$.", "compute", None),
        (r"Simplify $3(x + 2) - x$.", "simplify", None),
        ("Simplify 4 - 2(3y + 1) by distributing and combining like terms.", "simplify", None),
        ("Distribute and combine like terms: 2(x - 1) + 3x.", "expand", None),
        ("Divide: -24 / 2.", "compute", None),
        # unknowns in dollars, equations in plain text
        ("Find $x$ and $y$ if y = 2x + 3 and 3x + 2y = 13.", "solve_system", None),
        ("Find $x$ and $y$ if x=4y-19 and -2x-2y=-12.", "solve_system", None),
        ("Solve the system 2x - y = -3 and -2x + 3y = 13. Give $(x, y)$.", "solve_system", None),
        ("Solve 3*x + 2*y = 13 and y = 2*x + 3 for $x$ and $y$.", "solve_system", None),
        (
            "Solve the system: y=2x+3, 3x+2y=13. Write the answer as $(x, y)$.",
            "solve_system",
            None,
        ),
    ],
)
def test_varied_phrasing_and_notation(statement, task, solution):
    p = read_problem(statement)
    assert p is not None, statement
    assert p.task == task
    if solution is not None:
        assert p.solution == solution
    if task == "solve_system":
        assert p.solution == {x: 1, y: 5}
        assert p.variables == (x, y)


def test_variables_and_answer_forms():
    assert read_problem("Solve for k: 3k - 2 = 7").variables == (k,)
    assert read_problem(r"Solve $2e + 3 = 7$.").variables == (e,)
    s = read_problem(r"Solve the system $a + b = 5$ and $a - b = 1$. Give $(a, b)$.")
    assert s.variables == (a, b) and s.solution == {a: 3, b: 2}
    assert answer_latex(s) == "(3, 2)"
    assert answer_latex(read_problem(r"Solve $-8x - 3 = 5$.")) == "x = -1"
    assert answer_latex(read_problem(r"Solve $-3x + 4 \le 10$.")) == r"x \ge -2"
    assert answer_latex(read_problem(r"Solve $x^2 - 3x - 10 = 0$.")) == r"\{-2, 5\}"
    assert answer_latex(read_problem(r"Factorise $2x^2 + 6x$.")) == "2x(x + 3)"
    assert answer_latex(read_problem(r"Compute $2.5 + 0.75$.")) == "3.25"
    assert answer_latex(read_problem(r"Simplify $3x + 5 - 7x + 2$.")) == "-4x + 7"
    assert read_problem(r"Solve $0.5x + 1.25 = 3$.").decimals


@pytest.mark.parametrize(
    "statement",
    [
        # word problems and figures of the demo course
        r"A phone plan costs $\$12$ a month plus $\$3$ per gigabyte. Last month's bill was "
        r"$\$36$. How many gigabytes were used?",
        "The number line below runs from $-5$ to $5$.\n\n![A number line from -5 to 5 with a "
        "mark at -3](figures/number-line.svg)\n\nStart at $-3$ and move $7$ steps to the "
        "right. Where do you land?",
        r"Ana eats $\frac{1}{4}$ of a pizza and Ben eats $\frac{1}{3}$ of it. What fraction "
        r"of the pizza did they eat together?",
        "Find $x$ in the figure.",
        # other tasks and topics
        r"Find the derivative of $x^2$.",
        r"Evaluate $3x + 2$ when $x = 4$.",
        r"Compute the area of the rectangle with sides $3$ and $4$.",
        r"Solve $\sin x = 0$.",
        r"Solve $\sqrt{x} = 3$.",
        r"Solve $|x| = 3$.",
        r"Compute $\pi + 1$.",
        r"Solve $x^3 = 8$.",
        r"Solve $\frac{1}{x} = 2$.",
        r"Simplify $\frac{x^2 - 1}{x - 1}$.",
        r"Solve $1 < 2x + 1 < 5$.",
        r"Solve $2x + 1 \ne 3$.",
        r"Factor $12$.",
        r"Divide $x^2 + 1$ by $x$.",
        r"Which values of $x$ satisfy $x^2 < 4$?",
        r"Write $3x + 2$ as a fraction.",
        "Find $x$ if 3 apples cost 2x + 1 dollars.",
        "Find $x$ and $y$ if x + y = 10 and the larger is 4 more than the smaller.",
        # more than one unknown outside systems, and systems without one solution
        r"Solve $x + y = 3$.",
        r"Solve $2x + 3 = 7$ and $x - 1 = 1$.",
        r"Solve the system $x + y = 2$ and $2x + 2y = 4$.",
        # not a statement at all
        "",
        "   ",
        "hello",
        "$$",
        "$",
        r"Solve $x = $.",
        r"Solve $\frac{1}{0}x = 2$.",
        r"Compute $\frac{",
        "Solve " + "x + " * 400 + "1 = 2",
        "Solve $2x + 3 = 7$" * 200,
        "∫ x dx ≤ ∞ 🙂",
    ],
)
def test_not_covered(statement):
    assert read_problem(statement) is None


def test_never_raises_on_odd_input():
    for s in (None, 3, b"Solve $x = 1$", ["Solve"], "\x00\x01", "$" * 50, "\\" * 30):
        assert read_problem(s) is None  # type: ignore[arg-type]


def test_fast():
    statements = [
        r"Solve $-7x + 2 = 16$.",
        r"Compute $9 + 4 \cdot (-6) - 3$.",
        r"Solve the system $y = 3x - 1$ and $x + 2y = 12$. Give $(x, y)$.",
        r"Solve $x^2 + 2x - 15 = 0$. Give every solution.",
        r"Factor $x^2 - 5x + 6$.",
    ]
    read_problem(r"Solve $x + 1 = 2$.")  # SymPy's first use is not the reader's cost
    t0 = time.perf_counter()
    for s in statements:
        assert read_problem(s) is not None
    per_call = (time.perf_counter() - t0) / len(statements)
    assert per_call < 0.05  # a few ms; generous for a loaded machine


def _demo_templates():
    course = yaml.safe_load(COURSE.read_text())
    return [t for u in course["units"] for s in u["skills"] for t in s.get("templates", [])]


@pytest.mark.parametrize("template", _demo_templates(), ids=lambda t: t["slug"])
def test_demo_template_instances(template):
    """Generated instances are read, and the expected answer passes the course's own key."""
    for inst in instantiate({**template, "count": 3}):
        p = read_problem(inst.problem["statement"])
        assert p is not None, inst.problem["statement"]
        verdict = check_inline(f"${answer_latex(p)}$", inst.problem["answer"])
        assert verdict.correct, (inst.problem["statement"], answer_latex(p), verdict.code)


# The task(s) each family of the training data is read as ("Expand and simplify $3(x + 2) - x$"
# is an expansion, "Simplify $3(x + 2) - x$" a simplification; the answer is the same).
FAMILY_TASK = {
    "add-integers": {"compute"},
    "multiply-integers": {"compute"},
    "divide-integers": {"compute"},
    "mixed-operations": {"compute"},
    "lowest-terms": {"lowest_terms"},
    "add-fractions": {"compute"},
    "multiply-fractions": {"compute"},
    "collect-terms": {"simplify"},
    "distribute": {"expand"},
    "distribute-collect": {"simplify", "expand"},
    "foil": {"expand"},
    "factor": {"factor"},
    "one-step": {"solve"},
    "two-step": {"solve"},
    "both-sides": {"solve"},
    "inequality": {"solve"},
    "solve-quadratic": {"solve"},
    "substitution": {"solve_system"},
    "elimination": {"solve_system"},
}


def test_training_data_prompts_are_read_and_solutions_check():
    """Every prompt the training data writes is read, as its family's task, and the worked
    solution written for it passes the step checker (both splits, fixed seeds)."""
    from inference.training.data import FAMILIES, stream

    failures = []
    seen = set()
    for split, seed in (("train", 11), ("heldout", 12)):
        for ex in stream(150, seed, split):
            seen.add(ex.family)
            p = read_problem(ex.prompt)
            if p is None:
                failures.append((ex.family, "not read", ex.prompt))
                continue
            # a family added to the data later must be read too; its task is checked once listed
            if p.task not in FAMILY_TASK.get(ex.family, {p.task}):
                failures.append((ex.family, f"task {p.task}", ex.prompt))
            result = check_solution(p, ex.solution)
            if not result.ok:
                failures.append((ex.family, "solution rejected", ex.prompt))
    assert not failures, failures[:10]
    assert len(seen) >= len(FAMILIES) - 2  # the sample spans (nearly) every family
