"""What a verdict says: decided on the checker's code and verdict, never on English text."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from curriculum import answers
from curriculum.answers.verdict import CODES, make


def _verdict_html(verdict: str, code: str, feedback: str) -> str:
    attempt = SimpleNamespace(
        verdict=verdict, feedback_code=code, feedback=feedback, parsed_as="", working=None
    )
    problem = SimpleNamespace(skill=SimpleNamespace(course=SimpleNamespace(slug="c")))
    return render_to_string("tutor/_verdict.html", {"attempt": attempt, "problem": problem})


def test_stock_correct_sentence_is_not_repeated_under_the_title():
    html = _verdict_html("correct", "correct", CODES["correct"])
    assert "✓ Correct!" in html
    assert 'class="feedback"' not in html


def test_a_problems_own_message_for_correct_is_shown():
    html = _verdict_html("correct", "correct", "Yes: 5 steps right of -7 is -2 + 7.")
    assert "Yes: 5 steps right of -7 is -2 + 7." in html


def test_a_specific_diagnosis_is_shown_whatever_its_wording():
    # Even a diagnosis that happens to read "Correct." under another code is shown.
    html = _verdict_html("wrong", "sign_error", "Correct.")
    assert 'class="feedback">Correct.' in html
    assert "✗ Not quite" in html


@pytest.mark.parametrize("typed", ["5", "4"])
def test_scaffold_verdict_says_right_once(typed):
    result = answers.check(typed, {"kind": "number", "key": ["5"]})
    html = render_to_string("tutor/_scaffold_verdict.html", {"result": result})
    text = " ".join(html.split())
    if typed == "5":
        assert "✓ Right." in text and "Correct" not in text  # not "✓ Right. Correct."
    else:
        assert "✗" in text and CODES["wrong"] in text


def test_scaffold_own_message_is_kept():
    result = make("correct", "Exactly: the common denominator is 6.")
    html = render_to_string("tutor/_scaffold_verdict.html", {"result": result})
    assert "✓ Right. Exactly: the common denominator is 6." in " ".join(html.split())
