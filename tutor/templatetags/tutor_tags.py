"""Template helpers of the learner side."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

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
