"""The answer checker: safe parsing of what students type, equivalence and form tests,
specific feedback, bounded time.

    from curriculum.answers import check, AnswerSpec
    v = check("2(x+1)", {"kind": "expression", "key": ["2*x+2"]})
    v.correct, v.code, v.feedback, v.parsed_as

``check`` runs the work in a pool of worker processes with a deadline (2 s by default)
and a memory limit; ``check_inline`` does the same work in this process. Neither raises
on student input. See docs/answers.md.
"""

from __future__ import annotations

from typing import Any

from .choices import TEXT_KINDS, check_text_kind
from .errors import ParseError
from .extract import extract_answer
from .inputs import EXTRACT_MAX_LENGTH, MAX_LENGTH, precheck
from .lexer import ParseOptions
from .parsing import Parsed, parse
from .pool import CheckerPool, default_pool
from .spec import FORMS, KINDS, AnswerSpec
from .validate import validate_spec
from .verdict import CODES, Verdict, make
from .workreport import LineVerdict, WorkReport, read_back, work_start

__all__ = [
    "AnswerSpec",
    "CODES",
    "CheckerPool",
    "EXTRACT_MAX_LENGTH",
    "FORMS",
    "KINDS",
    "MAX_LENGTH",
    "ParseError",
    "ParseOptions",
    "Parsed",
    "Verdict",
    "LineVerdict",
    "WorkReport",
    "check",
    "check_inline",
    "check_work",
    "check_work_inline",
    "default_pool",
    "extract_answer",
    "parse",
    "read_back",
    "validate_spec",
    "work_start",
]


def check_inline(raw: object, spec: AnswerSpec | dict[str, Any]) -> Verdict:
    """The whole check in this process, without a deadline (pool workers, validation, the
    benchmark). Never raises on student input. SymPy is imported on first use, so that a
    web process that only calls :func:`check` does not load it."""
    from .checker import check_inline as _check_inline

    return _check_inline(raw, spec)


def check(
    raw: object, spec: AnswerSpec | dict[str, Any], *, deadline: float | None = None
) -> Verdict:
    """Check a student's answer against a spec (an :class:`AnswerSpec` or a plain dict).

    Runs in the bounded worker pool; returns a :class:`Verdict` (code ``timeout`` when
    the check runs past the deadline). Never raises on student input.
    """
    try:
        spec_obj = AnswerSpec.from_dict(spec)
    except (ValueError, TypeError) as e:
        return make(
            "internal_error",
            "This problem's answer key could not be read, so your answer was not counted.",
            details={"spec_error": str(e)},
        )
    pre = precheck(raw, spec_obj)
    if isinstance(pre, Verdict):
        return pre  # too long or empty: no worker needed
    if spec_obj.kind in TEXT_KINDS:
        return check_text_kind(pre.raw, spec_obj)  # no SymPy: cheap and bounded
    # the worker runs the same pre-checks (and extraction) on the text as typed
    text = pre.raw if pre.original is None else pre.original
    return default_pool().check(text, spec_obj.to_dict(), deadline=deadline)


def check_work_inline(
    lines: list[str], spec: AnswerSpec | dict[str, Any] | None = None
) -> WorkReport:
    """A working checked line by line in this process (``lines[0]`` is the problem's start);
    see :mod:`curriculum.answers.steps`. Never raises on student input."""
    from .steps import check_work as _check_work

    return _check_work(lines, spec)


def check_work(
    lines: list[str],
    spec: AnswerSpec | dict[str, Any] | None = None,
    *,
    deadline: float | None = None,
) -> WorkReport:
    """A working checked line by line in the bounded worker pool (the answers' deadline and
    memory limit); ``report.error`` says when it could not be checked at all."""
    return default_pool().check_work(lines, spec, deadline=deadline)
