"""Template helpers for curriculum content: `{% load curriculum_tags %}`."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from curriculum.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Markdown with LaTeX → sanitised HTML (safe: `render_markdown` escapes raw HTML)."""
    return mark_safe(render_markdown(text or ""))  # sanitised by nh3
