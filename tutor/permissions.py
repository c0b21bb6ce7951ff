"""Who may see what. Object-level checks used by every view, export and consumer."""

from __future__ import annotations

from tutor.models import TEACHER_GROUP, Classroom, Enrollment, User


def is_teacher(user: User) -> bool:
    return user.is_authenticated and (
        user.is_staff or user.groups.filter(name=TEACHER_GROUP).exists()
    )


def can_view_student(viewer: User, student: User) -> bool:
    """The student themself, a teacher of one of their classes, or an admin."""
    if not viewer.is_authenticated:
        return False
    if viewer.pk == student.pk or viewer.is_staff:
        return True
    return Enrollment.objects.filter(student=student, classroom__teacher=viewer).exists()


def can_view_classroom(viewer: User, classroom: Classroom) -> bool:
    return viewer.is_authenticated and (viewer.is_staff or classroom.teacher_id == viewer.pk)
