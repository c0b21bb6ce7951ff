from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tutor.models import Attempt, Classroom, Enrollment, HintReveal, User

admin.site.site_header = "Tutor administration"


@admin.register(User)
class TutorUserAdmin(UserAdmin):
    list_display = ("username", "email", "is_staff", "date_joined")
    list_filter = ("groups", "is_staff", "is_active")


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
