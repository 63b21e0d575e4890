"""When people work: an agent's weekly hours and time off, and a team's holidays (a store's
people, e.g. Spring Festival or Golden Week). Assigning (`disputes/assigning.py`) skips whoever
is off; the coverage page warns of days with nobody working."""

from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .stores import Store

ISO_WEEKDAYS = "1234567"  # Monday is 1, as date.isoweekday() counts


class WorkSchedule(models.Model):
    """An agent's usual week, in their own time zone (their profile's). Someone without one is
    taken to work any day, any hour."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_schedule"
    )
    weekdays = models.CharField(
        _("working days"),
        max_length=7,
        default="12345",
        help_text=_("The days worked, as digits from 1 (Monday) to 7 (Sunday), e.g. 12345."),
    )
    starts_at = models.TimeField(_("starts at"), default=time(9))
    ends_at = models.TimeField(_("ends at"), default=time(18))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")), name="work_schedule_starts_before_end"
            ),
            models.CheckConstraint(
                condition=Q(weekdays__regex=r"^[1-7]{0,7}$"), name="work_schedule_weekdays"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.weekdays} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def clean(self) -> None:
        if any(day not in ISO_WEEKDAYS for day in self.weekdays) or len(set(self.weekdays)) != len(
            self.weekdays
        ):
            raise ValidationError({"weekdays": _("Write each working day once, as a digit from 1 to 7.")})
        if self.starts_at is not None and self.ends_at is not None and self.starts_at >= self.ends_at:
            raise ValidationError({"ends_at": _("The day must end after it starts.")})

    def works_on(self, day: date) -> bool:
        return str(day.isoweekday()) in self.weekdays

    def on_shift(self, local_moment: datetime) -> bool:
        return self.works_on(local_moment.date()) and self.starts_at <= local_moment.time() < self.ends_at


class DayRange(models.Model):
    """A run of whole days, first and last included."""

    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.first_day and self.last_day and self.last_day < self.first_day:
            raise ValidationError({"last_day": _("The last day cannot come before the first.")})

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


class TimeOff(DayRange):
    """An agent's leave: nothing is assigned to them on these days, and what they hold is
    handed on when it is recorded."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_off")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="time_off_in_order"),
        ]
        indexes = [models.Index(fields=["user", "last_day"], name="time_off_user_last_day")]

    def __str__(self) -> str:
        return f"{self.user}: {self.first_day}–{self.last_day}"


class TeamHoliday(DayRange):
    """Days a store's whole team is off (Spring Festival, Golden Week)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="team_holidays")
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("team holiday")
        verbose_name_plural = _("team holidays")
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="team_holiday_in_order"),
        ]
        indexes = [models.Index(fields=["store", "last_day"], name="team_holiday_store_last_day")]

    def __str__(self) -> str:
        return f"{self.store}: {self.name} {self.first_day}–{self.last_day}"
