"""Writes of the teacher side. Keyword-only arguments, one transaction each."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from tutor.models import Classroom, Enrollment, User, new_join_code
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
