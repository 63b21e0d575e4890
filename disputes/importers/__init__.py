"""The platforms' own order exports, beside Amazon's report and the desk's CSV in
disputes.importing. Each format is known by its header row."""

from __future__ import annotations

from ..models import Store
from .ebay import EbayOrders
from .ozon import OzonPostings

FORMATS = (EbayOrders, OzonPostings)


def detect(header_text: str, store: Store):
    """The format whose header this is, ready to read into `store`; None for any other header."""
    for fmt in FORMATS:
        if fmt.recognises(header_text):
            return fmt(store)
    return None
