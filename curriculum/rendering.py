"""Problem text: Markdown with LaTeX, rendered to sanitised HTML for KaTeX to typeset.

Math segments are cut out before Markdown runs (so `_` and `*` inside formulas stay intact),
HTML-escaped, and put back inside spans marked for KaTeX's auto-render in the browser.
"""

from __future__ import annotations

import html
import re

import markdown
import nh3

# $$...$$ first (display), then \[...\], \(...\), and single-dollar inline math.
_MATH = re.compile(
    r"\$\$(?P<d1>.+?)\$\$|\\\[(?P<d2>.+?)\\\]|\\\((?P<i1>.+?)\\\)|(?<![\\$])\$(?P<i2>[^$\n]+?)\$",
    re.DOTALL,
)
_ALLOWED_TAGS = {
    "p",
    "br",
    "em",
    "strong",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "span",
    "div",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "h3",
    "h4",
    "sub",
    "sup",
    "img",
    "a",
    "hr",
}
_ALLOWED_ATTRIBUTES = {
    "span": {"class"},
    "div": {"class"},
    "img": {"src", "alt", "title"},
    "a": {"href", "title"},
    "td": {"align"},
    "th": {"align"},
}


def render_markdown(text: str) -> str:
    """Markdown + LaTeX → sanitised HTML (no raw HTML or script survives)."""
    segments: list[str] = []

    def stash(match: re.Match[str]) -> str:
        display = match.group("d1") is not None or match.group("d2") is not None
        body = next(g for g in match.groups() if g is not None)
        delim_open, delim_close = (r"\[", r"\]") if display else (r"\(", r"\)")
        css = "math math-display" if display else "math math-inline"
        segments.append(
            f'<span class="{css}">{delim_open}{html.escape(body.strip(), quote=False)}{delim_close}</span>'
        )
        return f"\x00{len(segments) - 1}\x00"

    protected = _MATH.sub(stash, text)
    # Raw HTML typed into content is shown as text, never interpreted.
    protected = html.escape(protected, quote=False)
    rendered = markdown.markdown(protected, extensions=["tables", "sane_lists"])
    rendered = re.sub(r"\x00(\d+)\x00", lambda m: segments[int(m.group(1))], rendered)
    return nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
