"""Multiple-choice and string answers: no SymPy, so the web process checks them itself."""

from __future__ import annotations

import re

from .spec import AnswerSpec
from .verdict import Verdict, make, with_messages

TEXT_KINDS = ("multiple_choice", "string")
_CHOICE_RE = re.compile(r"[A-Za-z0-9]+")


def _choice_ids(raw: str) -> list[str]:
    s = raw.strip()
    s = re.sub(r"\\text(?:bf)?\{([^}]*)\}", r"\1", s)
    s = re.sub(r"[\\$(){}\[\].]", " ", s)
    s = re.sub(r"\b(?:and|or|answer|option|choice)\b", " ", s, flags=re.I)
    return _CHOICE_RE.findall(s)


def check_choice(raw: str, spec: AnswerSpec) -> Verdict:
    cs = spec.opt("case_sensitive", False)

    def norm(x: str) -> str:
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


def check_text_kind(raw: str, spec: AnswerSpec) -> Verdict:
    """A multiple-choice or string answer (that passed the input pre-checks)."""
    check = check_choice if spec.kind == "multiple_choice" else check_string
    return with_messages(check(raw, spec), spec)
