"""Problem templates: reproducible, distinct, exact (SymPy), and safe with hostile text."""

from __future__ import annotations

import pytest
import yaml

from curriculum import generate
from curriculum.answers import check_inline
from tests.curriculum.conftest import DEMO

LINEAR = {
    "slug": "two-step",
    "count": 30,
    "seed": 4,
    "variables": {
        "a": {"range": [-9, 9], "exclude": [-1, 0, 1]},
        "b": {"range": [-15, 15], "exclude": [0]},
        "x": {"range": [-10, 10]},
    },
    "computed": {"c": "a*x + b", "q": "frac(c, a)"},
    "constraints": ["c != 0"],
    "statement": "Solve $@{a}x @{b|signed} = @{c}$.",
    "answer": {"kind": "number", "key": ["@{x}"]},
    "hints": [
        "Subtract $@{b}$ from both sides.",
        {
            "text": "What is $@{c} - @{b|paren}$?",
            "answer": {"kind": "number", "key": ["@{c} - @{b|paren}"]},
        },
    ],
}


def test_same_seed_same_problems_and_all_distinct():
    first = generate.instantiate(LINEAR)
    again = generate.instantiate(dict(LINEAR))
    assert [i.problem for i in first] == [i.problem for i in again]
    assert len({i.problem["statement"] for i in first}) == 30
    other = generate.instantiate(dict(LINEAR, seed=5))
    assert [i.problem for i in other] != [i.problem for i in first]


def test_constraints_hold_and_answers_are_exact():
    for inst in generate.instantiate(LINEAR):
        a, b, x, c = (int(inst.params[k]) for k in "abxc")
        assert c != 0 and a * x + b == c
        assert inst.problem["answer"]["key"] == [str(x)]
        assert generate.evaluate(inst.params["q"], {}) * a == c  # c/a kept as an exact fraction
        assert inst.problem["slug"].startswith("two-step-")


def test_formats():
    env = {
        "n": generate.evaluate("-3", {}),
        "one": generate.evaluate("1", {}),
        "h": generate.evaluate("frac(1, 2)", {}),
    }
    fill = lambda text: generate.substitute(text, env)  # noqa: E731
    assert fill("x @{n|signed}") == "x - 3"
    assert fill("@{one|coef}x @{n|scoef}y") == "x - 3y"
    assert fill("@{n|paren} @{n|abs} @{h} @{h|plain}") == "(-3) 3 \\frac{1}{2} 1/2"
    with pytest.raises(generate.TemplateError, match="not a variable"):
        fill("@{zz}")


def test_symbolic_computed_values():
    template = {
        "slug": "foil",
        "count": 5,
        "variables": {"p": {"range": [1, 5]}, "q": {"range": [1, 5]}},
        "computed": {"e": "expand((x + p)*(x + q))"},
        "statement": "Expand $(x + @{p})(x + @{q})$.",
        "answer": {"kind": "expression", "key": ["@{e}"]},
    }
    inst = generate.instantiate(template)[0]
    p, q = int(inst.params["p"]), int(inst.params["q"])
    assert check_inline(
        f"(x+{p})*(x+{q})", {"kind": "expression", "key": inst.problem["answer"]["key"]}
    ).correct


@pytest.mark.parametrize(
    "expression, message",
    [
        ("__import__('os')", "only these functions"),
        ("a.__class__", "Attribute is not allowed"),
        ("[1, 2]", "List is not allowed"),
        ("lambda: 1", "Lambda is not allowed"),
        ("2 ** 10000", "exponent 10000 is too large"),
    ],
)
def test_hostile_expressions_are_refused(expression, message):
    template = dict(LINEAR, computed={"c": expression}, constraints=[])
    with pytest.raises(generate.TemplateError, match=message):
        generate.instantiate(template)


def test_impossible_and_oversized_templates_fail_fast():
    with pytest.raises(generate.TemplateError, match="too wide"):
        generate.instantiate(dict(LINEAR, variables={"a": {"range": [0, 10**12]}}))
    with pytest.raises(generate.TemplateError, match="only 4 distinct problems"):
        generate.instantiate(
            {
                "slug": "tiny",
                "count": 10,
                "variables": {"x": {"range": [1, 4]}},
                "statement": "@{x}",
                "answer": {"kind": "number", "key": ["@{x}"]},
            }
        )


def test_demo_course_has_enough_distinct_template_problems():
    data = yaml.safe_load((DEMO / "course.yaml").read_text())
    skills = [s for u in data["units"] for s in u["skills"]]
    assert len(data["units"]) >= 3 and len(skills) >= 12
    statements = {
        i.problem["statement"]
        for s in skills
        for t in s.get("templates", [])
        for i in generate.instantiate(t)
    }
    assert len(statements) >= 500
    assert all(
        s.get("prerequisites") for s in skills[1:]
    )  # every skill but the first builds on others
