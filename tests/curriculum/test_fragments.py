"""Fragments offered to the practice pages: multiple-choice options and scaffolds."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string

from curriculum.models import Problem
from curriculum.services import load_curriculum
from tests.curriculum.conftest import MINI

pytestmark = pytest.mark.django_db


def test_choices_fragment_renders_markdown_math_and_ids():
    load_curriculum(MINI)
    problem = Problem.objects.get(slug="lin-choice")
    html = render_to_string("curriculum/_choices.html", {"problem": problem})
    assert html.count('type="radio" name="answer"') == 2
    assert 'value="b"' in html and 'class="math math-inline"' in html
    other = Problem.objects.get(slug="lin-1")
    assert "fieldset" not in render_to_string("curriculum/_choices.html", {"problem": other})


def test_scaffold_fragment_shows_the_question_and_sub_hints():
    load_curriculum(MINI)
    scaffold = Problem.objects.get(slug="add-1").hints.get(order=1)
    html = render_to_string("curriculum/_scaffold.html", {"hint": scaffold})
    assert "Halfway" in html and "hint-scaffold" in html
    assert "Opposites add to zero." in html and "<details" in html


def test_markdown_filter_escapes_html():
    from curriculum.templatetags.curriculum_tags import markdown_filter

    assert "<script>" not in markdown_filter("<script>alert(1)</script> $x$")
