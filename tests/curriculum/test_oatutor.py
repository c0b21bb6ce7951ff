"""OATutor importer: a small pool written for these tests, and a sample of the real pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from curriculum import oatutor
from curriculum.models import Course, Hint, Problem, Skill, Unit
from curriculum.services import load_curriculum
from curriculum.validation import validate
from tests.curriculum.conftest import FIXTURES, OATUTOR_POOL
from tests.shared_data import needs_shared_data

pytestmark = pytest.mark.django_db
POOL = FIXTURES / "oatutor"


@pytest.fixture
def imported():
    report = load_curriculum(POOL, fmt="oatutor")
    assert report.imported, report.errors
    return report, Course.objects.get(slug="oatutor-openstax-tiny-algebra")


def test_course_keeps_licence_and_attribution(imported):
    _, course = imported
    assert course.title == "OpenStax: Tiny Algebra"
    assert course.attribution.startswith("Problems from OpenStax (openstax.org)")
    assert "CC BY 4.0" in course.license
    assert course.source_url == "https://openstax.org/details/books/elementary-algebra-2e"
    assert course.source_format == "oatutor"


def test_lessons_become_units_and_skills_come_from_the_skill_model(imported):
    _, course = imported
    assert [u.title for u in Unit.objects.filter(course=course)] == [
        "1.1 Whole numbers",
        "2.1 Equations",
    ]
    unit = Unit.objects.get(course=course, title="2.1 Equations")
    assert unit.extra["learningObjectives"] == {"linear_equations": 0.95, "intervals": 0.9}
    assert sorted(Skill.objects.filter(course=course).values_list("slug", flat=True)) == [
        "addition",
        "intervals",
        "linear_equations",
    ]
    multi = Problem.objects.get(slug="aaadd1b")
    assert multi.extra["skills"] == ["addition", "properties"]  # secondary skills are kept


def test_steps_scaffolds_and_sub_hints(imported):
    first = Problem.objects.get(slug="aaadd1a")
    assert first.title == "Adding whole numbers"
    assert first.statement == "Add the numbers.\n\nWhat is $12+30$?"
    # the statement's own sum is kept as `given`: typing it back is "the question itself"
    assert first.answer_spec == {
        "kind": "expression",
        "key": ["42"],
        "options": {"given": ["12+30"]},
    }
    assert first.extra["oatutor_problem"] == "aaadd1" and first.extra["parts"] == 2
    assert first.source_url.startswith("https://openstax.org/") and "CC BY 4.0" in first.license
    hint, scaffold = first.hints.all()
    assert (hint.kind, hint.title, hint.source_id) == ("hint", "Place value", "aaadd1a-h1")
    assert scaffold.kind == "scaffold" and scaffold.text == "What is $2+0$?"
    assert scaffold.answer_spec == {"kind": "expression", "key": ["2"]}
    assert scaffold.subhints == [{"text": "Zero adds nothing.", "source_id": "aaadd1a-h2-s1"}]


def test_multiple_choice(imported):
    mc = Problem.objects.get(slug="aaadd1b")
    assert mc.answer_spec["kind"] == "multiple_choice" and mc.answer_spec["key"] == ["b"]
    assert [c["text"] for c in mc.choices] == ["Associative", "Commutative", "Distributive"]
    scaffold = mc.hints.get()
    assert scaffold.answer_spec["options"]["choices"][0] == {"id": "a", "text": "Yes"}


def test_math_money_and_missing_figures(imported):
    money = Problem.objects.get(slug="aaadd2a")
    assert money.statement.startswith("A shirt costs \\$5 and a hat costs $\\$7$.")
    assert "*[figure figure1.gif is not available]*" in money.statement


def test_literal_newlines_and_unclosed_figure_tokens_as_in_the_real_pool():
    """The pool writes a line break as a literal backslash-n and often leaves a figure token
    at the end of a text unclosed (`…endpoint.\\n##figure1.gif`, 463 times)."""
    from collections import Counter

    notes: Counter = Counter()
    text = "Plot the endpoints.\\n##figure1.gif"
    out = oatutor.convert_text(text, {}, "p1", notes)
    assert out == "Plot the endpoints.\n\n*[figure figure1.gif is not available]*"
    assert "\\n" not in out and "##" not in out
    with_figure = oatutor.convert_text(text, {"figure1.gif": b"GIF89a"}, "p1", notes)
    assert with_figure.endswith("\n\n![figure1.gif](figures/p1/figure1.gif)")
    # LaTeX commands that start with n are math, not line breaks.
    kept = oatutor.convert_text("Is $$x \\neq 1$$ and $$\\nu$$?\\nYes.", {}, "p1", notes)
    assert kept == "Is $x \\neq 1$ and $\\nu$?\n\nYes."
    assert notes["literal \\n line break made a paragraph break"] == 3


def test_variabilization_makes_one_problem_per_value_set(imported):
    report, _ = imported
    v1, v2 = Problem.objects.filter(
        slug__startswith="aaeq1a", skill__course__slug="oatutor-openstax-tiny-algebra"
    ).order_by("slug")
    assert (v1.slug, v2.slug) == ("aaeq1a-v1", "aaeq1a-v2")
    assert "$x+1=3$" in v1.statement and v1.answer_spec["key"] == ["2"]
    assert "$x+2=5$" in v2.statement and v2.answer_spec["key"] == ["3"]
    assert v2.hints.get().text == "Subtract 2 from both sides."


def test_answer_kinds_follow_the_checker_and_failures_are_reported(imported):
    report, _ = imported
    interval = Problem.objects.get(
        slug="aaint1a", skill__course__slug="oatutor-openstax-tiny-algebra"
    )
    assert interval.answer_spec["kind"] == "inequality"
    ion = Problem.objects.get(slug="aaint1b", skill__course__slug="oatutor-openstax-tiny-algebra")
    assert ion.answer_spec == {"kind": "string", "key": ["Na+"]}
    pool = report.mapping["oatutor_pool"]
    assert pool["arithmetic answers that fail to parse (kept as exact strings)"] == 1
    assert pool["skipped: multiple-choice answer not among the choices"] == 1
    assert pool["problems whose lesson is not in coursePlans (kept, without a lesson)"] == 1
    failures = report.mapping["oatutor_answer_failures (first 20)"]
    assert any("aabad1a.json: answer ['D'] not among choices" in f for f in failures)
    assert not Problem.objects.filter(slug="aabad1a").exists()
    # The orphan problem is kept, under its skill.
    assert Problem.objects.get(slug="aaorph1a").skill.slug == "addition"


def test_reimport_of_the_pool_is_a_no_op(imported):
    again = load_curriculum(POOL, fmt="oatutor")
    assert [c["unchanged_package"] for c in again.changes] == [True, True]
    assert (
        Hint.objects.filter(problem__skill__course__slug="oatutor-openstax-tiny-algebra").count()
        == 6
    )


def test_attribution_is_shown_to_students(imported, client, student):
    client.force_login(student)
    problem = Problem.objects.get(slug="aaadd1a")
    page = client.get(f"/problems/{problem.pk}/")
    assert page.status_code == 200
    assert (
        "Problems from OpenStax (openstax.org), hints and scaffolds by the OATutor project"
        in page.content.decode()
    )


@needs_shared_data(
    OATUTOR_POOL / "coursePlans.json",
    what="the OATutor pool",
    hint="python -m curriculum.bench runs all of it",
)
def test_a_sample_of_the_real_pool_validates():
    raws, report = oatutor.read_pool(Path(OATUTOR_POOL), limit=300)
    assert report["oatutor_pool"]["problems mapped"] == 300
    errors = [e for raw in raws for e in validate(raw, source_format="oatutor").errors]
    assert errors == []


def test_text_that_looks_like_html_is_defused_but_math_is_untouched(imported):
    report, _ = imported
    statement = Problem.objects.get(
        slug="aaint1a", skill__course__slug="oatutor-openstax-tiny-algebra"
    ).statement
    assert "for 0< t and t>5" in statement and "$0<x<2$" in statement
    assert report.mapping["oatutor_text_notes"]["'<' that looked like an HTML tag spaced out"] == 3


def test_a_lesson_shared_by_two_courses_is_imported_into_both(imported):
    report, _ = imported
    review = Course.objects.get(slug="oatutor-tiny-review")
    assert [u.title for u in review.units.all()] == ["2.1 Equations"]
    slugs = set(Problem.objects.filter(skill__course=review).values_list("slug", flat=True))
    assert slugs == {"aaeq1a-v1", "aaeq1a-v2", "aaint1a", "aaint1b", "aaint1c"}
    pool = report.mapping["oatutor_pool"]
    assert pool["problems in lessons shared by several courses (imported into each)"] == 2
    assert pool["problems mapped"] == 6  # each OATutor problem is mapped (and counted) once


def test_keys_with_math_inside_are_read_as_math():
    from collections import Counter

    from curriculum.oatutor import map_answer

    def mapped(key):
        step = {"stepAnswer": [key], "answerType": "arithmetic", "problemType": "TextBox"}
        return map_answer(step, str, Counter(), "here", [])

    assert mapped("$$550$$ nm") == {"kind": "expression", "key": ["550"]}
    assert mapped("$$x=3$$")["key"] == ["x=3"]
    assert mapped("$$\\frac{1}{2}$$") == {"kind": "expression", "key": ["\\frac{1}{2}"]}
    assert mapped("no solution")["kind"] == "equation"
    # chemistry with math inside stays an exact string, as written
    assert mapped("Zn(s) → $$Zn2+aq$$ + 2e")["kind"] == "string"
