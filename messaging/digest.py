"""The daily digest's section on buyer messages (disputes/digest.py): the messages still
waiting for a reply on the orders whose open claims the person works."""

from datetime import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from disputes.digest import Section
from disputes.models import Claim, ClaimStatus
from disputes.templatetags.desk import span

from .models import Message, ReplyState


def replies_waiting(user, now: datetime, end_of_day: datetime) -> Section:
    orders = Claim.objects.filter(assignee=user).filter(~Q(status=ClaimStatus.CLOSED)).values("order_id")
    messages = (
        Message.objects.filter(reply_state=ReplyState.AWAITING, thread__order_id__in=orders)
        .select_related("thread__order", "store")
        .order_by("reply_by", "pk")
    )
    lines = []
    for message in messages:
        order = message.thread.order
        if message.reply_by is None:
            when = _("no deadline")
        elif message.reply_by < now:
            when = _("overdue by %(span)s") % {"span": span(now - message.reply_by)}
        else:
            when = _("%(span)s left") % {"span": span(message.reply_by - now)}
        url = settings.DESK_BASE_URL + reverse("disputes:order", args=[order.pk]) + "#thread"
        lines.append(f"- {order.platform_order_id} · {message.store.name} · {when}\n  {url}")
    return Section(_("Buyer replies waiting"), lines)
