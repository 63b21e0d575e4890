"""What a platform module provides: a check of the credentials and the streams it can read.

A platform is built for one connection with one Http (connectors/http.py); each stream pulls
pages after a cursor, oldest first, and says the cursor that follows each page. The sync
(connectors/sync.py) writes a page's records and moves the stream's cursor in one transaction,
so a stream must be able to start again from any cursor it gave."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Protocol

from .records import ClaimRecord, MessageRecord, OrderRecord

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from .http import Http
    from .models import Connection


class Refusal(Exception):
    """The desk or the platform will not take an action a person asked for; str() is why, in
    words for that person. Nothing was changed on the desk."""


@dataclass
class Page:
    # Any sequence: a list of one record type is fine (mypy: list is invariant, Sequence is not).
    records: Sequence[OrderRecord | ClaimRecord | MessageRecord]
    # Where the next pull starts once this page is written; None: keep the stream's cursor.
    cursor: str | None


class Stream(Protocol):
    name: str

    def pull(self, cursor: str | None) -> Iterator[Page]:
        """Pages after `cursor` (None: from the platform's start window), oldest first."""
        ...


@dataclass(frozen=True)
class CredentialField:
    """One field of the connect form. Secret ones are sealed and never shown again; the others
    are kept in Connection.settings."""

    name: str
    label: StrOrPromise
    secret: bool = True
    required: bool = True
    help_text: StrOrPromise = ""
    choices: list[tuple[str, StrOrPromise]] = field(default_factory=list)


class Platform(Protocol):
    label: ClassVar[str]  # the platform's name as a manager knows it, e.g. "Ozon"
    fields: ClassVar[list[CredentialField]]

    def __init__(self, connection: Connection, http: Http | None = None) -> None: ...

    def check(self) -> str:
        """A sentence saying who the credentials connect as ("Connected as seller A1B2… (Amazon.com,
        Amazon.ca)"); raises ConnectorError in words when they do not work."""
        ...

    def streams(self) -> list[Stream]: ...


def read_ahead(pages: Iterator[Page]) -> Iterator[Page]:
    """The same pages, the next one fetched in a thread while the caller writes this one. Only
    for a pull that touches no database (HTTP and mapping): its code runs outside the sync's
    thread and transaction. An error of the pull comes out where its page would have."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="read-ahead")
    try:
        coming = executor.submit(next, pages, None)
        while (page := coming.result()) is not None:
            coming = executor.submit(next, pages, None)
            yield page
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
