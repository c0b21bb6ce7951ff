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

MAX_LENGTH = 1000  # characters a typed answer may have (the spec's max_length can change it)
EXTRACT_MAX_LENGTH = 100_000  # characters of free text (a model's solution) to extract from


@dataclass(frozen=True)
class Prepared:
    """An answer that passed the pre-checks."""

    raw: str  # what to read: the typed answer, or the final answer extracted from free text
    original: str | None = None  # the free text it was extracted from (options.extract)


def too_long(n: int, limit: int) -> Verdict:
    return make("too_long", f"Your answer is too long ({n} characters; at most {limit}).")


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
