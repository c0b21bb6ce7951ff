"""Checking what the model wrote against the problem's answer key with `curriculum.answers`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from curriculum import answers
from inference.steps.check import BACKTRACK_NOTE


def boxed_contents(text: str) -> list[str]:
    r"""Every `\boxed{...}` in the text, braces matched."""
    found = []
    for match in re.finditer(r"\\boxed\s*\{", text):
        depth, start = 1, match.end()
        for i in range(start, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    found.append(text[start:i].strip())
                    break
    return found


_FINAL_PREFIX = re.compile(r"^\s*(final answer|answer)\s*[:=]\s*", re.IGNORECASE)


def extract_final_answer(text: str) -> str | None:
    r"""The last `\boxed{}`, else the last non-empty line (without a "Final answer:" label)."""
    boxed = boxed_contents(text)
    if boxed:
        return boxed[-1]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    last = _FINAL_PREFIX.sub("", lines[-1]).strip().strip("$").strip().rstrip(".")
    return last or None


@dataclass(frozen=True)
class ExplanationCheck:
    status: str  # agrees | disagrees | no_answer | hidden | revealed
    final_answer: str
    detail: str


def check_explanation(answer_text: str, spec: dict) -> ExplanationCheck:
    final = extract_final_answer(answer_text)
    if final is None:
        return ExplanationCheck("no_answer", "", "The explanation ends without a final answer.")
    verdict = answers.check(final, spec)
    if verdict.correct:
        return ExplanationCheck(
            "agrees", final, "Checked: the final answer agrees with the answer key."
        )
    if not verdict.valid:
        return ExplanationCheck(
            "no_answer", final, "The final answer could not be read, so it was not checked."
        )
    return ExplanationCheck(
        "disagrees",
        final,
        "Careful: the final answer of this explanation does not agree with the answer key. "
        "Your teacher has been told.",
    )


def _candidates(text: str) -> list[str]:
    found = boxed_contents(text)
    for line in text.splitlines():
        line = line.strip().strip("$").strip()
        if not line:
            continue
        found.append(_FINAL_PREFIX.sub("", line).rstrip("."))
        if "=" in line:
            found.append(line.rsplit("=", 1)[1].strip().strip("$").rstrip("."))
    return [c for c in found if c and len(c) <= 200]


def reveals_answer(text: str, spec: dict) -> bool:
    """Whether a hint states the final answer anywhere (boxed, a line, or after an `=`)."""
    return any(answers.check(candidate, spec).correct for candidate in _candidates(text)[:40])


# --- "Explain this step": the explanation's own steps through the student's step checker ----

_MATH_SEGMENT = re.compile(r"\$([^$]+)\$")
MAX_STEP_LINES = 29  # with the start: answers.workreport.MAX_LINES


def explanation_lines(text: str) -> list[str]:
    r"""The mathematics of each line of an explanation, as a working: the last `$...$` of a
    line (the state after the step: the built-in model writes `PHRASE (CALC): $STATE$.`),
    a `\boxed{...}` unwrapped; lines without mathematics (words) are left out, and so is a
    step the engine went back on (the line before its note)."""
    out: list[str] = []
    for line in text.splitlines():
        if line.strip() == BACKTRACK_NOTE and out:
            out.pop()  # the engine went back on that step: the way on starts before it
            continue
        segments = _MATH_SEGMENT.findall(line)
        if not segments:
            continue
        math = segments[-1].strip()
        boxed = boxed_contents(math)
        if boxed:
            math = boxed[-1]
        math = math.strip().rstrip(".,;")
        if math and (not out or out[-1] != math):
            out.append(math)
    return out[:MAX_STEP_LINES]


def check_explanation_steps(text: str, start: str, spec: dict) -> dict | None:
    """Each line of the explanation checked against the one before, from ``start`` (the
    student's last line that follows), with the checker of students' working
    (``answers.check_work``): ``WorkReport.to_dict()``, or None when it has no mathematics."""
    lines = explanation_lines(text)
    if not lines or not start.strip():
        return None
    report = answers.check_work([start.strip(), *lines], spec)
    return report.to_dict()
