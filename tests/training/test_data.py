"""The tutor model's training data: generation, verification, splits, rendering."""

from __future__ import annotations

import ast
import dataclasses
import json
import random
import re
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
import yaml

from curriculum.answers import check_inline
from curriculum.generate import instantiate
from inference.steps.render import decimals_for, latex_operand, latex_relation, latex_result
from inference.training import data
from inference.training.data import FAMILIES, generate, is_heldout, stream, verify

ROOT = Path(__file__).resolve().parents[2]
x, y, t = sp.symbols("x y t")


# ---------------------------------------------------------------- render


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (-12, False, "-12"),
        (0, False, "0"),
        (Fraction(7, 12), False, "\\frac{7}{12}"),
        (sp.Rational(-7, 12), False, "-\\frac{7}{12}"),
        (sp.Rational(3, 4), True, "0.75"),
        (sp.Rational(3, 4), False, "\\frac{3}{4}"),
        (sp.Rational(1, 3), True, "\\frac{1}{3}"),  # not terminating: still a fraction
        (sp.Rational(-9, 2), True, "-4.5"),
        (sp.Rational(1, 40), True, "0.025"),
        (x**2 - 3 * x - 10, False, "x^2 - 3x - 10"),
        (-x + 7, False, "-x + 7"),
        (x - 1, False, "x - 1"),
        (sp.Rational(1, 2) * x - 3, False, "\\frac{1}{2}x - 3"),
        (-sp.Rational(1, 2) * x, False, "-\\frac{1}{2}x"),
        (sp.Rational(1, 2) * x, True, "0.5x"),
        (3 * y + 2 * x - 5, False, "2x + 3y - 5"),
        (x**2 + 2 * x * y + y**2, False, "x^2 + 2xy + y^2"),
        (-4 * t**2 + t, False, "-4t^2 + t"),
        (x**12, False, "x^{12}"),
        ((x**2 - 5 * x) / x, False, "x - 5"),
        (sp.Float(0.75), True, "0.75"),
    ],
)
def test_latex_result(value, decimals, expected):
    assert latex_result(value, decimals) == expected


def test_render_helpers():
    assert latex_operand(-8) == "(-8)"
    assert latex_operand(Fraction(1, 2)) == "\\frac{1}{2}"
    assert latex_relation(x, "<=", -4) == "x \\le -4"
    assert latex_relation(2 * x, ">=", Fraction(1, 2)) == "2x \\ge \\frac{1}{2}"
    assert latex_result(sp.Eq(x, -1)) == "x = -1"
    assert decimals_for("2 \\div 0.5") and decimals_for("7 - 2.5")
    assert not decimals_for("3 \\div 4") and not decimals_for("\\frac{1}{2} + 0.5")
    with pytest.raises(TypeError):
        latex_result("x + 1")


# ---------------------------------------------------------------- generation + verify


@pytest.mark.parametrize("family", FAMILIES)
def test_family_generates_and_verifies(family):
    rng = random.Random(f"test:{family}")
    for _ in range(8):
        ex = generate(family, rng)
        assert ex.family == family
        assert verify(ex) == [], (ex.prompt, ex.solution)
        assert check_inline(ex.answer, ex.spec).correct
        assert ex.solution.endswith(f"Answer: $\\boxed{{{ex.answer}}}$")


def _demo_templates() -> dict:
    course = yaml.safe_load((ROOT / "curriculum/demo/course.yaml").read_text())
    return {
        tpl["slug"]: tpl
        for unit in course["units"]
        for skill in unit["skills"]
        for tpl in skill.get("templates", [])
    }


# families beyond the course templates (the seeded demo course, tutor/demo.py)
EXTRA_FAMILIES = {"distribute-collect"}


def test_the_phrasebook_is_the_generators_own():
    """A step line is shown only with a phrase the training data writes
    (inference.steps.phrases); the list must be exactly the generators' phrases."""
    from inference.steps.check import split_line
    from inference.steps.phrases import PHRASES, phrase_template

    written = {
        phrase_template(split_line(line).phrase)
        for ex in stream(40000, 11, "train")
        for line in ex.solution.splitlines()[:-1]
    }
    assert written == PHRASES, (
        "update inference/steps/phrases.py: new "
        f"{sorted(written - PHRASES)}, gone {sorted(PHRASES - written)}"
    )


def test_every_demo_template_is_a_family():
    assert sorted(_demo_templates()) == sorted(set(FAMILIES) - EXTRA_FAMILIES)
    assert EXTRA_FAMILIES <= set(FAMILIES)


def test_demo_instances_reproduced_exactly():
    """Every problem the demo curriculum draws: same statement text, and our answer passes
    the demo's own answer key."""
    for slug, tpl in _demo_templates().items():
        instances = instantiate(tpl)
        for inst in instances:
            ex = generate(slug, random.Random(0), inst.params)
            assert ex.prompt == inst.problem["statement"]
            verdict = check_inline(ex.answer, inst.problem["answer"])
            assert verdict.correct, (slug, ex.answer, inst.problem["answer"], verdict.code)
        assert verify(ex) == []


def _demo_skills() -> dict:
    """tutor/demo.py's DEMO_SKILLS, read as a literal (no Django): slug -> (statement, spec)."""
    tree = ast.parse((ROOT / "tutor/demo.py").read_text())
    node = next(
        n.value
        for n in tree.body
        if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "DEMO_SKILLS"
    )
    return {
        slug: (statement, spec)
        for _, _, problems in ast.literal_eval(node)
        for slug, statement, spec, _ in problems
    }


W = data.DEMO_SKILLS_WORDING
# the seeded demo course's problems as (family, params) of our generators
DEMO_SKILLS_PARAMS = {
    "add-negatives": ("add-integers", {"a": "-7", "b": "12"}),
    "multiply-signs": ("multiply-integers", {"a": "-3", "b": "4"}),
    "divide-signs": ("divide-integers", {"q": "-3", "b": "-6"}),
    "add-fractions": ("add-fractions", {"a": "1", "b": "2", "c": "1", "d": "3", "wording": W}),
    "multiply-fractions": (
        "multiply-fractions",
        {"a": "3", "b": "4", "c": "2", "d": "9", "wording": W},
    ),
    "distribute": ("distribute-collect", {"a": "3", "b": "2", "c": "-1"}),
    "collect": (
        "collect-terms",
        {"a": "4", "b": "3", "c": "-2", "d": "1", "vars": "ab", "wording": W},
    ),
    "one-step": ("one-step", {"x": "-5", "b": "9", "wording": W}),
    "two-step": ("two-step", {"a": "2", "b": "3", "x": "4", "wording": W}),
}


def test_demo_skills_reproduced_exactly():
    """Every problem of the seeded demo course: same statement, a verified solution, and
    our answer passes the course's own key."""
    skills = _demo_skills()
    assert sorted(skills) == sorted(DEMO_SKILLS_PARAMS)
    for slug, (family, params) in DEMO_SKILLS_PARAMS.items():
        statement, spec = skills[slug]
        ex = generate(family, random.Random(0), params)
        assert ex.prompt == statement
        assert verify(ex) == [], (ex.prompt, ex.solution)
        assert check_inline(ex.answer, spec).correct, (slug, ex.answer, spec)
        assert ex.spec["kind"] == spec["kind"]
    # the value questions keep the equation answer (a number key accepts `x = -5`)
    ex = generate("one-step", random.Random(0), DEMO_SKILLS_PARAMS["one-step"][1])
    assert ex.answer == "x = -5" and ex.spec == {"kind": "number", "key": ["-5"]}
    assert check_inline(ex.answer, skills["one-step"][1]).correct


@pytest.mark.parametrize(
    ("family", "pattern"),
    [
        ("add-integers", r"Compute \$-?\d+ \+ (\d+|\(-\d+\))\$\."),
        ("multiply-integers", r"Compute \$(\d+|\(-\d+\)) \\cdot (\d+|\(-\d+\))\$\."),
        ("divide-integers", r"Compute \$-?\d+ \\div (\d+|\(-\d+\))\$\."),
        (
            "add-fractions",
            r"Compute \$\\frac\{\d+\}\{\d+\} \+ \\frac\{\d+\}\{\d+\}\$ and give the result as a fraction\.",
        ),
        ("multiply-fractions", r"Compute \$\\frac\{\d+\}\{\d+\} \\cdot \\frac\{\d+\}\{\d+\}\$\."),
        ("distribute-collect", r"Simplify \$-?\d+\(x [+-] \d+\) [+-] (\d+)?x\$\."),
        ("distribute-collect", r"Simplify \$-?\d+ [+-] \d+\(x [+-] \d+\)\$\."),
        ("collect-terms", r"Simplify \$\d*([a-z]) [+-] \d*([a-z]) [+-] \d*\1 [+-] \d*\2\$\."),
        ("one-step", r"Solve \$x [+-] \d+ = -?\d+\$\. What is \$x\$\?"),
        ("two-step", r"Solve \$-?\d+x [+-] \d+ = -?\d+\$\. What is \$x\$\?"),
    ],
)
def test_demo_skills_forms_are_drawn(family, pattern):
    """Random draws (no params) write the seeded demo course's forms with some frequency."""
    rng = random.Random(f"forms:{family}")
    hits = sum(bool(re.fullmatch(pattern, generate(family, rng).prompt)) for _ in range(400))
    assert hits >= 4, hits


def test_distribute_collect_and_two_letters():
    rng = random.Random(21)
    exs = [generate("distribute-collect", rng) for _ in range(30)]
    two = []
    while len(two) < 12:
        ex = generate("collect-terms", rng)
        terms = ex.start.replace(" - ", " + ").split(" + ")
        if len(set(re.findall("[a-z]", ex.start))) == 2 and not any(
            t.strip("-").isdigit() for t in terms
        ):
            two.append(ex)
    for ex in exs + two:
        assert verify(ex) == [], (ex.prompt, ex.solution)
        assert ex.answer == latex_result(sp.sympify(ex.spec["key"][0])), ex.answer
        assert ex.spec["options"] == {"form": "simplified"}
    # distribution: a CALC for each product, then like terms combined
    assert all(ex.solution.startswith("Multiply each term in the brackets by $") for ex in exs)
    assert all(ex.solution.split("\n")[0].count(" \\cdot ") == 2 for ex in exs)
    assert any("Combine the constants" in ex.solution for ex in exs)
    assert {ex.var for ex in exs} - {"x"}  # other letters too
    assert any(re.match(r"-?\d+ [+-] \d*\(", ex.start) for ex in exs)  # 5 - 3(x + 1)
    assert any(re.match(r"-?\d*x [+-] \d*\(", ex.start) for ex in exs)  # 4x - 2(x + 3)
    # two letters: each letter's terms combined, the split key written in x and y
    for ex in two:
        assert "Combine the $" in ex.solution
        assert set(re.findall("[a-z]", ex.key)) == {"x", "y"}


def test_two_letter_split_ignores_letters():
    params = {"a": "4", "b": "3", "c": "-2", "d": "1", "wording": W}
    ab = generate("collect-terms", random.Random(0), {**params, "vars": "ab"})
    mn = generate("collect-terms", random.Random(0), {**params, "vars": "mn"})
    assert (
        ab.prompt == "Simplify $4a + 3b - 2a + b$." and mn.prompt == "Simplify $4m + 3n - 2m + n$."
    )
    assert ab.key == mn.key == "4x + 3y - 2x + y"


def test_prompt_variety():
    rng = random.Random(3)
    prompts = [generate(f, rng).prompt for f in FAMILIES for _ in range(40)]
    text = "\n".join(prompts)
    for needle in ("Solve", "Find", "Compute", "Evaluate", "What", "Simplify", "Expand", "Factor"):
        assert needle in text
    assert any("$" not in p for p in prompts)  # plain text without dollars
    assert any("\\left(" in p for p in prompts)
    assert any("*" in p for p in prompts)
    letters = {generate("two-step", rng).var for _ in range(60)}
    assert "x" in letters and len(letters) > 3 and not letters & {"e", "i", "o"}


def test_fraction_and_decimal_coefficients():
    rng = random.Random(11)
    exs = [generate("two-step", rng) for _ in range(150)]
    dec = [e for e in exs if "." in e.start]
    frac = [e for e in exs if "\\frac" in e.start]
    assert dec and frac
    for e in dec[:3] + frac[:3]:
        assert verify(e) == []


# ---------------------------------------------------------------- streams and splits


def test_stream_deterministic_and_mixed():
    a = [e.prompt for e in stream(60, seed=5)]
    assert a == [e.prompt for e in stream(60, seed=5)]
    assert a != [e.prompt for e in stream(60, seed=6)]
    fams = {e.family for e in stream(400, seed=1)}
    assert fams == set(FAMILIES)


def test_heldout_never_in_train():
    train = list(stream(3000, seed=1))
    held = list(stream(200, seed=1, split="heldout"))
    assert all(is_heldout(e) for e in held) and not any(is_heldout(e) for e in train)
    assert not {e.prompt for e in train} & {e.prompt for e in held}
    assert not {(e.family, e.key) for e in train} & {(e.family, e.key) for e in held}
    # the same problem written with another letter lands in the same split
    ex = next(e for e in held if e.var != "x") if any(e.var != "x" for e in held) else held[0]
    assert is_heldout(dataclasses.replace(ex, prompt="other words"))


def test_cli_writes_verified_jsonl(tmp_path):
    out = tmp_path / "d.jsonl"
    assert data.main(["--n", "30", "--seed", "2", "--out", str(out), "--processes", "1"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 30
    assert set(rows[0]) >= {"family", "prompt", "solution", "answer", "spec"}


# ---------------------------------------------------------------- the verifier rejects


def _good():
    return data.generate("two-step", random.Random(0), {"a": "-8", "b": "-3", "x": "-1"})


def test_good_example_is_the_doc_example():
    ex = _good()
    assert ex.prompt == "Solve $-8x - 3 = 5$."
    assert ex.solution == (
        "Add $3$ to both sides ($5 + 3 = 8$): $-8x = 8$.\n"
        "Divide both sides by $-8$ ($8 \\div (-8) = -1$): $x = -1$.\n"
        "Answer: $\\boxed{x = -1}$"
    )
    assert verify(ex) == []


@pytest.mark.parametrize(
    ("old", "new", "what"),
    [
        ("$5 + 3 = 8$", "$5 + 3 = 9$", "wrong"),  # wrong calc
        ("$8 \\div (-8) = -1$", "$8 \\div (-8) = -\\frac{8}{8}$", "should read"),  # not canonical
        ("$-8x = 8$", "$-8x = 9$", "not equivalent"),  # state does not follow
        ("$5 + 3 = 8$", "$5+3 = 8$", "not spaced"),  # spacing
        ("$8 \\div (-8)", "$8 \\div -8", "unary minus"),  # unbracketed negative operand
        ("): $-8x = 8$.", "): $-8x = 8$", "malformed"),  # no final period
    ],
)
def test_verifier_rejects_bad_lines(old, new, what):
    ex = _good()
    assert old in ex.solution
    bad = dataclasses.replace(ex, solution=ex.solution.replace(old, new, 1))
    errs = verify(bad)
    assert errs and any(what in e for e in errs), errs


def test_verifier_rejects_wrong_answer_and_invented_numbers():
    ex = _good()
    wrong = dataclasses.replace(
        ex, answer="x = 1", solution=ex.solution.replace("\\boxed{x = -1}", "\\boxed{x = 1}")
    )
    errs = verify(wrong)
    assert any("checker rejects" in e for e in errs) and any("does not solve" in e for e in errs)
    # a STATE that computes by itself (no CALC produced 4)
    ex2 = generate("two-step", random.Random(0), {"a": "2", "b": "-3", "x": "4"})
    lines = ex2.solution.split("\n")
    skipped = "\n".join([lines[0].split(" (")[0] + ": $2x = 8$."] + lines[1:])
    assert any("no CALC produced" in e for e in verify(dataclasses.replace(ex2, solution=skipped)))


def test_verifier_systems_and_values():
    rng = random.Random(4)
    ex = generate("substitution", rng)
    lines = ex.solution.split("\n")
    lines[0] = lines[0].rsplit(": $", 1)[0] + ": $x + y = 1000$."
    assert any(
        "false at the solution" in e
        for e in verify(dataclasses.replace(ex, solution="\n".join(lines)))
    )
    ex = generate("foil", rng)
    bad = ex.solution.replace(ex.answer, ex.answer + " + 1")
    assert verify(dataclasses.replace(ex, solution=bad))


def test_family_weights_change_the_mix_and_unknown_families_are_refused():
    from collections import Counter

    plain = Counter(ex.family for ex in stream(400, seed=5))
    focused = Counter(ex.family for ex in stream(400, seed=5, weights={"elimination": 200}))
    assert focused["elimination"] > 3 * max(plain["elimination"], 1)
    assert all(not is_heldout(ex) for ex in stream(50, seed=5, weights={"factor": 50}))
    with pytest.raises(ValueError, match="unknown families: nope"):
        next(stream(1, weights={"nope": 1}))
