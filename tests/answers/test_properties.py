"""Property tests (hypothesis): equivalence under expansion and factorisation, symmetry,
and printing then parsing round-trips."""

import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curriculum.answers import check_inline, parse
from curriculum.answers.compare import equivalent

x, y = sp.symbols("x y")

leaf = st.one_of(
    st.integers(min_value=-9, max_value=9).map(sp.Integer),
    st.sampled_from([x, y]),
)


def _combine(children):
    return st.one_of(
        st.tuples(children, children).map(lambda t: t[0] + t[1]),
        st.tuples(children, children).map(lambda t: t[0] - t[1]),
        st.tuples(children, children).map(lambda t: t[0] * t[1]),
        st.tuples(children, st.integers(min_value=0, max_value=3)).map(lambda t: t[0] ** t[1]),
    )


polys = st.recursive(leaf, _combine, max_leaves=8)

# typed expressions, as text (our grammar), including implicit products and functions
atoms = st.one_of(
    st.integers(min_value=0, max_value=20).map(str),
    st.sampled_from(["x", "y", "pi", "e", "2x", "3y", "x^2", "sqrt(x)", "sin(x)", "|x|", "(x+1)"]),
)


def _text_combine(children):
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"
        ),
        children.map(lambda c: f"({c})"),
        children.map(lambda c: f"-{c}"),
        st.tuples(children, st.integers(min_value=0, max_value=3)).map(
            lambda t: f"({t[0]})^{t[1]}"
        ),
        children.map(lambda c: f"cos({c})"),
    )


texts = st.recursive(atoms, _text_combine, max_leaves=6)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _spec(key: str) -> dict:
    return {"kind": "expression", "key": [key]}


@SETTINGS
@given(polys)
def test_expression_equivalent_to_its_expansion(e):
    s = sp.sstr(e)
    expanded = sp.sstr(sp.expand(e))
    assert check_inline(s, _spec(expanded)).correct
    assert check_inline(expanded, _spec(s)).correct


@SETTINGS
@given(polys)
def test_expression_equivalent_to_its_factorisation(e):
    s = sp.sstr(e)
    factored = sp.sstr(sp.factor(e))
    v = check_inline(factored, _spec(s))
    assert v.correct, (s, factored, v)


@SETTINGS
@given(polys, polys)
def test_equivalence_is_symmetric(a, b):
    sa, sb = sp.sstr(a), sp.sstr(b)
    assert check_inline(sa, _spec(sb)).correct == check_inline(sb, _spec(sa)).correct


@SETTINGS
@given(texts, texts)
def test_equivalence_is_symmetric_on_typed_text(a, b):
    va = check_inline(a, _spec(b))
    vb = check_inline(b, _spec(a))
    if va.valid and vb.valid:
        assert va.correct == vb.correct, (a, b, va, vb)


@SETTINGS
@given(texts)
def test_print_then_parse_round_trips(s):
    p = parse(s)
    again = parse(p.text)
    assert again.text == p.text
    if p.sympy().has(sp.zoo, sp.nan):
        return  # 0/0 reads back as 0/0, but undefined values are never "equivalent"
    assert equivalent(again.sympy(), p.sympy())
    # and LaTeX printing reads back to the same value
    from_latex = parse(p.latex, syntax="latex")
    assert equivalent(from_latex.sympy(), p.sympy()), (s, p.latex, from_latex.text)


@SETTINGS
@given(texts)
def test_every_typed_expression_is_equivalent_to_itself(s):
    v = check_inline(s, _spec(s))
    assert v.correct or not v.valid or v.code == "wrong", v
    if parse(s).sympy().has(sp.zoo, sp.nan):
        return  # undefined values (1/0) are never "equal"
    assert v.correct, (s, v)
