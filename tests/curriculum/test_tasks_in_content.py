"""What the task asks, in the content (issue 12): the demo curriculum states a task for
every problem, the loader keeps each statement's expressions as `given`, no statement is
accepted as its own answer, the OATutor importer reads the task from the step text."""

from __future__ import annotations

from curriculum.answers import check_inline
from curriculum.answers.statements import accepted_spans
from curriculum.oatutor import read_pool
from curriculum.package import RawPackage, read_package
from curriculum.validation import validate
from tests.curriculum.conftest import DEMO, FIXTURES


def _demo_problems():
    result = validate(read_package(DEMO))
    assert result.ok, result.errors
    return result, result.plans[0].problems


def test_every_demo_problem_states_its_task():
    _, problems = _demo_problems()
    assert len(problems) > 700
    missing = [p["slug"] for p in problems if "task" not in p["answer_spec"].get("options", {})]
    assert missing == []


def test_no_demo_statement_is_accepted_as_its_answer():
    result, problems = _demo_problems()
    assert not [i for i in result.issues if "accepted as the answer" in i.message]
    illegitimate = [
        (p["slug"], a.span)
        for p in problems
        for a in accepted_spans(p["statement"], p["answer_spec"])
        if not a.legitimate
    ]
    assert illegitimate == []


def test_demo_restatements_and_half_done_work_get_their_own_feedback():
    _, problems = _demo_problems()
    by_template = {}
    for p in problems:
        by_template.setdefault(p["template"], p)
    mixed = by_template["mixed-operations"]
    asked = mixed["answer_spec"]["options"]["given"][0]
    v = check_inline(asked, mixed["answer_spec"])
    assert v.code == "restated" and not v.correct
    two_step = by_template["two-step"]
    v = check_inline(two_step["answer_spec"]["options"]["given"][0], two_step["answer_spec"])
    assert v.code == "restated"
    key = two_step["answer_spec"]["key"][0]
    assert check_inline(key, two_step["answer_spec"]).correct


def test_validation_warns_when_a_statement_span_is_accepted(mini_data):
    problem = mini_data["units"][0]["skills"][0]["problems"][0]
    problem["statement"] = "Write $0.50$ as a fraction."
    problem["answer"] = {"kind": "number", "key": ["1/2"]}
    result = validate(RawPackage(mini_data, "course.yaml", {"figures/line.png": b""}))
    # the loader keeps 0.50 as given (the key in another form): typing it back is restating
    assert not [i for i in result.issues if "accepted as the answer" in i.message]
    spec = result.plans[0].problems[0]["answer_spec"]
    assert spec["options"]["given"] == ["0.50"]
    assert check_inline("0.50", spec).code == "restated"
    # an author who turns given off hears about it
    problem["answer"] = {"kind": "number", "key": ["1/2"], "options": {"given": []}}
    result = validate(RawPackage(mini_data, "course.yaml", {"figures/line.png": b""}))
    warnings = [i.message for i in result.issues if "accepted as the answer" in i.message]
    assert warnings and "$0.50$" in warnings[0]


def test_oatutor_steps_get_the_task_their_text_states():
    packages, report = read_pool(FIXTURES / "oatutor")
    problems = [
        p
        for pkg in packages
        for u in pkg.data["units"]
        for s in u["skills"]
        for p in s.get("problems", [])
    ]
    compute = [p for p in problems if "Compute it." in p["statement"]]
    assert compute and all(p["answer"]["options"]["task"] == "compute" for p in compute)
    plain = [p for p in problems if "What is $12+30$?" in p["statement"]]
    assert plain and "task" not in plain[0]["answer"].get("options", {})
