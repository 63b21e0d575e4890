"""Reads the messaging pages and panels share, scoped to the user's stores."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from disputes import selectors as disputes_selectors
from disputes.access import is_manager, managed_stores_for, stores_for
from disputes.models import Claim, Order, Store, Tag
from disputes.selectors.agents import rate as percent_of
from disputes.tagging import marked_tags

from . import filling, policy, reply_tallies
from .models import (
    OFF_PLATFORM_OPEN,
    Attachment,
    Direction,
    Message,
    OffPlatformReason,
    OffPlatformState,
    Purpose,
    ReplyState,
    ReplyTally,
    ReplyTemplate,
    TemplateUse,
    Thread,
    UnmatchedMail,
)


def get_message_for_user(user, message_id: int) -> Message:
    return get_object_or_404(
        Message.objects.filter(store__in=stores_for(user)).select_related("thread", "store"), pk=message_id
    )


def get_attachment_for_user(user, attachment_id: int) -> Attachment:
    return get_object_or_404(Attachment.objects.filter(message__store__in=stores_for(user)), pk=attachment_id)


def get_unmatched_for_user(user, mail_id: int) -> UnmatchedMail:
    return get_object_or_404(UnmatchedMail.objects.filter(store__in=stores_for(user)), pk=mail_id)


def claim_of(order: Order, claim_id) -> Claim | None:
    """The claim a compose request speaks for, only when it belongs to this order."""
    if not str(claim_id or "").isdigit():
        return None
    return Claim.objects.filter(order=order, pk=int(claim_id)).first()


@dataclass
class Panel:
    thread: Thread
    messages: list[Message]
    awaiting: list[Message]
    unanswered: int
    chasing: bool
    review_requested: bool
    manager: bool
    reasons: list
    protocol_template: ReplyTemplate | None = None  # the notice or the summary the protocol owes next
    # The store's tags, each with whether the thread carries it.
    tags: list[tuple[Tag, bool]] = field(default_factory=list)


def thread_tags(order: Order) -> list[tuple[Tag, bool]]:
    """The order's store's tags by name, each with whether the order's thread carries it (one
    query, whether or not the thread is saved yet)."""
    carried = (
        "SELECT 1 FROM messaging_thread_tags tt JOIN messaging_thread th ON th.id = tt.thread_id "
        "WHERE tt.tag_id = t.id AND th.order_id = %s"
    )
    return marked_tags(carried, order.pk, order.store_id)


def panel(user, order: Order, manager: bool | None = None) -> Panel:
    """Everything the thread panel of the order and claim pages shows (a fixed number of queries).
    `manager`: whether the user manages the order's store, when the page has asked already."""
    # A page view never writes: an order without messages shows an empty, unsaved thread.
    thread = Thread.objects.filter(order=order).first() or Thread(order=order, store=order.store)
    messages = (
        list(
            Message.objects.filter(thread=thread)
            .select_related("author")
            .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
            .order_by("at", "pk")
        )
        if thread.pk
        else []
    )
    # Counted from the loaded list: no extra query per message.
    last_buyer = max((m.at for m in messages if m.direction == Direction.FROM_BUYER), default=None)
    unanswered = sum(
        1 for m in messages if m.direction == Direction.TO_BUYER and (last_buyer is None or m.at > last_buyer)
    )
    return Panel(
        protocol_template=_protocol_template(thread),
        thread=thread,
        messages=messages,
        awaiting=[m for m in messages if m.reply_state == ReplyState.AWAITING],
        unanswered=unanswered,
        chasing=unanswered >= settings.DESK_MESSAGING_UNANSWERED_LIMIT,
        review_requested=any(m.purpose == Purpose.REVIEW_REQUEST for m in messages),
        manager=is_manager(user, order.store) if manager is None else manager,
        reasons=OffPlatformReason.choices,
        tags=thread_tags(order),
    )


PROTOCOL_TEMPLATES: dict[tuple[str, str], str] = {
    (OffPlatformState.STARTED, OffPlatformReason.LARGE_FILE): "off-platform-notice-file",
    (OffPlatformState.STARTED, OffPlatformReason.SAFETY): "off-platform-notice-safety",
    (OffPlatformState.NOTICE_SENT, OffPlatformReason.LARGE_FILE): "off-platform-summary",
    (OffPlatformState.NOTICE_SENT, OffPlatformReason.SAFETY): "off-platform-summary",
}


def _protocol_template(thread: Thread) -> ReplyTemplate | None:
    """While the protocol is open, the library's template for its next step (one query then)."""
    code = PROTOCOL_TEMPLATES.get((thread.off_platform, thread.off_platform_reason))
    return ReplyTemplate.objects.filter(code=code, is_active=True).first() if code else None


def templates_for(
    order: Order, query: str = "", limit: int | None = 20, user=None
) -> QuerySet[ReplyTemplate]:
    """The library for this order's platform, matching every word of the query. For a user: their
    favourites first, then what they used most recently, then by stage and title (one query)."""
    templates = ReplyTemplate.objects.filter(is_active=True).filter(
        Q(platform="") | Q(platform=order.store.platform)
    )
    for word in query.split()[:5]:
        # Titles, notes and codes, not bodies: every body names its placeholders ("tracking").
        # SQLite's LIKE folds only ASCII letters, so the word is also tried in lower, upper and
        # title case: "возврат" finds "Возврат…" there too (PostgreSQL folds every letter).
        found = Q()
        for variant in sorted({word, word.lower(), word.upper(), word.capitalize()}):
            found |= (
                Q(title__icontains=variant)
                | Q(note_en__icontains=variant)
                | Q(note_zh__icontains=variant)
                | Q(code__icontains=variant)
            )
        templates = templates.filter(found)
    if user is None or not user.pk:
        return templates.order_by("stage", "title")[:limit]
    mine = TemplateUse.objects.filter(user=user, template=OuterRef("pk"))
    templates = templates.annotate(
        favourite=Coalesce(Subquery(mine.values("is_favourite")[:1]), Value(False)),
        used_at=Subquery(mine.values("last_used_at")[:1]),
    )
    return templates.order_by("-favourite", F("used_at").desc(nulls_last=True), "stage", "title")[:limit]


def findings_view(text: str, platform: str, context: str = "message") -> dict:
    """The policy check as the findings partial shows it; a text too long to check says so."""
    too_long = policy.length_error(text)
    findings = [] if too_long else policy.check(text, platform, context)
    # A reply's placeholders left unfilled: facts the order lacks, which the agent writes in.
    unfilled = (
        [(name, filling.FACTS.get(name, filling.PLACEHOLDERS[name])) for name in filling.unfilled(text)]
        if context == "message" and not too_long
        else []
    )
    return {
        "unfilled": unfilled,
        "findings": findings,
        "pieces": policy.highlight(text, findings),
        "too_long": too_long,
        "blocking": bool(too_long or policy.blocking(findings)),
        "checked": bool(text.strip()),
        # Amazon asks for reviews itself (its Solicitations API: the order page's "Request a
        # review"); a review request written by hand points there.
        "review_pointer": (
            context == "message" and platform == "amazon" and not too_long and policy.is_review_request(text)
        ),
    }


# --- Queue and dashboard ------------------------------------------------------------------

# Counts stop here (shown as "1000+"): no page pays for an unbounded COUNT(*).
COUNT_CAP = 1000


def awaiting_replies(
    user, *, now: datetime | None = None, limit: int = 10, stores: list[Store] | None = None
) -> tuple[list[Message], int]:
    """Buyer messages of the user's stores still owed a reply, soonest due first (partial index
    `message_awaiting_reply_by`), and how many of them are overdue (up to COUNT_CAP). Two
    queries, and one more for the user's stores unless the page passes them (`stores`)."""
    now = now or timezone.now()
    store_ids = (
        [store.pk for store in stores]
        if stores is not None
        else list(stores_for(user).values_list("pk", flat=True))
    )
    # Both statements written out: building them with the ORM cost the queue several times
    # what running them does (issue #18). Same statements on PostgreSQL and SQLite.
    marks = ", ".join(["%s"] * len(store_ids)) or "NULL"
    rows = list(
        Message.objects.raw(AWAITING_ROWS.format(marks=marks), [*store_ids, ReplyState.AWAITING.value, limit])
    )
    # What the strip shows of each message's thread, order and store, read in the same row.
    for row in rows:
        db, read = row._state.db, vars(row)  # the statement's other columns, set on the message
        thread = Thread.from_db(db, ["id", "order_id"], [row.thread_id, read["thread_order_id"]])
        thread.order = Order.from_db(
            db, ["id", "platform_order_id"], [read["thread_order_id"], read["platform_order_id"]]
        )
        row.thread = thread
        row.store = Store.from_db(db, ["id", "name"], [row.store_id, read["store_name"]])
    sql = f"""
        SELECT COUNT(*) FROM (
          SELECT 1 FROM {Message._meta.db_table}
          WHERE store_id IN ({marks}) AND reply_state = %s AND reply_by < %s LIMIT %s
        ) capped
    """
    at = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [*store_ids, ReplyState.AWAITING.value, at(now), COUNT_CAP])
        (overdue,) = cursor.fetchone()
    return rows, overdue


# What the queue's strip shows: the reply's clock, the text, the order and the store.
AWAITING_ROWS = """
    SELECT m.id, m.store_id, m.thread_id, m.body, m.reply_state, m.reply_by, m.warn_hours_before,
           t.order_id AS thread_order_id, o.platform_order_id, s.name AS store_name
    FROM messaging_message m
    JOIN messaging_thread t ON t.id = m.thread_id
    JOIN disputes_order o ON o.id = t.order_id
    JOIN disputes_store s ON s.id = m.store_id
    WHERE m.store_id IN ({marks}) AND m.reply_state = %s
    ORDER BY m.reply_by, m.id LIMIT %s
"""


@dataclass
class MessagingBoard:
    overdue_replies: int
    awaiting_summary: list[Thread]


def dashboard(user, *, now: datetime | None = None, stores: list[Store] | None = None) -> MessagingBoard:
    """The managers' dashboard part: replies overdue, threads owing their off-platform summary.
    `stores`: the stores the user manages, when the page has read them (by their ids, no
    subquery of the memberships)."""
    now = now or timezone.now()
    managed = [store.pk for store in stores] if stores is not None else managed_stores_for(user)
    overdue = (
        Message.objects.filter(store__in=managed, reply_state=ReplyState.AWAITING, reply_by__lt=now)
        .order_by()[:COUNT_CAP]
        .count()
    )
    waiting = list(
        Thread.objects.filter(store__in=managed, off_platform__in=OFF_PLATFORM_OPEN)
        .select_related("order", "store")
        .order_by("off_platform_started_at", "pk")[:50]
    )
    return MessagingBoard(overdue_replies=overdue, awaiting_summary=waiting)


@dataclass
class AgentFigures:
    """One agent's figures for the managers' dashboard: their claims (from `disputes`) and their
    replies to buyers."""

    user_id: int
    username: str
    replies: int = 0
    within_sla: int = 0
    first_response: timedelta | None = None
    handled: int = 0
    won: int = 0

    @property
    def within_sla_rate(self) -> Decimal | None:
        return percent_of(self.within_sla, self.replies)

    @property
    def win_rate(self) -> Decimal | None:
        return percent_of(self.won, self.handled)


def agent_figures(
    user, *, now: datetime | None = None, days: int = disputes_selectors.FIGURES_DAYS
) -> list[AgentFigures]:
    """Per agent of the stores this user manages, over the last `days` days: buyer messages
    they answered first, the mean time from the buyer's message to that first answer, how many
    of those answers came before the reply clock ran out (the 24-hour reply rule's `reply_by`),
    and the claims decided while they were assigned, with the share won. Two queries."""
    now = now or timezone.now()
    figures: dict[int, AgentFigures] = {}
    for author, username, replies, within_sla, waited_us in _answers(user, now - timedelta(days=days)):
        figures[author] = AgentFigures(
            author,
            username,
            replies=replies,
            within_sla=within_sla,
            first_response=timedelta(microseconds=waited_us) / replies,
        )
    for agent_id, claims in disputes_selectors.agent_claim_figures(user, now=now, days=days).items():
        agent = figures.setdefault(agent_id, AgentFigures(agent_id, claims.username))
        agent.handled, agent.won = claims.handled, claims.won
    return sorted(figures.values(), key=lambda agent: agent.username)


def _answers(user, since: datetime) -> list[tuple[int, str, int, int, int]]:
    """(author, username, replies, within the reply clock, microseconds waited in all) of the
    buyer messages of the user's managed stores answered since `since`. One query, written out
    (the same on PostgreSQL and SQLite): the kept tallies (`ReplyTally`, messaging/reply_tallies.py)
    of the UTC days after the one `since` falls in, and the messages answered from `since` to
    that day's end, read through their index (`message_answered`)."""
    try:
        stores, store_params = managed_stores_for(user).order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # nobody's stores
        return []
    edge = datetime.combine(since.astimezone(UTC).date() + timedelta(days=1), time.min, tzinfo=UTC)
    # With parameters, a literal % (SQLite's strftime('%s', ...)) is written %%.
    waited = reply_tallies.waited_us(connection.vendor).replace("%", "%%")
    sql = f"""
        SELECT k.author, u.username, SUM(k.replies), SUM(k.within_sla), SUM(k.waited)
        FROM (
          SELECT author_id AS author, replies, within_sla, response_us AS waited
          FROM {ReplyTally._meta.db_table} WHERE store_id IN ({stores}) AND day >= %s
          UNION ALL
          SELECT answered_by_author_id, 1, {reply_tallies.within()}, {waited}
          FROM {Message._meta.db_table}
          WHERE store_id IN ({stores}) AND {reply_tallies.counted()} AND answered_at >= %s AND answered_at < %s
        ) k
        JOIN {User._meta.db_table} u ON u.id = k.author
        GROUP BY k.author, u.username
    """
    ops = connection.ops
    params = [
        *store_params,
        ops.adapt_datefield_value(edge.date()),
        *store_params,
        ops.adapt_datetimefield_value(since),
        ops.adapt_datetimefield_value(edge),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # A tally whose messages were all moved away stays, at zero: such an author is not listed.
    return [
        (author, username, int(n), int(within), int(waited))
        for author, username, n, within, waited in rows
        if n
    ]


# The threads page shows at most this many (newest first); a filter finds the rest.
THREADS_PAGE = 200


def thread_list(user, *, store_id: int | None = None, tag_id: int | None = None) -> tuple[list[Thread], bool]:
    """The buyer threads of the user's stores, newest first, optionally of one store and one
    tag, each with its tags and its latest message (three queries: the rows with the latest
    message's time and words as subqueries, the tags). Returns (threads, more than a page)."""
    threads = Thread.objects.filter(store__in=stores_for(user))
    if store_id is not None:
        threads = threads.filter(store_id=store_id)
    if tag_id is not None:
        # A tag of a store the user is not in matches none of these threads.
        threads = threads.filter(tags__id=tag_id)
    latest = Message.objects.filter(thread=OuterRef("pk")).order_by("-at", "-pk")
    rows: list[Thread] = list(
        threads.annotate(
            last_at=Subquery(latest.values("at")[:1]),
            last_body=Subquery(latest.values("body")[:1]),
            last_direction=Subquery(latest.values("direction")[:1]),
        )
        .select_related("store", "order")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .order_by("-pk")[: THREADS_PAGE + 1]
    )
    return rows[:THREADS_PAGE], len(rows) > THREADS_PAGE


def user_tags(user) -> list[Tag]:
    """The tags of the user's stores, for a filter (one query)."""
    return list(
        Tag.objects.filter(store__in=stores_for(user)).select_related("store").order_by("name", "store__name")
    )
