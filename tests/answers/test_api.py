"""The public contract the rest of the product relies on."""

import json

import pytest

from curriculum.answers import (
    AnswerSpec,
    ParseError,
    Verdict,
    check,
    check_inline,
    parse,
    validate_spec,
)


def test_check_expression_equivalent():
    v = check_inline("2(x+1)", {"kind": "expression", "key": ["2*x+2"]})
    assert isinstance(v, Verdict)
    assert v.correct and v.score == 1.0 and v.code == "correct" and v.valid
    assert v.parsed_as == "2*(x + 1)"
    assert json.loads(json.dumps(v.to_dict()))["code"] == "correct"


def test_check_accepts_spec_object_and_dict():
    spec = AnswerSpec.from_dict(
        {"kind": "expression", "key": ["2*x+2"], "options": {"variables": ["x"]}}
    )
    assert check_inline("2x+2", spec).correct
    assert check_inline("2x+2", spec.to_dict()).correct
    assert AnswerSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "nope", "key": ["1"]},
        {"kind": "number", "key": []},
        {"kind": "number", "key": ["1"], "options": {"tolerance": -1}},
        {"kind": "number", "key": ["1"], "options": {"form": "pretty"}},
        {"kind": "number", "key": ["1"], "options": {"bogus": 1}},
        {"kind": "number", "key": ["1"], "extra": 1},
        "not a dict",
    ],
)
def test_bad_spec_raises_value_error(bad):
    with pytest.raises(ValueError):
        AnswerSpec.from_dict(bad)


def test_check_never_raises_on_bad_spec():
    v = check_inline("1", {"kind": "nope", "key": ["1"]})
    assert not v.valid and v.code == "internal_error"


@pytest.mark.parametrize(
    "raw,code",
    [("", "empty"), ("   ", "empty"), ("x" * 10_000, "too_long"), ("2+*", "syntax_error")],
)
def test_invalid_inputs(raw, code):
    v = check_inline(raw, {"kind": "expression", "key": ["x"]})
    assert v.code == code and not v.valid and not v.correct and v.feedback


def test_parse_returns_tree_and_reading():
    p = parse("2x^2 + 3x")
    assert p.text == "2*x^2 + 3*x"
    with pytest.raises(ParseError) as e:
        parse("2 + (3")
    assert e.value.code == "syntax_error"


def test_validate_spec():
    assert validate_spec({"kind": "expression", "key": ["2x+2"]}) == []
    assert validate_spec({"kind": "expression", "key": ["2x+"]})
    assert validate_spec({"kind": "bad", "key": ["1"]})


def test_pool_check_matches_inline():
    spec = {"kind": "expression", "key": ["2*x+2"]}
    v = check("2(x+1)", spec)
    assert v.correct and v.code == "correct"
    assert check("", spec).code == "empty"
