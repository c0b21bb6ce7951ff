from django.contrib import admin

from curriculum.models import Course, Hint, Problem, Skill


class SkillInline(admin.TabularInline):
    model = Skill
    extra = 0
    fields = ("order", "slug", "name")


class HintInline(admin.TabularInline):
    model = Hint
    extra = 0


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "is_published", "created_at")
    list_filter = ("is_published",)
    search_fields = ("title", "slug")
    inlines = [SkillInline]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "course", "order")
    list_filter = ("course",)
    search_fields = ("name", "slug")


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("slug", "skill", "order", "difficulty", "is_active")
    list_filter = ("skill__course", "is_active")
    search_fields = ("slug", "statement")
    inlines = [HintInline]
