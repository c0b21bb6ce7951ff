from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm

from curriculum.models import Course
from tutor.models import User


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        required=False, help_text="Optional; used only to reset your password."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class AnswerForm(forms.Form):
    # Length is judged by the checker so an over-long answer is stored as an invalid attempt
    # with a clear message instead of being bounced by the form; the hard cap stops abuse.
    answer = forms.CharField(
        required=False, strip=False, max_length=settings.TUTOR_MAX_ANSWER_LENGTH * 50
    )
    started = forms.CharField(required=False, widget=forms.HiddenInput)


class JoinClassForm(forms.Form):
    code = forms.CharField(
        max_length=32,
        label="Class code",
        help_text="The code your teacher gave you, for example K7M2QX9P.",
    )


class ClassroomForm(forms.Form):
    name = forms.CharField(max_length=200)
    course = forms.ModelChoiceField(queryset=Course.objects.filter(is_published=True))
