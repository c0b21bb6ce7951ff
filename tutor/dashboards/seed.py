"""A large synthetic class for tests and the benchmark, written with bulk_create in seconds."""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from curriculum.models import Course, Problem, Skill
from inference.models import Generation
from tutor.models import (
    STUDENT_GROUP,
    TEACHER_GROUP,
    Attempt,
    Classroom,
    Enrollment,
    LearnerSkill,
    User,
)

PASSWORD = "seeded-pw-123"


@dataclass
class SeededClass:
    classroom: Classroom
    teacher: User
    students: list[User]
    skills: list[Skill]
    n_attempts: int


@contextmanager
def _keep_created_at(*models):
    """Let bulk_create write our own created_at instead of "now" (auto_now_add)."""
    fields = [m._meta.get_field("created_at") for m in models]
    try:
        for f in fields:
            f.auto_now_add = False
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


@transaction.atomic
def seed_class(
    *,
    prefix: str = "big",
    students: int = 40,
    skills: int = 30,
    problems_per_skill: int = 5,
    attempts: int = 50_000,
    days: int = 30,
    seed: int = 7,
) -> SeededClass:
    rng = random.Random(seed)
    now = timezone.now()
    course = Course.objects.create(slug=f"{prefix}-course", title=f"{prefix.title()} course")
    skill_rows = Skill.objects.bulk_create(
        Skill(course=course, slug=f"s{i:02d}", name=f"Skill {i:02d}", order=i)
        for i in range(skills)
    )
    problem_rows = Problem.objects.bulk_create(
        Problem(
            skill=skill,
            slug=f"p{j}",
            order=j,
            statement=f"Compute ${j} + {j}$.",
            answer_spec={"kind": "number", "key": [str(2 * j)]},
        )
        for skill in skill_rows
        for j in range(problems_per_skill)
    )
    password = make_password(PASSWORD)
    teacher = User.objects.create(username=f"{prefix}-teacher", password=password)
    teacher.groups.add(Group.objects.get_or_create(name=TEACHER_GROUP)[0])
    users = User.objects.bulk_create(
        User(username=f"{prefix}-student-{i:03d}", password=password) for i in range(students)
    )
    student_group = Group.objects.get_or_create(name=STUDENT_GROUP)[0]
    User.groups.through.objects.bulk_create(
        User.groups.through(user_id=u.pk, group_id=student_group.pk) for u in users
    )
    classroom = Classroom.objects.create(
        name=f"{prefix.title()} class", course=course, teacher=teacher
    )
    Enrollment.objects.bulk_create(Enrollment(classroom=classroom, student=u) for u in users)

    ability = {u.pk: rng.uniform(0.3, 0.95) for u in users}
    span = days * 86400
    rows = []
    for _ in range(attempts):
        u = rng.choice(users)
        p = rng.choice(problem_rows)
        roll = rng.random()
        verdict = (
            Attempt.Verdict.CORRECT
            if roll < ability[u.pk]
            else rng.choice(
                [
                    Attempt.Verdict.WRONG,
                    Attempt.Verdict.WRONG,
                    Attempt.Verdict.PARTIAL,
                    Attempt.Verdict.INVALID,
                ]
            )
        )
        rows.append(
            Attempt(
                learner=u,
                problem=p,
                raw_input=str(rng.randint(-20, 20)),
                parsed_as="",
                verdict=verdict,
                score=1.0 if verdict == Attempt.Verdict.CORRECT else 0.0,
                feedback_code=verdict,
                feedback="",
                time_taken_ms=rng.randint(2_000, 120_000),
                hints_used=rng.choice([0, 0, 0, 1, 2]),
                created_at=now - timedelta(seconds=rng.randint(60, span)),
            )
        )
    rows.sort(key=lambda a: a.created_at)  # ids grow with time, as they do in production
    with _keep_created_at(Attempt):
        Attempt.objects.bulk_create(rows, batch_size=5000)
    LearnerSkill.objects.bulk_create(
        LearnerSkill(
            user=u,
            skill=s,
            p_known=(pk := min(0.999, max(0.01, rng.gauss(ability[u.pk], 0.2)))),
            state={
                "p_known": pk,
                "n": (n := rng.randint(1, 40)),
                # mastery needs evidence: wins stand for distinct problems solved (issue 14)
                "wins": round(n * pk),
                "last_t": (now - timedelta(days=rng.uniform(0, days))).timestamp(),
                "stability": rng.uniform(0.5, 30),
            },
        )
        for u in users
        for s in skill_rows
        if rng.random() < 0.9  # some skills not started by some students
    )
    Generation.objects.bulk_create(
        Generation(
            user=rng.choice(users),
            problem=rng.choice(problem_rows),
            purpose=Generation.Purpose.EXPLANATION,
            engine="local",
            status=Generation.Status.DONE,
            answer_check=rng.choice(list(Generation.Check.values)),
        )
        for _ in range(200)
    )
    return SeededClass(classroom, teacher, users, skill_rows, attempts)


def delete_seeded(seeded: SeededClass) -> None:
    """Remove what seed_class wrote (tests share the database with other modules)."""
    course = seeded.classroom.course
    ids = [u.pk for u in seeded.students]
    Generation.objects.filter(user_id__in=ids).delete()
    Attempt.objects.filter(learner_id__in=ids).delete()
    Classroom.objects.filter(pk=seeded.classroom.pk).delete()
    User.objects.filter(pk__in=[*ids, seeded.teacher.pk]).delete()
    course.delete()
