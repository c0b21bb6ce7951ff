"""Each assignment of a class with every student's progress (the dashboard's progress table).
Items count as done by the same rules as the student's own list (``tutor.selectors``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.db.models import F
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tutor.dashboards.selectors.grid import Cell
from tutor.models import Assignment, Classroom, User
from tutor.selectors import (
    MASTERED_STATUSES,
    AssignedItem,
    assigned_items,
    first_correct,
    item_done,
)


@dataclass
class StudentProgress:
    student: User
    done_items: int
    total: int
    overdue: bool

    @property
    def done(self) -> bool:
        return self.done_items == self.total

    @property
    def status(self) -> tuple[str, str]:
        if self.done:
            return "done", _("Done")
        if self.overdue:
            return "overdue", _("Overdue")
        return ("open", _("In progress")) if self.done_items else ("open", _("Not started"))

    def html(self) -> SafeString:
        """One cell of the progress table, built like Cell.html: 40 students × 8 assignments
        through template tags cost ~70 ms, this a few."""
        key, word = self.status
        return mark_safe(
            f'<td class="status-{key}">'
            + escape(_("%(n)d of %(total)d") % {"n": self.done_items, "total": self.total})
            + f": {escape(str(word))}</td>"
        )


@dataclass
class AssignmentProgress:
    assignment: Assignment
    items: list[AssignedItem]
    students: list[StudentProgress]
    now: datetime

    @property
    def past_due(self) -> bool:
        return self.assignment.due_at is not None and self.assignment.due_at < self.now

    @property
    def done_count(self) -> int:
        return sum(p.done for p in self.students)

    @property
    def overdue_count(self) -> int:
        return sum(p.overdue for p in self.students)

    @property
    def skills(self) -> list[AssignedItem]:
        return [i for i in self.items if i.kind == "skill"]

    @property
    def problems(self) -> list[AssignedItem]:
        return [i for i in self.items if i.kind == "problem"]


def class_assignments(classroom: Classroom) -> list[Assignment]:
    # Due first, soonest first; no due date last (on every database).
    return list(
        classroom.assignments.order_by(F("due_at").asc(nulls_last=True), "id").select_related(
            "created_by"
        )
    )


def assignment_progress(
    classroom: Classroom,
    students: list[User],
    cells: dict[tuple[int, int], Cell],
    *,
    now: datetime | None = None,
) -> list[AssignmentProgress]:
    """Each assignment of the class with every student's progress: 4 queries, whatever the
    number of students or assignments. Skills count as done by the grid's own cells."""
    now = now or timezone.now()
    assignments = class_assignments(classroom)
    items = assigned_items(assignments)
    student_ids = [s.pk for s in students]
    problem_ids = {i.pk for its in items.values() for i in its if i.kind == "problem"}
    solved = first_correct(student_ids, problem_ids)

    def mastered(student_id: int, skill_id: int) -> bool:
        cell = cells.get((student_id, skill_id))
        return cell is not None and cell.level.key in MASTERED_STATUSES

    out = []
    for a in assignments:
        its = items.get(a.pk, [])
        past_due = a.due_at is not None and a.due_at < now
        progress = []
        for s in students:
            n = sum(item_done(i, s.pk, a.due_at, mastered, solved) for i in its)
            progress.append(StudentProgress(s, n, len(its), overdue=past_due and n < len(its)))
        out.append(AssignmentProgress(a, its, progress, now))
    return out
