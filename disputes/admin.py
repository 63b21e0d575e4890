from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import rules
from .deadlines import governed_open_claims
from .models import (
    ChatDelivery,
    ChatDestination,
    DeadlineRule,
    ImportJob,
    ImprovementAction,
    Membership,
    PostMortem,
    Profile,
    Role,
    Rule,
    RuleFailure,
    Store,
    Tag,
    TeamHoliday,
    TimeOff,
    WorkerHeartbeat,
    WorkSchedule,
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


class ChatDestinationForm(forms.ModelForm):
    remove_secret = forms.BooleanField(label=_("remove the secret"), required=False)

    class Meta:
        model = ChatDestination
        fields = "__all__"
        # Never sent back to the browser; an empty field keeps the stored secret.
        widgets = {"secret": forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.secret:
            self.fields["secret"].help_text = _(
                "A secret is stored. Leave empty to keep it; tick “remove the secret” to drop it."
            )

    def clean(self):
        super().clean()
        data = self.cleaned_data
        if data.get("remove_secret"):
            self.instance.secret = ""
            data["secret"] = ""
        elif not data.get("secret") and self.instance.pk:
            data["secret"] = (
                ChatDestination.objects.filter(pk=self.instance.pk).values_list("secret", flat=True).first()
                or ""
            )
            self.instance.secret = data["secret"]
        return data


@admin.register(ChatDestination)
class ChatDestinationAdmin(admin.ModelAdmin):
    """Store-scoped: a staff member who is not a superuser sees and sets up only the chats of
    the stores they manage."""

    form = ChatDestinationForm
    list_display = ["name", "store", "platform", "send_warnings", "send_due", "send_overdue", "enabled"]
    list_filter = ["platform", "enabled", "store"]
    list_select_related = ["store"]
    fields = [
        "store",
        "name",
        "platform",
        "url",
        "secret",
        "remove_secret",
        "language",
        "send_warnings",
        "send_due",
        "send_overdue",
        "enabled",
    ]

    def _managed(self, request):
        return Membership.objects.filter(user=request.user, role=Role.MANAGER).values("store_id")

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if request.user.is_superuser else queryset.filter(store_id__in=self._managed(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "store" and not request.user.is_superuser:
            kwargs["queryset"] = Store.objects.filter(pk__in=self._managed(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ChatDelivery)
class ChatDeliveryAdmin(admin.ModelAdmin):
    """What each chat was sent, read-only."""

    list_display = ["alert", "destination", "sent_at", "attempts", "due_at", "last_error"]
    list_filter = ["destination__platform", "destination__store"]
    list_select_related = ["destination__store", "alert"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        managed = Membership.objects.filter(user=request.user, role=Role.MANAGER).values("store_id")
        return queryset.filter(destination__store_id__in=managed)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "colour"]
    list_filter = ["store"]
    search_fields = ["name"]
    exclude = ["claims"]


class RuleAdminForm(forms.ModelForm):
    trigger = forms.ChoiceField(label=_("when"))

    class Meta:
        model = Rule
        fields = "__all__"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trigger"].choices = list(rules.TRIGGERS.items())  # type: ignore[attr-defined]

    def clean(self):
        cleaned = super().clean() or {}
        rule = Rule(
            trigger=cleaned.get("trigger", ""),
            conditions=cleaned.get("conditions") or {},
            actions=cleaned.get("actions") or {},
        )
        try:
            rules.check_rule(rule)
        except rules.RuleError as refused:
            raise forms.ValidationError(str(refused)) from refused
        return cleaned


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Managers edit rules on the desk's rules page; here admins see and fix them all. The
    conditions and actions are the same JSON the desk's form writes (`disputes.rules`)."""

    form = RuleAdminForm
    list_display = ["name", "store", "trigger", "position", "is_active", "last_error_at"]
    list_filter = ["store", "trigger", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]
    readonly_fields = ["last_error", "last_error_at"]


@admin.register(RuleFailure)
class RuleFailureAdmin(admin.ModelAdmin):
    """The events a rule failed on, read-only: a manager fixes the rule and retries from the
    set-aside page. Staff who are not superusers see those of the stores they manage."""

    list_display = ["rule", "store", "claim", "trigger", "error", "failed_at", "attempts", "retried_at"]
    list_filter = [
        ("rule__store", admin.RelatedOnlyFieldListFilter),
        ("rule", admin.RelatedOnlyFieldListFilter),
        "trigger",
    ]
    list_select_related = ["rule__store", "claim__order"]
    search_fields = ["claim__platform_claim_id", "claim__order__platform_order_id"]
    date_hierarchy = "failed_at"
    ordering = ["-failed_at", "-pk"]

    @admin.display(description=_("store"), ordering="rule__store__name")
    def store(self, failure: RuleFailure) -> str:
        return failure.rule.store.name

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a retry needs the event; one put right is closed, not deleted

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        managed = Membership.objects.filter(user=request.user, role=Role.MANAGER).values("store_id")
        return queryset.filter(rule__store_id__in=managed)


# --- team time (disputes/team.py) -------------------------------------------------------


@admin.register(WorkSchedule)
class WorkScheduleAdmin(admin.ModelAdmin):
    list_display = ["user", "weekdays", "starts_at", "ends_at"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["user", "first_day", "last_day", "note"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]
    date_hierarchy = "first_day"

    def save_model(self, request, obj, form, change) -> None:
        from .team import hand_on

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            # Leave recorded here hands on its claims as it does from the team page.
            hand_on(obj, by=request.user)


@admin.register(TeamHoliday)
class TeamHolidayAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "first_day", "last_day"]
    list_filter = ["store"]
    search_fields = ["name", "store__name"]
