"""Fair reading of what students type (issue 12): notations we do not read are not wrong
attempts; the length limit is the documented one; equal where the key is defined; lowest
terms of a sum over a number; fraction forms are fractions; "no solution" as a key."""

from __future__ import annotations

import pytest

from curriculum.answers import MAX_LENGTH, CheckerPool, check_inline


def chk(raw, kind, key, **options):
    return check_inline(raw, {"kind": kind, "key": [key], "options": options})


@pytest.mark.parametrize(
    "raw,kind,key,says",
    [
        ("5 cm", "number", "5", "leave out the unit (cm)"),
        ("5cm", "number", "5", "leave out the unit (cm)"),
        ("12 kg", "expression", "12", "leave out the unit (kg)"),
        ("45°", "number", "45", "leave out the degree sign"),
        ("45 degrees", "number", "45", "leave out the degree sign"),
        ("three", "number", "3", "in digits, like 3"),
        ("twenty-one", "number", "21", "in digits, like 21"),
        ("2,75", "number", "2.75", "decimal point, like 2.75"),
        ("2,75", "number", "11/4", "decimal point, like 2.75"),
        ("1,000x + 2", "expression", "1000x+2", "without a thousands comma: 1000"),
    ],
)
def test_notations_we_do_not_read_get_a_precise_message_and_do_not_count(raw, kind, key, says):
    v = chk(raw, kind, key)
    assert v.code == "notation" and not v.valid and not v.correct
    assert says in v.feedback


@pytest.mark.parametrize(
    "raw,kind,key,options",
    [
        ("5m", "expression", "5m", {}),  # m is the problem's variable here
        ("1,5", "list", "1, 5", {}),  # a list, not a decimal comma
        ("2,75", "number", "2.75", {"decimal_comma": True}),
        ("1,000", "number", "1000", {}),  # thousands grouping of a number
    ],
)
def test_the_same_shapes_are_read_where_they_mean_something(raw, kind, key, options):
    assert chk(raw, kind, key, **options).correct


def test_a_wrong_number_with_a_unit_is_asked_again_not_marked():
    assert chk("3 cm", "number", "5").code == "notation"
    assert chk("3", "number", "5").code == "wrong"


def test_the_length_limit_is_the_documented_one():
    assert MAX_LENGTH == 1000
    long_sum = "+".join(["1"] * 500)  # 999 characters, 999 tokens
    assert len(long_sum) == 999
    pool = CheckerPool(size=1, deadline=5.0)
    try:
        assert pool.check(long_sum, {"kind": "number", "key": ["500"]}).correct
    finally:
        pool.close()
    v = chk("1" * 1001, "number", "1")
    assert v.code == "too_long" and "at most 1000" in v.feedback


@pytest.mark.parametrize(
    "raw,key",
    [("ln(x^3)", "3ln(x)"), ("3 ln(x)", "ln(x^3)"), ("log((x+1)/(1-x))", "-log((1-x)/(x+1))")],
)
def test_equal_where_the_key_is_defined(raw, key):
    assert chk(raw, "expression", key).correct


@pytest.mark.parametrize(
    "raw,key",
    [("log(x^2)", "2log(x)"), ("2log(x)", "log(x^2)"), ("ln(x^3) + 1", "3ln(x)")],
)
def test_different_domains_stay_different(raw, key):
    assert not chk(raw, "expression", key).correct


def test_a_sum_over_a_number_must_be_reduced():
    v = chk("(2x+6)/4", "expression", "(x+3)/2", form="lowest_terms")
    assert v.code == "wrong_form"
    assert chk("(x+3)/2", "expression", "(x+3)/2", form="lowest_terms").correct
    assert chk("(2x+3)/4", "expression", "(2x+3)/4", form="lowest_terms").correct


@pytest.mark.parametrize("form", ["lowest_terms", "single_fraction"])
def test_a_decimal_does_not_satisfy_a_fraction_form(form):
    v = chk("0.75", "number" if form == "lowest_terms" else "expression", "3/4", form=form)
    assert v.code == "wrong_form" and "fraction" in v.feedback
    assert chk("3/4", "number", "3/4", form="lowest_terms").correct
    assert chk("0.75", "number", "0.75", form="lowest_terms").correct  # a decimal key


@pytest.mark.parametrize(
    "raw,key,correct",
    [
        ("no solution", "no solution", True),
        ("none", "no solution", True),
        ("x + 1 = x", "no solution", True),
        ("x = 1", "no solution", False),
        ("all real numbers", "no solution", False),
        ("all real numbers", "all real numbers", True),
        ("2x + 2 = 2(x + 1)", "all real numbers", True),
        ("x = 2", "all real numbers", False),
    ],
)
def test_no_solution_and_all_real_numbers_are_keys(raw, key, correct):
    v = chk(raw, "equation", key)
    assert v.correct is correct and v.valid


def test_shapes_that_are_not_equations_are_wrong_not_errors():
    # found by the restatement report over the OATutor pool: these were internal errors
    v = chk(r"A=\begin{bmatrix} 2 & -5 \\ 6 & 7 \end{bmatrix}", "equation", "DNE")
    assert v.code == "wrong" and v.valid
    assert chk("(h+c,k)=(12,1)", "list", "(h+c,k)=(12,1)").correct
    assert chk("(h+c,k)=(12,2)", "list", "(h+c,k)=(12,1)").code == "wrong"
