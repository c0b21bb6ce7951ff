"""Writes of the teacher side. Keyword-only arguments, one transaction each."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from curriculum.models import Problem, Skill
from tutor.models import Assignment, Classroom, Enrollment, User, new_join_code
from tutor.permissions import can_view_classroom


@transaction.atomic
def remove_student(*, by: User, classroom: Classroom, student: User) -> bool:
    """Take a student off the roster. Their work is kept (it belongs to them, not the class);
    they can rejoin with the code. Returns whether they were enrolled."""
    if not can_view_classroom(by, classroom):
        raise PermissionDenied
    deleted, _ = Enrollment.objects.filter(classroom=classroom, student=student).delete()
    return bool(deleted)


@transaction.atomic
def new_code(*, by: User, classroom: Classroom) -> Classroom:
    """A fresh join code, for when the old one has spread further than the class."""
    if not can_view_classroom(by, classroom):
        raise PermissionDenied
    code = new_join_code()
    while Classroom.objects.filter(join_code=code).exists():
        code = new_join_code()
    classroom.join_code = code
    classroom.save(update_fields=["join_code"])
    return classroom


def _check_assignment(
    by: User, classroom: Classroom, skills: Iterable[Skill], problems: Iterable[Problem]
) -> tuple[list[Skill], list[Problem]]:
    """Rights, and the course rule the form also enforces (services are called from elsewhere)."""
    if not can_view_classroom(by, classroom):
        raise PermissionDenied
    skills, problems = list(skills), list(problems)
    if not skills and not problems:
        raise ValidationError("Choose at least one skill or problem to assign.")
    if any(s.course_id != classroom.course_id for s in skills):
        raise ValidationError("Every skill must be from the class's course.")
    problem_ids = [p.pk for p in problems]
    outside = Problem.objects.filter(pk__in=problem_ids).exclude(
        skill__course_id=classroom.course_id
    )
    if outside.exists():
        raise ValidationError("Every problem must be from the class's course.")
    return skills, problems


@transaction.atomic
def create_assignment(
    *,
    by: User,
    classroom: Classroom,
    title: str,
    skills: Iterable[Skill] = (),
    problems: Iterable[Problem] = (),
    due_at: datetime | None = None,
) -> Assignment:
    skills, problems = _check_assignment(by, classroom, skills, problems)
    assignment = Assignment.objects.create(
        classroom=classroom, title=title, due_at=due_at, created_by=by
    )
    assignment.skills.set(skills)
    assignment.problems.set(problems)
    return assignment


@transaction.atomic
def update_assignment(
    *,
    by: User,
    assignment: Assignment,
    title: str,
    skills: Iterable[Skill] = (),
    problems: Iterable[Problem] = (),
    due_at: datetime | None = None,
) -> Assignment:
    skills, problems = _check_assignment(by, assignment.classroom, skills, problems)
    assignment.title = title
    assignment.due_at = due_at
    assignment.save(update_fields=["title", "due_at"])
    assignment.skills.set(skills)
    assignment.problems.set(problems)
    return assignment


@transaction.atomic
def delete_assignment(*, by: User, assignment: Assignment) -> None:
    """Students' work is untouched: an assignment only points at skills and problems."""
    if not can_view_classroom(by, assignment.classroom):
        raise PermissionDenied
    assignment.delete()
