"""Values too large or too small for floating point are compared exactly (issue 12):
e^999, exp(710), cosh(1000), e^-999 never pass for an ordinary key, in any kind, while the
same huge value written another way still does."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curriculum.answers import check_inline

# Past float range (exp(709.8) overflows; below ~1e-308 a double is denormal or 0).
huge = st.one_of(
    st.integers(min_value=710, max_value=5000).map(lambda n: f"e^{n}"),
    st.integers(min_value=710, max_value=5000).map(lambda n: f"exp({n})"),
    st.integers(min_value=710, max_value=5000).map(lambda n: f"-exp({n})"),
    st.integers(min_value=711, max_value=5000).map(lambda n: f"cosh({n})"),
    st.integers(min_value=711, max_value=5000).map(lambda n: f"sinh({n})"),
    st.integers(min_value=309, max_value=3000).map(lambda n: f"10^{n}"),
)
tiny = st.one_of(
    st.integers(min_value=746, max_value=5000).map(lambda n: f"e^-{n}"),
    st.integers(min_value=746, max_value=5000).map(lambda n: f"exp(-{n})"),
    st.integers(min_value=325, max_value=3000).map(lambda n: f"10^-{n}"),
    st.integers(min_value=746, max_value=5000).map(lambda n: f"3 + e^-{n} - 3"),
)
extreme = st.one_of(huge, tiny)
ordinary = st.sampled_from(
    ["7", "0", "-1", "3/7", "sqrt(2)+1", "pi/4", "10^-300", "10^300", "1/1000000", "2.5"]
)

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _correct(raw: str, kind: str, key: str) -> bool:
    v = check_inline(raw, {"kind": kind, "key": [key]})
    assert v.valid, (raw, key, v.code, v.feedback)
    return v.correct


@SETTINGS
@given(extreme, ordinary, st.sampled_from(["number", "expression"]))
def test_extreme_values_are_not_ordinary_numbers(value, key, kind):
    assert not _correct(value, kind, key)


@SETTINGS
@given(extreme, ordinary)
def test_extreme_values_do_not_solve_equations(value, key):
    assert not _correct(value, "equation", "2x+1=5")
    assert not _correct(f"x = {value}", "equation", f"x = {key}")


@SETTINGS
@given(extreme, ordinary)
def test_extreme_values_inside_sets_and_lists(value, key):
    assert not _correct(f"{{{value}, 1}}", "set", f"{{{key}, 1}}")
    assert not _correct(f"[{value}, 1]", "list", f"[{key}, 1]")


@SETTINGS
@given(extreme, ordinary)
def test_extreme_values_with_a_tolerance(value, key):
    v = check_inline(value, {"kind": "number", "key": [key], "options": {"tolerance": 0.01}})
    assert not v.correct


@SETTINGS
@given(tiny)
def test_tiny_values_are_not_zero(value):
    assert not _correct(value, "number", "0")
    assert not _correct(f"x < {value}", "inequality", "x < 0")


@pytest.mark.parametrize(
    "raw,kind,key",
    [
        ("e^999", "expression", "7"),
        ("e^999", "number", "0"),
        ("e^999", "equation", "2x+1=5"),
        ("exp(710)", "number", "7"),
        ("-exp(1000)", "number", "-1"),
        ("cosh(1000)", "expression", "pi/4"),
        ("e^-999", "number", "10^-300"),
        ("{e^999}", "set", "{7}"),
        ("[e^999, 1]", "list", "[7, 1]"),
        ("x < e^999", "inequality", "x < e^1000"),
        ("(e^-999, 1)", "inequality", "(0, 1)"),
        # a tiny constant hidden in an expression is below what random points can see
        ("x + e^-999", "expression", "x"),
        ("sin(x) + e^-999 sin(x)", "expression", "sin(x)"),
        ("x = e^-800", "equation", "x = 0"),
        ("x - e^-800 = 0", "equation", "x = 0"),
        ("x + e^-999 < 3", "inequality", "x < 3"),
    ],
)
def test_the_reported_cases(raw, kind, key):
    assert not _correct(raw, kind, key)


@pytest.mark.parametrize(
    "raw,kind,key",
    [
        ("e^999", "number", "exp(999)"),
        ("e * e^999", "expression", "e^1000"),
        ("exp(-999)", "number", "e^-999"),
        ("10^400", "number", "100^200"),
        ("{e^999, 1}", "set", "{1, exp(999)}"),
        ("x = e^999", "equation", "x - e^999 = 0"),
        ("x < e^999", "inequality", "e^999 > x"),
        ("log(8)/log(2)", "number", "3"),
        ("acos(1/3)", "number", "atan(2 sqrt(2))"),
    ],
)
def test_the_same_value_written_another_way_is_still_right(raw, kind, key):
    assert _correct(raw, kind, key)


def test_comparison_with_a_huge_value_is_exact():
    # the answer must exceed the key: e^999 does, -e^999 does not
    spec = {"kind": "number", "key": ["10^300"], "options": {"compare": ">"}}
    assert check_inline("e^999", spec).correct
    assert not check_inline("-e^999", spec).correct
