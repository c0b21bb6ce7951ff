"""What each step of a working exercises (curriculum/answers/stepconcepts.py): the concepts
a line that follows carried out, and the concept of the first wrong line's malrule. These
are the learner model's step evidence (tutor/adaptive/steps_evidence.py)."""

from __future__ import annotations

import pytest

from curriculum.answers import check_work_inline
from curriculum.answers.stepconcepts import CONCEPTS, MALRULE_CONCEPT
from curriculum.answers.workreport import WorkReport

EQ = {"kind": "equation", "key": ["x = 2"], "options": {"task": "solve"}}
INEQ = {"kind": "inequality", "key": ["x > -3"], "options": {"task": "solve"}}


def _expr(task: str, key: str) -> dict:
    return {"kind": "expression", "key": [key], "options": {"task": task}}


@pytest.mark.parametrize(
    ("lines", "spec", "expected"),
    [
        (
            ["3(x + 2) - x = 10", "3x + 6 - x = 10", "2x + 6 = 10", "2x = 4", "x = 2"],
            EQ,
            [["distribute"], ["collect_terms"], [], []],
        ),
        (["-2x + 1 < 7", "-2x < 6", "x > -3"], INEQ, [[], ["inequality_negative"]]),
        (["1/2 + 1/3", "3/6 + 2/6", "5/6"], _expr("compute", "5/6"), [[], ["add_fractions"]]),
        (["2 + 3*4", "2 + 12", "14"], _expr("compute", "14"), [["order_of_operations"], []]),
        (
            ["(x + 2)(x + 3)", "x^2 + 3x + 2x + 6", "x^2 + 5x + 6"],
            _expr("expand", "x^2 + 5x + 6"),
            [["expand"], ["collect_terms"]],
        ),
        (["x^2 + 5x + 6", "(x + 2)(x + 3)"], _expr("factor", "(x + 2)(x + 3)"), [["factor"]]),
        (["6x + 9", "3(2x + 3)"], _expr("factor", "3(2x + 3)"), [["factor"]]),
        # moving terms and dividing both sides are the problem's own routine: no concept
        (["2x + 3 = 11", "2x = 8", "x = 4"], EQ | {"key": ["x = 4"]}, [[], []]),
    ],
)
def test_steps_that_follow_name_what_they_did(lines, spec, expected):
    report = check_work_inline(lines, spec)
    assert [v.status for v in report.lines[1:]] == ["ok"] * len(expected)
    assert [v.concepts for v in report.lines[1:]] == expected


@pytest.mark.parametrize(
    ("lines", "spec", "malrule", "concept"),
    [
        (
            ["-2x + 1 < 7", "-2x < 6", "x < -3"],
            INEQ,
            "inequality_not_reversed",
            "inequality_negative",
        ),
        (["1/2 + 1/3", "2/5"], _expr("compute", "5/6"), "add_fractions", "add_fractions"),
        (["3(x + 2) = 12", "3x + 2 = 12"], EQ, "distribute_one_term", "distribute"),
        (["3x + 4 - 5x + 2", "8x + 6"], _expr("simplify", "-2x + 6"), "term_sign", "collect_terms"),
        # the same slip in a line of factors went wrong factoring
        (["x^2 + 5x + 6", "(x - 2)(x - 3)"], _expr("factor", "(x+2)(x+3)"), "term_sign", "factor"),
    ],
)
def test_the_first_wrong_line_names_its_malrules_concept(lines, spec, malrule, concept):
    report = check_work_inline(lines, spec)
    wrong = report.lines[report.first_error]
    assert wrong.malrule == malrule and wrong.concepts == [concept]


def test_a_sign_error_moving_a_term_names_no_concept():
    report = check_work_inline(["2x + 3 = 11", "2x = 11 + 3", "x = 7"], EQ)
    assert report.malrule == "sign_move"
    assert all(v.concepts == [] for v in report.lines)


def test_concepts_survive_storage_and_old_reports_still_load():
    report = check_work_inline(["3(x + 2) = 12", "3x + 6 = 12", "x = 2"], EQ)
    again = WorkReport.from_dict(report.to_dict())
    assert [v.concepts for v in again.lines] == [[], ["distribute"], []]
    old = report.to_dict()
    for line in old["lines"]:
        del line["concepts"]  # stored before concepts existed
    assert [v.concepts for v in WorkReport.from_dict(old).lines] == [[], [], []]


def test_every_malrule_concept_is_a_known_concept():
    assert set(MALRULE_CONCEPT.values()) <= set(CONCEPTS)
