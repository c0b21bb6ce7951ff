from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from curriculum import answers
from curriculum.models import Course
from tutor import throttle
from tutor.models import User


class ThrottledLoginMixin:
    """Failed log-ins are limited per account and per address (tutor.throttle). A locked
    account is refused even with the right password until its window ends, with a sentence
    that says so and for how long."""

    def clean(self):
        username = self.data.get("username", "")
        address = throttle.client_address(self.request)
        for limit, subject, whose in (
            (throttle.login_account_limit(), username, _("this account")),
            (throttle.login_address_limit(), address, _("your network address")),
        ):
            if wait := throttle.blocked(limit, subject):
                raise ValidationError(
                    _(
                        "Too many failed log-ins for %(whose)s. Try again in %(wait)s, or "
                        "reset your password."
                    )
                    % {"whose": whose, "wait": throttle.minutes(wait)},
                    code="throttled",
                )
        try:
            return super().clean()
        except ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login" or any(
                getattr(e, "code", None) == "invalid_login" for e in exc.error_list
            ):
                throttle.hit(throttle.login_account_limit(), username)
                throttle.hit(throttle.login_address_limit(), address)
            raise


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        required=False, help_text=gettext_lazy("Optional; used only to reset your password.")
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class AnswerForm(forms.Form):
    # Length is judged by the checker (answers.MAX_LENGTH) so an over-long answer is stored as
    # an invalid attempt with a clear message instead of being bounced by the form; the hard
    # cap, the longest text the checker reads at all, stops abuse.
    answer = forms.CharField(required=False, strip=False, max_length=answers.EXTRACT_MAX_LENGTH)
    started = forms.CharField(required=False, widget=forms.HiddenInput)


class JoinClassForm(forms.Form):
    code = forms.CharField(
        max_length=32,
        label=gettext_lazy("Class code"),
        help_text=gettext_lazy("The code your teacher gave you, for example K7M2QX9P."),
    )


class ClassroomForm(forms.Form):
    name = forms.CharField(max_length=200, label=gettext_lazy("Name"))
    course = forms.ModelChoiceField(
        queryset=Course.objects.filter(is_published=True), label=gettext_lazy("Course")
    )
