"""The teacher's assignment form: skills and problems of the class's course, a due date."""

from __future__ import annotations

import re
from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from curriculum.models import Problem, Skill
from tutor.models import Assignment, Classroom

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_FRAC = re.compile(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}")
_SYMBOLS = {"\\cdot": "·", "\\times": "×", "\\div": "÷", "\\le": "≤", "\\ge": "≥", "\\pm": "±"}


def statement_excerpt(text: str, limit: int = 90) -> str:
    """A problem's statement as one short line of plain text for a <select> (which cannot
    typeset math): `Compute $\\frac{3}{4} \\cdot 2$.` reads `Compute 3/4 · 2.`"""
    text = _IMAGE.sub(lambda m: f"[{m.group(1) or 'figure'}]", text)
    text = _FRAC.sub(r"\1/\2", text)
    for command, symbol in _SYMBOLS.items():
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", symbol, text)
    text = re.sub(r"\\([A-Za-z]+)", r"\1", text).replace("\\", "")
    text = " ".join(text.replace("$", "").replace("{", "").replace("}", "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _ProblemChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Problem) -> str:
        # The skill first (titles repeat across skills: "Exercise 1"), then what the problem
        # asks, so a teacher can tell problems apart without opening them.
        text = statement_excerpt(obj.statement)
        if obj.title:
            return f"{obj.skill.name}: {obj.title} — {text}"
        return f"{obj.skill.name}: {text or obj.slug}"


class AssignmentForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        label=gettext_lazy("Title"),
        help_text=gettext_lazy("What students see, e.g. “Fractions, week 3”."),
    )
    skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Skills"),
        help_text=gettext_lazy(
            "Done when the student has mastered each skill (as on the mastery grid)."
        ),
    )
    problems = _ProblemChoice(
        queryset=Problem.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        label=gettext_lazy("Problems"),
        help_text=gettext_lazy(
            "Done when the student has answered each problem correctly by the due date. "
            "Hold Ctrl (⌘ on a Mac) to choose several."
        ),
    )
    due_at = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Due"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        help_text=gettext_lazy("Optional. Your local time; leave it empty for no due date."),
        error_messages={
            "invalid": gettext_lazy("Enter a date and time, such as 2026-12-01 09:00.")
        },
    )

    def __init__(
        self, *args, classroom: Classroom, instance: Assignment | None = None, **kwargs
    ) -> None:
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "title": instance.title,
                "skills": list(instance.skills.values_list("pk", flat=True)),
                "problems": list(instance.problems.values_list("pk", flat=True)),
                "due_at": timezone.localtime(instance.due_at) if instance.due_at else None,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        # Only the class's own course: a forged id of another course fails as "not a choice".
        self.fields["skills"].queryset = Skill.objects.filter(
            course_id=classroom.course_id
        ).order_by("order", "id")
        self.fields["problems"].queryset = (
            Problem.objects.filter(skill__course_id=classroom.course_id, is_active=True)
            .select_related("skill")
            .order_by("skill__order", "skill_id", "order", "id")
        )

    def clean_due_at(self) -> datetime | None:
        due = self.cleaned_data.get("due_at")
        kept = self.instance.due_at if self.instance is not None else None
        # The widget shows minutes: an unchanged field keeps the stored time, seconds and all.
        if due is not None and kept is not None and due == kept.replace(second=0, microsecond=0):
            return kept
        # A new due date in the past is a typo; an old one kept on edit is fine.
        if due is not None and due <= timezone.now():
            raise forms.ValidationError(_("The due date must be in the future."))
        return due

    def clean(self) -> dict:
        data = super().clean()
        chosen_badly = "skills" in self.errors or "problems" in self.errors
        if not chosen_badly and not data.get("skills") and not data.get("problems"):
            raise forms.ValidationError(_("Choose at least one skill or problem to assign."))
        return data
