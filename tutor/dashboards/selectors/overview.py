"""The class dashboard as one read, and the pieces a live event redraws (one student's row,
one skill's summary)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from curriculum.models import Skill
from tutor import learning
from tutor.dashboards.selectors.activity import (
    Flag,
    RecurringError,
    needs_help,
    recent_activity,
    recurring_errors,
)
from tutor.dashboards.selectors.assignments import AssignmentProgress, assignment_progress
from tutor.dashboards.selectors.grid import (
    SkillSummary,
    StudentRow,
    cells_for,
    course_skills,
    roster,
    skill_summaries,
)
from tutor.models import Attempt, Classroom, User


@dataclass
class ClassDashboard:
    classroom: Classroom
    skills: list[Skill]
    rows: list[StudentRow]
    summaries: list[SkillSummary]
    flags: list[Flag]
    activity: list[Attempt]
    threshold: float
    sort: str
    direction: str
    columns: str
    assignments: list[AssignmentProgress] = field(default_factory=list)
    min_evidence: int = 0  # first-attempt successes on distinct problems that mastery needs
    recurring: list[RecurringError] = field(default_factory=list)  # errors in working

    @property
    def assignment_rows(self) -> list[tuple[User, SafeString]]:
        """The progress table: per student (roster order), a cell per assignment."""
        if not self.assignments:
            return []
        columns = [a.students for a in self.assignments]
        return [
            (progress[0].student, mark_safe("".join(p.html() for p in progress)))
            for progress in zip(*columns, strict=True)
        ]

    @property
    def skill_headers(self) -> list[tuple[Skill, str]]:
        """Each column's skill with its sort key (``skill-<id>``)."""
        return [(skill, f"skill-{skill.pk}") for skill in self.skills]


SORTS = ("name", "mastery", "attempts", "active", "flags")


def _row_key(sort: str, skill_id: int | None) -> Callable[[StudentRow], object]:
    def key(row: StudentRow):
        if skill_id is not None:
            return next(c.sort_value for c in row.cells if c.skill_id == skill_id)
        if sort == "mastery":
            return row.mean_mastery
        if sort == "attempts":
            return row.attempts
        if sort == "active":
            return row.last_at.timestamp() if row.last_at else 0.0
        if sort == "flags":
            return len(row.flags)
        return row.student.username.lower()

    return key


def class_dashboard(
    classroom: Classroom,
    *,
    sort: str = "name",
    direction: str = "asc",
    columns: str = "course",
    now: datetime | None = None,
) -> ClassDashboard:
    """Everything the class dashboard shows, in a fixed number of queries (about 9)."""
    now = now or timezone.now()
    params = learning.active_params()
    skills = course_skills(classroom)
    students = roster(classroom)
    student_ids = [s.pk for s in students]
    cells = cells_for(classroom, student_ids, skills, now=now, params=params)
    flags = needs_help(classroom, students, now=now)
    summaries = skill_summaries(skills, student_ids, cells)
    if columns == "weakest":
        # Hardest skills first: lowest mean estimated mastery in this class.
        order = sorted(range(len(skills)), key=lambda i: (summaries[i].mean_p, i))
        skills = [skills[i] for i in order]
        summaries = [summaries[i] for i in order]
    else:
        columns = "course"
    flags_by_student: dict[int, list[Flag]] = defaultdict(list)
    for flag in flags:
        flags_by_student[flag.student_id].append(flag)
    rows = [
        StudentRow(
            student=s,
            cells=[cells[(s.pk, skill.pk)] for skill in skills],
            flags=flags_by_student.get(s.pk, []),
        )
        for s in students
    ]
    skill_id = None
    if sort.startswith("skill-") and sort[6:].isdigit():
        skill_id = int(sort[6:])
        if skill_id not in {s.pk for s in skills}:
            sort, skill_id = "name", None
    elif sort not in SORTS:
        sort = "name"
    direction = "desc" if direction == "desc" else "asc"
    rows.sort(key=_row_key(sort, skill_id), reverse=direction == "desc")
    return ClassDashboard(
        classroom=classroom,
        skills=skills,
        rows=rows,
        summaries=summaries,
        flags=sorted(flags, key=lambda f: (f.student_name, f.kind)),
        activity=recent_activity(classroom, student_ids),
        threshold=params.mastery.threshold,
        min_evidence=params.mastery.min_evidence,
        sort=sort,
        direction=direction,
        columns=columns,
        assignments=assignment_progress(classroom, students, cells, now=now),
        recurring=recurring_errors(classroom, students, now=now),
    )


def student_row(classroom: Classroom, student: User, *, now: datetime | None = None) -> StudentRow:
    """One student's row of the grid (for live updates): 5 queries."""
    skills = course_skills(classroom)
    cells = cells_for(classroom, [student.pk], skills, now=now)
    return StudentRow(student=student, cells=[cells[(student.pk, s.pk)] for s in skills])


def skill_summary(classroom: Classroom, skill: Skill, student_ids: list[int]) -> SkillSummary:
    cells = cells_for(classroom, student_ids, [skill])
    return skill_summaries([skill], student_ids, cells)[0]
