"""Template helpers of the learner side."""

from __future__ import annotations

import time

from django import template
from django.utils import translation
from django.utils.translation import gettext, ngettext

from curriculum.answers.verdict import CODES

register = template.Library()


@register.simple_tag
def feedback_text(code: str, feedback: str, keep_correct: bool = False) -> str:
    """The checker's feedback worth showing under a verdict's title, in the user's language.

    The stock sentence of a code (``CODES``) is translated; a problem's own message or a
    specific diagnosis is shown as written. The stock "Correct." adds nothing to the title
    that already says the verdict, so it is left out (unless ``keep_correct``: a table of
    answers): the decision is on the code, never on the English text."""
    stock = CODES.get(code)
    if stock is not None and feedback in ("", stock):
        return "" if code == "correct" and not keep_correct else gettext(stock)
    return feedback


@register.simple_tag
def skill_meaning(row) -> str:
    """What a skill's status means, for the course page, in the user's language.

    In English this is the adaptive engine's own sentence (``SkillProgress.meaning``, written by
    the pure-Python engine that knows nothing of translation). In another language the same
    facts are said from the row's fields (status, estimate, evidence, locking prerequisites,
    review time); the mastery threshold's number is left out there, as the row does not
    carry it."""
    language = translation.get_language() or "en"
    if language.split("-")[0] == "en":
        return row.meaning
    pct = None if row.p_known is None else round(100 * row.p_known)
    ev, need = row.evidence, row.evidence_needed
    locked = ""
    if row.locked_by:
        names = ", ".join(f"«{n}»" for n in row.locked_by)
        locked = " " + gettext(
            "Locked: %(names)s must be mastered first, so the tutor will not pick it for you "
            "yet; you can open it as a preview."
        ) % {"names": names}
    if row.status == "not_started":
        return gettext("Not started.") + locked
    if row.status == "learning":
        text = gettext(
            "Learning: the chance that you know this skill is estimated at %(pct)s%%."
        ) % {"pct": pct}
        if need:
            text += " " + gettext(
                "Mastery also needs %(need)s problems solved first time without hints "
                "(%(ev)s so far)."
            ) % {"need": need, "ev": ev}
        return text + locked
    if row.status == "mastered":
        text = gettext(
            "Mastered: the chance that you know this skill is estimated at %(pct)s%%, and you "
            "solved %(ev)s problems first time without hints."
        ) % {"pct": pct, "ev": ev}
        if row.review_due_at is not None:
            days = max(0.0, (row.review_due_at - time.time()) / 86400)
            if days < 1:
                when = ngettext("%(n)d hour", "%(n)d hours", round(days * 24)) % {
                    "n": round(days * 24)
                }
            else:
                when = ngettext("%(n)d day", "%(n)d days", round(days)) % {"n": round(days)}
            text += " " + gettext("A short review comes up in about %(when)s.") % {"when": when}
        return text
    return gettext(
        "Mastered, and due for review: after some time away, estimated recall is %(pct)s%%; "
        "a quick review keeps it."
    ) % {"pct": round(100 * row.retrievability)}
