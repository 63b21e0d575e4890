"""The team page's forms: a member's working hours, leave, and the team's holidays."""

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from .inputs import validate_plausible_date
from .models import Store, TeamHoliday, TimeOff

WEEKDAY_CHOICES = [
    ("1", _("Monday")),
    ("2", _("Tuesday")),
    ("3", _("Wednesday")),
    ("4", _("Thursday")),
    ("5", _("Friday")),
    ("6", _("Saturday")),
    ("7", _("Sunday")),
]
# A year of leave or holiday is as long as a range may be: longer is a typo.
MAX_DAYS = 366


def _members(store: Store):
    return User.objects.filter(memberships__store=store, is_active=True).order_by("username")


class _DaysForm(forms.ModelForm):
    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        first, last = data.get("first_day"), data.get("last_day")
        if first and last:
            if last < first:
                self.add_error("last_day", _("The last day cannot come before the first."))
            elif (last - first).days >= MAX_DAYS:
                self.add_error("last_day", _("At most a year at a time."))
        return data


class TeamHolidayForm(_DaysForm):
    first_day = forms.DateField(
        label=_("first day"),
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    last_day = forms.DateField(
        label=_("last day"),
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = TeamHoliday
        fields = ["name", "first_day", "last_day"]


class TimeOffForm(_DaysForm):
    first_day = forms.DateField(
        label=_("first day"),
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    last_day = forms.DateField(
        label=_("last day"),
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = TimeOff
        fields = ["user", "first_day", "last_day", "note"]
        labels = {"user": _("who")}

    def __init__(self, *args, store: Store, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _members(store)  # type: ignore[attr-defined]


class WorkScheduleForm(forms.Form):
    user = forms.ModelChoiceField(label=_("who"), queryset=User.objects.none())
    weekdays = forms.MultipleChoiceField(
        label=_("working days"), choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    starts_at = forms.TimeField(label=_("starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(label=_("ends at"), widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args, store: Store, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _members(store)  # type: ignore[attr-defined]

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and starts >= ends:
            self.add_error("ends_at", _("The day must end after it starts."))
        return data

    @property
    def weekday_digits(self) -> str:
        return "".join(sorted(self.cleaned_data["weekdays"]))
