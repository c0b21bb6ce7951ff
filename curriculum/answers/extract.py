"""Find the final answer in free text (a model's worked solution, a pasted sentence).

Used when a spec has ``options.extract`` (the tutor checks the ``\\boxed{}`` answer at the
end of a generated explanation) and by the benchmark. Order of preference: the last
``\\boxed{}`` (boxes side by side at the end form one list), the last math span
(``$..$``, ``$$..$$``, ``\\(..\\)``, ``\\[..\\]``; spans joined by "and"/"or"/commas at
the end form one list), what follows "the answer is", and finally the last number in
the text.
"""

from __future__ import annotations

import re
from typing import Any

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_CONNECTOR = re.compile(
    r"[\s,;$]*(?:\\\)|\\\(|\\\]|\\\[|\$)*[\s,;$]*"
    r"(?:and|or|,|\\text\{\s*(?:and|or)\s*\}|\\quad|\\qquad|\\,)?"
    r"[\s,;$]*(?:\\\)|\\\(|\\\]|\\\[|\$)*[\s,;$]*",
    re.I,
)
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9.])[-+]?(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+)(?:[.,]\d+)?(?:[ \t]+\d+/\d+(?![\d/])|[ \t]*/[ \t]*\d+)?(?:[ \t]*%)?"
)
_UNIT_TEXT = re.compile(
    r"\\(?:text|textnormal|textrm|textbf|mbox|mathrm)\s*\{\s*([A-Za-z][A-Za-z ]*)\}"
)
_KEEP_WORDS = {"and", "or", "no solution", "none", "all real numbers", "e", "i"}


def _braced(s: str, start: int) -> tuple[str, int] | None:
    """Contents of the group opened just before ``start``, and the index after it."""
    level = 1
    i = start
    while i < len(s):
        c = s[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            level += 1
        elif c == "}":
            level -= 1
            if level == 0:
                return s[start:i], i + 1
        i += 1
    return None


def _boxes(s: str) -> list[tuple[str, int, int]]:
    out = []
    for m in _BOXED.finditer(s):
        r = _braced(s, m.end())
        if r:
            out.append((r[0], m.start(), r[1]))
        else:  # an unclosed box: the rest of the text
            out.append((s[m.end() :].rstrip("$ \n"), m.start(), len(s)))
    return out


def _spans(s: str, broken: list[Any] | None = None) -> list[tuple[str, int, int]]:
    """Math spans (content, start, end), following Math-Verify's delimiter rules.

    Inline spans (``$..$``, ``\\(..\\)``) may not contain a newline; such broken
    spans are listed in ``broken``.
    """
    out = []
    i = 0
    n = len(s)
    while i < n:
        if s.startswith("$$", i):
            j = s.find("$$", i + 2)
            if j < 0:
                break
            out.append((s[i + 2 : j], i, j + 2))
            i = j + 2
        elif s.startswith("\\[", i):
            j = s.find("\\]", i + 2)
            if j < 0:
                break
            out.append((s[i + 2 : j], i, j + 2))
            i = j + 2
        elif s.startswith("\\(", i):
            j = s.find("\\)", i + 2)
            if j < 0:
                break
            if "\n" not in s[i + 2 : j]:
                out.append((s[i + 2 : j], i, j + 2))
            elif broken is not None:
                broken.append((i, j + 2))
            i = j + 2
        elif s[i] == "$" and (i == 0 or s[i - 1] != "\\"):
            j = i + 1
            while j < n and not (s[j] == "$" and s[j - 1] != "\\"):
                j += 1
            if j >= n:
                break
            if "\n" not in s[i + 1 : j]:
                out.append((s[i + 1 : j], i, j + 1))
            elif broken is not None:
                broken.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return out


# "\boxed{1} papers and \boxed{2}", "\) and \( y_2 = \boxed{..}": a few words around and/or
_SHORT_JOIN = re.compile(r"[^.\n]{0,20}?(?<![A-Za-z])(?:and|or)(?![A-Za-z])[^.\n]{0,20}", re.I)


def _trailing_group(s: str, items: list[tuple[str, int, int]]) -> list[str]:
    """The last item and those before it separated only by connectors."""
    group = [items[-1]]
    for k in range(len(items) - 2, -1, -1):
        between = s[items[k][2] : group[0][1]]
        if _CONNECTOR.fullmatch(between) or _SHORT_JOIN.fullmatch(between):
            group.insert(0, items[k])
        else:
            break
    return [g[0] for g in group]


def _clean(a: str) -> str:
    a = a.strip()
    a = re.sub(r"^[\s:]+", "", a)
    a = re.sub(r"(?<!\.)\.\s*$", "", a)  # one final full stop (not an ellipsis)
    a = re.sub(r"[\s;,!]+$", "", a) if not a.endswith("...") else a
    return a.strip()


def strip_units(a: str) -> str:
    """Drop ``\\text{ miles}``-style unit words (keeps "and", "or" and answer phrases)."""

    def rep(m: re.Match[str]) -> str:
        w = m.group(1).strip()
        return m.group(0) if w.lower() in _KEEP_WORDS or len(w) < 2 else " "

    out = _UNIT_TEXT.sub(rep, a)
    return out if out.strip() else a


def _last_number(text: str) -> str | None:
    t = text.replace("\u20ac", " ").replace("\u00a3", " ").replace("$", " ")
    found = list(_NUMBER.finditer(t))
    if not found:
        return None
    return found[-1].group(0).strip()


def extract_answer(text: str) -> str | None:
    """The final answer written in ``text`` (as text to parse), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    s = re.sub(r"(?<!\\)\\\\(?=[A-Za-z])", r"\\", text)  # doubly escaped commands: \\le -> \le
    boxes = _boxes(s)
    if boxes:
        parts = _trailing_group(s, boxes)
        return ", ".join(_clean(p) for p in parts)
    broken: list[Any] = []
    spans = [sp for sp in _spans(s, broken) if sp[0].strip()]
    if not spans and broken:
        return None  # "$ \n 9 \n $" is not maths (Math-Verify's rule too)
    if spans:
        parts = _trailing_group(s, spans)
        last = _clean(parts[-1])
        tail = s[spans[-1][2] :]
        # "The largest $n$ is 34." : a lone letter in math, the number after it is the answer
        if len(parts) == 1 and re.fullmatch(r"[A-Za-z]", last):
            num = _last_number(tail)
            if num:
                return num
        if re.match(r"\s*(%|percent\b|pct\b)", tail):
            return last + "%"
        return ", ".join(_clean(p) for p in parts)
    m = re.search(r"(?:final answer|the answer|answer|result)\s*(?:is|:|=)\s*(.+)$", s, re.I | re.S)
    if m:
        return _clean(m.group(1).splitlines()[0])
    return _clean(s)


def fallback_number(text: str) -> str | None:
    """The last number in free text (used when the extracted answer cannot be read)."""
    return _last_number(text)


def extract_final(text: str) -> str | None:
    """:func:`extract_answer`, then units dropped and ``= ... \\approx ...`` tails cut."""
    a = extract_answer(text)
    if a is None:
        return None
    a = strip_units(a)
    if "\\approx" in a:
        head = a.split("\\approx")[0]
        if "=" in head:
            a = head
    return a.strip()
