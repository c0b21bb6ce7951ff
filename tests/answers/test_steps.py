"""Line-by-line checking of a student's working (curriculum/answers/steps.py, malrules.py):
verdicts per line, each malrule, one-way steps, reading errors, hostile input, the corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from curriculum.answers import CheckerPool, check_work_inline
from curriculum.answers.inputs import MAX_LENGTH
from curriculum.answers.malrules import CODES
from curriculum.answers.work_corpus import build
from curriculum.answers.workreport import MAX_LINES

CORPUS = Path(__file__).parent / "data" / "work_traces.jsonl"

SOLVE = {"kind": "equation", "key": ["x = 2"], "options": {"task": "solve"}}


def statuses(report) -> list[str]:
    return [v.status for v in report.lines]


# ---------------------------------------------------------------- correct working
@pytest.mark.parametrize(
    "lines, spec",
    [
        (["2x + 3 = 7", "2x = 7 - 3", "2x = 4", "x = 2"], SOLVE),
        (
            ["-2x + 4 < 10", "-2x < 6", "x > -3"],
            {"kind": "inequality", "key": ["x > -3"], "options": {"task": "solve", "var": "x"}},
        ),
        (
            ["x^2 - 5x + 6 = 0", "(x - 2)(x - 3) = 0", "x = 2 or x = 3"],
            {"kind": "set", "key": ["{2, 3}"], "options": {"task": "solve"}},
        ),
        (
            [
                "y = 2x + 1 and 3x + 2y = 16",
                "3x + 2(2x + 1) = 16",
                "7x + 2 = 16",
                "x = 2",
                "x = 2, y = 5",
            ],
            {"kind": "list", "key": ["(2, 5)"], "options": {"task": "solve", "ordered": True}},
        ),
        (
            ["3/4 + 1/6", "9/12 + 2/12", "11/12"],
            {"kind": "number", "key": ["11/12"], "options": {"task": "compute"}},
        ),
        (
            ["(x + 3)(x + 4)", "= x^2 + 4x + 3x + 12", "= x^2 + 7x + 12"],
            {"kind": "expression", "key": ["x^2 + 7x + 12"], "options": {"task": "expand"}},
        ),
        (
            [r"\frac{x}{3} = 4", r"x = 4 \cdot 3", "x = 12"],
            {"kind": "equation", "key": ["x = 12"], "options": {"task": "solve"}},
        ),
    ],
)
def test_correct_working_is_ticked_and_the_answer_accepted(lines, spec):
    r = check_work_inline(lines, spec)
    assert r.error == ""
    assert statuses(r) == ["given"] + ["ok"] * (len(lines) - 1)
    assert r.first_error is None and r.malrule == ""
    assert r.final["correct"] is True
    assert r.correct


def test_right_steps_but_not_solved_is_not_correct():
    r = check_work_inline(["2x + 3 = 7", "2x = 4"], SOLVE)
    assert r.steps_ok and r.first_error is None
    assert r.final["code"] == "wrong_form"  # the task is to solve: 2x = 4 is not solved
    assert not r.correct


def test_an_expression_chain_on_one_line_is_checked_link_by_link():
    r = check_work_inline(["2(x + 1) + 3", "2x + 2 + 3 = 2x + 6"])
    assert r.lines[1].status == "wrong"
    r = check_work_inline(["2(x + 1) + 3", "2x + 2 + 3 = 2x + 5"])
    assert r.lines[1].status == "ok"


# ---------------------------------------------------------------- each malrule
@pytest.mark.parametrize(
    "lines, first, rule, where",
    [
        (["2x + 3 = 7", "2x = 7 + 3", "x = 5"], 1, "sign_move", "3"),
        (["x - 4 = 10", "x = 10 - 4"], 1, "sign_move", "-4"),
        (["x^2 + x - 6 = 0", "(x + 3)(x - 2) = 0", "x = 3 or x = -2"], 2, "sign_move", ""),
        (["3(x + 2) = 18", "3x + 2 = 18", "3x = 16"], 1, "distribute_one_term", "3*(x + 2)"),
        (["5 - (x - 3) = 2", "5 - x - 3 = 2"], 1, "distribute_one_term", ""),
        (["4(x - 5)", "4x - 5"], 1, "distribute_one_term", ""),
        (["3/4 + 1/6", "4/10"], 1, "add_fractions", "3/4 + 1/6"),
        (["2/5 + 1/3", "3/8"], 1, "add_fractions", ""),
        (["4x + 8 = 12", "x + 8 = 12"], 1, "divide_one_term", ""),
        (["5x = 20 - 5", "x = 20 - 1"], 1, "divide_one_term", ""),
        (["3x = 12", "x = 12"], 1, "divide_one_side", "3"),
        (["x/3 = 4", "x = 4"], 1, "divide_one_side", ""),
        (["-2x + 4 < 10", "-2x < 6", "x < -3"], 2, "inequality_not_reversed", "<"),
        (["2x + 4 < 10", "2x < 6", "x > 3"], 2, "inequality_reversed_wrongly", ">"),
        (["4x + 4 < 20", "16 > 4x", "x > 4"], 2, "inequality_reversed_wrongly", ">"),
        (["-4x + 10 < -6", "-16 > -4x", "x < 4"], 2, "inequality_not_reversed", "<"),
        (["-2x - 7 = -15", "-8 = -2x", "x = -8"], 2, "divide_one_side", "-2"),
        (["x^2 = 9", "x = 3"], 1, "dropped_solution", "x = -3"),
        (["(x - 8)(x + 9) = 0", "x = 8"], 1, "dropped_solution", "x = -9"),
        (["x + 5 = 9", "x = 9 - 5", "x = 3"], 2, "arithmetic_slip", "3 -> 4"),
        (["(x + 3)(x + 4)", "x^2 + 7x + 13"], 1, "arithmetic_slip", "13 -> 12"),
        (["-3 + 7", "5"], 1, "arithmetic_slip", "5 -> 4"),
        (["4/9 * 7/9", "28/82"], 1, "arithmetic_slip", "82 -> 81"),
        (["5 + 7 * 4 - 1", "47"], 1, "order_of_operations", "5 + 7*4 - 1"),
        (["3x + 4 - 5x + 2", "8x + 6"], 1, "term_sign", "-5*x"),
        (
            ["y = 2x + 1 and 3x + 2y = 16", "3x + 2(2x + 1) = 16", "7x + 2 = 15"],
            2,
            "arithmetic_slip",
            "15 -> 16",
        ),
    ],
)
def test_each_malrule_is_named_at_the_first_wrong_line(lines, first, rule, where):
    r = check_work_inline(lines)
    assert r.first_error == first, [(v.status, v.message) for v in r.lines]
    assert r.malrule == rule
    line = r.lines[first]
    assert line.status == "wrong" and line.malrule == rule
    assert where in line.where
    assert line.message  # a sentence for the student
    assert all(v.status in ("given", "ok") for v in r.lines[:first])


def test_every_catalogued_malrule_is_exercised_above_and_in_the_corpus():
    named = {t["malrule"] for t in build() if t["malrule"]}
    assert named == set(CODES)


def test_the_slip_is_located_in_its_line():
    r = check_work_inline(["2x + 3 = 11", "2x = 11 - 3", "2x = 9", "x = 9/2"])
    assert r.first_error == 2 and r.malrule == "arithmetic_slip"
    assert "should be 8" in r.lines[2].message
    assert r.lines[3].status == "ok"  # later lines follow the wrong one consistently


def test_a_wrong_line_with_no_known_malrule_is_wrong_without_a_diagnosis():
    r = check_work_inline(["(x + 2)(x + 5)", "x^2 + 10"])
    assert r.first_error == 1 and r.malrule == ""
    assert r.lines[1].status == "wrong" and r.lines[1].message
    # any single number can be "fixed": a far-off one is not called a slip
    r = check_work_inline(["3 + 3 * (-1) - 7", "-20"])
    assert r.first_error == 1 and r.malrule == ""


# ---------------------------------------------------------------- one-way steps
def test_squaring_is_flagged_one_way_with_the_extra_solution():
    r = check_work_inline(["sqrt(x) = x - 2", "x = (x - 2)^2"])
    v = r.lines[1]
    assert v.status == "one_way" and v.code == "squared"
    assert "x = 1" in v.message
    assert r.first_error is None and r.steps_ok


def test_dividing_by_x_is_flagged_one_way_with_the_lost_solution():
    r = check_work_inline(["x^2 = 3x", "x = 3"])
    v = r.lines[1]
    assert v.status == "one_way" and v.code == "divided"
    assert "x = 0" in v.message


def test_multiplying_by_an_expression_that_can_be_zero_is_flagged():
    r = check_work_inline(["x = 2", "x(x - 1) = 2(x - 1)"])
    v = r.lines[1]
    assert v.status == "one_way" and v.code == "multiplied" and "x = 1" in v.message


def test_clearing_a_denominator_that_can_be_zero_is_flagged_with_the_false_solution():
    r = check_work_inline(["x/(x-1) = 1/(x-1)", "x = 1"])
    v = r.lines[1]
    assert v.status == "one_way" and v.code == "multiplied" and "x = 1" in v.message


def test_a_one_way_step_that_loses_a_solution_still_fails_the_final_check():
    r = check_work_inline(
        ["x^2 = 3x", "x = 3"], {"kind": "set", "key": ["{0, 3}"], "options": {"task": "solve"}}
    )
    assert r.steps_ok and not r.correct and r.final["code"] == "partial"


# ---------------------------------------------------------------- reading errors
def test_a_line_that_is_not_mathematics_is_a_reading_error_not_a_wrong_step():
    r = check_work_inline(["2x + 3 = 7", "2x = 7 +", "then divide by 2", "x = 2"], SOLVE)
    assert statuses(r) == ["given", "unreadable", "unreadable", "ok"]
    assert r.first_error is None
    assert "ends too early" in r.lines[1].message
    assert not r.steps_ok  # an unreadable line must be fixed before the working counts


def test_blank_lines_are_skipped():
    r = check_work_inline(["2x + 3 = 7", "", "2x = 4", "   ", "x = 2"], SOLVE)
    assert statuses(r) == ["given", "blank", "ok", "blank", "ok"]
    assert r.correct


def test_an_unreadable_start_is_an_error_of_the_whole_working():
    r = check_work_inline(["2x + = 7", "x = 2"])
    assert r.error.startswith("The problem's start could not be read")
    assert r.lines == []


# ---------------------------------------------------------------- hostile input
@pytest.mark.parametrize(
    "line, code",
    [
        ("x = " + "1" * (MAX_LENGTH + 1), "too_long"),
        ("(" * 300 + "x" + ")" * 300 + " = 2", "too_complex"),
        ("x = 9^9^9^9", "too_complex"),
        ("x = 1" + "0" * 200, "too_complex"),
        ('__import__("os").system("true")', "syntax_error"),
        ("x = exec(1)", None),
    ],
)
def test_hostile_lines_are_reading_errors_within_the_answers_limits(line, code):
    r = check_work_inline(["2x + 3 = 7", line, "x = 2"])
    v = r.lines[1]
    assert v.status == "unreadable"
    if code:
        assert v.code == code
    assert r.lines[2].status == "ok"  # the next line is still judged


def test_too_many_or_too_long_lines_and_wrong_types_are_refused_whole():
    assert "Too many lines" in check_work_inline(["x = 1"] * (MAX_LINES + 1)).error
    assert "too long" in check_work_inline(["x = 1"] + ["x" * 900] * 10).error
    assert check_work_inline("2x = 4").error  # not a list
    assert check_work_inline(["2x = 4", 5]).error
    assert check_work_inline([]).error


def test_a_huge_sum_is_judged_not_crashed():
    r = check_work_inline(["2x + 3 = 7", "x = " + " + ".join(["x"] * 300)])
    assert r.lines[1].status in ("wrong", "unreadable")


# ---------------------------------------------------------------- the corpus
def test_the_corpus_file_is_the_generators_output():
    lines = CORPUS.read_text().splitlines()
    assert [json.loads(x) for x in lines] == build()
    traces = build()
    assert len(traces) >= 300
    assert len({t["skill"] for t in traces}) == 17
    assert sum(t["first_error"] is None for t in traces) >= 60


def test_the_checker_meets_the_targets_on_the_corpus():
    traces = [json.loads(x) for x in CORPUS.read_text().splitlines()]
    located = named = with_rule = correct_marked_wrong = 0
    for t in traces:
        r = check_work_inline(t["lines"], t["spec"])
        located += r.first_error == t["first_error"]
        if t["malrule"]:
            with_rule += 1
            named += r.first_error == t["first_error"] and r.malrule == t["malrule"]
        end = t["first_error"] if t["first_error"] is not None else len(t["lines"])
        correct_marked_wrong += sum(v.status == "wrong" for v in r.lines[1:end])
        if t["first_error"] is None:
            assert r.final["correct"], t
    assert located / len(traces) >= 0.97
    assert named / with_rule >= 0.90
    assert correct_marked_wrong == 0


# ---------------------------------------------------------------- through the pool
def test_the_pool_checks_a_working_in_a_worker_process():
    pool = CheckerPool(size=1, slow_lane=0, deadline=10.0)
    try:
        r = pool.check_work(["2x + 3 = 7", "2x = 10", "x = 5"], SOLVE)
        assert r.first_error == 1 and r.malrule == "sign_move"
        assert r.final["code"] == "wrong" and not r.correct
        assert r.lines[1].mark == "✗"
        assert "Too many lines" in pool.check_work(["x"] * 100, SOLVE).error
        # past the deadline nothing is judged: the working comes back with the reason
        heavy = ["2x + 3 = 7"] + ["x = " + " + ".join(["x^2"] * 60)] * 20
        late = pool.check_work(heavy, SOLVE, deadline=0.05)
        assert late.lines == [] and "in time" in late.error
        assert pool.check_work(["2x + 3 = 7", "2x = 4"], SOLVE).lines[1].status == "ok"
    finally:
        pool.close()


# Written by hand, not by the corpus generator: combined steps, other notations.
@pytest.mark.parametrize(
    "lines, first, rule",
    [
        (["3(x - 2) + 4 = 19", "3x - 6 + 4 = 19", "3x - 2 = 19", "3x = 21", "x = 7"], None, ""),
        (["2(x + 4) = 3x - 1", "2x + 4 = 3x - 1", "4 = x - 1", "x = 5"], 1, "distribute_one_term"),
        (["x/2 + 3 = 7", "x + 3 = 14"], 1, "divide_one_term"),
        (["5 - 2x > 11", "-2x > 6", "x > -3"], 2, "inequality_not_reversed"),
        (["(x+1)^2 = 9", "x + 1 = 3", "x = 2"], 1, "dropped_solution"),
        (["3x + 5 = 2x - 7", "5x + 5 = -7"], 1, "sign_move"),
        (["0.5x + 1 = 3", "0.5x = 2", "x = 4"], None, ""),
        (["7 - 3x = 1", "-3x = -6", "x = -2"], 2, "arithmetic_slip"),
        (
            ["2x + 3y = 12 and x - y = 1", "x = y + 1", "2(y + 1) + 3y = 12", "y = 2", "x = 3"],
            None,
            "",
        ),
        (["-(2x - 5) = 3", "-2x - 5 = 3"], 1, "distribute_one_term"),
        (["x^2 = 9", "x = ±3"], None, ""),
        (["x^2 = 9", "x = 3, -3"], None, ""),
        (["x^2 = 9", "x = 3 or -3"], None, ""),
        (["(x-2)^2 = 9", "x - 2 = +-3", "x = 5 or x = -1"], None, ""),
        (["|x - 1| = 3", "x - 1 = 3 or x - 1 = -3", "x = 4 or x = -2"], None, ""),
        (["1/x = 2", "1 = 2x", "x = 1/2"], None, ""),
        (["2x + 4 < 10", "x < 3", "(-oo, 3)"], None, ""),
        (["2x + 4 <= 10", "x <= 3", "(-oo, 3)"], 2, ""),
        (["-x <= 4", "x <= -4"], 1, "inequality_not_reversed"),
        (["x + y = 5 and x - y = 1", "2x = 6", "x = 3", "y = 2", "(3, 2)"], None, ""),
    ],
)
def test_hand_written_workings(lines, first, rule):
    r = check_work_inline(lines)
    assert (r.first_error, r.malrule) == (first, rule)


def test_authoring_option_working_and_its_start():
    from curriculum.answers import AnswerSpec, validate_spec, work_start

    spec = {
        "kind": "equation",
        "key": ["x = 2"],
        "options": {"task": "solve", "working": "require", "given": ["2x + 3 = 7"]},
    }
    assert AnswerSpec.from_dict(spec).opt("working") == "require"
    assert work_start(spec) == "2x + 3 = 7"
    system = {
        "kind": "list",
        "key": ["(2, 5)"],
        "options": {"given": ["y = 2x + 1", "3x + 2y = 16"]},
    }
    assert work_start(system) == "y = 2x + 1 and 3x + 2y = 16"
    r = check_work_inline(
        [work_start(system), "3x + 2(2x + 1) = 16", "7x = 14", "x = 2, y = 5"], system
    )
    assert r.correct, [(v.status, v.message) for v in r.lines]
    spec["options"]["work_start"] = "2x = 7 - 3"
    assert work_start(spec) == "2x = 7 - 3"
    with pytest.raises(ValueError, match="working"):
        AnswerSpec.from_dict({"kind": "number", "key": ["1"], "options": {"working": "maybe"}})
    assert validate_spec({"kind": "number", "key": ["1"], "options": {"working": "allow"}}) == []
    r = check_work_inline([work_start(spec), "x = 2"], AnswerSpec.from_dict(spec))
    assert r.correct


def test_read_back_is_the_parser_only_and_bounded():
    from curriculum.answers import read_back

    rows = read_back("= 6x - 3\n\nx = (\n" + "x = 1\n" * 100)
    assert rows[0] == {"text": "= 6x - 3", "latex": "6 \\, x - 3"}
    assert "error" in rows[1] and len(rows) == MAX_LINES
    assert read_back("x" * 100_000) and len(read_back("x\n" * 100_000)) == MAX_LINES
