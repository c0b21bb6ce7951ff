"""The small demo course and demo users that `manage.py seed_demo` creates (idempotently)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from curriculum import answers
from curriculum.models import Course, Hint, Problem, Skill
from tutor import learning, services
from tutor.models import Attempt, Classroom, Enrollment, User

DEMO_COURSE_SLUG = "demo-prealgebra"
DEMO_JOIN_CODE = "TRYMATH7"
DEMO_PASSWORD = "tutor-demo"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str


# (skill slug, skill name, [(problem slug, statement, spec, [hints])])
DEMO_SKILLS = [
    (
        "integers",
        "Integer arithmetic",
        [
            (
                "add-negatives",
                "Compute $-7 + 12$.",
                {"kind": "number", "key": ["5"]},
                [
                    "Start at $-7$ on the number line and move 12 steps to the right.",
                    "$-7 + 7 = 0$, and there are $5$ steps left.",
                ],
            ),
            (
                "multiply-signs",
                "Compute $(-3) \\cdot 4$.",
                {"kind": "number", "key": ["-12"]},
                ["A negative times a positive is negative.", "$3 \\cdot 4 = 12$."],
            ),
            (
                "divide-signs",
                "Compute $18 \\div (-6)$.",
                {"kind": "number", "key": ["-3"]},
                ["A positive divided by a negative is negative.", "$18 \\div 6 = 3$."],
            ),
        ],
    ),
    (
        "fractions",
        "Fractions",
        [
            (
                "add-fractions",
                "Compute $\\frac{1}{2} + \\frac{1}{3}$ and give the result as a fraction.",
                {"kind": "number", "key": ["5/6"]},
                [
                    "Use the common denominator $6$.",
                    "$\\frac{1}{2} = \\frac{3}{6}$ and $\\frac{1}{3} = \\frac{2}{6}$.",
                ],
            ),
            (
                "multiply-fractions",
                "Compute $\\frac{3}{4} \\cdot \\frac{2}{9}$.",
                {"kind": "number", "key": ["1/6"]},
                ["Multiply the numerators and the denominators, then simplify."],
            ),
        ],
    ),
    (
        "expressions",
        "Simplifying expressions",
        [
            (
                "distribute",
                "Simplify $3(x + 2) - x$.",
                {"kind": "expression", "key": ["2*x + 6"]},
                ["Distribute: $3(x+2) = 3x + 6$.", "Then collect the $x$ terms: $3x - x = 2x$."],
            ),
            (
                "collect",
                "Simplify $4a + 3b - 2a + b$.",
                {"kind": "expression", "key": ["2*a + 4*b"]},
                ["Collect the $a$ terms and the $b$ terms separately."],
            ),
        ],
    ),
    (
        "linear-equations",
        "Linear equations",
        [
            (
                "one-step",
                "Solve $x + 9 = 4$. What is $x$?",
                {"kind": "number", "key": ["-5"]},
                ["Subtract $9$ from both sides."],
            ),
            (
                "two-step",
                "Solve $2x + 3 = 11$. What is $x$?",
                {"kind": "number", "key": ["4"]},
                ["Subtract $3$ from both sides: $2x = 8$.", "Divide both sides by $2$."],
            ),
        ],
    ),
]


# Classmates of the demo student with a few days of practice, so the demo teacher's dashboard
# has something to show at the first click: (username, how often they answer right).
DEMO_CLASSMATES = [("demo-ana", 0.9), ("demo-ben", 0.6), ("demo-chloe", 0.3)]


# The course of the demo curriculum (curriculum/demo/), which `make run` loads first: the first
# course on the course list, so a new student's first click lands in the demo class.
DEMO_CURRICULUM_SLUG = "algebra-foundations"


def demo_class_course(fallback: Course) -> Course:
    """The course the demo class uses: the demo curriculum's when it is loaded (as `make run`
    does), else the small seeded course. Fixed by slug, not "whatever sorts first", so a course
    uploaded later never moves the demo class."""
    return Course.objects.filter(slug=DEMO_CURRICULUM_SLUG, is_published=True).first() or fallback


@transaction.atomic
def seed_demo(*, classmates: bool = False) -> list[DemoLogin]:
    """Create the demo course, users and class; safe to run again: passwords are set only
    when a user is created (a restart keeps everyone logged in) and history is written once.

    ``classmates``: also enrol three demo classmates with a few days of practice each
    (what `make run` does; tests that count a class's students leave it off)."""
    course, _ = Course.objects.update_or_create(
        slug=DEMO_COURSE_SLUG,
        defaults={
            "title": "Pre-algebra: a first taste",
            "description": "Integers, fractions, expressions and linear equations.",
            "is_published": True,
        },
    )
    for skill_order, (skill_slug, skill_name, problems) in enumerate(DEMO_SKILLS):
        skill, _ = Skill.objects.update_or_create(
            course=course, slug=skill_slug, defaults={"name": skill_name, "order": skill_order}
        )
        for order, (slug, statement, spec, hints) in enumerate(problems):
            problem, _ = Problem.objects.update_or_create(
                skill=skill,
                slug=slug,
                defaults={"statement": statement, "answer_spec": spec, "order": order},
            )
            for hint_order, text in enumerate(hints):
                Hint.objects.update_or_create(
                    problem=problem, order=hint_order, defaults={"text": text}
                )
            problem.hints.filter(order__gte=len(hints)).delete()

    student = _demo_user("demo-student", "student@example.com")
    services.make_student(user=student)
    teacher = _demo_user("demo-teacher", "teacher@example.com")
    services.make_teacher(user=teacher)
    admin = _demo_user("demo-admin", "admin@example.com", staff=True)

    classroom, _ = Classroom.objects.update_or_create(
        join_code=DEMO_JOIN_CODE,
        defaults={"name": "Demo class", "course": demo_class_course(course), "teacher": teacher},
    )
    Enrollment.objects.get_or_create(classroom=classroom, student=student)
    if classmates:
        for index, (username, skill_rate) in enumerate(DEMO_CLASSMATES):
            mate = User.objects.filter(username=username).first()
            if mate is None:
                mate = services.make_student(user=_demo_user(username, f"{username}@example.com"))
                _practice_history(mate, classroom.course, skill_rate, seed=index)
            Enrollment.objects.get_or_create(classroom=classroom, student=mate)
    return [
        DemoLogin("student", student.username, DEMO_PASSWORD),
        DemoLogin("teacher", teacher.username, DEMO_PASSWORD),
        DemoLogin("admin", admin.username, DEMO_PASSWORD),
    ]


def _demo_user(username: str, email: str, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_password(DEMO_PASSWORD)
    if created or (user.is_staff, user.is_superuser) != (staff, staff):
        user.is_staff = user.is_superuser = staff
        user.save()
    return user


def _practice_history(learner: User, course: Course, rate: float, *, seed: int) -> None:
    """A few days of answers to the first problems of the course's first skills, each checked
    by the answer checker and fed to the learner models as a real answer would be."""
    rng = random.Random(seed)
    problems = list(
        Problem.objects.filter(skill__course=course, skill__is_active=True, is_active=True)
        .exclude(answer_spec__kind="choice")
        .order_by("skill__order", "skill_id", "order", "id")[:12]
    )
    now = timezone.now()
    for step, problem in enumerate(problems):
        key = (problem.answer_spec.get("key") or [""])[0]
        typed = str(key) if rng.random() < rate else "999"
        result = answers.check(typed, problem.answer_spec)
        attempt = Attempt.objects.create(
            learner=learner,
            problem=problem,
            raw_input=typed,
            parsed_as=result.parsed_as or "",
            verdict=services.verdict_of(result),
            score=result.score,
            feedback_code=services.feedback_code_of(result),
            feedback=result.feedback,
            time_taken_ms=rng.randint(20_000, 150_000),
        )
        when = now - timedelta(days=3) + timedelta(hours=6 * step + rng.random())
        Attempt.objects.filter(pk=attempt.pk).update(created_at=when)
        attempt.created_at = when
        learning.update_learner(attempt)
