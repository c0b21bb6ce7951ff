"""Does a hint give the answer away? The check the tutor model's hints get
(``inference.verify.reveals_answer``), in process, for every authored hint at load time."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from .checker import check_inline
from .spec import AnswerSpec
from .tasks import math_spans

_BOXED = re.compile(r"\\boxed\s*\{([^{}]*)\}")
_LABEL = re.compile(r"^\s*(final answer|answer)\s*[:=]\s*", re.I)
# A lone number in a hint ("move $7$ steps") is a number the step uses, not a result;
# a result is stated after '=' or as an expression of its own ($\frac{25}{54}$).
_LONE_NUMBER = re.compile(r"^[-+−]?\s*\d+(?:\.\d+)?$")
MAX_CANDIDATES = 40


def answer_candidates(text: str) -> list[str]:
    """What in a hint could be the answer: boxed values, math spans (not lone numbers) and
    their last side after '=', lines and their last side after '='."""
    found = [m.group(1) for m in _BOXED.finditer(text)]
    for span in math_spans(text):
        if not _LONE_NUMBER.match(span.strip()):
            found.append(span)
        if "=" in span:
            found.append(span.rsplit("=", 1)[1])
    for line in text.splitlines():
        line = _LABEL.sub("", line.strip().strip("$").strip()).rstrip(".")
        if line:
            found.append(line)
            if "=" in line:
                found.append(line.rsplit("=", 1)[1].strip().strip("$").rstrip("."))
    out = [c.strip() for c in found if c.strip() and len(c) <= 200]
    return list(dict.fromkeys(out))[:MAX_CANDIDATES]


def reveals_answer(text: str, spec: AnswerSpec | dict[str, Any]) -> str | None:
    """The part of a hint that the checker accepts as the answer, or None."""
    s = AnswerSpec.from_dict(spec)
    if s.kind in ("multiple_choice", "string"):
        return None
    return _reveals(text, json.dumps(s.to_dict(), sort_keys=True))


@lru_cache(maxsize=65536)
def _reveals(text: str, spec_json: str) -> str | None:
    # cached: an imported pool repeats its hints (lessons shared by courses, variants)
    for c in answer_candidates(text):
        if check_inline(c, spec_json_dict(spec_json)).correct:
            return c
    return None


def spec_json_dict(spec_json: str) -> dict[str, Any]:
    d: dict[str, Any] = json.loads(spec_json)
    return d
