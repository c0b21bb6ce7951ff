"""Verdicts: equivalence, forms, structured answers and the feedback codes."""

import pytest

from curriculum.answers import check_inline


def chk(raw, kind, key, **options):
    return check_inline(
        raw, {"kind": kind, "key": key if isinstance(key, list) else [key], "options": options}
    )


# ---------------------------------------------------------------- expressions
@pytest.mark.parametrize(
    "raw,key",
    [
        ("2(x+1)", "2x+2"),
        ("(x+1)^2", "x^2+2x+1"),
        ("tan(y)^2+1", "sec(y)^2"),
        ("x/2", "0.5x"),
        ("(x^2-1)/(x-1)", "x+1"),
        ("e^(i*pi)", "-1"),
        ("sqrt(8)", "2sqrt(2)"),
        ("ln(e^2)", "2"),
        (r"\frac{x+2}{7}", "x/7+2/7"),
        ("1/(1/x)", "x"),
    ],
)
def test_equivalent_expressions(raw, key):
    v = chk(raw, "expression", key)
    assert v.correct, v


@pytest.mark.parametrize(
    "raw,key",
    [
        ("sqrt(x^2)", "x"),  # domain care
        ("log(x^2)", "2log(x)"),
        ("x+1", "x-1"),
        ("0.333333333333333x", "x/3"),  # exact, not float-close
        ("(x+1)^3", "x^3+3x^2+3x"),
    ],
)
def test_not_equivalent(raw, key):
    assert not chk(raw, "expression", key).correct


def test_sign_error():
    v = chk("-2x-2", "expression", "2x+2")
    assert v.code == "sign_error" and v.valid and not v.correct


def test_unexpected_variable():
    v = chk("2y+2", "expression", "2x+2", variables=["x"])
    assert v.code == "unexpected_variable" and "y" in v.feedback


def test_missing_star_is_reported_as_read():
    v = chk("xy+1", "expression", "x+y")
    assert v.code == "wrong"
    assert "We read your answer as x*y + 1" in v.feedback


def test_wrong_type():
    assert chk("x = 2", "expression", "x+1", strict_type=True).code == "wrong_type"
    assert chk("{1, 2}", "expression", "x+1").code == "wrong_type"


def test_value_for_named_answer():
    assert chk("y = 2x+1", "expression", "2x+1").correct
    assert chk("x = 3", "number", "3").correct


# ---------------------------------------------------------------- forms
@pytest.mark.parametrize(
    "raw,key,form,ok",
    [
        ("x^2+2x+1", "(x+1)^2", "expanded", True),
        ("(x+1)^2", "x^2+2x+1", "expanded", False),
        ("2(x-1)", "2x-2", "expanded", False),
        ("2(x-1)", "2x-2", "factored", True),
        ("2x-2", "2x-2", "factored", False),
        ("x(2x-6)", "2x(x-3)", "factored", False),
        ("(x-1)(x^2+x+1)", "x^3-1", "factored", True),
        ("x^2-2", "x^2-2", "factored", True),
        ("2/4", "1/2", "lowest_terms", False),
        ("1/2", "1/2", "lowest_terms", True),
        ("1/sqrt(3)", "sqrt(3)/3", "lowest_terms", False),
        ("a+1/2", "(2a+1)/2", "single_fraction", False),
        ("(2a+1)/2", "a+1/2", "single_fraction", True),
        ("1/(1-1/x)", "x/(x-1)", "single_fraction", False),
        ("(x-1)^2+1", "x^2-2x+2", "completed_square", True),
        ("x^2-2x+2", "(x-1)^2+1", "completed_square", False),
        ("-4(x-1)^2+3", "-4x^2+8x-1", "completed_square", True),
        ("x+x+1", "2x+1", "simplified", False),
        ("2x+1", "2x+1", "simplified", True),
        ("1+2x", "2x+1", "simplified", True),
        ("x*x", "x^2", "simplified", False),
        ("2+3", "5", "simplified", False),
        ("1+2x", "2x+1", "as_key", True),
        ("x+x+1", "2x+1", "as_key", False),
        ("2/(x+1)+1/x", "(3x+1)/(x(x+1))", "partial_fractions", True),
    ],
)
def test_forms(raw, key, form, ok):
    v = chk(raw, "expression", key, form=form)
    if ok:
        assert v.correct, v
    else:
        assert v.code == "wrong_form", v
        assert v.details["form"] == form
        assert "equivalent" in v.feedback


def test_factored_with_common_factor_message():
    v = chk("6st+10s", "expression", "2s(3t+5)", form="factored", var="t")
    assert v.code == "wrong_form"


# ---------------------------------------------------------------- numbers
def test_numbers():
    assert chk("0.5", "number", "1/2").correct
    assert chk("1,000", "number", "1000").correct
    assert chk("1 1/2", "number", "3/2").correct
    assert chk("28", "number", "28%").correct
    assert chk("0.28", "number", "28%").correct
    assert chk("28%", "number", "7/25").correct
    assert not chk("28", "number", "0.28").correct
    assert chk("2.5e3", "number", "2500").correct


def test_tolerance_and_close():
    assert chk("3.14", "number", "pi", tolerance=0.001).correct
    assert chk("3.14", "number", "pi", tolerance={"abs": 0.01}).correct
    v = chk("3.14", "number", "pi")
    assert v.code == "close" and "rounding" in v.feedback
    assert chk("-3", "number", "3").code == "sign_error"


def test_significant_figures_on_digits_typed():
    assert chk("3.14", "number", "pi", sig_figs=3).correct
    v = chk("3.1416", "number", "pi", sig_figs=3)
    assert v.code == "wrong_sig_figs"
    assert chk("1200", "number", "1234", sig_figs=2).correct  # 1200 may have 2 s.f.
    assert chk("0.0010", "number", "0.001", sig_figs=2).correct
    assert chk("1.50", "number", "1.5", sig_figs=3).correct
    assert chk("1.5", "number", "1.5", sig_figs=3).code == "wrong_sig_figs"


def test_decimal_places_need_trailing_zeros():
    assert chk("3.14", "number", "pi", decimal_places=2).correct
    assert chk("7.0000", "number", "7", decimal_places=4).correct
    v = chk("7.000", "number", "7", decimal_places=4)
    assert v.code == "wrong_decimal_places"


def test_plus_minus():
    assert chk("±2", "number", "±2").correct
    assert chk("{-2, 2}", "number", "±2").correct
    v = chk("2", "number", "±2")
    assert v.code == "partial"


# ---------------------------------------------------------------- equations
def test_equations_by_solution_set():
    assert chk("x = 1", "equation", "2x+2=4").correct
    assert chk("2x-y+1=0", "equation", "y=2x+1").correct
    assert chk("x^2/16+y^2/12=1/4", "equation", "x^2/4+y^2/3=1").correct
    assert chk("x = 2 or x = -3", "equation", "x^2+x-6=0").correct
    assert chk("x = -3, 2", "equation", "x^2+x-6=0").correct
    assert chk("x = ±2", "equation", "x^2=4").correct
    assert chk("2", "equation", "x=2").correct


def test_one_of_two_solutions():
    v = chk("x = 2", "equation", "x^2+x-6=0")
    assert v.code == "partial" and v.score == 0.5 and "one of the two" in v.feedback
    v = chk("x = 2", "equation", "x^2+x-6=0", partial_credit=False)
    assert v.score == 0.0


def test_no_solution_and_all_reals():
    assert chk("no solution", "equation", "x+1=x").correct
    assert chk("all real numbers", "equation", "2(x+1)=2x+2").correct


def test_systems():
    assert chk("x=1, y=2", "equation", "[x+y=3, x-y=-1]").correct
    assert chk("(1, 2)", "list", "(1, 2)").correct


# ---------------------------------------------------------------- inequalities, intervals
def test_inequalities_and_intervals():
    assert chk("[1, 3)", "inequality", "1 <= x < 3").correct
    assert chk("1 <= x < 3", "inequality", "[1, 3)").correct
    assert chk("(-inf, 2]", "inequality", "x <= 2").correct
    assert chk("x > 2 or x < -2", "inequality", "x^2 > 4").correct
    assert chk("(-oo,-2) U (2,oo)", "inequality", "x^2 > 4").correct
    assert chk("-x > -1", "inequality", "x < 1").correct
    assert chk("5 >= x", "inequality", "x <= 5").correct


def test_inequality_feedback():
    assert chk("x > 1", "inequality", "x < 1").code == "inequality_reversed"
    assert chk("(1, 3)", "inequality", "[1, 3]").code == "wrong_endpoints"
    v = chk("x >= 1", "inequality", "[1, oo)", notation="interval")
    assert v.code == "wrong_form"


# ---------------------------------------------------------------- sets and lists
def test_sets_and_lists():
    assert chk("{3, 1, 2}", "set", "{1,2,3}").correct
    assert chk("{1, 2, 2, 3}", "set", "{1,2,3}").correct
    v = chk("{1, 2}", "set", "{1,2,3}")
    assert v.code == "partial" and abs(v.score - 2 / 3) < 1e-9
    assert chk("3, 1, 2", "list", "1, 2, 3").correct
    assert not chk("3, 1, 2", "list", "1, 2, 3", ordered=True).correct
    assert chk("(2, 1)", "list", "(1, 2)").code == "wrong"
    assert chk("(1,2), (3,4)", "list", "(3,4), (1,2)").correct


def test_matrices():
    assert chk("matrix([1,2],[3,4])", "expression", r"\begin{pmatrix}1&2\\3&4\end{pmatrix}").correct
    v = chk("matrix([1,2])", "expression", "matrix([1,2],[3,4])")
    assert v.code == "wrong_length"


# ---------------------------------------------------------------- choices, strings
def test_multiple_choice_and_strings():
    assert chk("b", "multiple_choice", "B").correct
    assert chk("(C)", "multiple_choice", "C").correct
    assert chk("A, C", "multiple_choice", ["A", "C"], multiple=True).correct
    assert chk("A", "multiple_choice", ["A", "C"], multiple=True).code == "partial"
    assert chk("E", "multiple_choice", "A", choices=["A", "B"]).code == "syntax_error"
    assert chk("Hello  World", "string", "hello world").correct
    assert not chk("Hello", "string", "hello", case_sensitive=True).correct


# ---------------------------------------------------------------- extraction (model output)
def test_extract_final_answer_from_model_output():
    text = r"We add them: $1+2=3$. So the answer is $\boxed{\frac{3}{2}}$."
    assert chk(text, "number", "3/2", extract=True).correct
    assert chk("The answer is $x = 4$.", "equation", "x=4", extract=True).correct
    assert chk(r"so $\boxed{1}$ and $\boxed{2}$", "set", "{1,2}", extract=True).correct


def test_custom_messages():
    v = chk("3", "number", "2", messages={"wrong": "Try counting again."})
    assert v.feedback == "Try counting again."


def test_verdict_is_serialisable():
    import json

    v = chk("x+1", "expression", "x+1")
    d = json.loads(json.dumps(v.to_dict()))
    assert set(d) >= {"correct", "score", "code", "feedback", "parsed_as", "normalized", "valid"}
