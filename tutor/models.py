"""The learner side: users and roles, classes, attempts and hint reveals."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

STUDENT_GROUP = "student"
TEACHER_GROUP = "teacher"

# Join codes avoid look-alike characters (0/O, 1/I/L) so they can be read out in class.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(8))


class User(AbstractUser):
    """Django's user; roles are groups (student, teacher) and staff (admin)."""

    # The interface language the user chose (a code of settings.LANGUAGES); empty: the
    # browser's language.
    language = models.CharField(max_length=10, blank=True, default="")

    @property
    def is_teacher(self) -> bool:
        return self.groups.filter(name=TEACHER_GROUP).exists()


class Classroom(models.Model):
    name = models.CharField(max_length=200)
    course = models.ForeignKey(
        "curriculum.Course", on_delete=models.PROTECT, related_name="classrooms"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="taught_classrooms"
    )
    join_code = models.CharField(max_length=12, unique=True, default=new_join_code)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="enrollments")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "student"], name="unique_enrollment")
        ]

    def __str__(self) -> str:
        return f"{self.student} in {self.classroom}"


class Assignment(models.Model):
    """Skills and/or problems a teacher sets a class, optionally due by a time."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="assignments")
    title = models.CharField(max_length=200)
    skills = models.ManyToManyField("curriculum.Skill", blank=True, related_name="assignments")
    problems = models.ManyToManyField("curriculum.Problem", blank=True, related_name="assignments")
    due_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["classroom", "due_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.classroom})"


class Attempt(models.Model):
    """One submitted answer, kept whatever it was (invalid input included)."""

    class Verdict(models.TextChoices):
        CORRECT = "correct", _("Correct")
        PARTIAL = "partial", _("Partly correct")
        WRONG = "wrong", _("Wrong")
        INVALID = "invalid", _("Could not be read")

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    problem = models.ForeignKey(
        "curriculum.Problem", on_delete=models.PROTECT, related_name="attempts"
    )
    raw_input = models.TextField()
    parsed_as = models.TextField(blank=True)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    score = models.FloatField(default=0.0)
    feedback_code = models.CharField(max_length=40)
    feedback = models.TextField(blank=True)
    time_taken_ms = models.PositiveIntegerField(null=True, blank=True)
    hints_used = models.PositiveSmallIntegerField(default=0)
    # Why the adaptive policy served this problem (tutor.adaptive.Choice.to_dict()), if it did.
    served_because = models.JSONField(null=True, blank=True)
    # The student's working, line by line as typed ("typed") with each line's mark
    # (curriculum.answers.WorkReport.to_dict()); None when no working was shown.
    working = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["learner", "problem", "verdict"]),
            models.Index(fields=["learner", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.learner} on {self.problem}: {self.verdict}"


class HintReveal(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hint_reveals"
    )
    hint = models.ForeignKey("curriculum.Hint", on_delete=models.CASCADE, related_name="reveals")
    problem = models.ForeignKey(
        "curriculum.Problem", on_delete=models.CASCADE, related_name="hint_reveals"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "hint"], name="unique_hint_reveal")
        ]

    def __str__(self) -> str:
        return f"{self.learner} saw {self.hint}"


class LearnerProfile(models.Model):
    """The learner-level part of the adaptive engine's state (ability, recent problems)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="learner_profile"
    )
    state = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"learner state of {self.user}"


class LearnerSkill(models.Model):
    """One learner × skill of the adaptive engine's state (P(known), ability, memory)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_states"
    )
    skill = models.ForeignKey(
        "curriculum.Skill", on_delete=models.CASCADE, related_name="learner_states"
    )
    state = models.JSONField(default=dict)
    p_known = models.FloatField(default=0.0)  # denormalised for dashboards and sorting
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "skill"], name="unique_learner_skill")
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.skill}: {self.p_known:.2f}"


class AdaptiveModel(models.Model):
    """A fitted parameter set of the adaptive engine; exactly one is active at a time."""

    version = models.CharField(max_length=64)
    params = models.JSONField()
    is_active = models.BooleanField(default=False)
    n_attempts = models.PositiveIntegerField(default=0)
    fit_seconds = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="one_active_adaptive_model",
            )
        ]

    def __str__(self) -> str:
        return f"adaptive model {self.version[:10]} ({self.n_attempts} attempts)"
