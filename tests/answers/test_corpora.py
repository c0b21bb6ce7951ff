"""Agreement with the peers' expected verdicts (skipped when the corpora are absent).

The benchmark (`python -m curriculum.answers.bench`) prints the full table, latency and
math-verify's own figures; this test only guards the agreement targets.
"""

import os
from pathlib import Path

import pytest

from curriculum.answers.bench import DEFAULT_DATA, load_rows, mv_case_to_spec, stack_case_to_spec
from curriculum.answers.checker import check_inline, warm_up
from tests.shared_data import needs_shared_data

DATA = Path(os.environ.get("ANSWERS_DATA", str(DEFAULT_DATA)))

pytestmark = [
    pytest.mark.slow,
    needs_shared_data(
        DATA / "math_verify_cases.jsonl",
        DATA / "stack_cases.jsonl",
        what="the answer corpora",
        hint="ANSWERS_DATA may point elsewhere",
    ),
]


@pytest.fixture(scope="module")
def rows():
    warm_up()
    return load_rows(DATA)


def test_math_verify_short_answer_agreement(rows):
    mv, _ = rows
    short = [r for r in mv if r["kind"] != "long_text_extraction"]
    ok = sum(check_inline(*mv_case_to_spec(r)).correct == r["expected"] for r in short)
    assert ok / len(short) >= 0.97, f"{ok}/{len(short)}"


def test_stack_agreement_on_implemented_tests(rows):
    _, st = rows
    mapped = [(r, stack_case_to_spec(r)) for r in st]
    mapped = [(r, m) for r, m in mapped if m is not None]
    ok = sum(check_inline(*m).correct == r["expected"] for r, m in mapped)
    assert ok / len(mapped) >= 0.95, f"{ok}/{len(mapped)}"
