"""Hints checked at load time (issue 12): a hint before the last that states the answer is
an error; the last may state it only when marked `bottom_out`; the demo hints teach."""

from __future__ import annotations

from curriculum.package import RawPackage, read_package
from curriculum.validation import validate
from tests.curriculum.conftest import DEMO, MINI

FIGURES = {"figures/line.png": (MINI / "figures" / "line.png").read_bytes()}


def _lin(mini_data) -> dict:
    return mini_data["units"][1]["skills"][0]["problems"][0]  # Solve 2x + 3 = 11, x = 4


def _messages(result, level="error"):
    return [i.message for i in result.issues if i.level == level]


def test_a_hint_that_gives_the_answer_away_is_an_error(mini_data):
    _lin(mini_data)["hints"] = ["So $x = 4$.", "Subtract $3$ from both sides."]
    result = validate(RawPackage(mini_data, "course.yaml", FIGURES))
    assert not result.ok
    assert any("hint 1 of 2 gives the answer away ($x = 4$)" in m for m in _messages(result))


def test_the_last_hint_may_state_the_answer_only_when_marked(mini_data):
    _lin(mini_data)["hints"] = ["Subtract $3$ from both sides.", "Then $2x = 8$, so $x = 4$."]
    result = validate(RawPackage(mini_data, "course.yaml", FIGURES))
    assert any("the last hint states the answer" in m for m in _messages(result))
    _lin(mini_data)["hints"][1] = {"text": "Then $2x = 8$, so $x = 4$.", "bottom_out": True}
    result = validate(RawPackage(mini_data, "course.yaml", FIGURES))
    assert result.ok, result.errors
    hints = next(p for p in result.plans[0].problems if p["slug"] == "lin-1")["hints"]
    assert [h["kind"] for h in hints] == ["hint", "bottom_out"]


def test_only_the_last_hint_can_be_bottom_out(mini_data):
    _lin(mini_data)["hints"] = [
        {"text": "Subtract $3$ from both sides.", "bottom_out": True},
        "Then divide by $2$.",
    ]
    result = validate(RawPackage(mini_data, "course.yaml", FIGURES))
    assert any("only the last hint can be the bottom-out hint" in m for m in _messages(result))


def test_imported_content_gets_warnings_not_errors(mini_data):
    _lin(mini_data)["hints"] = ["So $x = 4$.", "Subtract $3$ from both sides.", "So $x = 4$."]
    result = validate(RawPackage(mini_data, "course.yaml", FIGURES), source_format="oatutor")
    assert result.ok
    warned = [m for m in _messages(result, "warning") if "answer" in m]
    # the first hint gives it away; the last is the pathway's bottom-out hint
    assert len(warned) == 1 and "hint 1 of 3 gives the answer away" in warned[0]


def test_demo_hints_teach_the_step():
    result = validate(read_package(DEMO))
    assert result.ok, result.errors[:5]
    assert not [i for i in result.issues if "answer" in i.message]
    problems = result.plans[0].problems
    kinds = [h["kind"] for p in problems for h in p["hints"]]
    assert kinds.count("bottom_out") == 1  # the pizza problem shows its sum at the end
    assert not any(" 1x" in p["statement"] or "+ 1x" in p["statement"] for p in problems)
