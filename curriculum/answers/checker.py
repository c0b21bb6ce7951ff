"""``check_inline(raw, spec)``: the whole check, in this process.

The default :func:`curriculum.answers.check` runs this in a bounded worker pool; the
pool workers (and the benchmark) call it directly.
"""

from __future__ import annotations

import json
import logging
import re
from functools import lru_cache

import sympy as sp

from . import forms as formtests
from .compare import equivalent, numeric_compare, to_float
from .convert import Converter, NotAnExpression
from .errors import ParseError
from .lexer import ParseOptions
from .nodes import Node, to_text, walk
from .numbers import check_decimal_places, check_sig_figs, literal_info
from .parsing import Parsed, parse
from .spec import AnswerSpec
from .verdict import CODES, Verdict, make

log = logging.getLogger(__name__)

DEFAULT_MAX_LENGTH = 1000
DEFAULT_REL_TOL = 1e-6


class _Wrong(Exception):
    """Raised inside a kind checker to return a specific verdict."""

    def __init__(self, code: str, feedback: str | None = None, score: float = 0.0, **details):
        super().__init__(code)
        self.code = code
        self.feedback = feedback
        self.score = score
        self.details = details


# ---------------------------------------------------------------- parse options
def _parse_options(spec: AnswerSpec, for_key: bool = False) -> ParseOptions:
    kind = spec.kind
    grouping_default = kind in ("number",)
    variables = tuple(spec.opt("variables", ()) or ())
    var = spec.opt("var")
    if var and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", var) and var not in variables:
        variables = variables + (var,)
    return ParseOptions(
        variables=variables,
        number_grouping=spec.opt("number_grouping", grouping_default),
        decimal_comma=spec.opt("decimal_comma", False),
        mixed_numbers=spec.opt("mixed_numbers", True),
        max_length=100_000 if for_key else spec.opt("max_length", DEFAULT_MAX_LENGTH),
    )


def _spec_json(spec: AnswerSpec) -> str:
    return json.dumps(spec.to_dict(), sort_keys=True)


@lru_cache(maxsize=2048)
def _spec_from_json(s: str) -> AnswerSpec:
    return AnswerSpec.from_dict(json.loads(s))


@lru_cache(maxsize=4096)
def _parse_key(key: str, spec_json: str) -> Parsed:
    spec = _spec_from_json(spec_json)
    return parse(key, spec.opt("syntax", "auto"), _parse_options(spec, for_key=True))


# ---------------------------------------------------------------- helpers
class Ctx:
    def __init__(self, spec: AnswerSpec):
        self.spec = spec
        self.conv = Converter(log_base=spec.opt("log_base", "e"))
        self.notes: list[str] = []

    def value(self, node: Node):
        return self.conv.conv(node)


def _is_symbolish(n: Node) -> bool:
    """A left side that only names the answer: y, f(x), |AB|, V_1:V_2, (p, q), NO/BO."""
    if n.op in ("sym", "func", "abs"):
        return True
    if n.op in ("imul", "mul", "div", "tuple"):
        return all(_is_symbolish(a) for a in n.args)
    return False


def value_node(node: Node, spec: AnswerSpec, notes: list[str]) -> Node:
    """``x = 3`` -> ``3`` when the left side just names the answer (and chains a = b = c -> c)."""
    if (
        node.op == "rel"
        and all(o == "=" for o in node.value)
        and spec.opt("allow_value_for_equation", True)
    ):
        lhs = node.args[0]
        if _is_symbolish(lhs) or len(node.args) > 2 or spec.opt("extract"):
            notes.append(f"we took the value after '=': {to_text(node.args[-1])}")
            return node.args[-1]
    if (
        node.op == "seq"
        and spec.opt("allow_value_for_equation", True)
        and all(a.op == "rel" and a.value == ("=",) and _is_symbolish(a.args[0]) for a in node.args)
        and len({to_text(a.args[0]) for a in node.args}) == len(node.args) > 1
    ):
        # p = 5, q = 2 is the point (5, 2)
        return Node("tuple", tuple(a.args[1] for a in node.args))
    return node


def _unwrap(node: Node) -> Node:
    """A matrix written inside brackets, (matrix), is the matrix."""
    while (
        node.op in ("list", "tuple", "set") and len(node.args) == 1 and node.args[0].op == "matrix"
    ):
        node = node.args[0]
    return node


def has_op(node: Node, ops) -> bool:
    return any(n.op in ops for n in walk(node))


def expand_pm(node: Node) -> list[Node]:
    """Replace ± by both signs: a list of alternatives (at most 16)."""
    found = next((n for n in walk(node) if n.op in ("pm", "upm")), None)
    if found is None:
        return [node]
    if found.op == "pm":
        plus = Node("add", found.args)
        minus = Node("sub", found.args)
    else:
        plus = found.args[0]
        minus = Node("neg", found.args)
    out: list[Node] = []
    for rep in (plus, minus):
        out.extend(expand_pm(_replace(node, found, rep)))
        if len(out) > 16:
            raise ParseError("Your answer has too many ± signs.", code="too_complex")
    return out


def _replace(node: Node, target: Node, rep: Node) -> Node:
    if node is target:
        return rep
    if not node.args:
        return node
    new = tuple(_replace(a, target, rep) for a in node.args)
    if all(x is y for x, y in zip(new, node.args, strict=True)):
        return node
    return Node(node.op, new, node.value, node.paren)


def _free_names(v) -> set[str]:
    try:
        return {s.name for s in v.free_symbols}
    except AttributeError:
        return set()


def _fmt(v) -> str:
    try:
        return sp.sstr(v)
    except Exception:  # pragma: no cover
        return str(v)


# ---------------------------------------------------------------- entry point
def check_inline(raw, spec) -> Verdict:
    """Check one answer in this process. Never raises."""
    try:
        if isinstance(spec, AnswerSpec):
            spec_obj = spec
            sj = _spec_json(spec)
        else:
            sj = json.dumps(spec, sort_keys=True)
            spec_obj = _spec_from_json(sj)
    except (ValueError, TypeError) as e:
        return make(
            "internal_error",
            "This problem's answer key could not be read, so your answer was not counted.",
            details={"spec_error": str(e)},
        )
    try:
        return _check(raw, spec_obj, sj)
    except ParseError as e:
        return _invalid(e)
    except _Wrong as w:
        return _custom(
            make(w.code, w.feedback, score=w.score, correct=False, details=w.details), spec_obj
        )
    except (RecursionError, MemoryError, OverflowError):
        return make("too_complex", "Your answer is too large or too complex to check.")
    except Exception as e:  # never raise on student input
        log.exception("answer check failed for %r", raw if isinstance(raw, str) else type(raw))
        return make("internal_error", details={"error": f"{type(e).__name__}: {e}"[:300]})


def _invalid(e: ParseError) -> Verdict:
    fb = e.message
    if e.position is not None and "position" not in fb:
        fb = f"{fb} (at character {e.position + 1})"
    return make(e.code, fb, details={"position": e.position})


def _custom(v: Verdict, spec: AnswerSpec) -> Verdict:
    msgs = spec.opt("messages") or {}
    if v.code in msgs:
        v.feedback = msgs[v.code]
    return v


def _check(raw, spec: AnswerSpec, sj: str) -> Verdict:
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raw = str(raw)
    max_len = spec.opt("max_length", DEFAULT_MAX_LENGTH)
    original = None
    if spec.opt("extract"):
        from .extract import extract_final

        original = raw[:100_000]
        raw = extract_final(original) or ""
    if len(raw) > max_len:
        return make(
            "too_long", f"Your answer is too long ({len(raw)} characters; at most {max_len})."
        )
    if not raw.strip():
        return make("empty")
    kind = spec.kind
    if kind == "multiple_choice":
        return _custom(check_choice(raw, spec), spec)
    if kind == "string":
        return _custom(check_string(raw, spec), spec)
    try:
        parsed = parse(raw, spec.opt("syntax", "auto"), _parse_options(spec))
    except ParseError:
        if original is None:
            raise
        from .extract import fallback_number

        parsed = None
        if "=" in raw:  # "... = 0": the last side
            try:
                parsed = parse(
                    raw.rsplit("=", 1)[1], spec.opt("syntax", "auto"), _parse_options(spec)
                )
            except ParseError:
                parsed = None
        if parsed is None:
            fb = fallback_number(raw) or fallback_number(original)
            if not fb:
                raise
            parsed = parse(fb, "text", _parse_options(spec))
    keys = [_parse_key(k, sj) for k in spec.key]
    ctx = Ctx(spec)
    fn = {
        "expression": check_expression,
        "number": check_number,
        "equation": check_equation,
        "inequality": check_inequality,
        "set": check_collection,
        "list": check_collection,
    }[kind]
    try:
        v = fn(parsed, keys, ctx)
        if v.correct and spec.forms and kind != "expression":
            failed = formtests.check_structure_forms(spec, parsed.node, [k.node for k in keys])
            if failed:
                v = make("wrong_form", failed[1], details={"form": failed[0]})
    except _Wrong as w:
        v = make(w.code, w.feedback, score=w.score, correct=False, details=w.details)
    v.parsed_as = v.parsed_as or parsed.text
    v.parsed_latex = v.parsed_latex or parsed.latex
    v.notes = list(dict.fromkeys(parsed.notes + ctx.notes))
    if v.notes and not v.correct and v.valid:
        v.feedback = f"{v.feedback} We read your answer as {parsed.text}."
    return _custom(v, spec)


# ---------------------------------------------------------------- expressions
def _expr_value(node: Node, ctx: Ctx, what: str = "a single expression"):
    try:
        return ctx.value(node)
    except NotAnExpression:
        raise _Wrong("wrong_type", f"Your answer should be {what}.") from None


def _unexpected_vars(sv, kvals, ctx: Ctx):
    declared = set(ctx.spec.opt("variables", []) or [])
    key_names = set().union(*(_free_names(k) for k in kvals)) if kvals else set()
    allowed = declared | key_names
    extra = sorted(_free_names(sv) - allowed)
    return extra


def check_expression(parsed: Parsed, keys: list[Parsed], ctx: Ctx) -> Verdict:
    spec = ctx.spec
    node = value_node(parsed.node, spec, ctx.notes) if not spec.opt("strict_type") else parsed.node
    node = _unwrap(node)
    if node.op in ("matrix",) or any(_unwrap(k.node).op == "matrix" for k in keys):
        return _check_matrix(node, keys, ctx)
    key_nodes = [value_node(k.node, spec, []) for k in keys]
    if any(has_op(k, ("pm", "upm")) for k in key_nodes) and node.op in ("set", "seq", "list", "or"):
        vals = _value_list(node)
        if vals is not None:
            return _check_pm([a for v in vals for a in expand_pm(v)], key_nodes, ctx)
    if node.op in (
        "rel",
        "set",
        "list",
        "tuple",
        "interval",
        "seq",
        "or",
        "and",
        "union",
        "special",
    ):
        kv_nodes = [value_node(k.node, spec, []) for k in keys]
        if all(k.op not in ("rel",) for k in kv_nodes):
            raise _Wrong(
                "wrong_type", f"Your answer should be a single expression, not {_describe(node)}."
            )
    alts = expand_pm(node)
    key_nodes = [value_node(k.node, spec, []) for k in keys]
    if len(alts) > 1 or any(has_op(k, ("pm", "upm")) for k in key_nodes):
        return _check_pm(alts, key_nodes, ctx)
    sv = _expr_value(node, ctx)
    kvals = [_expr_value(k, Ctx(spec)) for k in key_nodes]
    for knode, kv in zip(key_nodes, kvals, strict=True):
        if equivalent(sv, kv):
            failed = formtests.check_forms(spec, node, sv, knode, kv)
            if failed:
                form, msg = failed
                return make(
                    "wrong_form",
                    msg,
                    score=0.0,
                    correct=False,
                    normalized=_fmt(sv),
                    details={"form": form},
                )
            return make("correct", normalized=_fmt(sv))
    extra = _unexpected_vars(sv, kvals, ctx)
    if extra:
        names = ", ".join(extra)
        return make(
            "unexpected_variable",
            f"Your answer uses {names}, which this problem does not use.",
            normalized=_fmt(sv),
            details={"variables": extra},
        )
    for kv in kvals:
        if kv != 0 and equivalent(sv, -kv):
            return make("sign_error", normalized=_fmt(sv))
    return make("wrong", normalized=_fmt(sv))


def _describe(node: Node) -> str:
    return {
        "rel": "an equation or inequality",
        "set": "a set",
        "list": "a list",
        "tuple": "a list",
        "interval": "an interval",
        "seq": "a list",
        "or": "several answers",
        "and": "several answers",
        "union": "a union of intervals",
        "special": to_text(node),
        "matrix": "a matrix",
    }.get(node.op, "this")


def _check_pm(alts: list[Node], key_nodes: list[Node], ctx: Ctx) -> Verdict:
    svals = [_expr_value(a, ctx) for a in alts]
    for k in key_nodes:
        kvals = [_expr_value(a, Ctx(ctx.spec)) for a in expand_pm(k)]
        matched = _match_unordered(svals, kvals)
        if (
            matched == len(kvals)
            and len(set(map(_fmt, svals))) <= len(kvals)
            and all(any(equivalent(s, kv) for kv in kvals) for s in svals)
        ):
            return make("correct", normalized=", ".join(map(_fmt, svals)))
        if matched and len(kvals) > 1:
            return make(
                "partial",
                f"You have {matched} of the {len(kvals)} values.",
                score=matched / max(len(kvals), len(svals))
                if ctx.spec.opt("partial_credit", True)
                else 0.0,
                correct=False,
            )
    return make("wrong")


def _match_unordered(svals, kvals, eq=None) -> int:
    eq = eq or equivalent
    used = [False] * len(kvals)
    n = 0
    for s in svals:
        for j, k in enumerate(kvals):
            if not used[j] and eq(s, k):
                used[j] = True
                n += 1
                break
    return n


def _matrix_rows(node: Node, ctx: Ctx):
    v = _expr_value(node, ctx, "a matrix")
    if not isinstance(v, sp.MatrixBase):
        raise _Wrong("wrong_type", "Your answer should be a matrix.")
    return [[v[i, j] for j in range(v.cols)] for i in range(v.rows)]


def _check_matrix(node: Node, keys: list[Parsed], ctx: Ctx) -> Verdict:
    srows = _matrix_rows(node, ctx)
    for k in keys:
        knode = _unwrap(k.node)
        if not has_op(knode, ("matrix",)):
            continue
        krows = _matrix_rows(knode, Ctx(ctx.spec))
        if len(krows) != len(srows) or len(krows[0]) != len(srows[0]):
            raise _Wrong("wrong_length", f"The matrix should be {len(krows)}×{len(krows[0])}.")
        tol = _tolerance(ctx.spec)
        ok = all(
            _num_equal(s, kk, tol)
            for sr, kr in zip(srows, krows, strict=True)
            for s, kk in zip(sr, kr, strict=True)
        )
        if ok:
            return make("correct")
    return make("wrong")


# ---------------------------------------------------------------- numbers
def _tolerance(spec: AnswerSpec):
    t = spec.opt("tolerance")
    if t is None:
        return None
    if isinstance(t, (int, float)):
        return {"rel": float(t), "abs": 0.0}
    return {"rel": float(t.get("rel", 0.0)), "abs": float(t.get("abs", 0.0))}


def _num_equal(s, k, tol) -> bool:
    if tol is None:
        if s.free_symbols or k.free_symbols:
            return equivalent(s, k)
        if equivalent(s, k):
            return True
        fs, fk = to_float(s), to_float(k)
        if fs is None or fk is None:
            return False
        return abs(fs - fk) <= DEFAULT_REL_TOL * max(abs(fk), 1e-300)
    fs, fk = to_float(s), to_float(k)
    if fs is None or fk is None or fs.imag or fk.imag:
        return equivalent(s, k)
    return abs(fs - fk) <= max(tol["abs"], tol["rel"] * abs(fk)) * (1 + 1e-12) + 1e-300


def check_number(parsed: Parsed, keys: list[Parsed], ctx: Ctx) -> Verdict:
    spec = ctx.spec
    node = value_node(parsed.node, spec, ctx.notes)
    key_nodes = [value_node(k.node, spec, []) for k in keys]
    if node.op in ("pm", "upm") or has_op(node, ("pm", "upm")):
        return _check_pm(expand_pm(node), key_nodes, ctx)
    if any(has_op(k, ("pm", "upm")) for k in key_nodes) and _value_list(node) is not None:
        return _check_pm([a for v in _value_list(node) for a in expand_pm(v)], key_nodes, ctx)
    if any(has_op(k, ("pm", "upm")) for k in key_nodes) and node.op in ("set", "seq", "list", "or"):
        vals = _value_list(node)
        if vals is not None:
            return _check_pm([a for v in vals for a in expand_pm(v)], key_nodes, ctx)
    if node.op in (
        "rel",
        "set",
        "list",
        "tuple",
        "interval",
        "seq",
        "or",
        "and",
        "union",
        "special",
        "matrix",
    ):
        raise _Wrong("wrong_type", f"Your answer should be a number, not {_describe(node)}.")
    key_nodes = [value_node(k.node, spec, []) for k in keys]
    s_pct = node.op == "pct"
    sv = _expr_value(node, ctx, "a number")
    if sv.free_symbols:
        raise _Wrong(
            "wrong_type",
            f"Your answer should be a number; it contains {', '.join(sorted(_free_names(sv)))}.",
        )
    if spec.opt("numeric_only") and literal_info(node) is None:
        raise _Wrong(
            "wrong_type", "Please type your answer as a number (like 2.5), not as a calculation."
        )
    tol = _tolerance(spec)
    sig = spec.opt("sig_figs")
    dp = spec.opt("decimal_places")
    best: Verdict | None = None
    for knode in key_nodes:
        kv = _expr_value(knode, Ctx(spec), "a number")
        if sv.has(sp.zoo, sp.nan) or kv.has(sp.zoo, sp.nan):
            # undefined values (12:00 read as 12/0) are only equal as written
            same = formtests.canon(node) == formtests.canon(knode)
            if same:
                return make("correct", normalized=_fmt(sv))
            continue
        k_pct = knode.op == "pct"
        if k_pct and not s_pct:
            # key "28%": the student may type 28 (meaning percent) or 0.28
            kv_cmp = kv
            svs = [sv / 100, sv]
        else:
            svs = [sv]
            kv_cmp = kv
        if spec.opt("compare"):
            fs, fk = to_float(sv), to_float(kv_cmp)
            if fs is None or fk is None or fs.imag or fk.imag:
                raise _Wrong("wrong_type", "Your answer should be a real number.")
            ok = {
                ">": fs.real > fk.real,
                ">=": fs.real >= fk.real,
                "<": fs.real < fk.real,
                "<=": fs.real <= fk.real,
            }[spec.opt("compare")]
            v = make("correct" if ok else "wrong", normalized=_fmt(sv))
        elif sig is not None:
            v = check_sig_figs(parsed.raw, node, kv_cmp, sig)
        elif dp is not None:
            v = check_decimal_places(parsed.raw, node, kv_cmp, dp)
        else:
            v = None
            for s in svs:
                if _num_equal(s, kv_cmp, tol):
                    v = make("correct", normalized=_fmt(s))
                    break
            if v is None:
                v = _near_miss(svs[0], kv_cmp, tol)
        if v.correct:
            return v
        best = best or v
    return best or make("wrong")


def _near_miss(s, k, tol) -> Verdict:
    fs, fk = to_float(s), to_float(k)
    if fs is not None and fk is not None:
        if fk != 0 and abs(fs + fk) <= 1e-9 * abs(fk):
            return make("sign_error", normalized=_fmt(s))
        if fk != 0 and abs(fs - fk) <= 0.01 * abs(fk):
            return make("close", normalized=_fmt(s))
    return make("wrong", normalized=_fmt(s))


# ---------------------------------------------------------------- equations
def _equations(node: Node) -> list[Node] | None:
    """A list of equation nodes (x = 1 or x = 2, [x=1, y=2], x = 1, 2 ...)."""
    if node.op == "rel" and all(o == "=" for o in node.value):
        if len(node.args) > 2:
            return [Node("rel", (node.args[0], node.args[-1]), ("=",))]
        return [node]
    if node.op in ("or", "seq", "list", "set", "and", "tuple"):
        out = []
        for a in node.args:
            e = _equations(a)
            if e is None:
                # "x = -3, 2": a bare value after an equation x = ... is another value of x
                if (
                    out
                    and out[-1].args[0].op == "sym"
                    and a.op not in ("rel", "set", "list", "tuple")
                ):
                    e = [Node("rel", (out[-1].args[0], a), ("=",))]
                else:
                    return None
            out.extend(e)
        return out
    return None


def _main_var(spec: AnswerSpec, key_syms: set) -> sp.Symbol | None:
    v = spec.opt("var")
    if v:
        return sp.Symbol(v)
    vs = spec.opt("variables")
    if vs and len(vs) == 1:
        return sp.Symbol(vs[0])
    if len(key_syms) == 1:
        return next(iter(key_syms))
    return None


def _solution_set(eqs: list, var):
    """Real solution set of a list of equations joined by 'or' (values for var)."""
    sols = set()
    for lhs, rhs in eqs:
        f = lhs - rhs
        if f.free_symbols - {var}:
            return None
        if lhs == var and not rhs.free_symbols:
            sols.add(rhs)
            continue
        s = _poly_roots(f, var)
        if s is None:
            s = sp.solveset(sp.Eq(lhs, rhs), var, sp.S.Reals)
        if isinstance(s, sp.FiniteSet):
            sols.update(s)
        elif s == sp.S.Reals:
            return sp.S.Reals
        elif s is sp.S.EmptySet:
            continue
        else:
            return None
    return sols


def _poly_roots(f, var):
    """Real roots of a rational function's numerator (not of its denominator), or None."""
    try:
        num, den = sp.together(f).as_numer_denom()
        pn = sp.Poly(num, var)
        pd = sp.Poly(den, var)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return None
    if not all(c.is_real for c in pn.coeffs() + pd.coeffs()) or pn.degree() > 12:
        return None
    if pn.is_zero:
        return sp.S.Reals if pd.degree() <= 0 else None
    if pn.degree() <= 0:
        return sp.S.EmptySet
    roots = [r for r in set(pn.real_roots()) if pd.degree() <= 0 or pd.eval(r) != 0]
    return sp.FiniteSet(*roots) if roots else sp.S.EmptySet


def _same_values(a: set, b: set) -> tuple[int, int, int]:
    """(matched, len a, len b) matching by numeric equality."""
    al, bl = list(a), list(b)
    m = _match_unordered(al, bl)
    return m, len(al), len(bl)


def _eq_equivalent(l1, r1, l2, r2) -> bool:
    """One equation vs another: same solution set with multiplicity (proportional sides)."""
    f, g = l1 - r1, l2 - r2
    if f == 0 or g == 0:
        return (f == 0) == (g == 0)
    if equivalent(f, g) or equivalent(f, -g):
        return True
    if _ratio_constant(f, g):
        return True
    # 1/x + 1/y = 2 and y = x/(2x - 1): compare the numerators over a common denominator
    try:
        fn = sp.together(f).as_numer_denom()[0]
        gn = sp.together(g).as_numer_denom()[0]
    except Exception:
        return False
    if (fn, gn) != (f, g) and _ratio_constant(fn, gn):
        return True
    return False


def _ratio_constant(f, g, positive: bool = False) -> bool:
    """f/g is a nonzero constant (positive when asked) at random points."""
    ratio = f / g
    syms = ratio.free_symbols
    if not syms:
        c = to_float(ratio)
        return c is not None and c != 0 and (not positive or (abs(c.imag) < 1e-12 and c.real > 0))
    # constant ratio at random points
    from .compare import _eval, points

    vals = []
    for env in points(syms, 8, seed=7):
        try:
            vals.append(_eval(ratio, env))
        except Exception:
            continue
    if len(vals) < 3:
        return False
    v0 = vals[0]
    if abs(v0) < 1e-12:
        return False
    if positive and not (abs(v0.imag) < 1e-9 and v0.real > 0):
        return False
    return all(abs(v - v0) <= 1e-8 * max(1, abs(v0)) for v in vals)


_FLIP = {">": "<", ">=": "<=", "<": "<", "<=": "<="}


def rel_equivalent(a: Node, b: Node, ctx_a: Ctx, ctx_b: Ctx) -> bool:
    """Single inequalities (or equations) in any number of variables: a<b is b>a, 3x<9 is x<3."""
    if a.op != "rel" or b.op != "rel" or len(a.value) != 1 or len(b.value) != 1:
        return False
    oa, ob = a.value[0], b.value[0]
    if oa == "=" or ob == "=":
        if oa != ob:
            return False
        return _eq_equivalent(
            ctx_a.value(a.args[0]),
            ctx_a.value(a.args[1]),
            ctx_b.value(b.args[0]),
            ctx_b.value(b.args[1]),
        )
    if oa not in _FLIP or ob not in _FLIP or _FLIP[oa] != _FLIP[ob]:
        return False

    def side(n: Node, ctx: Ctx):  # f with the relation read as f < 0 (or <=)
        lhs, rhs = ctx.value(n.args[0]), ctx.value(n.args[1])
        return lhs - rhs if n.value[0] in ("<", "<=") else rhs - lhs

    return _ratio_constant(side(a, ctx_a), side(b, ctx_b), positive=True)


def check_equation(parsed: Parsed, keys: list[Parsed], ctx: Ctx) -> Verdict:
    snode = parsed.node
    best = None
    for k in keys:
        v = _check_equation_one(snode, k.node, ctx)
        if v.correct:
            return v
        if best is None or v.score > best.score:
            best = v
    return best


def _check_equation_one(snode: Node, knode: Node, ctx: Ctx) -> Verdict:
    spec = ctx.spec
    keqs = _equations(knode)
    if keqs is None:
        # the key is a value (e.g. 3): compare values
        return check_expression(Parsed(snode, "", "text"), [Parsed(knode, "", "text")], ctx)
    if snode.op == "special":
        if spec.opt("strict_type") and snode.value == "empty":
            raise _Wrong("wrong_type", "Your answer should be an equation, like x = 2.")
        return _special_equation(snode, keqs, ctx)
    seqs = _equations(snode)
    allow_value = spec.opt("allow_value_for_equation", True) and not spec.opt("strict_type")
    if (
        seqs is None
        and allow_value
        and len(keqs) == 1
        and _is_symbolish(keqs[0].args[0])
        and not (spec.opt("var") or spec.opt("variables"))
    ) or _has_collection_side(keqs):
        # the key names its answer (y = ..., (p, q) = (3, 2)): compare the values
        from .collections_ import elem_equal

        sv = value_node(snode, spec, ctx.notes)
        ok = any(elem_equal(sv, value_node(e, spec, []), ctx) for e in keqs)
        if ok:
            return make("correct")
        if seqs is None or _has_collection_side(keqs):
            return make("wrong")
    if (
        seqs is None
        and allow_value
        and len(keqs) > 1
        and all(_is_symbolish(e.args[0]) for e in keqs)
        and not (spec.opt("var") or spec.opt("variables"))
    ):
        # AB = 4, CD = 5 answered as 4, 5: the values in order
        from .collections_ import elem_equal

        vals = _value_list(snode)
        if vals is not None and len(vals) == len(keqs):
            ok = all(
                elem_equal(v, value_node(e, spec, []), ctx) for v, e in zip(vals, keqs, strict=True)
            )
            return make("correct" if ok else "wrong")
    kctx = Ctx(spec)
    kpairs = [(kctx.value(e.args[0]), kctx.value(e.args[1])) for e in _expand_eqs(keqs)]
    key_syms = set().union(*((a - b).free_symbols for a, b in kpairs))
    var = _main_var(spec, key_syms)
    if seqs is None:
        # bare values: "2, -3", "{2, -3}", "±2", "2"
        if var is None or not spec.opt("allow_value_for_equation", True):
            raise _Wrong("wrong_type", "Your answer should be an equation, like x = 2.")
        vals_nodes = _value_list(snode)
        if vals_nodes is None:
            raise _Wrong("wrong_type", "Your answer should be an equation, like x = 2.")
        spairs = [(var, ctx.value(n)) for vn in vals_nodes for n in expand_pm(vn)]
    else:
        try:
            spairs = [(ctx.value(e.args[0]), ctx.value(e.args[1])) for e in _expand_eqs(seqs)]
        except NotAnExpression:
            return make("wrong")
    # one equation each: proportional sides
    if len(spairs) == 1 and len(kpairs) == 1:
        if _eq_equivalent(*spairs[0], *kpairs[0]):
            return make("correct", normalized=_fmt(sp.Eq(*spairs[0], evaluate=False)))
    if knode.op in ("list", "and") and len(kpairs) > 1:
        # a system of simultaneous equations
        return _system_by_solution(spairs, kpairs)
    if spec.opt("multiplicity") and var is not None and (len(spairs) == 1 or len(kpairs) == 1):
        # roots with multiplicity: x = 2 or x = -3 is (x - 2)(x + 3) = 0
        def product(pairs):
            out = sp.Integer(1)
            for lhs, rhs in pairs:
                out *= sp.together(lhs - rhs).as_numer_denom()[0]
            return out

        ok = _ratio_constant(product(spairs), product(kpairs))
        return make("correct" if ok else "wrong")
    if var is not None:
        ks = _solution_set(kpairs, var)
        ss = _solution_set(spairs, var)
        if ks is not None and ss is not None:
            if ks == sp.S.Reals or ss == sp.S.Reals:
                ok = ks == ss
                return make("correct" if ok else "wrong")
            m, ns, nk = _same_values(ss, ks)
            if m == nk and ns == nk:
                if (
                    len(spairs) == 1
                    and len(kpairs) == 1
                    and not _single_solution_form(spairs[0], var)
                ):
                    # same solutions but a different equation (e.g. multiplicities): accept
                    pass
                return make("correct", normalized=", ".join(f"{var} = {_fmt(s)}" for s in ss))
            if m and nk > 1:
                score = m / max(nk, ns) if spec.opt("partial_credit", True) else 0.0
                if ns < nk:
                    msg = (
                        "You found one of the two solutions."
                        if nk == 2 and m == 1
                        else f"You found {m} of the {nk} solutions."
                    )
                else:
                    msg = f"{m} of your {ns} solutions are right, but not all."
                return make("partial", msg, score=score, correct=False)
            if ns == nk and all(any(equivalent(-s, k) for k in ks) for s in ss):
                return make("sign_error")
            return make("wrong")
    if len(spairs) == len(kpairs) and len(spairs) > 1:
        # a system: compare as sets of equations, each up to a factor
        used = [False] * len(kpairs)
        for sp_ in spairs:
            for j, kp in enumerate(kpairs):
                if not used[j] and _eq_equivalent(*sp_, *kp):
                    used[j] = True
                    break
        if all(used):
            return make("correct")
        return _system_by_solution(spairs, kpairs)
    if len(spairs) != len(kpairs) and len(kpairs) > 1:
        return _system_by_solution(spairs, kpairs)
    return make("wrong")


def _special_equation(snode: Node, keqs: list[Node], ctx: Ctx) -> Verdict:
    """'no solution' / 'all real numbers' against the key's solution set."""
    kctx = Ctx(ctx.spec)
    kpairs = [(kctx.value(e.args[0]), kctx.value(e.args[1])) for e in _expand_eqs(keqs)]
    key_syms = set().union(*((a - b).free_symbols for a, b in kpairs))
    var = _main_var(ctx.spec, key_syms) or (sp.Symbol("x") if not key_syms else None)
    if var is None:
        return make("wrong")
    ks = _solution_set(kpairs, var)
    if ks is None:
        return make("wrong")
    want = sp.S.Reals if snode.value == "allreal" else sp.S.EmptySet
    got = ks if ks == sp.S.Reals else (sp.FiniteSet(*ks) if ks else sp.S.EmptySet)
    return make("correct" if got == want else "wrong")


def _has_collection_side(eqs: list[Node]) -> bool:
    return any(a.op in ("tuple", "list", "set", "matrix") for e in eqs for a in e.args)


def _single_solution_form(pair, var) -> bool:
    return pair[0] == var and not pair[1].free_symbols


def _system_by_solution(spairs, kpairs) -> Verdict:
    syms = sorted(
        set().union(*((a - b).free_symbols for a, b in spairs + kpairs)), key=lambda s: s.name
    )
    if not syms or len(syms) > 4:
        return make("wrong")
    nums_k = [sp.together(a - b).as_numer_denom()[0] for a, b in kpairs]
    nums_s = [sp.together(a - b).as_numer_denom()[0] for a, b in spairs]
    try:
        polys = [sp.Poly(f, *syms) for f in nums_k + nums_s]
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return make("wrong")
    if any(p.total_degree() > 6 for p in polys):
        return make("wrong")
    try:
        # same ideal, same reduced Groebner basis (STACK's SysEquiv)
        gk = sp.groebner(nums_k, *syms, order="lex")
        gs = sp.groebner(nums_s, *syms, order="lex")
        return make("correct" if list(gk.exprs) == list(gs.exprs) else "wrong")
    except Exception:
        pass
    try:
        ks = sp.solve([a - b for a, b in kpairs], syms, dict=True)
        ss = sp.solve([a - b for a, b in spairs], syms, dict=True)
    except Exception:
        return make("wrong")
    if not ks or not ss:
        return make("wrong")

    def norm(sols):
        out = []
        for d in sols:
            out.append(tuple(d.get(s, s) for s in syms))
        return out

    kn, sn = norm(ks), norm(ss)
    if len(kn) != len(sn):
        return make("wrong")
    m = _match_unordered(
        sn, kn, eq=lambda a, b: all(equivalent(x, y) for x, y in zip(a, b, strict=True))
    )
    return make("correct") if m == len(kn) else make("wrong")


def _expand_eqs(eqs: list[Node]) -> list[Node]:
    out = []
    for e in eqs:
        out.extend(expand_pm(e))
    return out


def _value_list(node: Node) -> list[Node] | None:
    if node.op in ("seq", "set", "list", "or", "tuple"):
        out = []
        for a in node.args:
            sub = _value_list(a)
            if sub is None:
                return None
            out.extend(sub)
        return out
    if node.op in ("rel", "interval", "union", "special", "matrix"):
        return None
    return [node]


# ---------------------------------------------------------------- inequalities / intervals
from .collections_ import check_collection  # noqa: E402
from .sets import check_inequality  # noqa: E402

# ---------------------------------------------------------------- choices / strings
_CHOICE_RE = re.compile(r"[A-Za-z0-9]+")


def _choice_ids(raw: str) -> list[str]:
    s = raw.strip()
    s = re.sub(r"\\text(?:bf)?\{([^}]*)\}", r"\1", s)
    s = re.sub(r"[\\$(){}\[\].]", " ", s)
    s = re.sub(r"\b(?:and|or|answer|option|choice)\b", " ", s, flags=re.I)
    return _CHOICE_RE.findall(s)


def check_choice(raw: str, spec: AnswerSpec) -> Verdict:
    cs = spec.opt("case_sensitive", False)

    def norm(x):
        return x if cs else x.lower()

    got = [norm(x) for x in _choice_ids(raw)]
    if not got:
        return make("syntax_error", "Please choose one of the options.")
    valid_ids = None
    if spec.opt("choices"):
        valid_ids = {norm(c if isinstance(c, str) else c["id"]) for c in spec.opt("choices")}
        bad = [g for g in got if g not in valid_ids]
        if bad:
            return make("syntax_error", f"'{bad[0]}' is not one of the options.")
    keyset = {norm(k.strip()) for k in spec.key}
    gotset = set(got)
    if spec.opt("multiple", False):
        if gotset == keyset:
            return make(
                "correct", parsed_as=", ".join(sorted(gotset)), normalized=", ".join(sorted(gotset))
            )
        right = len(gotset & keyset)
        wrong = len(gotset - keyset)
        if right and spec.opt("partial_credit", True):
            score = max(0.0, (right - wrong) / len(keyset))
            return make(
                "partial",
                f"{right} of your choices are right"
                + (f" and {wrong} are not." if wrong else ", but some are missing."),
                score=score,
                correct=False,
                parsed_as=", ".join(sorted(gotset)),
            )
        return make("wrong", parsed_as=", ".join(sorted(gotset)))
    if len(gotset) > 1:
        return make("wrong_type", "Please choose only one option.", parsed_as=", ".join(got))
    g = got[0]
    return make("correct" if g in keyset else "wrong", parsed_as=g, normalized=g)


def check_string(raw: str, spec: AnswerSpec) -> Verdict:
    cs = spec.opt("case_sensitive", False)

    def norm(x: str) -> str:
        x = re.sub(r"\s+", "", x)
        return x if cs else x.lower()

    s = norm(raw)
    for k in spec.key:
        if norm(k) == s:
            return make("correct", parsed_as=raw.strip(), normalized=s)
    return make("wrong", parsed_as=raw.strip(), normalized=s)


_WARM_UP = [
    ("2(x+1)", {"kind": "expression", "key": ["2x+2"]}),
    ("sin(x)^2", {"kind": "expression", "key": ["1-cos(x)^2"], "options": {"form": "simplified"}}),
    ("2(x-1)", {"kind": "expression", "key": ["2x-2"], "options": {"form": "factored"}}),
    (
        "(x-1)^2+1",
        {"kind": "expression", "key": ["x^2-2x+2"], "options": {"form": "completed_square"}},
    ),
    (
        "1/(x+1)+1/x",
        {"kind": "expression", "key": ["(2x+1)/(x^2+x)"], "options": {"form": "partial_fractions"}},
    ),
    ("x = 2 or x = -3", {"kind": "equation", "key": ["x^2+x-6=0"]}),
    ("x = 1, y = 2", {"kind": "equation", "key": ["[x+y=3, x-y=-1]"]}),
    ("|x| < 1", {"kind": "inequality", "key": ["x^2 < 1"]}),
    ("x > 2", {"kind": "inequality", "key": ["x^3 > 8"]}),
    ("3.14", {"kind": "number", "key": ["pi"], "options": {"sig_figs": 3}}),
    ("{1, 2}", {"kind": "set", "key": ["{2, 1}"]}),
    (r"\frac{1}{2}", {"kind": "number", "key": ["0.5"]}),
]


def warm_up() -> None:
    """Run one check of each kind, so SymPy's lazily imported modules are loaded
    (the pool workers do this before they say they are ready)."""
    for raw, spec in _WARM_UP:
        check_inline(raw, spec)


__all__ = ["warm_up", "check_inline", "CODES", "value_node", "expand_pm", "Ctx", "numeric_compare"]
