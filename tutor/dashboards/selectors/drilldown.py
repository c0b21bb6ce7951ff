"""One student of a class, for the teacher: the answer timeline, the explanations read, the
days of work and the estimated mastery over time."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone

from curriculum.models import Skill
from inference.models import Generation
from tutor import adaptive, learning
from tutor.dashboards.selectors.grid import course_skills
from tutor.models import Attempt, Classroom, User

TIMELINE_PAGE = 100


def student_attempts(student: User, classroom: Classroom) -> QuerySet[Attempt]:
    return (
        Attempt.objects.filter(learner=student, problem__skill__course_id=classroom.course_id)
        .select_related("problem__skill")
        .order_by("-created_at", "-id")
    )


def student_explanations(student: User, classroom: Classroom) -> list[Generation]:
    return list(
        Generation.objects.filter(user=student, problem__skill__course_id=classroom.course_id)
        .select_related("problem__skill")
        .defer("prompt", "text")
        .order_by("-created_at")[:100]
    )


@dataclass
class DayPoint:
    day: date
    attempts: int
    correct: int
    seconds: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.attempts if self.attempts else 0.0


def student_days(student: User, classroom: Classroom) -> list[DayPoint]:
    """Per day: answers, correct answers and time on task (the sum of time taken)."""
    rows = (
        Attempt.objects.filter(learner=student, problem__skill__course_id=classroom.course_id)
        .values_list("created_at", "verdict", "time_taken_ms")
        .order_by("created_at")
    )
    days: dict[date, DayPoint] = {}
    for at, verdict, ms in rows.iterator(chunk_size=2000):
        d = timezone.localdate(at)
        point = days.get(d) or days.setdefault(d, DayPoint(d, 0, 0, 0.0))
        point.attempts += 1
        point.correct += verdict == Attempt.Verdict.CORRECT
        # A single answer longer than 30 minutes is someone away, not working.
        point.seconds += min(ms or 0, 30 * 60 * 1000) / 1000
    return list(days.values())


@dataclass
class MasteryTrace:
    skill: Skill
    points: list[tuple[datetime, float]]


def mastery_over_time(student: User, classroom: Classroom) -> list[MasteryTrace]:
    """Estimated P(known) per skill after each answer the engine learned from, replayed with
    today's parameters through the engine's own update (tutor.learning.apply_answer, the
    working's step evidence included; the engine stores only the current state)."""
    skills = {s.pk: s for s in course_skills(classroom)}
    params = learning.active_params()
    rows = (
        Attempt.objects.filter(learner=student, problem__skill__course_id=classroom.course_id)
        .exclude(verdict=Attempt.Verdict.INVALID)
        .order_by("created_at", "id")
        .values_list(
            "problem_id",
            "problem__skill_id",
            "verdict",
            "hints_used",
            "created_at",
            "problem__difficulty",
            "working",
        )
    )
    state = adaptive.LearnerState.from_rows({"learner": str(student.pk)}, {})
    concepts = learning.step_concepts_of((s.pk, s.slug, s.extra) for s in skills.values())
    seen: set[int] = set()
    traces: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for problem_id, skill_id, verdict, hints, at, difficulty, working in rows.iterator(
        chunk_size=2000
    ):
        if problem_id in seen:
            continue  # as in tutor.learning.update_learner: only the first readable answer
        seen.add(problem_id)
        state, changed = learning.apply_answer(
            state,
            params,
            learner_id=student.pk,
            skill_id=skill_id,
            problem_id=problem_id,
            correct=verdict == Attempt.Verdict.CORRECT,
            hints_used=hints,
            at=at,
            difficulty=difficulty,
            working=working,
            concepts=concepts,
        )
        for changed_id in changed:  # the answer's skill, and any its working gave evidence on
            traces[int(changed_id)].append((at, state.skills[changed_id].p_known))
    return [MasteryTrace(skills[k], v) for k, v in traces.items() if k in skills]
