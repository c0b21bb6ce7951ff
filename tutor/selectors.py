"""Reads for pages, with bounded queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from curriculum.models import Course, Hint, Problem, Skill
from tutor.models import Attempt, Classroom, HintReveal, User


def courses_for(user: User) -> QuerySet[Course]:
    """Every published course (classes do not restrict what a student may practise)."""
    return Course.objects.filter(is_published=True).order_by("title")


@dataclass(frozen=True)
class SkillProgress:
    skill: Skill
    total: int
    solved: int

    @property
    def percent(self) -> int:
        return round(100 * self.solved / self.total) if self.total else 0

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.solved >= self.total


def skill_progress(learner: User, course: Course) -> list[SkillProgress]:
    """Each skill of the course with how many of its problems the learner has solved."""
    skills = Skill.objects.filter(course=course).annotate(
        total=Count("problems", filter=Q(problems__is_active=True), distinct=True)
    )
    solved = dict(
        Attempt.objects.filter(
            learner=learner,
            problem__skill__course=course,
            problem__is_active=True,
            verdict=Attempt.Verdict.CORRECT,
        )
        .values("problem__skill")
        .annotate(n=Count("problem", distinct=True))
        .values_list("problem__skill", "n")
    )
    return [SkillProgress(skill, skill.total, solved.get(skill.pk, 0)) for skill in skills]


def revealed_hints(learner: User, problem: Problem) -> list[Hint]:
    revealed = HintReveal.objects.filter(learner=learner, problem=problem).values("hint_id")
    return list(problem.hints.filter(pk__in=revealed).order_by("order"))


def attempts_of(student: User) -> QuerySet[Attempt]:
    return Attempt.objects.filter(learner=student).select_related("problem__skill__course")


def classrooms_taught_by(teacher: User) -> QuerySet[Classroom]:
    qs = Classroom.objects.select_related("course").annotate(n_students=Count("enrollments"))
    return qs if teacher.is_staff else qs.filter(teacher=teacher)


def classrooms_of(student: User) -> QuerySet[Classroom]:
    return Classroom.objects.filter(enrollments__student=student).select_related(
        "course", "teacher"
    )
