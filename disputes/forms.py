from typing import cast

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .access import managed_stores_for, stores_for
from .inputs import validate_identifier, validate_plausible_date
from .models import (
    Claim,
    ClaimKind,
    ClaimStatus,
    Outcome,
    Priority,
    Profile,
    Reason,
    RootCause,
    Tag,
)
from .selectors import SORT_CHOICES, QueueFilters
from .services import PostMortemDraft


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["language", "time_zone"]


class AlertSettingsForm(forms.ModelForm):
    """How alerts reach the person besides the bell (the desktop notifications themselves are
    each browser's own permission, switched on in the page)."""

    class Meta:
        model = Profile
        fields = ["alert_sound", "digest_email", "digest_hour"]
        widgets = {"digest_hour": forms.NumberInput(attrs={"min": 0, "max": 23})}


def team_members(user) -> QuerySet:
    """The people this user may assign work to: members of the user's stores."""
    return (
        get_user_model()
        .objects.filter(memberships__store__in=stores_for(user), is_active=True)
        .distinct()
        .order_by("username")
    )


class _TeamChoices(forms.models.ModelChoiceIterator):
    """A team's members in one plain read. Django's own iterator reads choices through
    QuerySet.iterator(), which on PostgreSQL declares a server-side cursor and fetches from it:
    three round trips for a list of a few dozen names."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        # The members a page read once for all its forms (`AssigneeField.members`), if it did.
        members = getattr(self.field, "members", None)
        for obj in list(self.queryset) if members is None else members:
            yield self.choice(obj)


class OneLoopSelect(forms.Select):
    """A select whose options are written by one loop in one template
    (`templates/disputes/widgets/select.html`), where Django's own template includes a template
    per option and another for each option's attributes. Same HTML; the queue renders its
    filter and assign selects (the team, the stores, the tags) on every page and every htmx
    swap, the claim page its forms' six (assignee, outcome, root cause, action owner, priority,
    appeal kind). Forms render through the project's template engine (`FORM_RENDERER`), which finds it."""

    template_name = "disputes/widgets/select.html"


class AssigneeField(forms.ModelChoiceField):
    iterator = _TeamChoices
    widget = OneLoopSelect
    # The choices as a list the page already read (the queryset still validates the answer).
    members: list | None = None

    def label_from_instance(self, obj) -> str:
        return obj.get_username()


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class PlausibleDateTimeField(forms.DateTimeField):
    """A date-time someone types: a year such as 1 or 9999 is a mistake, refused here before
    any deadline arithmetic overflows on it."""

    default_validators = [validate_plausible_date]


class PlausibleDateField(forms.DateField):
    default_validators = [validate_plausible_date]


class IdentifierField(forms.CharField):
    """An id from a platform (claim id, order id…): one line of plain text."""

    default_validators = [validate_identifier]


class QueueFilterForm(forms.Form):
    store = forms.ChoiceField(label=_("Store"), required=False, widget=OneLoopSelect)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any kind")), *ClaimKind.choices],
        widget=OneLoopSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), *ClaimStatus.choices, ("any", _("Any status"))],
        widget=OneLoopSelect,
    )
    assignee = forms.ChoiceField(
        label=_("Assignee"),
        required=False,
        choices=[("anyone", _("Anyone")), ("me", _("Me")), ("unassigned", _("Unassigned"))],
        widget=OneLoopSelect,
    )
    snoozed = forms.ChoiceField(
        label=_("Snoozed"),
        required=False,
        widget=OneLoopSelect,
        choices=[
            ("awake", _("Not snoozed")),
            ("snoozed", _("Snoozed")),
            ("all", _("Snoozed or not")),
        ],
    )
    due = forms.ChoiceField(
        label=_("Due"),
        required=False,
        widget=OneLoopSelect,
        choices=[
            ("any", _("Any time")),
            ("overdue", _("Overdue")),
            ("today", _("Due today")),
            ("24h", _("Next 24 hours")),
            ("7d", _("Next 7 days")),
        ],
    )

    tag = forms.ChoiceField(label=_("Tag"), required=False, widget=OneLoopSelect)

    # Set by the column headings; carried by the form so that changing a filter keeps the order.
    sort = forms.ChoiceField(
        required=False, choices=[(name, name) for name in SORT_CHOICES], widget=forms.HiddenInput
    )

    def __init__(self, *args, user, team: list | None = None, **kwargs) -> None:
        """`team`: `team_members(user)` already read by the page, which shows it twice."""
        super().__init__(*args, **kwargs)
        # The user's stores, by name: the page passes them on to the queue (queue_page).
        self.stores = list(stores_for(user).order_by("name"))
        cast(forms.ChoiceField, self.fields["store"]).choices = [
            ("", _("All my stores")),
            ("managed", _("Stores I manage")),
        ] + [(str(store.pk), store.name) for store in self.stores]
        assignee = cast(forms.ChoiceField, self.fields["assignee"])
        members = team if team is not None else team_members(user)
        assignee.choices = [  # a ChoiceField keeps a list
            *cast(list, assignee.choices),
            *((str(member.pk), member.get_username()) for member in members),
        ]
        names = {store.pk: store.name for store in self.stores}
        cast(forms.ChoiceField, self.fields["tag"]).choices = [("", _("Any tag"))] + [
            (str(tag.pk), tag.name if len(names) < 2 else f"{tag.name} · {names[tag.store_id]}")
            for tag in Tag.objects.filter(store__in=list(names))
            .only("pk", "name", "store_id")
            .order_by("name", "pk")
        ]

    def filters(self) -> QueueFilters:
        """The filters to apply; a value that is not valid falls back to its default."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        store = data.pop("store", "")
        if store == "managed":
            data["scope"] = "managed"
        elif store:
            data["store"] = int(store)
        return QueueFilters(**data)


class BulkAssignForm(forms.Form):
    """The queue's bulk assignment. Each row of the queue also sends `loaded_assignee_<id>`, the
    assignee it showed, so a claim someone else reassigned meanwhile is not silently taken over.

    Nothing is chosen at first: unassigning is a choice of its own ("nobody"), never what an
    untouched select means."""

    NOBODY = "nobody"

    claims = forms.ModelMultipleChoiceField(
        queryset=Claim.objects.none(),
        error_messages={
            "required": _("Tick at least one claim."),
        },
    )
    assignee = forms.ChoiceField(
        label=_("Assign to"),
        widget=OneLoopSelect,
        error_messages={
            "required": _("Choose whom to assign the ticked claims to, or “Nobody (unassign)”."),
            "invalid_choice": _("Choose someone of your team, or “Nobody (unassign)”."),
        },
    )

    def __init__(self, *args, user, team: list | None = None, **kwargs) -> None:
        """`team`: `team_members(user)` already read by the page."""
        kwargs.setdefault("auto_id", "bulk_%s")  # the filters above have an `assignee` too
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["claims"]).queryset = Claim.objects.filter(
            store__in=stores_for(user)
        )
        members = team if team is not None else team_members(user)
        self.team = {str(member.pk): member for member in members}
        cast(forms.ChoiceField, self.fields["assignee"]).choices = [
            ("", _("Choose…")),
            (self.NOBODY, _("Nobody (unassign)")),
            *((pk, member.get_username()) for pk, member in self.team.items()),
        ]

    def clean_assignee(self):
        """The chosen user, or None to unassign."""
        value = self.cleaned_data["assignee"]
        return None if value == self.NOBODY else self.team[value]

    def loaded(self) -> dict[int, int | None]:
        """The assignee id each ticked claim showed; a missing or unreadable one counts as
        nobody, so the change goes through only if the claim is still unassigned."""
        return {
            claim.pk: _user_id(self.data.get(f"loaded_assignee_{claim.pk}", ""))
            for claim in self.cleaned_data["claims"]
        }


def _user_id(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


class VersionedForm(forms.Form):
    """Carries the version the user saw, so a concurrent edit is refused, not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    @staticmethod
    def seen_now(claim: Claim) -> dict[str, object]:
        """The hidden values as the form would carry them if it were loaded now: after a
        conflict the form comes back with the user's choices and these, so that saving again
        is a deliberate decision made knowing the other change."""
        return {"version": claim.version}


class ClaimMoveForm(forms.Form):
    """Carries the status the user saw (see ClaimAssignForm)."""

    to_status = forms.ChoiceField(choices=ClaimStatus.choices)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    loaded_status = forms.CharField(widget=forms.HiddenInput, required=False, max_length=20)

    @staticmethod
    def seen_now(claim: Claim) -> dict[str, object]:
        return {"loaded_status": claim.status}


def store_members(store_id: int) -> QuerySet:
    """The store's active members, each with their role there as `store_role`."""
    return (
        get_user_model()
        .objects.filter(memberships__store=store_id, is_active=True)
        .annotate(store_role=F("memberships__role"))
        .order_by("username")
    )


class ClaimCloseForm(VersionedForm):
    """Closing asks for the post-mortem in the same form: no post-mortem, no close."""

    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", "—"), *Outcome.choices], widget=OneLoopSelect
    )
    decided_at = PlausibleDateTimeField(
        label=_("The platform decided at"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_(
            "When the platform announced the outcome; the appeal window counts from it. Leave empty for now."
        ),
    )
    root_cause = forms.ChoiceField(
        label=_("Root cause"), choices=[("", "—"), *RootCause.choices], widget=OneLoopSelect
    )
    decided_by = forms.CharField(
        label=_("What decided the outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    action = forms.CharField(
        label=_("Improvement action"),
        max_length=500,
        help_text=_("One change so the next claim like this goes better."),
    )
    owner = AssigneeField(queryset=get_user_model().objects.none(), label=_("Action owner"))
    due_on = PlausibleDateField(label=_("Action due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, claim: Claim, members: list | None = None, **kwargs) -> None:
        """`members`: the store's members, when the page read them already."""
        super().__init__(*args, **kwargs)
        self.claim = claim
        owner = cast(AssigneeField, self.fields["owner"])
        owner.queryset, owner.members = store_members(claim.store_id), members
        if claim.status == ClaimStatus.DECIDED and claim.outcome:
            # The platform's notice decided it: its outcome is the one to confirm, and an empty
            # decision time keeps the notice's.
            self.initial.setdefault("outcome", claim.outcome)

    def clean_decided_at(self):
        decided_at = self.cleaned_data["decided_at"]
        if decided_at is None:
            return None
        if decided_at > timezone.now():
            raise forms.ValidationError(_("The platform's decision cannot be in the future."))
        if decided_at < self.claim.opened_at:
            raise forms.ValidationError(_("The platform cannot have decided before the claim was opened."))
        return decided_at

    def clean_due_on(self):
        due_on = self.cleaned_data["due_on"]
        if due_on < timezone.localdate():
            raise forms.ValidationError(_("The due date is in the past."))
        return due_on

    @staticmethod
    def post_mortem(data: dict) -> PostMortemDraft:
        return PostMortemDraft(
            root_cause=data["root_cause"],
            decided_by=data["decided_by"],
            action=data["action"],
            owner=data["owner"],
            due_on=data["due_on"],
        )


class ClaimAppealForm(VersionedForm):
    note = forms.CharField(
        label=_("Why appeal"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "appeal-%s")  # the claim page has other forms' versions
        super().__init__(*args, **kwargs)


class ClaimReopenForm(VersionedForm):
    prefix = "reopen"  # the page holds other forms with a note; ids stay unique

    reason = forms.CharField(
        label=_("Why reopen"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What happened: the buyer reopened the case, the platform reversed its decision…"),
    )


class ClaimSnoozeForm(VersionedForm):
    prefix = "snooze"

    until = PlausibleDateTimeField(label=_("Snooze until"), widget=DateTimeLocalInput())
    note = forms.CharField(
        label=_("Reminder"),
        required=False,
        max_length=500,
        help_text=_("What to do when it comes back, e.g. check the tracking again."),
    )


class ClaimAssignForm(forms.Form):
    """Assignment conflicts are per field: the form carries the assignee the user saw (empty:
    nobody), not the claim's version, so a priority saved in another tab does not block it."""

    assignee = AssigneeField(
        queryset=get_user_model().objects.none(), required=False, empty_label=_("Nobody"), label=_("Assignee")
    )
    loaded_assignee = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, claim: Claim, members: list | None = None, **kwargs) -> None:
        """`members`: the store's members, when the page read them already."""
        super().__init__(*args, **kwargs)
        assignee = cast(AssigneeField, self.fields["assignee"])
        assignee.queryset, assignee.members = store_members(claim.store_id), members

    @staticmethod
    def seen_now(claim: Claim) -> dict[str, object]:
        return {"loaded_assignee": claim.assignee_id or ""}


class ClaimPriorityForm(forms.Form):
    """Carries the priority the user saw (see ClaimAssignForm)."""

    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, widget=OneLoopSelect
    )
    loaded_priority = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def seen_now(claim: Claim) -> dict[str, object]:
        return {"loaded_priority": claim.priority}


class PlatformRequestForm(VersionedForm):
    requested_at = PlausibleDateTimeField(label=_("The platform asked at"), widget=DateTimeLocalInput())

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "platform-request-%s")  # the close form has a version too
        super().__init__(*args, **kwargs)


class RecomputeForm(VersionedForm):
    pass


class ClaimOpenForm(forms.ModelForm):
    assignee = AssigneeField(
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Nobody yet"),
        label=_("Assignee"),
    )

    class Meta:
        model = Claim
        fields = [
            "kind",
            "reason",
            "opened_at",
            "platform_requested_at",
            "amount",
            "platform_claim_id",
            "assignee",
            "priority",
        ]
        widgets = {"opened_at": DateTimeLocalInput(), "platform_requested_at": DateTimeLocalInput()}
        field_classes = {
            "opened_at": PlausibleDateTimeField,
            "platform_requested_at": PlausibleDateTimeField,
            "platform_claim_id": IdentifierField,
        }

    def __init__(self, *args, order, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.order = order
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = (
            get_user_model()
            .objects.filter(memberships__store=order.store_id, is_active=True)
            .order_by("username")
        )
        cast(forms.ChoiceField, self.fields["reason"]).choices = Reason.choices

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        opened, requested = cleaned.get("opened_at"), cleaned.get("platform_requested_at")
        if opened and requested and requested < opened:
            self.add_error("platform_requested_at", _("The platform cannot ask before the claim was opened."))
        amount = cleaned.get("amount")
        if amount is not None and amount < 0:
            self.add_error("amount", _("An amount cannot be negative."))
        return cleaned


class OrderSearchForm(forms.Form):
    q = IdentifierField(label=_("Order id"), required=False, max_length=64)


class PostMortemReportForm(forms.Form):
    store = forms.TypedChoiceField(label=_("Store"), required=False, coerce=int, empty_value=None)
    group = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        initial="store",
        choices=[("store", _("Store")), ("sku", _("Product (SKU)")), ("reason", _("Reason"))],
    )
    weeks = forms.TypedChoiceField(
        label=_("Period"),
        required=False,
        coerce=int,
        empty_value=12,  # type: ignore[arg-type]  # django-stubs says str | None; any value works
        initial=12,
        choices=[(4, _("4 weeks")), (12, _("12 weeks")), (26, _("26 weeks")), (52, _("52 weeks"))],
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["store"]).choices = [("", _("All stores I manage"))] + [
            (store.pk, store.name) for store in managed_stores_for(user).order_by("name")
        ]

    def options(self) -> dict:
        """The report's options; a field that is not valid falls back to its default."""
        data = self.cleaned_data  # only the valid fields
        return {
            "store": data.get("store"),
            "group": data.get("group") or "store",
            "weeks": data.get("weeks") or 12,
        }
