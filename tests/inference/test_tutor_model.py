"""The shipped built-in tutor model through the local engine: a greedy regression on a fixed sample
of demo problems (exact arithmetic on: the text a student sees), the plain sentence for problems it
does not cover, and next-step hints that never give the answer away.

The expected texts live in fixtures/tutor_model_greedy.json. After retraining the model, write them
again with ``TUTOR_REGRESSION_WRITE=1 pytest tests/inference/test_tutor_model.py`` and review the
diff: every sample must still be checked against its key."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.conf import settings

from curriculum.answers import check_inline
from inference.engines.base import GenerationRequest
from inference.engines.local import LocalEngine
from inference.steps.check import check_solution
from inference.steps.problems import read_problem
from inference.steps.stream import NOT_COVERED
from inference.verify import extract_final_answer, reveals_answer

FIXTURE = Path(__file__).parent / "fixtures" / "tutor_model_greedy.json"

# (statement, answer spec): one per family of the demo curriculum, as the demo writes them.
SAMPLE = [
    ("Compute $-7 + 12$.", {"kind": "number", "key": ["5"]}),
    ("Compute $(-6) \\cdot 7$.", {"kind": "number", "key": ["-42"]}),
    ("Compute $7 + 3 \\cdot (-8) - 8$.", {"kind": "number", "key": ["-25"]}),
    ("Write $\\frac{12}{42}$ in lowest terms.", {"kind": "number", "key": ["2/7"]}),
    (
        "Compute $\\frac{1}{4} + \\frac{2}{3}$ and give the result in lowest terms.",
        {"kind": "number", "key": ["11/12"]},
    ),
    ("Expand $-4(x + 6)$.", {"kind": "expression", "key": ["-4*x - 24"]}),
    ("Solve $-8x - 3 = 5$.", {"kind": "equation", "key": ["x = -1"]}),
    ("Solve $3x - 7 < 8$.", {"kind": "inequality", "key": ["x < 5"], "options": {"var": "x"}}),
    ("Expand $(x + 2)(x - 5)$.", {"kind": "expression", "key": ["x**2 - 3*x - 10"]}),
    ("Solve $x^2 + 2x - 15 = 0$. Give every solution.", {"kind": "set", "key": ["{-5, 3}"]}),
    (
        "Solve the system $y = 2x + 1$ and $3x + y = 11$. Give $(x, y)$.",
        {"kind": "list", "key": ["(2, 5)"], "options": {"ordered": True}},
    ),
]


SAMPLE_SYSTEM_SPEC = {"kind": "list", "key": ["(5, 1)"], "options": {"ordered": True}}


@pytest.fixture(scope="module")
def engine():
    eng = LocalEngine(settings.BUILTIN_TUTOR_MODEL, torch_threads=1)
    yield eng
    eng.close()


def _explain(engine, statement, purpose="explanation", student_answer=""):
    handle = engine.submit(
        GenerationRequest(
            messages=[], statement=statement, purpose=purpose, student_answer=student_answer, seed=1
        )
    )
    return "".join(handle), handle


def test_greedy_regression_on_demo_problems(engine):
    got = {}
    for statement, spec in SAMPLE:
        text, handle = _explain(engine, statement)
        assert handle.finish_reason == "stop"
        answer = extract_final_answer(text)
        got[statement] = {
            "text": text,
            "agrees": bool(answer) and check_inline(answer, spec).correct,
        }
    if os.environ.get("TUTOR_REGRESSION_WRITE") == "1":
        FIXTURE.parent.mkdir(exist_ok=True)
        FIXTURE.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert got == expected
    # What the shipped model must do: every sampled family is explained and checked.
    assert all(v["agrees"] for v in got.values()), [k for k, v in got.items() if not v["agrees"]]


def test_word_problems_get_a_plain_sentence(engine):
    text, handle = _explain(
        engine,
        "A phone plan costs $\\$12$ a month plus $\\$3$ per gigabyte. Last month's bill was "
        "$\\$36$. How many gigabytes were used?",
    )
    assert text == NOT_COVERED and handle.finish_reason == "unsupported"


@pytest.mark.parametrize(
    ("statement", "student_answer", "spec"),
    [
        ("Solve $-8x - 3 = 5$.", "", {"kind": "equation", "key": ["x = -1"]}),
        ("Solve $-8x - 3 = 5$.", "-8x = 8", {"kind": "equation", "key": ["x = -1"]}),
        ("Compute $7 + 3 \\cdot (-8) - 8$.", "", {"kind": "number", "key": ["-25"]}),
    ],
)
def test_hints_give_the_next_step_only(engine, statement, student_answer, spec):
    text, handle = _explain(engine, statement, "hint", student_answer)
    assert handle.finish_reason == "stop"
    assert text.startswith("Next step: ")
    assert not reveals_answer(text, spec)
    if student_answer == "-8x = 8":
        assert "divide" in text.lower()  # from where the student is, not from the start


# The shipped model's own slips on these problems (greedy); after retraining, pick problems that
# still show a correction and a step gone back on (inference.training.evaluate prints the counts).
def test_the_cas_corrects_a_miscopied_number_and_the_student_sees_only_the_corrected_line(engine):
    statement = "Find $x$ if $-12x + 9 = 8x + 209$."
    text, handle = _explain(engine, statement)
    # The model carries 142 over for 209, then computes 205 - 9: both corrected by the CAS.
    assert handle.corrections >= 1 and handle.checked is True
    assert "$-20x + 9 = 209$" in text and "142" not in text
    report = check_solution(read_problem(statement), text)
    assert report.ok and report.all_calcs_exact
    assert extract_final_answer(text) == "x = -10"


def test_a_multiplier_that_lines_up_nothing_is_never_shown(engine):
    statement = "Solve the system $x + y = 6$ and $3x - y = 14$. Give $(x, y)$."
    text, handle = _explain(engine, statement)
    # The model's first choice multiplies the second equation by 2 (true, but it leads nowhere:
    # y's coefficients were already opposite); the engine rejects it unseen.
    assert handle.retries >= 1 and handle.checked is True
    assert "Multiply" not in text and text.startswith("Add the equations")
    assert check_solution(read_problem(statement), text).ok
    assert check_inline(extract_final_answer(text), SAMPLE_SYSTEM_SPEC).correct


def test_the_cas_writes_the_factoring_line_the_model_keeps_missing(engine):
    statement = "Solve for $k$: $k^2 + 16k + 60 = 0$."
    text, handle = _explain(engine, statement)
    # The model's own first lines change nothing or ramble; after three the CAS writes the line
    # the training data would, and the model goes on from it.
    assert handle.retries >= 3 and handle.corrections == 1 and handle.checked is True
    assert text.startswith(
        "Factor: find two numbers that multiply to $60$ and add to $16$ "
        "($10 \\cdot 6 = 60$, $10 + 6 = 16$): $(k + 10)(k + 6) = 0$."
    )
    assert check_solution(read_problem(statement), text).ok
    assert extract_final_answer(text) == "\\{-10, -6\\}"


def test_like_terms_are_written_out_by_the_cas_when_the_model_miscopies_them(engine):
    text, handle = _explain(engine, "Collect like terms in -7p - 6p + 7p - 7.")
    assert handle.corrections == 1 and handle.checked is True
    assert "($-7p - 6p + 7p = -6p$): $-6p - 7$." in text
    assert extract_final_answer(text) == "-6p - 7"


def test_a_hint_from_a_corrected_first_line_names_the_step_only(engine):
    spec = {"kind": "equation", "key": ["x = -10"]}
    text, handle = _explain(engine, "Find $x$ if $-12x + 9 = 8x + 209$.", "hint")
    assert handle.finish_reason == "stop" and text.startswith("Next step: subtract $8x$")
    assert not reveals_answer(text, spec) and "209" not in text
