"""Form tests, judged on the tree the student typed (not on SymPy's evaluated form).

``check_forms(spec, node, value, key_node)`` returns ``None`` when every form
the spec asks for holds, else ``(form, feedback)``. The tests follow STACK's answer tests:

* ``as_key`` (EqualComAss): equal to the key up to commutativity and associativity of
  ``+`` and ``*`` (with ``-`` and ``/`` as their inverses); ``x+x`` is not ``2x``.
* ``identical`` (CasEqual): the same tree (brackets matter, order matters).
* ``expanded``: no product or power of a sum is left.
* ``factored`` (FacForm): a product of irreducible factors over the rationals, with common
  factors taken out.
* ``lowest_terms``: every numeric fraction is reduced and no denominator holds a surd
  or ``i``.
* ``single_fraction``: one fraction (numerator over denominator) with no fraction inside.
* ``completed_square``: ``a(x - h)^2 + k`` in the main variable.
* ``simplified``: in lowest terms, no arithmetic left undone between numbers, no like
  terms or factors left to collect (or written exactly as a key, up to order).
* ``partial_fractions``: a sum of a polynomial and proper fractions whose denominators
  are powers of irreducible polynomials.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from math import gcd
from typing import Any

import sympy as sp

from .compare import SYMPY_ERRORS, sympy_gave_up
from .convert import Converter
from .nodes import Node, walk
from .parsing import parse
from .spec import AnswerSpec

MESSAGES = {
    "as_key": "Your answer is equivalent to the correct answer, but not written in the form asked for.",
    "identical": "Your answer is equivalent to the correct answer, but not written exactly as asked.",
    "expanded": "Your answer is equivalent to the correct answer, but it is not expanded: "
    "multiply out the brackets.",
    "factored": "Your answer is equivalent to the correct answer, but it is not fully factored.",
    "lowest_terms": "Your answer is equivalent to the correct answer, but a fraction is not in lowest terms.",
    "single_fraction": "Your answer is equivalent to the correct answer, but it should be written "
    "as a single fraction.",
    "completed_square": "Your answer is equivalent to the correct answer, but it is not in "
    "completed-square form a(x - h)^2 + k.",
    "simplified": "Your answer is equivalent to the correct answer, but it is not fully simplified.",
    "partial_fractions": "Your answer is equivalent to the correct answer, but it is not in "
    "partial fractions.",
}


# ---------------------------------------------------------------- canonical trees
def canon(n: Node) -> tuple[Any, ...]:
    """Canonical form up to commutativity/associativity (STACK EqualComAss)."""
    op = n.op
    if op in ("num", "sym", "const", "special"):
        return (op, n.value)
    if op == "mixed":
        return (op, n.value)
    if op == "pos":
        return canon(n.args[0])
    if op in ("add", "sub"):
        terms: list[Any] = []
        _terms(n, terms, 1)
        return ("add", tuple(sorted(terms, key=repr)))
    if op in ("mul", "imul", "div", "neg"):
        factors: list[Any] = []
        negs = _factors(n, factors)
        out: tuple[Any, ...]
        if len(factors) == 1 and negs:
            out = factors[0]
        else:
            out = ("mul", tuple(sorted(factors, key=repr)))
        for _ in range(negs):
            out = ("neg", out)
        return out
    if op == "pow":
        b, e = n.args
        if b.op == "const" and b.value == "e":
            return ("func", "exp", (canon(e),))
        return ("pow", canon(b), canon(e))
    if op == "func":
        return ("func", n.value, tuple(canon(a) for a in n.args))
    if op == "rel":
        if n.value == ("=",):
            return ("rel", "=", tuple(sorted((canon(a) for a in n.args), key=repr)))
        return ("rel", n.value, tuple(canon(a) for a in n.args))
    if op == "set":
        return ("set", tuple(sorted((canon(a) for a in n.args), key=repr)))
    if op in ("or", "and", "union"):
        return (op, tuple(sorted((canon(a) for a in n.args), key=repr)))
    return (op, n.value, tuple(canon(a) for a in n.args))


def _terms(n: Node, out: list[Any], sign: int) -> None:
    if n.op == "add":
        _terms(n.args[0], out, sign)
        _terms(n.args[1], out, sign)
    elif n.op == "sub":
        _terms(n.args[0], out, sign)
        _terms(n.args[1], out, -sign)
    elif n.op == "pos":
        _terms(n.args[0], out, sign)
    else:
        c = canon(n)
        out.append(("neg", c) if sign < 0 else c)


def _factors(n: Node, out: list[Any]) -> int:
    """Flatten a product; returns how many negations were pulled out."""
    if n.op in ("mul", "imul"):
        return _factors(n.args[0], out) + _factors(n.args[1], out)
    if n.op == "div":
        negs = _factors(n.args[0], out)
        out.append(("recip", canon(n.args[1])))
        return negs
    if n.op == "neg":
        return 1 + _factors(n.args[0], out)
    if n.op == "pos":
        return _factors(n.args[0], out)
    out.append(canon(n))
    return 0


def tree(n: Node) -> tuple[Any, ...]:
    """The tree as written: n-ary + and * flattened except across brackets (STACK CasEqual)."""
    op = n.op
    if op in ("num", "sym", "const", "special", "mixed"):
        return (op, n.value)
    if op in ("add", "sub", "pm"):
        items: list[Any] = []
        _flat(n, ("add", "sub", "pm"), items)
        return ("sum", tuple(items))
    if op in ("mul", "imul", "div"):
        items = []
        _flat(n, ("mul", "imul", "div"), items)
        return ("prod", tuple(items))
    return (op, n.value, tuple(tree(a) for a in n.args))


def _flat(n: Node, ops: tuple[str, ...], out: list[Any], how: str = "+", top: bool = True) -> None:
    if n.op in ops and (top or not n.paren):
        a, b = n.args
        _flat(a, ops, out, how, top=False)
        o = {"add": "+", "sub": "-", "pm": "±", "mul": "*", "imul": "*", "div": "/"}[n.op]
        out.append((o, tree(b)))
        return
    out.append((how, tree(n)))


# ---------------------------------------------------------------- helpers
def _strip(n: Node) -> Node:
    while n.op in ("neg", "pos"):
        n = n.args[0]
    return n


def _is_sum(n: Node) -> bool:
    n = _strip(n)
    return n.op in ("add", "sub", "pm")


def _int_literal(n: Node) -> int | None:
    sign = 1
    while n.op in ("neg", "pos"):
        if n.op == "neg":
            sign = -sign
        n = n.args[0]
    if n.op == "num" and n.value.isdigit():
        return sign * int(n.value)
    return None


def _numeric_coeff(n: Node) -> int | None:
    """Integer literal coefficient of a product as written (2*x -> 2, x -> None)."""
    v = _int_literal(n)
    if v is not None:
        return v
    n = _strip(n)
    if n.op in ("mul", "imul"):
        for a in n.args:
            c = _numeric_coeff(a)
            if c is not None:
                return c
    return None


def _sum_content(n: Node) -> int | None:
    """The gcd of the integer coefficients of a sum as written (2x + 6 -> 2), or None when
    a term has none (x/2 + 1, 0.5x + 1)."""
    terms: list[Node] = []
    stack = [_strip(n)]
    while stack:
        m = stack.pop()
        if m.op in ("add", "sub"):
            stack.extend(_strip(a) for a in m.args)
        elif m.op == "neg":
            stack.append(_strip(m.args[0]))
        else:
            terms.append(m)
    content = 0
    for t in terms:
        c = _numeric_coeff(t)
        if c is None:
            if t.op in ("sym", "func", "pow", "abs") or (
                t.op in ("mul", "imul") and all(a.op != "num" for a in t.args)
            ):
                c = 1  # x, x^2, xy: coefficient 1
            else:
                return None
        content = gcd(content, abs(c))
    return content or None


def _has_surd_or_i(n: Node) -> bool:
    for m in walk(n):
        if m.op == "const" and m.value == "i":
            return True
        if m.op == "func" and m.value in ("sqrt", "root", "cbrt"):
            return True
        if m.op == "pow":
            e = m.args[1]
            if e.op == "div" or (e.op == "num" and "." in e.value):
                return True
    return False


# ---------------------------------------------------------------- the tests
def is_expanded(n: Node) -> bool:
    for m in walk(n):
        if m.op in ("mul", "imul"):
            if any(_is_sum(a) for a in m.args):
                return False
        elif m.op == "div":
            if _is_sum(m.args[0]):
                return False
        elif m.op == "neg":
            if _is_sum(m.args[0]):
                return False
        elif m.op == "pow":
            b, e = m.args
            if _is_sum(b) and (k := _int_literal(e)) is not None and k > 1:
                return False
        elif m.op in ("func", "abs"):
            pass
    return True


def _walk_skip_args(n: Node) -> Iterator[Node]:
    """Nodes outside function arguments and exponents."""
    stack = [n]
    while stack:
        m = stack.pop()
        yield m
        if m.op in ("func", "abs"):
            continue
        if m.op == "pow":
            stack.append(m.args[0])
            continue
        stack.extend(m.args)


def is_lowest_terms(n: Node) -> bool:
    for m in walk(n):
        if m.op != "div":
            continue
        num, den = m.args
        d = _int_literal(den)
        if d is not None:
            c = _numeric_coeff(num)
            if c is None and _is_sum(num):
                c = _sum_content(num)  # (2x + 6)/4: 2 divides every term and the 4
            if c is not None and d != 0 and (gcd(abs(c), abs(d)) != 1 or (d < 0 and c < 0)):
                return False
            continue
        if _has_surd_or_i(den):
            return False
    return True


def is_single_fraction(n: Node) -> bool:
    n = _strip(n)
    while n.op in ("neg", "pos") or (n.paren and n.op in ("neg", "pos")):
        n = _strip(n)
    if n.op == "div":
        num, den = n.args
        return not _has_div(num) and not _has_div(den)
    return not _has_div(n)


def _has_div(n: Node) -> bool:
    return any(m.op == "div" for m in _walk_skip_args(n))


def _poly_content_ok(p: sp.Poly) -> bool:
    coeffs = [c for c in p.coeffs() if c != 0]
    if not coeffs:
        return True
    g = coeffs[0]
    for c in coeffs[1:]:
        g = sp.gcd(g, c)
    g = sp.Abs(g) if g.is_number and g.is_real else g
    c0 = coeffs[0]
    if not c0.is_Rational and all((c / c0).is_Rational for c in coeffs[1:]):
        return False  # (i*x - 2*i): a common factor i can be taken out
    if g == 1:
        return True
    if g.is_Rational and g.p == 1:
        return True  # 24*(x - 1/4): rational coefficients are allowed
    return False


def is_factored(value: Any, var: Any = None) -> bool:
    """A product of irreducible, primitive factors (over the rationals) in ``var``."""
    gens = _gens(value, var)
    if not gens:
        return True
    factors = _product_factors(value)
    for f, _mult in factors:
        if not any(f.has(g) for g in gens):
            continue
        if not f.is_Add:
            if f.is_Pow or f.is_Function:
                if f.is_Function and any(a.is_Add for a in f.args):
                    continue
                continue
            continue
        try:
            p = sp.Poly(f, *gens)
        except (sp.PolynomialError, sp.GeneratorsNeeded, ValueError):
            return False
        if not p.is_polynomial if hasattr(p, "is_polynomial") else False:
            return False
        if any(c.has(*gens) for c in p.coeffs()):
            return False
        if p.total_degree() <= 0:
            continue
        if not _poly_content_ok(p):
            return False
        if p.total_degree() == 1:
            continue
        try:
            _, fl = sp.factor_list(f, *gens)
        except SYMPY_ERRORS as e:
            sympy_gave_up("factor_list", e)
            return False
        nontrivial = [(g, m) for g, m in fl if g.has(*gens)]
        if len(nontrivial) != 1 or nontrivial[0][1] != 1:
            return False
    return True


def _gens(value: Any, var: Any) -> list[Any]:
    if var is not None:
        return [var]
    syms = sorted(value.free_symbols, key=lambda s: s.name)
    return syms


def _product_factors(value: Any) -> list[Any]:
    """(factor, multiplicity) of a product as SymPy keeps it (no expansion)."""
    out = []
    stack = [(value, 1)]
    while stack:
        v, m = stack.pop()
        if v.is_Mul:
            for a in v.args:
                stack.append((a, m))
        elif v.is_Pow and v.exp.is_Integer and v.exp > 0:
            stack.append((v.base, m * int(v.exp)))
        elif v.is_Pow and v.exp.is_Integer and v.exp < 0:
            stack.append((v.base, m))
        else:
            out.append((v, m))
    return out


def _factored_tree(n: Node, value: Any, var: Any) -> bool:
    """The typed tree must be a product (no sum at the top, unless the sum is irreducible)."""
    return is_factored(_written_value(n), var)


def _written_value(n: Node) -> Any:
    """SymPy value built factor by factor, keeping the typed products (no 2*(x+1) -> 2x+2)."""
    conv = Converter()

    def build(m: Node) -> Any:
        m2 = m
        if m2.op in ("mul", "imul"):
            return sp.Mul(build(m2.args[0]), build(m2.args[1]), evaluate=False)
        if m2.op == "div":
            return sp.Mul(
                build(m2.args[0]), sp.Pow(build(m2.args[1]), -1, evaluate=False), evaluate=False
            )
        if m2.op == "neg":
            return sp.Mul(sp.Integer(-1), build(m2.args[0]), evaluate=False)
        if m2.op == "pos":
            return build(m2.args[0])
        if m2.op == "pow" and _int_literal(m2.args[1]) is not None:
            return sp.Pow(build(m2.args[0]), _int_literal(m2.args[1]), evaluate=False)
        return conv.conv(m2)

    return build(n)


def is_completed_square(value: Any, var: Any) -> bool:
    if var is None:
        syms = value.free_symbols
        if len(syms) != 1:
            return False
        var = next(iter(syms))
    u = sp.Dummy("u")
    v = value.subs(var, u) if not var.is_Symbol else value.xreplace({var: u})
    if not v.has(u):
        return True
    try:
        if sp.Poly(sp.expand(v), u).degree() <= 1:
            return True
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        pass
    terms = sp.Add.make_args(v)
    dep = [t for t in terms if t.has(u)]
    if len(dep) != 1:
        return False
    t = dep[0]
    sq = [f for f in sp.Mul.make_args(t) if f.has(u)]
    if len(sq) != 1:
        return False
    f = sq[0]
    if not (f.is_Pow and f.exp == 2):
        return False
    try:
        return bool(sp.Poly(f.base, u).degree() == 1)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return False


def is_partial_fractions(value: Any, var: Any) -> bool:
    if var is None:
        syms = value.free_symbols
        if len(syms) != 1:
            return False
        var = next(iter(syms))
    if value.is_Mul:  # 3*(1/(x+1) + 1/(x+2)): a constant times partial fractions
        consts = [f for f in value.args if not f.has(var)]
        rest = [f for f in value.args if f.has(var)]
        if consts and len(rest) == 1 and rest[0].is_Add:
            value = rest[0]
    for t in sp.Add.make_args(value):
        num, den = sp.fraction(t)
        if not den.has(var):
            try:
                sp.Poly(t, var)
            except (sp.PolynomialError, sp.GeneratorsNeeded):
                return False
            continue
        base_factors = [(b, m) for b, m in _product_factors(den) if b.has(var)]
        if len(base_factors) != 1:
            return False
        b, _m = base_factors[0]
        try:
            pb = sp.Poly(b, var)
            pn = sp.Poly(num, var)
        except (sp.PolynomialError, sp.GeneratorsNeeded):
            return False
        if pn.degree() >= pb.degree():
            return False
        _, fl = sp.factor_list(b, var)
        if len([g for g, _ in fl if g.has(var)]) != 1:
            return False
    return True


def is_simplified(n: Node, value: Any, key_nodes: Iterable[Node] = ()) -> bool:
    if any(canon(n) == canon(k) for k in key_nodes):
        return True
    if not is_lowest_terms(n):
        return False
    # arithmetic between numbers left undone: 2+3, 2*3, 3^2, x*1, x+0, x^1
    for m in walk(n):
        if m.op in ("add", "sub", "mul", "imul", "pow") and all(
            _is_plain_number(a) for a in m.args
        ):
            if not (m.op == "pow" and _int_literal(m.args[1]) is None):
                return False
        if m.op in ("mul", "imul") and any(_int_literal(a) in (0, 1) for a in m.args):
            return False
        if m.op in ("add", "sub") and _int_literal(m.args[1]) == 0:
            return False
        if m.op == "pow" and _int_literal(m.args[1]) in (0, 1):
            return False
        if m.op == "div" and _int_literal(m.args[1]) in (1, -1):
            return False
        if m.op == "neg" and _strip(m.args[0]).op == "neg":
            return False
    # like terms or factors left to collect
    occ = _occurrences(n)
    try:
        best = min(_sym_count(value), _sym_count(sp.cancel(value)))
    except SYMPY_ERRORS as e:
        sympy_gave_up("cancel", e)
        best = _sym_count(value)
    return occ <= best


def _is_plain_number(n: Node) -> bool:
    return _strip(n).op == "num"


def _occurrences(n: Node) -> int:
    return sum(1 for m in walk(n) if m.op == "sym")


def _sym_count(v: Any) -> int:
    return sum(1 for a in sp.preorder_traversal(v) if a.is_Symbol)


def _var_of(spec: AnswerSpec, value: Any) -> Any:
    v = spec.opt("var")
    if v:
        try:
            return parse(v, syntax="text").sympy()
        except ValueError:  # not an expression (ParseError, NotAnExpression): a plain name
            return sp.Symbol(v)
    vs = spec.opt("variables")
    if vs and len(vs) == 1:
        return sp.Symbol(vs[0])
    return None


FRACTION_FORMS = ("lowest_terms", "single_fraction")
DECIMAL_MESSAGE = "Your answer is equivalent, but write it as a fraction (like 3/4), not a decimal."


def _decimal_for_fraction(node: Node, keys: Sequence[Node]) -> bool:
    """A decimal typed where the keys are fractions: 0.75 is not a fraction in lowest terms."""
    has_decimal = any(m.op == "num" and "." in m.value for m in walk(node))
    return (
        has_decimal
        and any(any(m.op == "div" for m in walk(k)) for k in keys)
        and not any(any(m.op == "num" and "." in m.value for m in walk(k)) for k in keys)
    )


def check_forms(
    spec: AnswerSpec,
    node: Node,
    value: Any,
    key_node: Node,
    key_nodes: Sequence[Node] | None = None,
) -> tuple[str, str] | None:
    """None when every requested form holds, else (form, message)."""
    forms = spec.forms
    if not forms:
        return None
    keys = key_nodes if key_nodes is not None else [key_node]
    for form in forms:
        if form in FRACTION_FORMS and _decimal_for_fraction(node, keys):
            return form, DECIMAL_MESSAGE
        ok = _check_one(form, spec, node, value, key_node, keys)
        if not ok:
            return form, MESSAGES[form]
    return None


def _check_one(
    form: str, spec: AnswerSpec, node: Node, value: Any, key_node: Node, keys: Sequence[Node]
) -> bool:
    if form == "as_key":
        c = canon(node)
        return any(c == canon(k) for k in keys)
    if form == "identical":
        t = tree(node)
        return any(t == tree(k) for k in keys)
    if form == "expanded":
        return is_expanded(node)
    if form == "lowest_terms":
        return is_lowest_terms(node)
    if form == "single_fraction":
        return is_single_fraction(node)
    if form == "factored":
        return _factored_tree(node, value, _var_of(spec, value))
    if form == "completed_square":
        return is_completed_square(_written_value(node), _var_of(spec, value))
    if form == "partial_fractions":
        return is_partial_fractions(_written_value(node), _var_of(spec, value))
    if form == "simplified":
        return is_simplified(node, value, keys)
    raise ValueError(form)


def check_structure_forms(
    spec: AnswerSpec, node: Node, key_nodes: Sequence[Node]
) -> tuple[str, str] | None:
    """Forms for answers that are not single expressions (equations, sets, lists...)."""
    for form in spec.forms:
        if form in FRACTION_FORMS and _decimal_for_fraction(node, key_nodes):
            return form, DECIMAL_MESSAGE
        if form == "as_key":
            c = canon(node)
            ok = any(c == canon(k) for k in key_nodes)
        elif form == "identical":
            t = tree(node)
            ok = any(t == tree(k) for k in key_nodes)
        elif form == "lowest_terms":
            ok = is_lowest_terms(node)
        else:
            ok = False
        if not ok:
            return form, MESSAGES[form]
    return None
