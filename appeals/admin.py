from django.contrib import admin

from .models import Appeal, AppealVersion


class AppealVersionInline(admin.TabularInline):
    model = AppealVersion
    fields = ["number", "saved_at", "saved_by", "facts", "conclusion"]
    readonly_fields = ["number", "saved_at", "saved_by", "facts", "conclusion"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Appeal)
class AppealAdmin(admin.ModelAdmin):
    """Appeals are built on the claim page; admin shows them, and what was submitted stays as it was."""

    list_display = ["claim", "store", "kind", "created_at", "submitted_at", "decision", "funding"]
    list_filter = ["store", "kind", "decision"]
    readonly_fields = [
        "claim",
        "store",
        "kind",
        "created_by",
        "created_at",
        "submitted_version",
        "submitted_at",
        "submitted_where",
        "submitted_by",
        "decision",
        "funding",
        "decided_at",
        "decided_by",
    ]
    inlines = [AppealVersionInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is None or not obj.is_submitted
