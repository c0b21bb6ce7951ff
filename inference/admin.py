from django.contrib import admin

from inference.models import Generation


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "problem",
        "purpose",
        "engine",
        "status",
        "answer_check",
        "flagged",
        "completion_tokens",
        "time_to_first_token_ms",
        "tokens_per_second",
        "created_at",
    )
    list_filter = ("status", "purpose", "engine", "answer_check", "flagged", "created_at")
    search_fields = ("user__username", "text", "problem__slug")
    raw_id_fields = ("user", "problem")
    readonly_fields = [f.name for f in Generation._meta.fields]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False
