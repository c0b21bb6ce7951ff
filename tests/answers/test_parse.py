"""Reading what students type and what MathLive produces."""

import pytest

from curriculum.answers import ParseError, parse


@pytest.mark.parametrize(
    "raw,text",
    [
        ("2x", "2*x"),
        ("3(x+1)", "3*(x + 1)"),
        ("x y", "x*y"),
        ("2x^2y", "2*x^2*y"),
        ("x**2", "x^2"),
        ("sqrt(x)", "sqrt(x)"),
        ("abs(x-1)", "|x - 1|"),
        ("|x-1|", "|x - 1|"),
        ("2|x|", "2*|x|"),
        ("sin(x)^2", "sin(x)^2"),
        ("sin^2 x", "sin(x)^2"),
        ("sin 2x", "sin(2*x)"),
        ("sin x cos x", "sin(x)*cos(x)"),
        ("log(x)", "log(x)"),
        ("log_2(8)", "log(8, 2)"),
        ("e^x", "e^x"),
        ("pi r^2", "pi*r^2"),
        ("2i", "2*i"),
        ("\u22123 \u00d7 4 \u00f7 2 \u00b7 5", "-3*4/2*5"),
        ("\u221a2", "sqrt(2)"),
        ("\u03c0", "pi"),
        ("x\u00b2", "x^2"),
        ("x \u2264 3", "x <= 3"),
        ("x \u2265 3", "x >= 3"),
        ("1 1/2", "1 1/2"),
        ("25%", "25%"),
        ("\u00b12", "\u00b12"),
        ("x = 2 \u00b1 3", "x = 2 \u00b1 3"),
        ("2.5e3", "2.5e3"),
        ("1.5E-3", "1.5e-3"),
        ("x = 2 or x = -3", "x = 2 or x = -3"),
        ("-1 < x <= 2", "-1 < x <= 2"),
        ("[1, 3)", "[1, 3)"),
        ("(-inf, 2]", "(-oo, 2]"),
        ("[1,3) U (4,5]", "[1, 3) U (4, 5]"),
        ("{1, 2, 3}", "{1, 2, 3}"),
        ("(1, 2)", "(1, 2)"),
        ("[1,2,3]", "[1, 2, 3]"),
        ("x=1, y=2", "x = 1, y = 2"),
        ("no solution", "no solution"),
        ("All real numbers", "all real numbers"),
        ("matrix([1,2],[3,4])", "matrix([1, 2], [3, 4])"),
        ("-x^2", "-x^2"),
        ("2^-3", "2^(-3)"),
        ("x_1 + x_2", "x_1 + x_2"),
        ("sin^-1(x)", "asin(x)"),
        ("3!", "3!"),
        ("5 percent", "5%"),
    ],
)
def test_plain_text(raw, text):
    assert parse(raw).text == text


@pytest.mark.parametrize(
    "raw,text",
    [
        (r"\frac{1}{2}", "1/2"),
        (r"\frac12", "1/2"),
        (r"\dfrac{x+1}{x-1}", "(x + 1)/(x - 1)"),
        (r"\sqrt{x}", "sqrt(x)"),
        (r"\sqrt[3]{x}", "root(x, 3)"),
        (r"\left(x+1\right)^{2}", "(x + 1)^2"),
        (r"2\cdot 3", "2*3"),
        (r"2\times 3", "2*3"),
        (r"\pi r^2", "pi*r^2"),
        (r"x\le 3", "x <= 3"),
        (r"x\geq 3", "x >= 3"),
        (r"x\ne 3", "x != 3"),
        (r"\infty", "oo"),
        (r"(-\infty, 2]", "(-oo, 2]"),
        (r"\text{no solution}", "no solution"),
        (r"\begin{pmatrix}1 & 2\\ 3 & 4\end{pmatrix}", "matrix([1, 2], [3, 4])"),
        (r"x_{1}+x_{2}", "x_1 + x_2"),
        (r"\log_{2} 8", "log(8, 2)"),
        (r"\sin^{2}(x)+\cos^2 x", "sin(x)^2 + cos(x)^2"),
        (r"e^{i\pi}", "e^(i*pi)"),
        (r"\{1,2\}", "{1, 2}"),
        (r"\left\lbrack 1,3\right)", "[1, 3)"),
        (r"x=\pm 2", "x = \u00b12"),
        (r"3{,}5", "3.5"),
        (r"50\%", "50%"),
        (r"\exponentialE^{x}", "e^x"),
        (r"\left|x\right|", "|x|"),
        (r"[1,3)\cup(4,5]", "[1, 3) U (4, 5]"),
        (r"\operatorname{sgn}(x)", "sgn(x)"),
        (r"\mathrm{e}^{2}", "e^2"),
    ],
)
def test_latex_as_mathlive_writes_it(raw, text):
    p = parse(raw)
    assert p.syntax == "latex"
    assert p.text == text


def test_reading_notes_say_how_we_read_it():
    p = parse("xy")
    assert p.text == "x*y"
    assert any("x y" in n for n in p.notes)
    p = parse("sinx")
    assert p.text == "sin(x)"
    p = parse("f(x)")
    assert any("product" in n for n in p.notes)


def test_thousands_and_decimal_comma_are_options():
    assert parse("1,000,000", number_grouping=True).text == "1000000"
    assert parse("1 000", number_grouping=True).text == "1000"
    assert parse("1,5", decimal_comma=True).text == "1.5"
    assert parse("1,000").node.op == "seq"  # a list unless asked


def test_declared_variables_are_kept_whole():
    assert parse("theta + V_0", variables=("theta", "V_0")).text == "theta + V_0"
    assert parse("ab", variables=("ab",)).text == "ab"
    assert parse("ab").text == "a*b"


@pytest.mark.parametrize(
    "raw,code",
    [
        ("", "empty"),
        ("   ", "empty"),
        ("2+", "syntax_error"),
        ("(x+1", "syntax_error"),
        ("x+1)", "syntax_error"),
        ("2 3", "syntax_error"),
        ("x 2", "syntax_error"),
        ("11 6/6", "syntax_error"),
        ("meters", "unknown_word"),
        ("__import__('os')", "syntax_error"),
        (r"\input{/etc/passwd}", "unknown_command"),
        (r"\def\x{1}", "unknown_command"),
        (r"\foo{1}", "unknown_command"),
        ("x" * 2000, "too_long"),
        ("(" * 50 + "1" + ")" * 50, "too_complex"),
        ("1" * 100, "too_complex"),
        ("2 \u0445", "syntax_error"),  # Cyrillic look-alike of x
    ],
)
def test_errors_are_clear(raw, code):
    with pytest.raises(ParseError) as e:
        parse(raw)
    assert e.value.code == code
    assert e.value.message and e.value.message[-1] in ".)"


def test_syntax_error_has_position():
    with pytest.raises(ParseError) as e:
        parse("2 + * 3")
    assert e.value.position == 4
    assert "position 5" in e.value.message


def test_sympy_value():
    import sympy as sp

    x = sp.Symbol("x")
    assert parse("2(x+1)").sympy() == 2 * x + 2
    assert parse("1 1/2").sympy() == sp.Rational(3, 2)
    assert parse("0.5").sympy() == sp.Rational(1, 2)  # decimals are exact
    assert parse(
        "log(x)",
    ).sympy(log_base="10") == sp.log(x, 10)
