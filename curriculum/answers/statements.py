"""A problem's statement against its answer spec, for the curriculum loader and the
restatement benchmark: the statement's expressions as ``options.given``, and which of
them the checker would accept as the answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .checker import check_inline
from .choices import TEXT_KINDS
from .context import parse_options
from .errors import ParseError
from .forms import canon
from .parsing import parse
from .spec import AnswerSpec
from .tasks import math_spans, worth_comparing


def given_from_statement(statement: str, spec: AnswerSpec) -> list[str]:
    """The statement's math spans that do something (``2 + 3``, ``x - 4 = 0``), or that equal
    a key in value without being written as one (``-27`` for the key ``-27/1``), read as the
    spec reads its keys, leaving out any that is a key itself. Empty for text kinds."""
    if spec.kind in TEXT_KINDS:
        return []
    opts = parse_options(spec, for_key=True)
    syntax = spec.opt("syntax", "auto")
    keys = set()
    for k in spec.key:
        try:
            keys.add(canon(parse(k, syntax, opts).node))
        except ParseError:
            continue
    out: list[str] = []
    for span in math_spans(statement):
        try:
            node = parse(span, syntax, opts).node
        except ParseError:
            continue
        if canon(node) in keys or span in out:
            continue
        # a span that does something (2 + 3) is the question; a lone number only when it is
        # the answer in another form ("write -27 as a ratio of integers"): typing back 7 from
        # "move 7 steps" is just wrong, not the question itself
        if worth_comparing(node) or check_inline(span, spec).correct:
            out.append(span)
    return out


def with_given(spec: dict[str, Any], statement: str) -> dict[str, Any]:
    """The spec (a plain dict) with ``options.given`` filled from the statement, unless the
    author set it."""
    s = AnswerSpec.from_dict(spec)
    if "given" in s.options:
        return spec
    given = given_from_statement(statement, s)
    if not given:
        return spec
    return {**spec, "options": {**(spec.get("options") or {}), "given": given}}


@dataclass(frozen=True)
class Accepted:
    span: str
    legitimate: bool  # the span is written as one of the keys: the key is in the statement


def accepted_spans(statement: str, spec: AnswerSpec | dict[str, Any]) -> list[Accepted]:
    """Every math span of the statement that the checker accepts as the answer."""
    s = AnswerSpec.from_dict(spec)
    if s.kind in TEXT_KINDS:
        return []
    opts = parse_options(s, for_key=True)
    syntax = s.opt("syntax", "auto")
    keys = set()
    for k in s.key:
        try:
            keys.add(canon(parse(k, syntax, opts).node))
        except ParseError:
            continue
    out = []
    for span in dict.fromkeys(math_spans(statement)):
        if not check_inline(span, s).correct:
            continue
        try:
            legit = canon(parse(span, syntax, opts).node) in keys
        except ParseError:
            legit = False
        out.append(Accepted(span, legit))
    return out
