"""Reads for pages, with bounded queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from curriculum.models import Course, Hint, Problem, Skill
from tutor import adaptive, learning
from tutor.adaptive.mastery import MASTERED, REVIEW_DUE
from tutor.models import Assignment, Attempt, Classroom, HintReveal, LearnerSkill, User

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


# --- A stored skill's status: the engine's one rule (tutor.adaptive.skill_status) ------------

# "Review due" is still mastered: the student's assignments and the teacher's grid count both.
MASTERED_STATUSES = (MASTERED, REVIEW_DUE)


def skill_state(state: dict | None, p_known: float | None) -> adaptive.SkillState | None:
    """The engine's state of one stored LearnerSkill row (``state``, ``p_known``); None for a
    skill the engine has no state of."""
    return (
        adaptive.SkillState.from_dict(state) if state is not None and p_known is not None else None
    )


# --- Assignments, as their students see them (the teacher's progress table counts the same) --


@dataclass(frozen=True)
class AssignedItem:
    kind: str  # skill | problem
    pk: int
    name: str


@dataclass
class StudentAssignment:
    """One assignment as its student sees it: each item with whether it is done."""

    assignment: Assignment
    items: list[tuple[AssignedItem, bool]]
    now: datetime

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done_items(self) -> int:
        return sum(done for _item, done in self.items)

    @property
    def done(self) -> bool:
        return self.done_items == self.total

    @property
    def overdue(self) -> bool:
        due = self.assignment.due_at
        return not self.done and due is not None and due < self.now


def assigned_items(assignments: list[Assignment]) -> dict[int, list[AssignedItem]]:
    """Skills and problems of these assignments: 2 queries (one per link table)."""
    ids = [a.pk for a in assignments]
    items: dict[int, list[AssignedItem]] = defaultdict(list)
    for aid, pk, name in (
        Assignment.skills.through.objects.filter(assignment_id__in=ids)
        .order_by("skill__order", "skill_id")
        .values_list("assignment_id", "skill_id", "skill__name")
    ):
        items[aid].append(AssignedItem("skill", pk, name))
    for aid, pk, title, slug, skill_name in (
        Assignment.problems.through.objects.filter(assignment_id__in=ids)
        .order_by("problem__skill__order", "problem__skill_id", "problem__order", "problem_id")
        .values_list(
            "assignment_id", "problem_id", "problem__title", "problem__slug", "problem__skill__name"
        )
    ):
        items[aid].append(AssignedItem("problem", pk, f"{skill_name}: {title or slug}"))
    return items


def first_correct(student_ids: list[int], problem_ids: set[int]) -> dict[tuple[int, int], datetime]:
    """When each student first answered each problem correctly: 1 query, grouped on the
    (learner, problem, verdict) index."""
    return {
        (learner_id, problem_id): first
        for learner_id, problem_id, first in Attempt.objects.filter(
            learner_id__in=student_ids,
            problem_id__in=problem_ids,
            verdict=Attempt.Verdict.CORRECT,
        )
        .values_list("learner_id", "problem_id")
        .annotate(first=Min("created_at"))
        .order_by()
    }


def item_done(
    item: AssignedItem,
    student_id: int,
    due_at: datetime | None,
    mastered: Callable[[int, int], bool],
    solved: dict[tuple[int, int], datetime],
) -> bool:
    """A skill is done when mastered; a problem when first answered correctly by the due date."""
    if item.kind == "skill":
        return mastered(student_id, item.pk)
    at = solved.get((student_id, item.pk))
    return at is not None and (due_at is None or at <= due_at)  # a late answer does not count


def assignments_for_student(
    student: User, *, course: Course | None = None, now: datetime | None = None
) -> list[StudentAssignment]:
    """The assignments of every class the student is in (of one course, if given), due first,
    each item with whether they have done it by the dashboard's rules: 6 queries (7 while
    the process first loads the model parameters)."""
    now = now or timezone.now()
    mine = Assignment.objects.filter(classroom__enrollments__student=student)
    if course is not None:
        mine = mine.filter(classroom__course=course)
    assignments = list(
        mine.select_related("classroom__course")
        .order_by(F("due_at").asc(nulls_last=True), "id")
        .distinct()
    )
    items = assigned_items(assignments)
    skill_ids = {i.pk for its in items.values() for i in its if i.kind == "skill"}
    problem_ids = {i.pk for its in items.values() for i in its if i.kind == "problem"}
    params = learning.active_params()
    ts = now.timestamp()
    mastered_ids = {
        skill_id
        for skill_id, state, p in LearnerSkill.objects.filter(
            user=student, skill_id__in=skill_ids
        ).values_list("skill_id", "state", "p_known")
        if adaptive.skill_status(
            skill_state(state, p), params.mastery.threshold, params.mastery, ts
        )[0]
        in MASTERED_STATUSES
    }
    solved = first_correct([student.pk], problem_ids)

    def mastered(student_id: int, skill_id: int) -> bool:
        return skill_id in mastered_ids

    return [
        StudentAssignment(
            a,
            [
                (i, item_done(i, student.pk, a.due_at, mastered, solved))
                for i in items.get(a.pk, [])
            ],
            now,
        )
        for a in assignments
    ]
