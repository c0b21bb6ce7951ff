"""Content: courses, skills, problems and hints (the curriculum issue extends these)."""

from __future__ import annotations

from django.db import models


class Course(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Skill(models.Model):
    """A knowledge component practised in a course."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="skills")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["course", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="unique_skill_slug_per_course")
        ]

    def __str__(self) -> str:
        return self.name


class Problem(models.Model):
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="problems")
    slug = models.SlugField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    # Markdown with LaTeX between $...$ (inline) or $$...$$ (display).
    statement = models.TextField()
    # The answer spec understood by curriculum.answers (kind, key, options).
    answer_spec = models.JSONField()
    difficulty = models.FloatField(default=0.0, help_text="Prior difficulty (logit scale).")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["skill", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["skill", "slug"], name="unique_problem_slug_per_skill")
        ]

    def __str__(self) -> str:
        return f"{self.skill.name}: {self.slug}"


class Hint(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="hints")
    order = models.PositiveIntegerField(default=0)
    text = models.TextField()

    class Meta:
        ordering = ["problem", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "order"], name="unique_hint_order")
        ]

    def __str__(self) -> str:
        return f"Hint {self.order + 1} for {self.problem}"
