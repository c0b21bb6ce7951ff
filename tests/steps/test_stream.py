"""StepStream: the engine's exact arithmetic and line checks, fed text as a model streams it."""

from __future__ import annotations

from inference.steps.check import StepVerdict
from inference.steps.problems import read_problem
from inference.steps.stream import StepStream, hint_start, hint_text, reduction_step

PROBLEM = read_problem("Solve $-8x - 3 = 5$.")


def _stream_model(steps: StepStream, model_text: str, chunk: int = 3) -> tuple[str, list]:
    """Feed ``model_text`` in small pieces like a model would; whenever the engine asks for an
    insert, the insert replaces what the model was about to write up to the next ``$``.
    Returns the text as shown and every action."""
    shown, actions, i = "", [], 0
    while i < len(model_text):
        piece = model_text[i : i + chunk]
        i += chunk
        shown += piece
        action = steps.feed(piece)
        actions.append(action)
        if action.insert:
            # The engine forces the result: skip the model's own (possibly wrong) digits.
            shown += action.insert
            steps.feed(action.insert)
            i = model_text.index("$", i)
    actions.append(steps.finish())
    return shown, actions


def test_exact_results_replace_the_models_slips():
    # The model "slips" on both results (9 and -2); the engine's CAS writes 8 and -1 instead.
    model = (
        "Add $3$ to both sides ($5 + 3 = 9$): $-8x = 8$.\n"
        "Divide both sides by $-8$ ($8 \\div (-8) = -2$): $x = -1$.\n"
        "Answer: $\\boxed{x = -1}$"
    )
    steps = StepStream(PROBLEM)
    shown, actions = _stream_model(steps, model, chunk=2)
    assert "($5 + 3 = 8$)" in shown and "= 9" not in shown
    assert "($8 \\div (-8) = -1$)" in shown and "= -2" not in shown
    assert [a.insert.strip() for a in actions if a.insert] == ["8", "-1"]
    assert all(a.failed is None for a in actions)
    assert steps.all_ok and steps.answered
    assert len(steps.lines) == 3


def test_the_raw_model_gets_no_help_and_its_slip_is_caught():
    steps = StepStream(PROBLEM, exact=False)
    action = steps.feed("Add $3$ to both sides ($5 + 3 = 9$): $-8x = 9$.\n")
    assert action.insert == ""
    assert action.failed is not None and not action.failed.ok
    assert "9" in action.failed.reason


def test_a_state_that_does_not_follow_fails_its_line():
    steps = StepStream(PROBLEM)
    action = steps.feed("Add $3$ to both sides ($5 + 3 = 8$): $-8x = 2$.\n")
    assert action.failed is not None
    assert "does not follow" in action.failed.reason


def test_a_wrong_answer_fails_when_the_model_stops():
    steps = StepStream(PROBLEM)
    assert steps.feed("Add $3$ to both sides ($5 + 3 = 8$): $-8x = 8$.\n").failed is None
    steps.feed("Answer: $\\boxed{x = 1}$")
    end = steps.finish()
    assert end.failed is not None and end.failed.kind == "answer"
    assert not steps.all_ok


def test_no_insert_outside_a_calc():
    steps = StepStream(PROBLEM)
    assert steps.feed("Add $3$ to both sides: $-8x =").insert == ""  # the STATE
    steps = StepStream(PROBLEM)
    assert steps.feed("Answer: $\\boxed{x =").insert == ""


def test_hint_starts_from_a_correct_intermediate_answer():
    statement, started = hint_start(PROBLEM, "-8x = 8")
    assert statement == "Solve $-8x = 8$."
    assert started is not None and started.solution == PROBLEM.solution


def test_hint_starts_from_the_problem_otherwise():
    for answer in ("", "-8x = 9", "x = -1", "banana", "5"):
        statement, started = hint_start(PROBLEM, answer)
        assert statement == PROBLEM.statement and started is PROBLEM


def test_hint_text_names_the_operation_without_results():
    text = hint_text("Divide both sides by $-8$ ($8 \\div (-8) = -1$): $x = -1$.")
    assert text == "Next step: divide both sides by $-8$. Work out $8 \\div (-8)$."
    text = hint_text("Multiply first ($3 \\cdot (-8) = -24$): $7 + (-24) - 8$.")
    assert text == "Next step: multiply first. Work out $3 \\cdot (-8)$."


def test_a_line_that_never_ends_fails_early():
    steps = StepStream(PROBLEM)
    action = steps.feed("Add " + "$3$ and " * 80)
    assert action.failed is not None and "runs on" in action.failed.reason


def test_an_insert_arriving_token_by_token_fires_once():
    """The engine forces an insert's tokens one by one; "= " after the first of them must not
    fire the calculator again."""
    steps = StepStream(PROBLEM)
    action = steps.feed("Add $3$ to both sides ($5 + 3 =")
    assert action.insert == " 8"
    for piece in (" ", "8"):  # the forced tokens come back as the model's own
        assert steps.feed(piece).insert == ""
    assert steps.feed("$): $-8x = 8$.\n").failed is None
    assert steps.lines == ["Add $3$ to both sides ($5 + 3 = 8$): $-8x = 8$."]


def test_reduction_step_starts_the_skipped_step():
    problem = read_problem("Compute $\\frac{3}{4} \\cdot \\frac{2}{9}$.")
    steps = StepStream(problem)
    line = (
        "Multiply the numerators and the denominators ($3 \\cdot 2 = 6$, $4 \\cdot 9 = 36$): "
        "$\\frac{6}{36}$."
    )
    assert steps.feed(line + "\n").failed is None
    steps.feed("Answer: $\\boxed{\\frac{6}{36}}$")
    failed = steps.finish().failed
    assert failed is not None and "lowest terms" in failed.reason
    assert reduction_step(failed, line) == (
        "Divide the numerator and the denominator by their greatest common factor $6$ ("
    )
    # Nothing to add for other failures.
    assert reduction_step(StepVerdict(False, "step", "does not follow"), line) == ""
