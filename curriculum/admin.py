from django.contrib import admin

from curriculum.models import (
    Course,
    CurriculumVersion,
    Hint,
    ImportJob,
    Problem,
    ProblemTemplate,
    Skill,
    Unit,
)


class SkillInline(admin.TabularInline):
    model = Skill
    extra = 0
    fields = ("order", "slug", "name", "unit", "is_active")


class HintInline(admin.TabularInline):
    model = Hint
    extra = 0
    fields = ("order", "kind", "title", "text", "is_active")

    def get_queryset(self, request):
        return Hint.all_objects.all()  # retired hints too: admins see the history


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "source_format", "is_published", "created_at")
    list_filter = ("is_published", "source_format")
    search_fields = ("title", "slug")
    inlines = [SkillInline]
    # Adds an "Upload a curriculum package" link above the list.
    change_list_template = "curriculum/admin_course_change_list.html"


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("title", "course", "order", "is_active")
    list_filter = ("course", "is_active")

    def get_queryset(self, request):
        return Unit.all_objects.select_related("course")


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ("name", "course", "unit", "order", "is_active")
    list_filter = ("course", "is_active")
    search_fields = ("name", "slug")
    filter_horizontal = ("prerequisites",)

    def get_queryset(self, request):
        return Skill.all_objects.select_related("course", "unit")


@admin.register(ProblemTemplate)
class ProblemTemplateAdmin(admin.ModelAdmin):
    list_display = ("slug", "skill", "order", "is_active")
    list_filter = ("skill__course", "is_active")

    def get_queryset(self, request):
        return ProblemTemplate.all_objects.select_related("skill")


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("slug", "skill", "order", "difficulty", "is_active")
    list_filter = ("skill__course", "is_active")
    search_fields = ("slug", "statement", "source_id")
    inlines = [HintInline]
    raw_id_fields = ("skill", "template")


@admin.register(CurriculumVersion)
class CurriculumVersionAdmin(admin.ModelAdmin):
    list_display = ("course", "number", "created_at", "created_by", "source_format", "content_hash")
    list_filter = ("course",)
    readonly_fields = [f.name for f in CurriculumVersion._meta.fields]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("filename", "status", "created_at", "created_by")
    list_filter = ("status",)
    exclude = ("package",)
    readonly_fields = ("filename", "status", "report", "message", "task_id", "created_by")
