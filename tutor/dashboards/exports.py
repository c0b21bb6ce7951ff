"""CSV exports, produced row by row so a large class never sits in memory at once."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from tutor.dashboards.selectors import grid
from tutor.models import Attempt, Classroom

CHUNK = 500  # rows fetched per database round trip: small, so memory stays flat

ATTEMPT_COLUMNS = [
    "attempt_id",
    "created_at",
    "student",
    "skill",
    "problem",
    "raw_input",
    "parsed_as",
    "verdict",
    "score",
    "feedback_code",
    "hints_used",
    "time_taken_ms",
]
MASTERY_COLUMNS = ["student", "skill", "status", "p_known", "attempts", "correct", "last_answer_at"]

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


class _Echo:
    """csv.writer wants a file; this one hands each written line straight back."""

    def write(self, value: str) -> str:
        return value


def safe_cell(value: object) -> object:
    """Defuse spreadsheet formulas (CSV injection): a student's answer such as `=HYPERLINK(...)`
    must not run in the teacher's spreadsheet. Plain negative numbers stay as they are."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        if not _NUMBER.match(value):
            return "'" + value
    return value


FLUSH_BYTES = 32 * 1024  # one chunk per ~32 KB: few writes to the socket, little memory


def csv_lines(header: list[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """CSV text in chunks of about FLUSH_BYTES; the first chunk (the header) comes at once so
    the download starts before the first query finishes."""
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    buffer: list[str] = []
    size = 0
    for row in rows:
        line = writer.writerow([safe_cell(v) for v in row])
        buffer.append(line)
        size += len(line)
        if size >= FLUSH_BYTES:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


def date_range(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive local dates to [from, to) datetimes."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, time.min, tz) if start else None
    hi = datetime.combine(end + timedelta(days=1), time.min, tz) if end else None
    return lo, hi


def attempt_rows(
    classroom: Classroom, start: date | None = None, end: date | None = None
) -> Iterator[tuple]:
    """The class's attempts on its course, oldest first, read in chunks from a server-side
    iterator (no result cache)."""
    qs = Attempt.objects.filter(
        learner__enrollments__classroom=classroom,
        problem__skill__course_id=classroom.course_id,
    )
    lo, hi = date_range(start, end)
    if lo:
        qs = qs.filter(created_at__gte=lo)
    if hi:
        qs = qs.filter(created_at__lt=hi)
    yield from (
        qs.order_by("created_at", "id")
        .values_list(
            "id",
            "created_at",
            "learner__username",
            "problem__skill__slug",
            "problem__slug",
            "raw_input",
            "parsed_as",
            "verdict",
            "score",
            "feedback_code",
            "hints_used",
            "time_taken_ms",
        )
        .iterator(chunk_size=CHUNK)
    )


def mastery_rows(
    classroom: Classroom, start: date | None = None, end: date | None = None
) -> Iterator[tuple]:
    """One row per student × skill (bounded by the class and course size): today's level and
    P(known), with the answers counted between the dates when given."""
    skills = grid.course_skills(classroom)
    students = grid.roster(classroom)
    lo, hi = date_range(start, end)
    cells = grid.cells_for(
        classroom, [s.pk for s in students], skills, answered_from=lo, answered_before=hi
    )
    for student in students:
        for skill in skills:
            c = cells[(student.pk, skill.pk)]
            yield (
                student.username,
                skill.slug,
                c.level.key,
                "" if c.p_known is None else f"{c.p_known:.4f}",
                c.attempts,
                c.correct,
                c.last_at.isoformat() if c.last_at else "",
            )
