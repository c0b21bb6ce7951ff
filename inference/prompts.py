"""The chat messages sent to the model: the problem, the student's attempts and hints seen."""

from __future__ import annotations

from collections.abc import Sequence

SYSTEM = (
    "You are a patient, precise math tutor for a school student. Write clearly, one step per "
    "line, with math in LaTeX between $...$."
)

TASKS = {
    "hint": (
        "Give ONE short hint for the student's next step. Do not solve the problem and do not "
        "state the final answer or any value equal to it."
    ),
    "explanation": (
        "Explain the solution step by step, checking each step. End with the final answer on "
        "its own line as \\boxed{...}."
    ),
    "step": (
        "The student's line {line} does not follow from the line before it. First say in one "
        "or two sentences what went wrong in that step. Then redo the working from line "
        "{previous}, one step per line with each line's mathematics between $...$ (the whole "
        "equation, inequality or expression after the step), and end with the final answer "
        "on its own line as \\boxed{{...}}."
    ),
}


def build_messages(
    *,
    purpose: str,
    statement: str,
    attempts: Sequence[tuple[str, str]] = (),
    hints: Sequence[str] = (),
    working: Sequence[tuple[str, str, str]] = (),
    step: int | None = None,
) -> list[dict[str, str]]:
    """`attempts`: (what the student typed, the verdict) oldest first; `hints`: hints seen;
    `working` (for "Explain this step"): the student's lines as (text, mark, message), the
    problem's start first, and `step` the index of the line to explain."""
    parts = [f"Problem:\n{statement.strip()}"]
    if working:
        rows = "\n".join(
            f"{i}. {text.strip()[:300]}  [{mark or ' '}]" + (f" {message[:300]}" if message else "")
            for i, (text, mark, message) in enumerate(working[:31])
        )
        parts.append(
            "The student's working, one line per step (line 0 is the problem's start; each "
            f"line is marked by a checker: ✓ follows, ✗ does not follow):\n{rows}"
        )
    if attempts:
        lines = "\n".join(f"- {raw.strip()[:200]} ({verdict})" for raw, verdict in attempts[-5:])
        parts.append(f"The student's answers so far:\n{lines}")
    if hints:
        parts.append("Hints the student has already seen:\n" + "\n".join(f"- {h}" for h in hints))
    task = TASKS[purpose]
    if purpose == "step":
        k = step if step is not None else max(1, len(working) - 1)
        task = task.format(line=k, previous=max(0, k - 1))
    parts.append(task)
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]
