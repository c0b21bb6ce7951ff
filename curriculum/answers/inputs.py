"""The pre-checks every answer passes before it is read: extraction, length, emptiness.

One place for them (and for the length limits), used both by :func:`curriculum.answers.check`
in the web process, which answers too-long and empty input without a worker, and by the
in-process check the workers run. No SymPy here: the web process imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from .extract import extract_final
from .spec import AnswerSpec
from .verdict import Verdict, make

# The one home of the limits on what a student types. Everything else derives from these: the
# parser's default (lexer.ParseOptions), each line of working (steps, workreport), the answer
# form's hard cap (tutor.forms) and what the learner service stores (tutor.services).
MAX_LENGTH = 1000  # characters a typed answer may have (the spec's max_length can change it)
# characters of free text (a model's solution) to extract from; also the form's hard cap
EXTRACT_MAX_LENGTH = 100 * MAX_LENGTH


@dataclass(frozen=True)
class Prepared:
    """An answer that passed the pre-checks."""

    raw: str  # what to read: the typed answer, or the final answer extracted from free text
    original: str | None = None  # the free text it was extracted from (options.extract)


def too_long_message(n: int, limit: int, what: str = "Your answer") -> str:
    """The one wording of an over-long input (an answer, a line of working)."""
    return f"{what} is too long ({n} characters; at most {limit})."


def too_long(n: int, limit: int) -> Verdict:
    return make("too_long", too_long_message(n, limit))


def precheck(raw: object, spec: AnswerSpec) -> Prepared | Verdict:
    """The answer to read, or the verdict when it cannot be read at all (too long, empty)."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raw = str(raw)
    original = None
    if spec.opt("extract"):
        if len(raw) > EXTRACT_MAX_LENGTH:
            return too_long(len(raw), EXTRACT_MAX_LENGTH)
        original = raw
        raw = extract_final(original) or ""
    limit = spec.opt("max_length", MAX_LENGTH)
    if len(raw) > limit:
        return too_long(len(raw), limit)
    if not raw.strip():
        return make("empty")
    return Prepared(raw, original)
