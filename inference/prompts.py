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
    "follow_up": (
        "Answer the student's question about this problem helpfully and briefly. Do not give "
        "the final answer unless the question is about checking it."
    ),
}


def build_messages(
    *,
    purpose: str,
    statement: str,
    attempts: Sequence[tuple[str, str]] = (),
    hints: Sequence[str] = (),
    question: str = "",
) -> list[dict[str, str]]:
    """`attempts`: (what the student typed, the verdict) oldest first; `hints`: hints seen."""
    parts = [f"Problem:\n{statement.strip()}"]
    if attempts:
        lines = "\n".join(f"- {raw.strip()[:200]} ({verdict})" for raw, verdict in attempts[-5:])
        parts.append(f"The student's answers so far:\n{lines}")
    if hints:
        parts.append("Hints the student has already seen:\n" + "\n".join(f"- {h}" for h in hints))
    if question:
        parts.append(f"The student asks: {question.strip()[:1000]}")
    parts.append(TASKS[purpose])
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]
