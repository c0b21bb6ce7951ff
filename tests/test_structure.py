"""Structure rules of the code base (issue 17): one home for each limit, benchmarks where the
rule says (docs/benchmarks.md), and no long file without a stated reason."""

from __future__ import annotations

import re
from pathlib import Path

from curriculum import answers
from curriculum.answers import inputs, lexer, workreport
from tests.test_import_cycles import import_graph


def test_answer_length_limits_have_one_home():
    """The typed-answer limit is written once (curriculum.answers.inputs); the parser, the
    working, the answer form and the stored copy derive from it, with the values users see."""
    from tutor import forms, services

    assert answers.MAX_LENGTH == inputs.MAX_LENGTH == 1000
    assert lexer.ParseOptions().max_length == inputs.MAX_LENGTH
    assert workreport.MAX_TOTAL == 8 * inputs.MAX_LENGTH
    assert forms.AnswerForm().fields["answer"].max_length == inputs.EXTRACT_MAX_LENGTH == 100_000
    assert services.MAX_STORED_INPUT == 10 * inputs.MAX_LENGTH
    too_long = answers.check_inline("1" * 1001, {"kind": "number", "key": ["1"]})
    assert too_long.code == "too_long"
    assert too_long.feedback == inputs.too_long_message(1001, 1000)


# ----------------------------------------------------------------------------- benchmarks
ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("config", "tutor", "curriculum", "inference")
MEASURING = re.compile(r"^(bench(_\w+)?|evaluate|simulate|loadtest)$")


def _product_files() -> list[Path]:
    return sorted(
        path
        for package in PRODUCT
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_benchmarks_live_by_the_rule_and_are_listed():
    """docs/benchmarks.md: a benchmark lives in the package it measures, named bench*.py,
    evaluate.py, simulate.py or loadtest.py; every one is in the doc's table, and product code
    never imports one."""
    measuring = {_module(p) for p in _product_files() if MEASURING.match(p.stem)}
    doc = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    listed = {_module(ROOT / m.group(1)) for m in re.finditer(r"^\| `([\w/]+\.py)` \|", doc, re.M)}
    assert measuring == listed, "benchmarks not in docs/benchmarks.md, or listed and gone"
    graph = import_graph()
    wrong = {
        (module, used)
        for module, imports in graph.items()
        if module not in measuring
        for used in imports & measuring
    }
    assert not wrong, f"product modules importing a benchmark: {sorted(wrong)}"


# ------------------------------------------------------------------------ long files
LONG = 500  # lines; a product file longer than this says why here (docs/architecture.md)
LONG_FILES = {
    "curriculum/answers/bench.py": "a benchmark: two peers' corpora mapped to specs, and the report",
    "curriculum/answers/forms.py": "one small test per STACK answer form, in one table's order",
    "curriculum/answers/lexer.py": "half of it is whitelists (functions, constants, phrases)",
    "curriculum/answers/malrules.py": "the catalogue of error rules, tried in the order of RULES",
    "curriculum/answers/work_corpus.py": "the corpus generator: one trace builder per demo skill",
    "curriculum/importer.py": "one writer per content kind, all in one atomic transaction",
    "curriculum/oatutor.py": "the whole OATutor-to-package mapping, its table in the docstring",
    "curriculum/validation.py": "one ordered pass of every package check over one collector",
    "inference/bench_stream.py": "a benchmark: the deployed processes, N clients, the report",
    "inference/engines/local.py": "the engine loop and the step follower share the run state",
    "inference/sambay/model.py": "the model file (as gpt-fast's): every SambaY layer together",
    "inference/steps/check.py": "the line checker: every kind of line of the tutor format",
    "inference/steps/plans.py": "the CAS's planned lines, one writer per family",
    "inference/steps/problems.py": "the problem reader: one reader per family of statements",
    "inference/training/data.py": "the training data: one exact generator per problem family",
    "tutor/adaptive/engine.py": "update, predict and fit share one feature replay (no drift)",
    "tutor/adaptive/evaluate.py": "a benchmark: data readers, every peer model, the report",
    "tutor/adaptive/simulate.py": "a benchmark: the simulated learners and the figures run on them",
    "tutor/loadtest.py": "a benchmark: starts the stack, drives a classroom, reports",
}


def test_no_long_file_without_a_stated_reason():
    lengths = {
        str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
        for p in _product_files()
    }
    long = {path: n for path, n in lengths.items() if n > LONG}
    unstated = {path: n for path, n in long.items() if path not in LONG_FILES}
    assert not unstated, f"over {LONG} lines: split them, or add a reason to LONG_FILES: {unstated}"
    stale = sorted(set(LONG_FILES) - set(long))
    assert not stale, f"no longer over {LONG} lines (or gone): remove from LONG_FILES: {stale}"
