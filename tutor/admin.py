from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tutor.models import (
    AdaptiveModel,
    Attempt,
    Classroom,
    Enrollment,
    HintReveal,
    LearnerSkill,
    User,
)

admin.site.site_header = gettext_lazy("Tutor administration")


@admin.register(User)
class TutorUserAdmin(UserAdmin):
    list_display = ("username", "email", "is_staff", "language", "date_joined")
    list_filter = ("groups", "is_staff", "is_active", "language")
    fieldsets = (*UserAdmin.fieldsets, (gettext_lazy("Interface"), {"fields": ("language",)}))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "language":  # one of settings.LANGUAGES, or the browser's
            return forms.ChoiceField(
                choices=[("", gettext_lazy("The browser's language")), *settings.LANGUAGES],
                required=False,
                label=gettext_lazy("Language"),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    raw_id_fields = ("student",)


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ("name", "course", "teacher", "join_code", "created_at")
    list_filter = ("course",)
    search_fields = ("name", "join_code", "teacher__username")
    inlines = [EnrollmentInline]


@admin.register(Attempt)
class AttemptAdmin(admin.ModelAdmin):
    list_display = ("learner", "problem", "verdict", "score", "feedback_code", "created_at")
    list_filter = ("verdict", "problem__skill__course")
    search_fields = ("learner__username", "raw_input")
    raw_id_fields = ("learner", "problem")
    date_hierarchy = "created_at"


@admin.register(HintReveal)
class HintRevealAdmin(admin.ModelAdmin):
    list_display = ("learner", "problem", "hint", "created_at")
    raw_id_fields = ("learner", "problem", "hint")


@admin.register(AdaptiveModel)
class AdaptiveModelAdmin(admin.ModelAdmin):
    list_display = ("version", "is_active", "n_attempts", "fit_seconds", "created_at")
    list_filter = ("is_active",)
    readonly_fields = ("version", "params", "is_active", "n_attempts", "fit_seconds", "created_at")
    change_list_template = "admin/tutor/adaptivemodel/change_list.html"

    def has_add_permission(self, request) -> bool:
        return False

    def get_urls(self):
        return [
            path(
                "refit/",
                self.admin_site.admin_view(self.refit_view),
                name="tutor_adaptivemodel_refit",
            )
        ] + super().get_urls()

    def refit_view(self, request):
        from tutor.tasks import refit_adaptive_model

        if request.method != "POST":
            return redirect("admin:tutor_adaptivemodel_changelist")
        refit_adaptive_model.delay()
        messages.success(
            request, _("Refit queued: the new parameters become active when it finishes.")
        )
        return redirect("admin:tutor_adaptivemodel_changelist")


@admin.register(LearnerSkill)
class LearnerSkillAdmin(admin.ModelAdmin):
    list_display = ("user", "skill", "p_known", "updated_at")
    list_filter = ("skill__course",)
    search_fields = ("user__username", "skill__name")
    raw_id_fields = ("user", "skill")
