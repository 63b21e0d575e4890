"""The header's search: every kind of thing an agent pastes or types, grouped by kind, only from
the user's stores; on PostgreSQL each kind reads its own index."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from disputes.models import Buyer, Claim, ClaimKind, Order, OrderLine, Product, Reason, Shipment
from disputes.search import parse
from messaging.services import message_receive

from .conftest import client_for

URL = reverse("disputes:search")


@pytest.fixture
def catalogue(world):
    """Store A's order with a line, a shipment and a buyer message; store B's look-alike."""
    order = world.order_a
    buyer = order.buyer
    buyer.name = "Maple Okonkwo"
    buyer.save(update_fields=["name"])
    OrderLine.objects.create(
        order=order,
        line_key="KTL-1L-SS",
        sku="KTL-1L-SS",
        title="Electric kettle 1 l, brushed steel",
        quantity=1,
        item_price="34.90",
    )
    Shipment.objects.create(order=order, carrier="UPS", tracking_number="1Z4F81X20398765432")
    message_receive(order=order, body="The kettle lid cracked on the first boil, please advise.")
    other_buyer = Buyer.objects.create(store=world.store_b, alias="ozon-000777123", name="Maple Okonkwo")
    other = Order.objects.create(
        store=world.store_b,
        buyer=other_buyer,
        platform_order_id="111-0000001-0000002",
        purchased_at=timezone.now() - timedelta(days=3),
        currency="RUB",
        total="900.00",
    )
    OrderLine.objects.create(
        order=other,
        line_key="KTL-1L-SS",
        sku="KTL-1L-SS",
        title="Electric kettle 1 l, brushed steel",
        quantity=1,
        item_price="3490",
    )
    Shipment.objects.create(order=other, carrier="CDEK", tracking_number="1Z4F81X20398765433")
    message_receive(order=other, body="The kettle lid cracked too.")
    return world


def results(client, text: str, **extra) -> str:
    response = client.get(URL, {"q": text, **extra})
    assert response.status_code == 200, response
    return response.content.decode()


def group(html: str, kind: str) -> str:
    """The HTML of one kind's group of results ('' when the page has no such group)."""
    start = html.find(f'id="search-{kind}"')
    if start < 0:
        return ""
    return html[start : html.find("</section>", start)]


def test_an_order_id_pasted_with_junk_around_it_is_one_term():
    query = parse("  Order# 111-2223334-5556667 —  ")
    assert "111-2223334-5556667" in query.terms
    assert parse("#123").number == 123
    assert parse("1Z4F81X20398765432").terms == ("1Z4F81X20398765432",)


def test_the_order_is_found_from_its_id_with_junk_around_it(catalogue):
    html = results(client_for(catalogue.agent_a), "Order# 111-0000001-0000001 —")
    orders = group(html, "orders")
    assert reverse("disputes:order", args=[catalogue.order_a.pk]) in orders
    # The claim of that order is listed too; store B's order with a similar id is not.
    assert reverse("disputes:claim", args=[catalogue.claim_a.pk]) in group(html, "claims")
    assert "111-0000001-0000002" not in html


def test_part_of_an_order_id_finds_it(catalogue):
    orders = group(results(client_for(catalogue.agent_a), "0000001-0000001"), "orders")
    assert "111-0000001-0000001" in orders


def test_a_sole_exact_claim_number_goes_straight_to_the_claim(catalogue):
    response = client_for(catalogue.agent_a).get(URL, {"q": f"#{catalogue.claim_a.pk}"})
    assert response.status_code == 302
    assert response["Location"] == reverse("disputes:claim", args=[catalogue.claim_a.pk])


def test_each_kind_is_found_in_its_group(catalogue):
    client = client_for(catalogue.agent_a)
    order_url = reverse("disputes:order", args=[catalogue.order_a.pk])
    cases = [
        ("q7x2buyer", "buyers"),  # part of the buyer's relay alias
        ("q7x2buyer@marketplace.example", "buyers"),  # the whole e-mail address
        ("maple okonkwo", "buyers"),  # the buyer's name, case aside
        ("1Z4F81X20398765432", "tracking"),  # whole
        ("1z4f81x20398765432", "tracking"),  # whole, typed in small letters
        ("X2039876543", "tracking"),  # a part
        ("ktl-1l-ss", "products"),
        ("brushed steel", "products"),
        ("lid cracked", "messages"),
    ]
    for text, kind in cases:
        html = results(client, text)
        found = group(html, kind)
        assert order_url in found, (text, kind)
        assert "Bravo Ozon RU" not in html, text


def test_a_message_hit_quotes_the_message_and_links_to_it(catalogue):
    messages = group(results(client_for(catalogue.agent_a), "cracked"), "messages")
    assert "The kettle lid cracked on the first boil" in messages
    assert "#message-" in messages
    assert "cracked too" not in messages  # store B's message


def test_the_outsider_finds_nothing_of_store_a(catalogue):
    client = client_for(catalogue.agent_b)
    html = results(client, "111-0000001-0000001")
    assert "Alpha Amazon US" not in html
    assert reverse("disputes:order", args=[catalogue.order_a.pk]) not in html
    # ...while their own store's look-alikes are found by the same words.
    html = results(client, "kettle lid cracked")
    assert "cracked too" in group(html, "messages")
    assert "The kettle lid cracked on the first boil" not in html


def test_too_short_and_empty_queries_say_so(catalogue):
    client = client_for(catalogue.agent_a)
    assert 'id="search-too-short"' in results(client, "ab")
    assert 'id="search-nothing"' in results(client, "zebra quantum teapot")
    html = results(client, "")
    assert 'id="search-nothing"' not in html and "search-group" not in html


def test_a_query_with_a_nul_byte_is_refused_in_place(catalogue):
    html = results(client_for(catalogue.agent_a), "111\x00-0000001")
    assert 'id="search-error"' in html
    assert "search-group" not in html


def test_more_of_one_kind(catalogue):
    order = catalogue.order_a
    for n in range(12):
        message_receive(order=order, body=f"Second kettle question number {n}.")
    client = client_for(catalogue.agent_a)
    html = results(client, "kettle question")
    assert group(html, "messages").count('class="search-hit"') == 10
    assert "kind=messages" in group(html, "messages")
    only = results(client, "kettle question", kind="messages")
    assert group(only, "messages").count('class="search-hit"') == 12
    assert 'id="search-orders"' not in only


def test_the_search_costs_a_bounded_number_of_queries(catalogue):
    from django.test.utils import CaptureQueriesContext

    client = client_for(catalogue.agent_a)
    results(client, "kettle")  # the session and user once, so the count below is the page's
    for n in range(5):
        Claim.objects.create(
            store=catalogue.store_a,
            order=catalogue.order_a,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.DAMAGED,
            platform_claim_id=f"KTL-{n}",
            opened_at=timezone.now(),
        )
    with CaptureQueriesContext(connection) as captured:
        html = results(client, "KTL-1L-SS 111-0000001-0000001")
    assert 'id="search-claims"' in html and 'id="search-products"' in html
    # Reads only: the planner settings of PostgreSQL's bounded steps and their savepoints aside.
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    # session, user, stores; orders (exact), claims (matches, and those of the order), buyers
    # (whole alias, contains, their orders), tracking (whole, contains), products (their SKUs,
    # their lines), messages: 14.
    # PostgreSQL may take up to two more steps for each of the five searches through `newest`.
    if connection.vendor == "postgresql":
        assert 14 <= len(reads) <= 24, reads
    else:
        assert len(reads) == 14, reads


def test_the_header_search_box_is_on_every_page_and_labelled(catalogue):
    html = client_for(catalogue.agent_a).get(reverse("disputes:queue")).content.decode()
    assert 'id="site-search"' in html
    assert '<label class="visually-hidden" for="site-search">' in html
    assert f'action="{URL}"' in html


# --- PostgreSQL: the indexes exist and serve the queries -------------------------------------

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")


def plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@postgres_only
@pytest.mark.parametrize(
    "queryset, index",
    [
        (lambda: Order.objects.filter(platform_order_id__icontains="0000001"), "order_id_search_trgm"),
        (lambda: Buyer.objects.filter(alias__icontains="q7x2"), "buyer_alias_search_trgm"),
        (lambda: Buyer.objects.filter(name__icontains="maple"), "buyer_name_search_trgm"),
        (lambda: Shipment.objects.filter(tracking_number__icontains="1Z4F"), "shipment_tracking_search_trgm"),
        (lambda: Product.objects.filter(sku__icontains="KTL"), "product_sku_search_trgm"),
        (lambda: Product.objects.filter(title__icontains="kettle"), "product_title_search_trgm"),
        (lambda: OrderLine.objects.filter(sku__in=["KTL-1L-SS", "KTL-2L"]), "order_line_sku"),
        (lambda: Claim.objects.filter(platform_claim_id__icontains="KTL"), "claim_platform_id_search_trgm"),
    ],
)
def test_each_contains_search_reads_its_trigram_index(catalogue, queryset, index):
    sql, params = queryset().query.sql_with_params()
    assert index in plan(sql, params)


@postgres_only
def test_message_words_read_the_full_text_index(catalogue):
    from django.contrib.postgres.search import SearchQuery

    from messaging.models import Message
    from messaging.search import CONFIG, text_vector

    words = SearchQuery("lid cracked", config=CONFIG, search_type="websearch")
    sql, params = Message.objects.alias(text=text_vector()).filter(text=words).query.sql_with_params()
    assert "message_text_search" in plan(sql, params)


@postgres_only
def test_common_words_are_matched_row_by_row_in_the_recent_window_not_through_the_whole_index(catalogue):
    """The newest messages are walked back on the primary key and matched one by one; the
    full-text index, which would first read every match of a common word in the table, is not
    read for them. Each query is explained where it runs, under the settings it runs with."""
    from messaging.search import find_messages

    for n in range(30):
        message_receive(order=catalogue.order_a, body=f"Where is my tracking number? ({n})")
    plans = []

    def explain(execute, sql, params, many, context):
        if 'FROM "messaging_message"' in sql and "MAX(" not in sql and not sql.startswith("EXPLAIN"):
            with connection.cursor() as cursor:
                cursor.execute("SHOW enable_bitmapscan")
                bitmaps = cursor.fetchone()[0]
                cursor.execute("EXPLAIN " + sql, params)
                plans.append(f"bitmap scans {bitmaps}\n" + "\n".join(row[0] for row in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        found = find_messages(parse("tracking number"), [catalogue.store_a.pk], 11)
    assert len(found) == 11 and all("tracking number" in hit.title for hit in found)
    assert len(plans) == 1, plans  # the window alone filled the page
    # Bitmap scans are off for it: so small a table would not tempt the planner, a large one does.
    assert plans[0].startswith("bitmap scans off"), plans[0]
    # (On so small a table the planner may walk the store's index rather than the key.)
    assert "Index Scan" in plans[0] and "on messaging_message" in plans[0], plans[0]
    assert "message_text_search" not in plans[0] and "Bitmap" not in plans[0], plans[0]
