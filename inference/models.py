"""Generation records: one row per explanation or tutor hint asked for."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Generation(models.Model):
    class Purpose(models.TextChoices):
        HINT = "hint", _("Hint from the tutor")
        EXPLANATION = "explanation", _("Full explanation")
        STEP = "step", _("Explain this step")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Failed")

    class Check(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked")
        AGREES = "agrees", _("Agrees with the answer key")
        DISAGREES = "disagrees", _("Disagrees with the answer key")
        NO_ANSWER = "no_answer", _("No final answer found")
        HIDDEN = "hidden", _("Did not reveal the answer")
        REVEALED = "revealed", _("Revealed the answer (withheld)")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations"
    )
    problem = models.ForeignKey(
        "curriculum.Problem", on_delete=models.PROTECT, related_name="generations"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    engine = models.CharField(max_length=20)
    model_name = models.CharField(max_length=200, blank=True)
    prompt = models.JSONField(default=list, help_text="The chat messages sent to the model.")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    text = models.TextField(blank=True, help_text="Everything the model wrote.")
    shown_text = models.TextField(blank=True, help_text="What the student was shown at the end.")
    error = models.TextField(blank=True)
    worker = models.CharField(
        max_length=100,
        blank=True,
        help_text="The worker process instance running it (config.heartbeat.INSTANCE); the "
        "sweeper fails a running generation whose instance no longer beats.",
    )
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    first_token_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    queue_wait_ms = models.PositiveIntegerField(null=True, blank=True)
    time_to_first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    tokens_per_second = models.FloatField(null=True, blank=True)
    final_answer = models.TextField(blank=True)
    answer_check = models.CharField(max_length=12, choices=Check.choices, default=Check.UNCHECKED)
    answer_check_detail = models.TextField(blank=True)
    flagged = models.BooleanField(
        default=False, help_text="Shown to teachers: the explanation disagreed with the key."
    )
    # "Explain this step": the attempt whose first wrong line is explained, and the
    # explanation's own steps checked line by line (curriculum.answers.WorkReport.to_dict()).
    attempt = models.ForeignKey(
        "tutor.Attempt", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    step_check = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk} for {self.user} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def stream_key(self) -> str:
        return f"gen:{self.pk}"
