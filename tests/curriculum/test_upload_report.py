"""Upload reports list every error at once (issue 12), with counts of what the package holds."""

from __future__ import annotations

from curriculum.package import RawPackage
from curriculum.validation import validate
from tests.curriculum.conftest import MINI

FIGURES = {"figures/line.png": (MINI / "figures" / "line.png").read_bytes()}


def _locations(result) -> list[str]:
    return [i.location for i in result.errors]


def test_five_errors_of_five_kinds_are_all_reported(mini_data):
    adding = mini_data["units"][0]["skills"][0]
    adding["problems"][0]["answer"] = {"kind": "number", "key": ["x+"]}  # unreadable key
    adding["problems"][1]["statement"] = "<script>alert(1)</script> $1+1$"  # raw HTML
    times = mini_data["units"][0]["skills"][1]
    times["prerequisites"] = ["nope"]  # unknown prerequisite
    times["templates"][0]["computed"] = {"p": "a**"}  # template that does not instantiate
    mini_data["units"][1]["skills"][0]["problems"][0]["answer"]["kind"] = "numbr"  # schema
    result = validate(RawPackage(mini_data, "course.yaml", FIGURES))
    assert len(result.errors) == 5, [i.message for i in result.errors]
    assert sorted(_locations(result)) == sorted(
        [
            "units[1].skills[0].problems[0].answer.kind",
            "units[0].skills[0].problems[0].answer",
            "units[0].skills[0].problems[1].statement",
            "units[0].skills[1].templates[0]",
            "units[0].skills[1].prerequisites[0]",
        ]
    )
    counts = result.counts()
    assert counts["courses"] == 1 and counts["units"] == 2 and counts["problems"] > 0


def test_errors_after_a_malformed_item_keep_their_place(mini_data):
    problems = mini_data["units"][0]["skills"][0]["problems"]
    problems[0]["answer"]["kind"] = "numbr"  # schema error: this problem is left out
    problems[1]["statement"] = "<script>x</script>"  # reported at problems[1], as written
    result = validate(RawPackage(mini_data, "course.yaml", FIGURES))
    assert "units[0].skills[0].problems[1].statement" in _locations(result)
    assert "units[0].skills[0].problems[0].answer.kind" in _locations(result)


def test_an_error_outside_any_item_still_reports_and_counts(mini_data):
    del mini_data["course"]["slug"]
    mini_data["units"][0]["skills"][0]["problems"][0]["statement"] = "<b>x</b>"
    result = validate(RawPackage(mini_data, "course.yaml", FIGURES))
    assert not result.ok
    assert result.counts()["units"] == 2  # not "0 courses, 0 units"


def test_an_unfilled_placeholder_is_a_warning(mini_data):
    mini_data["units"][0]["skills"][0]["problems"][0]["statement"] = "Compute $@{exponentt} + 1$."
    result = validate(RawPackage(mini_data, "course.yaml", FIGURES))
    warned = [i.message for i in result.warnings if "placeholder" in i.message]
    assert warned == ["unfilled variable placeholder @{exponentt} (shown literally)"]
