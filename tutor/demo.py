"""The small demo course and demo users that `manage.py seed_demo` creates (idempotently)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from curriculum.models import Course, Hint, Problem, Skill
from tutor import services
from tutor.models import Classroom, Enrollment, User

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
                ["A positive divided by a negative is negative."],
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


@transaction.atomic
def seed_demo() -> list[DemoLogin]:
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
        defaults={"name": "Demo class", "course": course, "teacher": teacher},
    )
    Enrollment.objects.get_or_create(classroom=classroom, student=student)
    return [
        DemoLogin("student", student.username, DEMO_PASSWORD),
        DemoLogin("teacher", teacher.username, DEMO_PASSWORD),
        DemoLogin("admin", admin.username, DEMO_PASSWORD),
    ]


def _demo_user(username: str, email: str, staff: bool = False) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
    user.is_staff = user.is_superuser = staff
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user
