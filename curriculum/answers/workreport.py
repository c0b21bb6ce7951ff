"""The verdicts of a checked working (see :mod:`.steps`): plain data, no SymPy, so that the
web process can read what the pool's workers send back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ParseError
from .inputs import MAX_LENGTH
from .nodes import to_latex
from .parsing import parse
from .spec import AnswerSpec

MAX_LINES = 30  # lines of working (the start included)
MAX_TOTAL = 8 * MAX_LENGTH  # characters in all (each line also at most inputs.MAX_LENGTH)


@dataclass
class LineVerdict:
    """One line judged (see the module docstring for ``status``)."""

    index: int
    text: str
    status: str  # given, ok, one_way, wrong, unreadable or blank
    code: str = ""  # why: "equivalent", "squared", "multiplied", "divided", a reading code
    message: str = ""
    malrule: str = ""  # the first wrong line's diagnosis (a :data:`.malrules.CODES` code)
    where: str = ""  # the term, number or bracket the diagnosis points at
    # what the step did or got wrong (:data:`.stepconcepts.CONCEPTS`): evidence for skills
    concepts: list[str] = field(default_factory=list)
    latex: str = ""
    ms: float = 0.0  # time spent on this line

    @property
    def mark(self) -> str:
        return {"ok": "✓", "one_way": "⚠", "wrong": "✗", "unreadable": "?"}.get(self.status, "")


@dataclass
class WorkReport:
    """The working judged: a verdict per line, the first wrong line, the final check."""

    lines: list[LineVerdict] = field(default_factory=list)
    first_error: int | None = None  # index of the first ``wrong`` line
    malrule: str = ""  # its diagnosis
    final: dict[str, Any] | None = None  # the last line checked as the answer (a Verdict's dict)
    error: str = ""  # the working as a whole could not be checked (too long, no start)
    mode: str = ""  # how the lines were read: "expr", "rel" (one variable) or "system"

    @property
    def steps_ok(self) -> bool:
        return not self.error and all(
            v.status in ("given", "ok", "one_way", "blank") for v in self.lines
        )

    @property
    def correct(self) -> bool:
        return self.steps_ok and bool(self.final and self.final.get("correct"))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["correct"] = self.correct
        d["steps_ok"] = self.steps_ok
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WorkReport:
        names = set(LineVerdict.__dataclass_fields__)
        lines = [
            LineVerdict(**{k: x for k, x in v.items() if k in names}) for v in d.get("lines", [])
        ]
        return cls(
            lines=lines,
            first_error=d.get("first_error"),
            malrule=d.get("malrule", ""),
            final=d.get("final"),
            error=d.get("error", ""),
            mode=d.get("mode", ""),
        )


def precheck_work(lines: object) -> str:
    """Why a working cannot be checked at all (not a list of text, too many lines, too
    long), or ''."""
    if not isinstance(lines, (list, tuple)) or not all(isinstance(x, str) for x in lines):
        return "The working must be a list of lines of text."
    if not lines:
        return "The working is empty."
    if len(lines) > MAX_LINES:
        return f"Too many lines ({len(lines)}; at most {MAX_LINES})."
    if sum(len(x) for x in lines) > MAX_TOTAL:
        return f"The working is too long (at most {MAX_TOTAL} characters in all)."
    return ""


def work_start(spec: AnswerSpec | dict[str, Any]) -> str | None:
    """The line a working of this problem starts from: ``options.work_start``, else the
    question's own expression (``options.given``, filled from the statement at load; the
    equations of a system joined by "and"), else None."""
    s = AnswerSpec.from_dict(spec)
    start: str | None = s.opt("work_start")
    if start:
        return start
    given = [g for g in s.opt("given") or [] if isinstance(g, str) and g.strip()]
    if len(given) > 1 and all("=" in g for g in given):
        return " and ".join(given)  # y = 2x + 1 and 3x + 2y = 16
    return given[0] if given else None


def read_back(text: str) -> list[dict[str, Any]]:
    """The work area's lines as read, for the preview while the student types: for each
    line ``{"text", "latex"}`` or ``{"text", "error"}`` (the parser's message). Only the
    parser runs (no SymPy, no pool); blank lines are left out, at most :data:`MAX_LINES`."""
    out: list[dict[str, Any]] = []
    for line in text[:MAX_TOTAL].splitlines():
        if not line.strip():
            continue
        if len(out) >= MAX_LINES:
            break
        s = line.strip()
        s = s[1:] if s.startswith("=") else s  # "= 6x - 3": the next form of an expression
        try:
            out.append({"text": line, "latex": to_latex(parse(s).node)})
        except ParseError as e:
            msg = e.message.replace("Your answer", "This line")
            out.append({"text": line, "error": msg})
    return out
