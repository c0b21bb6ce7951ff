"""``check_inline(raw, spec)``: the whole check, in this process.

The default :func:`curriculum.answers.check` runs this in a bounded worker pool; the
pool workers (and the benchmark) call it directly. This module only dispatches: the
input pre-checks are in ``inputs``, what the kinds share in ``context``, and each kind
has its module (``expressions``, ``numbers``, ``equations``, ``sets`` for inequalities,
``collections_`` for sets and lists, ``choices`` for multiple choice and strings).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from . import forms as formtests
from .choices import TEXT_KINDS, check_text_kind
from .collections_ import check_collection
from .compare import numeric_compare
from .context import Ctx, Wrong, expand_pm, parse_options, value_node
from .equations import check_equation
from .errors import ParseError
from .expressions import check_expression
from .extract import fallback_number
from .inputs import Prepared, precheck
from .notation import notation_problem
from .numbers import check_number
from .parsing import Parsed, parse
from .sets import check_inequality
from .spec import AnswerSpec
from .tasks import restates, task_failure
from .verdict import CODES, Verdict, make, with_messages

log = logging.getLogger(__name__)

KIND_CHECKERS: dict[str, Callable[[Parsed, list[Parsed], Ctx], Verdict]] = {
    "expression": check_expression,
    "number": check_number,
    "equation": check_equation,
    "inequality": check_inequality,
    "set": check_collection,
    "list": check_collection,
}


def _spec_json(spec: AnswerSpec) -> str:
    return json.dumps(spec.to_dict(), sort_keys=True)


@lru_cache(maxsize=2048)
def _spec_from_json(s: str) -> AnswerSpec:
    return AnswerSpec.from_dict(json.loads(s))


@lru_cache(maxsize=4096)
def _parse_key(key: str, spec_json: str) -> Parsed:
    spec = _spec_from_json(spec_json)
    return parse(key, spec.opt("syntax", "auto"), parse_options(spec, for_key=True))


# ---------------------------------------------------------------- entry point
def check_inline(raw: object, spec: AnswerSpec | dict[str, Any]) -> Verdict:
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
    v, pre = _judge(raw, spec_obj, sj)
    if not v.correct and v.code in _RETHINK and pre is not None and pre.original is None:
        # 5 cm, 45°, three, 2,75: not wrong, written in a way we do not read
        note = notation_problem(pre.raw, spec_obj)
        if note:
            return with_messages(make("notation", note), spec_obj)
    return v


# Verdicts that may come from an answer written in a notation we do not read.
_RETHINK = frozenset(
    {"wrong", "wrong_type", "unknown_word", "syntax_error", "unexpected_variable", "partial"}
)


def _judge(raw: object, spec_obj: AnswerSpec, sj: str) -> tuple[Verdict, Prepared | None]:
    """The verdict, and the answer as read after the pre-checks (None when they decided)."""
    pre: Prepared | None = None
    try:
        prepared = precheck(raw, spec_obj)
        if isinstance(prepared, Verdict):
            return prepared, None
        pre = prepared
        if spec_obj.kind in TEXT_KINDS:
            return check_text_kind(pre.raw, spec_obj), None
        return _check(pre, spec_obj, sj), pre
    except ParseError as e:
        return _invalid(e), pre
    except Wrong as w:
        v = make(w.code, w.feedback, score=w.score, correct=False, details=w.details)
        return with_messages(v, spec_obj), pre
    except (RecursionError, MemoryError, OverflowError):
        return make("too_complex", "Your answer is too large or too complex to check."), pre
    except Exception as e:  # never raise on student input
        log.exception("answer check failed for %r", raw if isinstance(raw, str) else type(raw))
        v = make("internal_error", details={"error": f"{type(e).__name__}: {e}"[:300]})
        return v, pre


def _invalid(e: ParseError) -> Verdict:
    fb = e.message
    if e.position is not None and "position" not in fb:
        fb = f"{fb} (at character {e.position + 1})"
    return make(e.code, fb, details={"position": e.position})


def _parse_answer(pre: Prepared, spec: AnswerSpec) -> Parsed:
    """The typed answer read; for free text, the extracted answer, else its last side
    after '=', else the last number in the text."""
    syntax, opts = spec.opt("syntax", "auto"), parse_options(spec)
    try:
        return parse(pre.raw, syntax, opts)
    except ParseError as e:
        if pre.original is None:
            raise
        error = e
    if "=" in pre.raw:  # "... = 0": the last side
        try:
            return parse(pre.raw.rsplit("=", 1)[1], syntax, opts)
        except ParseError:
            pass
    number = fallback_number(pre.raw) or fallback_number(pre.original)
    if not number:
        raise error
    return parse(number, "text", opts)


def _given(spec: AnswerSpec, sj: str) -> list[Parsed]:
    out = []
    for g in spec.opt("given") or ():
        try:
            out.append(_parse_key(g, sj))
        except ParseError:
            continue  # validated at load; an unreadable one cannot be restated anyway
    return out


def _check(pre: Prepared, spec: AnswerSpec, sj: str) -> Verdict:
    parsed = _parse_answer(pre, spec)
    keys = [_parse_key(k, sj) for k in spec.key]
    key_nodes = [k.node for k in keys]
    ctx = Ctx(spec)
    kind = spec.kind
    task = spec.opt("task")
    given = _given(spec, sj)
    try:
        if given and restates(parsed.node, [g.node for g in given], key_nodes):
            v = make("restated", details={"task": task} if task else {})
        else:
            v = KIND_CHECKERS[kind](parsed, keys, ctx)
        if v.correct and spec.forms and kind != "expression":
            failed = formtests.check_structure_forms(spec, parsed.node, key_nodes)
            if failed:
                v = make("wrong_form", failed[1], details={"form": failed[0]})
        if v.correct and task:
            failed = task_failure(task, kind, parsed.node, key_nodes)
            if failed:
                v = make("wrong_form", failed[1], details={"form": failed[0], "task": task})
    except Wrong as w:
        v = make(w.code, w.feedback, score=w.score, correct=False, details=w.details)
    v.parsed_as = v.parsed_as or parsed.text
    v.parsed_latex = v.parsed_latex or parsed.latex
    v.notes = list(dict.fromkeys(parsed.notes + ctx.notes))
    if v.notes and not v.correct and v.valid:
        v.feedback = f"{v.feedback} We read your answer as {parsed.text}."
    return with_messages(v, spec)


_WARM_UP: list[tuple[str, dict[str, Any]]] = [
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


__all__ = ["CODES", "Ctx", "check_inline", "expand_pm", "numeric_compare", "value_node", "warm_up"]
