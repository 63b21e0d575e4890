from collections.abc import Callable
from datetime import date, datetime, timedelta

from django import template
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext as _

from disputes import dates, timeline

register = template.Library()


def span(delta: timedelta, gettext: Callable[[str], str] = _) -> str:
    """`gettext`: a page that words many spans passes its own, translating each word once."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, minutes = divmod(minutes, 60 * 24)
    hours, minutes = divmod(minutes, 60)
    if days:
        return gettext("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return gettext("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return gettext("%(m)d min") % {"m": minutes}


@register.filter
def countdown(remaining: timedelta | None) -> str:
    """'5 h 10 min left' or 'overdue by 2 d 3 h'."""
    return countdown_text(remaining)


def countdown_text(remaining: timedelta | None, gettext: Callable[[str], str] = _) -> str:
    """The `countdown` filter's words; `gettext` as for `span`."""
    if remaining is None:
        return gettext("no deadline")
    if remaining < timedelta(0):
        return gettext("overdue by %(span)s") % {"span": span(remaining, gettext)}
    return gettext("%(span)s left") % {"span": span(remaining, gettext)}


@register.filter
def worded(entry) -> timeline.Worded:
    """A timeline entry as a sentence in the reader's language, with any typed text under it."""
    return timeline.worded(entry)


@register.filter(is_safe=True)
def when(value, store=None) -> str:
    """Every date and time on every page: `{{ claim.respond_by|when }}`, or with the store
    whose calendar counts (`{{ claim.respond_by|when:claim.store }}`) to offer its local time too.
    A `<time>` element in the reader's zone, named; empty for no value."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            value.isoformat(),
            dates.moment_title(value, store),
            dates.moment_text(value),
        )
    if isinstance(value, date):
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), dates.moment_text(value))
    return conditional_escape(value)


@register.filter
def get_item(mapping, key):
    """`{{ links|get_item:name }}`: a dictionary's entry by a key held in a variable."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def age(moment: datetime | None) -> str:
    """How long ago, in the countdown's words: '2 d 5 h'."""
    if moment is None:
        return ""
    return span(timezone.now() - moment)


def shown(value) -> str:
    """A value as a template's {{ value }} writes it outside {% localize off %}: localized, then
    escaped (for rows written out in Python rather than by a template loop)."""
    return conditional_escape(formats.localize(value))


@register.filter
def when_text(value, store=None) -> str:
    """The same moment as `when`, as plain text: for attributes, options and sentences."""
    if value is None or value == "":
        return ""
    return dates.moment_text(value)


@register.filter
def store_clock(value, store) -> str:
    """The moment on the store's clock, as text, when the reader's zone is another one (the
    deadline rules count on the store's clock); empty when both read the same."""
    zone = dates.store_zone(store)
    if value is None or value == "" or zone is None or not isinstance(value, datetime):
        return ""
    theirs = dates.moment_text(value, zone)
    return "" if theirs == dates.moment_text(value) else theirs


@register.filter
def duration(delta: timedelta | None) -> str:
    """A length of time as the desk words it ('3 h 20 min'); a dash when there is none."""
    return "—" if delta is None else span(delta)
