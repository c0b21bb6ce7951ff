"""Find the final answer in free text (a model's worked solution, a pasted sentence)."""

from __future__ import annotations

import re

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")


def _braced(s: str, start: int) -> tuple[str, int] | None:
    """Contents of the group whose '{' is at s[start-1]."""
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


def boxed_all(s: str) -> list[str]:
    out = []
    for m in _BOXED.finditer(s):
        r = _braced(s, m.end())
        if r:
            out.append(r[0])
    return out


_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|\$(.+?)\$", re.S)
_ANSWER_IS = re.compile(
    r"(?:final answer|the answer|answer|result|solution)\s*(?:is|:|=)?\s*(?::)?\s*(.+)$",
    re.I | re.S,
)


def _clean(a: str) -> str:
    a = a.strip()
    a = re.sub(r"^[\s:]+", "", a)
    a = re.sub(r"[\s.;,!]+$", "", a)  # trailing punctuation
    return a.strip()


def extract_answer(text: str) -> str | None:
    """The last boxed answer, else the last math span, else what follows 'the answer is'."""
    if not isinstance(text, str) or not text.strip():
        return None
    boxes = boxed_all(text)
    if boxes:
        if len(boxes) > 1:
            last = boxes[-1]
            # several boxes next to each other at the end: a list of answers
            tail = text[text.rfind(boxes[0]) - 7 :] if False else None
            del tail
            return (
                _clean(last)
                if len(boxes) == 1
                else ", ".join(_clean(b) for b in _trailing_group(text, boxes))
            )
        return _clean(boxes[-1])
    spans = [next(g for g in m.groups() if g is not None) for m in _MATH.finditer(text)]
    if spans:
        return _clean(spans[-1])
    m = _ANSWER_IS.search(text)
    if m:
        return _clean(m.group(1).splitlines()[0])
    return _clean(text)


def _trailing_group(text: str, boxes: list[str]) -> list[str]:
    """Boxes separated only by short connectors (',', 'and') at the end are one answer."""
    positions = [m.start() for m in _BOXED.finditer(text)]
    group = [len(positions) - 1]
    for i in range(len(positions) - 2, -1, -1):
        r = _braced(text, text.index("{", positions[i]) + 1)
        end = r[1] if r else positions[i]
        between = text[end : positions[i + 1]]
        if re.fullmatch(r"[\s,;$]*(?:and|\\text\{\s*and\s*\}|\\quad|\\qquad|,)?[\s,;$]*", between):
            group.append(i)
        else:
            break
    return [boxes[i] for i in sorted(group)]
