"""Following one streamed solution of the built-in tutor model: exact arithmetic and step checks.

The engine feeds :class:`StepStream` every piece of text the model writes. It answers with an
:class:`Action`:

* ``insert``: text the engine must make the model's next tokens (a CALC's exact RESULT, computed by
  :func:`inference.steps.calc.calc_result` as soon as the model has written ``$LEFT =``);
* ``failed``: the verdict of a completed line that does not check out (a STATE that does not
  follow, a wrong answer, a line that cannot be read); the engine then marks it visibly and starts
  the explanation again;
* ``lines``: verdicts of the lines completed by this piece, in order.

:func:`hint_start` picks where a next-step hint starts: from the student's last answer when it is a
correct intermediate step of the problem, else from the statement. :func:`hint_text` turns the first
step of a solution into a hint that names the operation without carrying it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from math import gcd

from .calc import calc_result
from .check import LineChecker, StepVerdict, split_line
from .problems import ProblemState, parse_math, read_problem, relation_of, solution_set

NOT_COVERED = (
    "The built-in tutor does not cover this problem yet, so it cannot explain it step by step. "
    "The written hints still work, and a teacher can ask for a larger model to be configured."
)


# The longest step line of the training data is about 200 characters; a line far past that is
# the model rambling, and waiting for its end would only cost the student time.
MAX_LINE_CHARS = 400


@dataclass
class Action:
    insert: str = ""
    failed: StepVerdict | None = None
    lines: list[StepVerdict] = field(default_factory=list)


class StepStream:
    """Tracks the current line of one solution; see the module docstring."""

    def __init__(self, problem: ProblemState, *, exact: bool = True) -> None:
        self.problem = problem
        self.exact = exact
        self.checker = LineChecker(problem, phrasebook=True)
        self.line = ""
        self.verdicts: list[StepVerdict] = []
        self.lines: list[str] = []  # the completed lines, as written
        self.pending = ""  # inserted text the model has not emitted yet
        self.answered = False

    def feed(self, text: str) -> Action:
        action = Action()
        pieces = text.split("\n")
        for i, piece in enumerate(pieces):
            self.line += piece
            if i < len(pieces) - 1:  # a newline ended the line
                verdict = self._close_line()
                if verdict is not None:
                    action.lines.append(verdict)
                    if not verdict.ok and action.failed is None:
                        action.failed = verdict
        if len(self.line) > MAX_LINE_CHARS and action.failed is None:
            action.failed = StepVerdict(False, "text", "the line runs on without an end")
            self.verdicts.append(action.failed)
            self.line = ""
        if self.pending:
            # This text is (the next piece of) a result the engine inserted: the model's cache is
            # still catching up with it, so no calculation fires in the middle of it.
            self.pending = self.pending[len(text) :] if self.pending.startswith(text) else ""
            return action
        if self.exact and action.failed is None and self.line:
            action.insert = calc_result(self.line) or ""
            self.pending = action.insert
        return action

    def finish(self) -> Action:
        """The model stopped: check the last line (it has no newline)."""
        action = Action()
        verdict = self._close_line()
        if verdict is not None:
            action.lines.append(verdict)
            if not verdict.ok:
                action.failed = verdict
        return action

    def _close_line(self) -> StepVerdict | None:
        line, self.line = self.line.strip(), ""
        if not line:
            return None
        verdict = self.checker.check_line(line)
        self.lines.append(line)
        self.verdicts.append(verdict)
        if verdict.kind == "answer" and verdict.ok:
            self.answered = True
        return verdict

    @property
    def all_ok(self) -> bool:
        return self.answered and all(v.ok for v in self.verdicts)


_MATH = re.compile(r"\$([^$]+)\$")


def hint_start(problem: ProblemState, student_answer: str) -> tuple[str, ProblemState]:
    """The statement a next-step hint works from: the student's last answer when it is an
    equation or inequality equivalent to the problem but not yet solved, else the problem."""
    answer = (student_answer or "").strip().strip("$").strip()
    if not answer or problem.task != "solve" or problem.var is None:
        return problem.statement, problem
    node = parse_math(answer)
    rel = relation_of(node) if node is not None else None
    if rel is None:
        return problem.statement, problem
    same = solution_set(rel, problem.var) == problem.solution
    # x = -1 itself is the answer: a hint from there has nothing left to say.
    solved = rel.lhs == problem.var and not rel.rhs.free_symbols
    if not same or solved:
        return problem.statement, problem
    statement = f"Solve ${answer}$."
    started = read_problem(statement)
    return (statement, started) if started is not None else (problem.statement, problem)


def hint_text(first_line: str) -> str:
    """The operation of a solution's first step and what to work out, without any result."""
    parts = split_line(first_line)
    phrase = parts.phrase.strip().rstrip(":").strip()
    if not phrase:
        return ""
    text = f"Next step: {phrase[0].lower() + phrase[1:]}"
    lefts = [c.split("=", 1)[0].strip() for c in parts.calcs if "=" in c]
    if lefts:
        text += ". Work out " + " and ".join(f"${left}$" for left in lefts)
    return text + "."


_FRACTION = re.compile(r"\\frac\{(\d+)\}\{(\d+)\}")


def reduction_step(failed: StepVerdict, last_line: str) -> str:
    """The start of the step a solution skipped when its answer was right but not in lowest
    terms: "Divide the numerator and the denominator by their greatest common factor $g$ (",
    with g from the fraction of the last accepted line; "" when that does not apply. The engine
    makes the model go on from there (it writes the divisions, the CAS their results)."""
    if failed.kind != "answer" or "lowest terms" not in failed.reason:
        return ""
    state = split_line(last_line).state
    found = _FRACTION.findall(state)
    if len(found) != 1:
        return ""
    g = gcd(int(found[0][0]), int(found[0][1]))
    if g <= 1:
        return ""
    return f"Divide the numerator and the denominator by their greatest common factor ${g}$ ("
