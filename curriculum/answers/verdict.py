"""The result of checking one answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .spec import AnswerSpec


def gettext_noop(message: str) -> str:
    """Marks a sentence for translation (Django's makemessages finds it by this name) and
    returns it unchanged: this package knows nothing of Django. The platform translates the
    stock sentence of a code when it shows it (tutor.templatetags.tutor_tags.feedback_text)."""
    return message


# Stable codes. The platform stores them; add new ones, never rename.
CODES = {
    # the answer was read and judged
    "correct": gettext_noop("Correct."),
    "wrong": gettext_noop("That is not correct."),
    "wrong_form": gettext_noop(
        "Your answer is equivalent to the correct answer, but not in the requested form."
    ),
    "sign_error": gettext_noop("Check the sign: your answer is the negative of the correct one."),
    "inequality_reversed": gettext_noop("Your inequality seems to point the wrong way."),
    "wrong_endpoints": gettext_noop(
        "The numbers are right, but check which endpoints are included."
    ),
    "partial": gettext_noop("Part of your answer is correct."),
    "close": gettext_noop("Close, but not accurate enough: check your rounding."),
    "wrong_sig_figs": gettext_noop(
        "Give your answer to the requested number of significant figures."
    ),
    "wrong_decimal_places": gettext_noop(
        "Give your answer to the requested number of decimal places."
    ),
    "unexpected_variable": gettext_noop(
        "Your answer uses a variable that this problem does not use."
    ),
    "wrong_type": gettext_noop("Your answer is not the kind of answer the question asks for."),
    "wrong_length": gettext_noop("Your answer has the wrong number of entries."),
    "restated": gettext_noop("That is the question itself; carry out the steps."),
    # the answer could not be read (valid=False: stored as an invalid attempt)
    "empty": gettext_noop("Please enter an answer."),
    "too_long": gettext_noop("Your answer is too long."),
    "syntax_error": gettext_noop("We could not read your answer."),
    "unknown_word": gettext_noop("Your answer contains a word we do not know."),
    "unknown_command": gettext_noop("Your answer contains a LaTeX command we do not accept."),
    "too_complex": gettext_noop("Your answer is too large or too complex to check."),
    "notation": gettext_noop("Please write your answer in the form asked for."),
    "timeout": gettext_noop(
        "Sorry, we could not check in time whether your answer is right. Please try again, "
        "or write your answer more simply."
    ),
    "busy": gettext_noop("The checker is busy. Please try again in a moment."),
    "internal_error": gettext_noop(
        "Something went wrong while checking your answer; it has not been counted."
    ),
}

INVALID_CODES = frozenset(
    {
        "empty",
        "too_long",
        "syntax_error",
        "unknown_word",
        "unknown_command",
        "too_complex",
        "notation",
        "timeout",
        "busy",
        "internal_error",
    }
)


@dataclass
class Verdict:
    correct: bool
    score: float
    code: str
    feedback: str
    parsed_as: str = ""
    normalized: str = ""
    valid: bool = True
    parsed_latex: str = ""
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = float(self.score)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Verdict:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


def make(
    code: str,
    feedback: str | None = None,
    *,
    correct: bool | None = None,
    score: float | None = None,
    **kw: Any,
) -> Verdict:
    if correct is None:
        correct = code == "correct"
    if score is None:
        score = 1.0 if correct else 0.0
    valid = code not in INVALID_CODES
    return Verdict(
        correct=correct,
        score=float(score),
        code=code,
        feedback=feedback if feedback is not None else CODES.get(code, ""),
        valid=valid,
        **kw,
    )


def with_messages(v: Verdict, spec: AnswerSpec) -> Verdict:
    """The spec's own feedback (``options.messages``, by code) in place of ours."""
    msgs = spec.opt("messages") or {}
    if v.code in msgs:
        v.feedback = msgs[v.code]
    return v
