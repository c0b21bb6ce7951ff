"""Reads for pages, with bounded queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from curriculum.models import Course, Hint, Problem, Skill
from tutor.models import Attempt, Classroom, HintReveal, User

# --- Rights to content: the one place that decides who may see a course or a problem. ------
# A published course is open to every signed-in user; an unpublished one only to admins and
# to the students and teachers of a class that uses it. Every view, consumer and service that
# takes a course slug, skill id or problem id goes through these querysets.


def visible_courses(user: User) -> QuerySet[Course]:
    """Courses the user may open (nothing for anonymous users)."""
    if not user.is_authenticated:
        return Course.objects.none()
    if user.is_staff:
        return Course.objects.all()
    return Course.objects.filter(
        Q(is_published=True)
        | Q(classrooms__enrollments__student=user)
        | Q(classrooms__teacher=user)
    ).distinct()


def visible_problems(user: User) -> QuerySet[Problem]:
    """Active problems of active skills in courses the user may open."""
    return Problem.objects.filter(
        skill__is_active=True, skill__course__in=visible_courses(user).values("pk")
    ).select_related("skill__course")


def visible_skills(user: User) -> QuerySet[Skill]:
    return Skill.objects.filter(course__in=visible_courses(user).values("pk")).select_related(
        "course"
    )


def can_see_problem(user: User, problem: Problem) -> bool:
    return visible_problems(user).filter(pk=problem.pk).exists()


def courses_for(user: User) -> QuerySet[Course]:
    """Every course the user may open (classes do not restrict published courses)."""
    return visible_courses(user).order_by("title")


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
