"""Content: courses → units → skills (with prerequisites) → problems → hints and scaffolds.

Loaded from packages (see docs/curriculum-format.md) by `curriculum.importer`. Items are matched
by stable slug on re-import and retired (`is_active = False`), never deleted, once they have
history: attempts point at problems with PROTECT.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ActiveManager(models.Manager):
    """Default manager that hides retired rows, so pages never show them by accident.

    Forward foreign keys use the base manager (`all_objects`), so an old attempt or hint
    reveal still reaches its retired problem or hint.
    """

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(is_active=True)


class Course(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_published = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Shown to students under every problem (templates/tutor/problem.html).
    attribution = models.TextField(blank=True)
    license = models.CharField(max_length=200, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    source_format = models.CharField(max_length=20, default="native")
    # Package-level fields kept only so that an export gives the package back.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Unit(models.Model):
    """A chapter of a course (an OATutor lesson); groups skills for display."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="units")
    slug = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    extra = models.JSONField(default=dict, blank=True)

    all_objects = models.Manager()
    objects = ActiveManager()

    class Meta:
        ordering = ["course", "order", "id"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="unique_unit_slug_per_course")
        ]

    def __str__(self) -> str:
        return self.title


class Skill(models.Model):
    """A knowledge component practised in a course."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="skills")
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="skills"
    )
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    prerequisites = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="unlocks"
    )
    is_active = models.BooleanField(default=True)
    extra = models.JSONField(default=dict, blank=True)

    all_objects = models.Manager()
    objects = ActiveManager()

    class Meta:
        ordering = ["course", "order", "id"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="unique_skill_slug_per_course")
        ]

    def __str__(self) -> str:
        return self.name


class ProblemTemplate(models.Model):
    """A problem with variables; its instances are ordinary `Problem` rows (see generate.py)."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="templates")
    slug = models.SlugField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    # The template exactly as written in the package (variables, constraints, texts, answer).
    definition = models.JSONField()
    is_active = models.BooleanField(default=True)

    all_objects = models.Manager()
    objects = ActiveManager()

    class Meta:
        ordering = ["skill", "order", "id"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(fields=["skill", "slug"], name="unique_template_slug_per_skill")
        ]

    def __str__(self) -> str:
        return f"{self.skill.name}: template {self.slug}"


class Problem(models.Model):
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="problems")
    slug = models.SlugField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=300, blank=True)
    # Markdown with LaTeX between $...$ (inline) or $$...$$ (display).
    statement = models.TextField()
    # The answer spec understood by curriculum.answers (kind, key, options).
    answer_spec = models.JSONField()
    difficulty = models.FloatField(default=0.0, help_text="Prior difficulty (logit scale).")
    is_active = models.BooleanField(default=True)
    solution = models.TextField(blank=True, help_text="Optional worked solution (Markdown).")
    template = models.ForeignKey(
        ProblemTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="instances",
    )
    # The template variables this instance was drawn with (None for hand-written problems).
    params = models.JSONField(null=True, blank=True)
    # Provenance of imported items (OATutor keeps `oer` and `license` per item).
    source_id = models.CharField(max_length=100, blank=True)
    source_url = models.CharField(max_length=500, blank=True)
    license = models.CharField(max_length=200, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["skill", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["skill", "slug"], name="unique_problem_slug_per_skill")
        ]

    def __str__(self) -> str:
        return f"{self.skill.name}: {self.slug}"

    @property
    def choices(self) -> list[dict]:
        """Multiple-choice options as [{'id', 'text'}] (empty for other kinds)."""
        spec = self.answer_spec or {}
        if spec.get("kind") != "multiple_choice":
            return []
        return [
            c if isinstance(c, dict) else {"id": c, "text": c}
            for c in spec.get("options", {}).get("choices", [])
        ]


class Hint(models.Model):
    class Kind(models.TextChoices):
        HINT = "hint", "Hint"
        SCAFFOLD = "scaffold", "Scaffold"
        # The last hint, marked by its author as the one that may state the answer.
        BOTTOM_OUT = "bottom_out", "Bottom-out hint"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="hints")
    order = models.PositiveIntegerField(default=0)
    text = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.HINT)
    title = models.CharField(max_length=300, blank=True)
    # A scaffold asks its own sub-question: its answer spec and its own (sub-)hints.
    answer_spec = models.JSONField(null=True, blank=True)
    subhints = models.JSONField(default=list, blank=True)
    source_id = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    all_objects = models.Manager()
    objects = ActiveManager()

    class Meta:
        ordering = ["problem", "order", "id"]
        default_manager_name = "objects"
        base_manager_name = "all_objects"
        constraints = [
            models.UniqueConstraint(fields=["problem", "order"], name="unique_hint_order")
        ]

    def __str__(self) -> str:
        return f"Hint {self.order + 1} for {self.problem}"


class Figure(models.Model):
    """An image shipped in a package, served by `curriculum:figure` (kept in the database so
    every web machine sees it without shared storage)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="figures")
    path = models.CharField(max_length=300)
    content = models.BinaryField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "path"], name="unique_figure_path")
        ]

    def __str__(self) -> str:
        return f"{self.course.slug}/{self.path}"


class CurriculumVersion(models.Model):
    """One import of a course package: what, when, who, and what changed."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    source_format = models.CharField(max_length=20, default="native")
    source_name = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["course", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="unique_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.course.slug} v{self.number}"


class ImportJob(models.Model):
    """An uploaded package on its way in: validated (dry run), confirmed, imported by Celery."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking (dry run)")
        INVALID = "invalid", _("Invalid")
        VALIDATED = "validated", _("Validated (dry run)")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    filename = models.CharField(max_length=300)
    source_format = models.CharField(max_length=20, default="native")
    package = models.BinaryField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CHECKING)
    report = models.JSONField(default=dict, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    task_id = models.CharField(max_length=100, blank=True)
    versions = models.ManyToManyField(CurriculumVersion, blank=True)

    BUSY = (Status.CHECKING, Status.QUEUED, Status.RUNNING)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.status})"

    @property
    def busy(self) -> bool:
        return self.status in self.BUSY

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.progress_done / self.progress_total))
