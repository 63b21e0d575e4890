from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

from disputes import timeline

register = template.Library()


def span(delta: timedelta) -> str:
    minutes = int(abs(delta).total_seconds() // 60)
    days, minutes = divmod(minutes, 60 * 24)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.filter
def countdown(remaining: timedelta | None) -> str:
    """'5 h 10 min left' or 'overdue by 2 d 3 h'."""
    if remaining is None:
        return _("no deadline")
    if remaining < timedelta(0):
        return _("overdue by %(span)s") % {"span": span(remaining)}
    return _("%(span)s left") % {"span": span(remaining)}


@register.filter
def worded(entry) -> timeline.Worded:
    """A timeline entry as a sentence in the reader's language, with any typed text under it."""
    return timeline.worded(entry)
