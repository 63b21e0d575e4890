"""Message text in the header's search (disputes/search.py): registered in `ready()`.

On PostgreSQL the words are matched through the full-text index `message_text_search`
(migration `0008_message_text_search_index`), built on the very expression queried here: the
`simple` configuration (no stemming, no stop words), since buyers write in English, Russian,
Chinese and more, and one language's stemmer would mangle the others. SQLite has no full text:
there the whole query is looked for inside the body.
"""

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.urls import reverse
from django.utils.text import Truncator

from disputes.search import Hit, Query, newest

from .models import Message

CONFIG = "simple"
RECENT_MESSAGES = 400
SNIPPET = 140


def text_vector() -> SearchVector:
    """The indexed expression: the migration builds its index from this very call."""
    return SearchVector("body", config=CONFIG)


def snippet(body: str, query: Query) -> str:
    """The part of the body around the first word of the query found in it."""
    folded = body.casefold()
    for word in query.text.split():
        at = folded.find(word.casefold())
        if at >= 0:
            start = max(0, at - SNIPPET // 3)
            piece = Truncator(body[start:]).chars(SNIPPET)
            return f"…{piece}" if start else piece
    return Truncator(body).chars(SNIPPET)


def find_messages(query: Query, store_ids: list[int], limit: int) -> list[Hit]:
    if not query.has_words:
        return []
    messages = Message.objects.filter(store_id__in=store_ids)
    if connection.vendor == "postgresql":
        # websearch syntax: plain words all count, "quoted phrases" and -exclusions work, and
        # nothing the user types is a syntax error.
        words = SearchQuery(query.text, config=CONFIG, search_type="websearch")
        messages = messages.alias(text=text_vector()).filter(text=words)
    else:
        messages = messages.filter(body__icontains=query.text)
    # Matching a body on the fly (to_tsvector) costs more than a title: a shorter recent window.
    found = newest(
        messages, messages.select_related("thread__order", "store"), limit, words=True, window=RECENT_MESSAGES
    )
    return [
        Hit(
            title=snippet(message.body, query),
            url=reverse("disputes:order", args=[message.thread.order_id]) + f"#message-{message.pk}",
            detail=f"{message.get_direction_display()} · {message.thread.order.platform_order_id}",
            store=message.store.name,
        )
        for message in found
    ]
