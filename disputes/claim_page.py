"""The claim page's timeline, with entries from the apps above disputes.

The page is composed of panels: disputes renders its own cards, and each app above it brings its
panel as an inclusion tag (`{% evidence_panel claim %}`, `{% messaging_panel order claim %}`).
The timeline is one list by time, so it cannot be split into panels the same way: an app that
has entries of its own for a claim (evidence: each item at its captured-at time, and the vault's
audit trail) registers a source here from its AppConfig.ready(), and this module never imports
from the apps above it."""

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from .models import Claim


class Entry(Protocol):
    """What the timeline template reads: a ClaimEvent, or an entry of the same shape."""

    @property
    def at(self) -> datetime: ...


TimelineSource = Callable[[Claim], Iterable[Entry]]

_sources: list[TimelineSource] = []


def add_timeline_source(source: TimelineSource) -> None:
    """An app adds its entries to every claim's timeline (called from AppConfig.ready)."""
    if source not in _sources:
        _sources.append(source)


def timeline(claim: Claim) -> list[Entry]:
    """The claim's own events and every source's entries, in one list by time. On a tie the
    claim's own event comes first, then the sources in the order they were added."""
    entries: list[Entry] = list(claim.events.select_related("actor"))
    for source in _sources:
        entries.extend(source(claim))
    return sorted(entries, key=lambda entry: entry.at)
