"""The queue's rows are written in Python (`disputes.queue_rows.rows_html`): the same characters
as the template loop they replace, for rows of every shape, in both languages and in several
time zones; and the reply strip's rows above them (`messaging.queue_strip`). The loops are kept
here as the reference; a change to the rows' markup is made in both places."""

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from disputes import selectors
from disputes.models import Buyer, Claim, ClaimKind, ClaimStatus, Outcome, Priority, Reason
from disputes.preferences import SESSION_LANGUAGE, SESSION_TIME_ZONE
from disputes.queue_rows import queue_rows, rows_html
from disputes.views import QUEUE_TICKED
from messaging import services as message_services
from messaging.queue_strip import reply_rows_html
from messaging.selectors import awaiting_replies

from .conftest import client_for
from .test_post_mortems import close, new_claim
from .test_queue import add_claims

# The queue's table body as its template wrote it, loop and all.
REFERENCE = Template(
    """{% load i18n tz %}<tbody>
      {% get_current_timezone as tz_name %}{% translate "Due" as label_due %}{% translate "Claim" as label_claim %}{% translate "Order" as label_order %}{% translate "Buyer" as label_buyer %}{% translate "Amount" as label_amount %}{% translate "Age" as label_age %}{% translate "Store" as label_store %}{% translate "Status" as label_status %}{% translate "Assignee" as label_assignee %}{% translate "Select claim" as label_select %}{% translate "order total" as label_total %}{% translate "unassigned" as label_unassigned %}
      {% for row in rows %}
        <tr class="claim-row{% if not row.is_open %} closed{% endif %}" data-claim="{{ row.id }}">
          <td class="select-col"><input type="checkbox" name="claims" value="{{ row.id }}" aria-label="{{ label_select }} {{ row.id }}"{% if row.ticked %} checked{% endif %}>
            <input type="hidden" name="loaded_assignee_{{ row.id }}" value="{{ row.loaded_assignee }}"></td>
          <td data-label="{{ label_due }}">{% if row.is_open %}<span class="badge badge-{{ row.state }}"{% if row.due_at %} data-due="{{ row.due_at }}" data-soon="{{ row.soon_seconds }}" data-tz="{{ tz_name }}"{% endif %} title="{{ row.due_title }}">{{ row.countdown }}</span>{% else %}<span class="muted">—</span>{% endif %}</td>
          <td class="claim-cell" data-label="{{ label_claim }}"><a href="{{ row.url }}" class="claim-link">{{ row.title }}</a>
            {% if row.priority %}<span class="badge priority priority-{{ row.priority_class }}">{{ row.priority }}</span>{% endif %}
            <div class="muted">{{ row.kind }}</div></td>
          <td data-label="{{ label_order }}"><a href="{{ row.order_url }}" class="order-link">{{ row.order_id }}</a></td>
          <td data-label="{{ label_buyer }}" class="buyer-cell">{{ row.buyer }}</td>
          <td data-label="{{ label_amount }}" class="amount">{% if row.amount_is_total %}<span class="muted" title="{{ label_total }}">{{ row.amount }}</span>{% else %}{{ row.amount }}{% endif %}</td>
          <td data-label="{{ label_age }}">{{ row.age }}</td>
          <td data-label="{{ label_store }}">{{ row.store }}</td>
          <td data-label="{{ label_status }}">{{ row.status }}</td>
          <td data-label="{{ label_assignee }}">{% if row.assignee %}{{ row.assignee }}{% else %}<span class="muted">{{ label_unassigned }}</span>{% endif %}</td>
        </tr>
      {% empty %}
        <tr><td colspan="10" class="empty">{% translate "No claims match these filters." %}</td></tr>
      {% endfor %}
      </tbody>"""
)
LANGUAGES = ["en", "zh-hans"]
ZONES = ["UTC", "Asia/Shanghai", "America/Los_Angeles", "Asia/Kathmandu"]


def ours(rows) -> str:
    return f"<tbody>\n      {rows_html(rows)}\n      </tbody>"


def claims_of_every_shape(world) -> list[Claim]:
    """Open claims overdue, due within the hour, due in days and without a deadline; a decided and
    a closed one; a chosen priority; a claimed amount and an order's total; typed text that
    needs escaping in the order id, the buyer's name and the store's name; assigned and not."""
    world.store_a.name = 'Alpha & "Sons" <Amazon>'
    world.store_a.save()
    now = timezone.now()
    overdue, soon, later, undated, decided, closed = add_claims(world, 6, start_hours=-3)
    Claim.objects.filter(pk=soon.pk).update(respond_by=now + timedelta(minutes=40), priority=Priority.URGENT)
    Claim.objects.filter(pk=later.pk).update(
        respond_by=now + timedelta(days=3, hours=5), assignee=world.agent_a, amount=Decimal("1234.50")
    )
    Claim.objects.filter(pk=undated.pk).update(
        respond_by=None, priority=Priority.LOW, kind=ClaimKind.CHARGEBACK
    )
    Claim.objects.filter(pk=decided.pk).update(status=ClaimStatus.DECIDED, outcome=Outcome.DENIED)
    Claim.objects.filter(pk=closed.pk).update(
        status=ClaimStatus.CLOSED, outcome=Outcome.WITHDRAWN, closed_at=now, reason=Reason.DAMAGED
    )
    order = overdue.order
    order.platform_order_id = '<b id="x">O&1\'</b>'
    order.buyer = Buyer.objects.create(store=world.store_a, alias="a@example.com", name='<i>Ann & "co"</i>')
    order.total = Decimal("9876543.21")
    order.save()
    Claim.objects.filter(pk=overdue.pk).update(assignee=world.manager_a, opened_at=now - timedelta(days=12))
    return [world.claim_a, overdue, soon, later, undated, decided, closed]


def test_the_rows_written_in_python_are_the_templates_in_every_language_and_zone(world):
    claims = claims_of_every_shape(world)
    page = selectors.queue_page(world.manager_a, selectors.QueueFilters(status="any", sort="-amount"))
    assert {claim.pk for claim in page.claims} == {claim.pk for claim in claims}
    for language in LANGUAGES:
        for zone in ZONES:
            with translation.override(language), timezone.override(ZoneInfo(zone)):
                rows = queue_rows(page.claims, timezone.now(), {claims[2].pk})
                expected = REFERENCE.render(Context({"rows": rows}))
                assert ours(rows) == expected, (language, zone)
                assert ours([]) == REFERENCE.render(Context({"rows": []}))
    # Every shape was there to compare: the rows carry each kind of badge and cell.
    for part in [
        "badge-overdue",
        "badge-today",
        "badge-fine",
        "badge-none",
        "priority-4",
        "priority-1",
        " closed",
        " checked",
        'title="order total"',
        "1234.50 USD",
        "9876543.21 USD",
        "&lt;b id=&quot;x&quot;&gt;O&amp;1&#x27;&lt;/b&gt;",
        "&lt;i&gt;Ann &amp; &quot;co&quot;&lt;/i&gt;",
        "Alpha &amp; &quot;Sons&quot; &lt;Amazon&gt;",
        '<span class="muted">unassigned</span>',
        ">manager_a<",
        'data-tz="UTC"',
        "no deadline",
    ]:
        with translation.override("en"), timezone.override(ZoneInfo("UTC")):
            assert part in ours(queue_rows(page.claims, timezone.now(), {claims[2].pk})), part


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_queue_page_writes_the_reference_rows_for_each_reader(world, language):
    claims_of_every_shape(world)
    seen = set()
    for user in [world.agent_a, world.manager_a, world.agent_b]:
        client = client_for(user)
        for zone in ["Asia/Shanghai", "America/Los_Angeles"]:
            session = client.session
            session[SESSION_LANGUAGE], session[SESSION_TIME_ZONE] = language, zone
            session.save()
            for query in [{}, {"status": "any", "sort": "order"}, {"assignee": "me"}, {"kind": "chargeback"}]:
                session = client.session
                session[QUEUE_TICKED] = [str(world.claim_a.pk)]
                session.save()
                response = client.get(reverse("disputes:queue"), query)
                body = response.content.decode()
                results = body[body.index('id="queue-results"') :]
                table = re.search(r"<tbody>.*?</tbody>", results, re.S)
                assert table is not None
                with translation.override(language), timezone.override(ZoneInfo(zone)):
                    expected = REFERENCE.render(Context({"rows": response.context["rows"]}))
                assert table.group(0) == expected, (user, zone, query)
                seen |= {
                    part
                    for part in ['class="empty"', " checked", " closed", "badge-none"]
                    if part in expected
                }
    # Empty tables, ticked, closed and undated rows were among those compared.
    assert seen == {'class="empty"', " checked", " closed", "badge-none"}


def test_the_strips_above_the_list_show_the_users_own_and_name_their_orders(world, agent_client):
    # Back from snooze: the order's id and the store's name come with the claim.
    claim = world.claim_a
    Claim.objects.filter(pk=claim.pk).update(
        assignee=world.agent_a,
        snoozed_until=timezone.now() - timedelta(minutes=5),
        snoozed_by=world.agent_a,
        snooze_note="Tracking?",
    )
    # An improvement action of a closed claim's post-mortem, owned by the agent.
    closed = close(world, new_claim(world), action="Weigh every parcel")
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    start = body.index('id="back-from-snooze"')
    strip = body[start : body.index("</section>", start)]
    assert f"{world.order_a.platform_order_id} · {world.store_a.name} · " in strip
    assert f'href="/claims/{claim.pk}/"' in strip and "Tracking?" in strip
    start = body.index('id="my-actions"')
    actions = body[start : body.index("</details>", start)]
    assert "Weigh every parcel" in actions and "agent_a · due" in actions
    post_mortem = closed.post_mortems.get()
    assert f'href="/claims/{closed.pk}/#post-mortem-{post_mortem.pk}"' in actions
    assert f"from the claim on {closed.order.platform_order_id}" in actions
    # Only the user's stores: once they are no longer a member, both strips are gone.
    world.agent_a.memberships.all().delete()
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    assert 'id="queue-results"' in body
    assert 'id="back-from-snooze"' not in body and 'id="my-actions"' not in body


# The reply strip's rows as its template wrote them.
REPLY_REFERENCE = Template(
    """<tbody>
    {% for message in replies %}
      <tr class="reply-row"><td>{% include "messaging/_reply_badge.html" %}</td>
        <td><a href="{% url 'disputes:order' message.thread.order_id %}#thread">{{ message.thread.order.platform_order_id }}</a></td>
        <td>{{ message.store.name }}</td><td class="message-cell">{{ message.body|truncatechars:90 }}</td></tr>
    {% endfor %}
    </tbody>"""
)


def test_the_reply_strip_written_in_python_is_its_templates_in_every_language_and_zone(world, agent_client):
    now = timezone.now()
    world.store_a.name = "Alpha & <Co>"
    world.store_a.save()
    order = world.order_a
    order.platform_order_id = "<b>111</b>&"
    order.save()
    # Overdue, due today or soon, due in days; a long text and one that needs escaping.
    for hours, body in [(-30, "Where is it? " * 12), (-1, 'Say "<hi>" & bye'), (-40, "Hello")]:
        message_services.message_receive(order=order, body=body, at=now + timedelta(hours=hours))
    rows, _overdue = awaiting_replies(world.agent_a)
    assert len(rows) == 3
    for language in LANGUAGES:
        for zone in ZONES:
            with translation.override(language), timezone.override(ZoneInfo(zone)):
                expected = REPLY_REFERENCE.render(Context({"replies": rows}))
                assert f"<tbody>\n    {reply_rows_html(rows)}\n    </tbody>" == expected, (language, zone)
    assert "badge-overdue" in expected and ("badge-fine" in expected or "badge-today" in expected)
    assert "data-due=" in expected and "Where is it? " * 8 not in expected  # cut at 90 characters
    assert "&lt;b&gt;111&lt;/b&gt;&amp;" in expected and "Alpha &amp; &lt;Co&gt;" in expected
    # On the page, in its place under the strip's heading.
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    with translation.override("en"):
        assert reply_rows_html(awaiting_replies(world.agent_a)[0]) in body
