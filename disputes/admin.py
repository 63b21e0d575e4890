from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .deadlines import governed_open_claims
from .models import (
    DeadlineRule,
    ImportJob,
    ImprovementAction,
    Membership,
    PostMortem,
    Profile,
    Store,
    WorkerHeartbeat,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "platform",
        "marketplace",
        "holiday_subdivision",
        "time_zone",
        "currency",
        "is_active",
    ]
    list_filter = ["platform", "is_active"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "store", "role"]
    list_filter = ["role", "store"]
    search_fields = ["user__username", "store__name"]
    autocomplete_fields = ["user", "store"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "language", "time_zone"]
    search_fields = ["user__username"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["source", "last_seen"]
    readonly_fields = ["source", "last_seen"]


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "store",
        "created_by",
        "source",
        "status",
        "created_at",
        "rows_read",
        "errors_found",
    ]
    list_filter = ["status", "source", "store"]
    list_select_related = ["store", "created_by"]
    search_fields = ["file_name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = [
        "platform",
        "store",
        "claim_kind",
        "deadline",
        "length",
        "unit",
        "starts_from",
        "warn_hours_before",
        "is_active",
        "updated_at",
    ]
    list_filter = ["platform", "store", "claim_kind", "deadline", "is_active"]
    list_editable = ["length", "unit", "is_active"]
    list_select_related = ["store"]
    autocomplete_fields = ["store"]
    readonly_fields = ["open_claims_governed"]
    actions = ["recompute_open_claims"]

    @admin.display(description=_("open claims it governs"))
    def open_claims_governed(self, rule: DeadlineRule) -> str:
        if rule.pk is None:
            return "—"
        count = governed_open_claims(rule).count()
        return ngettext(
            "%(count)d open claim. Editing the rule leaves its due time as it is until you run "
            "“Recompute the open claims these rules govern” from the list.",
            "%(count)d open claims. Editing the rule leaves their due times as they are until you run "
            "“Recompute the open claims these rules govern” from the list.",
            count,
        ) % {"count": count}

    @admin.action(description=_("Recompute the open claims these rules govern"))
    def recompute_open_claims(self, request, queryset) -> None:
        from .rule_tasks import recompute_rule_claims

        rule_ids = list(queryset.values_list("pk", flat=True))
        count = len(
            {pk for rule in queryset for pk in governed_open_claims(rule).values_list("pk", flat=True)}
        )
        # Queued once the admin's request has committed, so the worker reads the saved rules.
        transaction.on_commit(
            lambda: recompute_rule_claims.apply_async(
                args=[rule_ids, request.user.pk], queue=settings.DEADLINE_TASK_QUEUE
            )
        )
        self.message_user(
            request,
            ngettext(
                "The worker is recomputing %(count)d open claim; each claim's timeline will show it.",
                "The worker is recomputing %(count)d open claims; each claim's timeline will show it.",
                count,
            )
            % {"count": count},
        )


class ImprovementActionInline(admin.TabularInline):
    model = ImprovementAction
    fields = ["description", "owner", "due_on", "done_at", "done_by"]
    readonly_fields = ["done_at", "done_by"]
    extra = 0


@admin.register(PostMortem)
class PostMortemAdmin(admin.ModelAdmin):
    """Post-mortems are written when a claim closes; admins may correct their wording."""

    list_display = ["claim", "store", "outcome", "root_cause", "written_at", "written_by"]
    list_filter = ["store", "root_cause", "outcome"]
    readonly_fields = ["claim", "store", "outcome", "written_at", "written_by"]
    inlines = [ImprovementActionInline]

    def has_add_permission(self, request) -> bool:
        return False
