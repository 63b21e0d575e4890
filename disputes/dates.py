"""One way to write a moment, on every page and in every sentence the desk composes.

A time is written `2026-12-01 12:28 UTC` in the reader's own time zone (the one chosen in their
preferences, active for the request), always followed by that zone's short name, so that a time is
never read as another zone's. Where the store's local time matters (deadlines are counted in the
store's calendar), the store's reading is offered alongside, named as the store's. A calendar date
has no zone: `2026-12-01`.
"""

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone
from django.utils.translation import gettext as _

DATE = "%Y-%m-%d"
TIME = "%Y-%m-%d %H:%M"


def zone_label(moment: datetime) -> str:
    """The zone's short name at that moment ("CET", "PST"), or its offset as "UTC+03" where the
    zone has no common abbreviation."""
    name = moment.tzname() or ""
    if not name or name[0] in "+-":
        offset = moment.strftime("%z")  # +0300
        if not offset:
            return "UTC"
        hours, minutes = offset[:3], offset[3:]
        return f"UTC{hours}" + (f":{minutes}" if minutes != "00" else "")
    return name


def local(moment: datetime, zone: tzinfo | None = None) -> datetime:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, ZoneInfo("UTC"))
    return timezone.localtime(moment, zone)


def moment_text(value: datetime | date | None, zone: tzinfo | None = None) -> str:
    """`2026-12-01 12:28 UTC` in the reader's zone (or `zone`); a date alone as `2026-12-01`."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        shown = local(value, zone)
        return f"{shown.strftime(TIME)} {zone_label(shown)}"
    if isinstance(value, date):
        return value.strftime(DATE)
    return str(value)


def store_zone(store) -> tzinfo | None:
    name = getattr(store, "time_zone", "") or ""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def moment_title(value: datetime, store=None) -> str:
    """The hover text: whose zone the shown time is in, and the store's reading when it differs."""
    reader_zone = timezone.get_current_timezone_name()
    title = _("Your time zone: %(zone)s") % {"zone": reader_zone}
    zone = store_zone(store) if store is not None else None
    if zone is not None:
        mine, theirs = local(value), local(value, zone)
        if mine.utcoffset() != theirs.utcoffset() or zone_label(mine) != zone_label(theirs):
            title += " · " + _("Store time (%(zone)s): %(time)s") % {
                "zone": str(zone),
                "time": moment_text(value, zone),
            }
    return title
