"""Small readers shared by the platforms' exports."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from ..importing import _Cells, _shown
from ..inputs import date_problem

# "$1,234.50", "US $24.99", "£12.00", "1 290,50 ₽": a sign or code around digits.
AMOUNT = re.compile(r"^(?P<before>[^\d]*?)\s*(?P<number>\d[\d ,.\u00a0\u202f]*)\s*(?P<after>[^\d]*)$")


def amount(cells: _Cells, column: str, symbols: dict[str, str], *, blank_is_zero: bool = False):
    """(amount, currency named by its symbol or None) from a cell such as "$24.99"; the currency
    is None when the cell has no symbol. A comma is a thousands separator when a dot follows
    it or three digits follow it, a decimal comma otherwise."""
    raw = cells.text(column)
    if not raw:
        if blank_is_zero:
            return Decimal("0.00"), None
        cells.problem(_("%(column)s is empty.") % {"column": column})
        return None, None
    match = AMOUNT.match(raw)
    currency = None
    if match:
        sign = (match["before"] + match["after"]).strip().upper().replace(" ", "")
        currency = symbols.get(sign) if sign else None
        number = re.sub(r"[ \u00a0\u202f]", "", match["number"])
        if "," in number and ("." in number or re.search(r",\d{3}$", number)):
            number = number.replace(",", "")
        else:
            number = number.replace(",", ".")
        if (not sign or currency) and re.fullmatch(r"\d{1,10}(\.\d{1,2})?", number):
            try:
                return Decimal(number).quantize(Decimal("0.01")), currency
            except InvalidOperation:  # pragma: no cover - the pattern rules this out
                pass
    cells.problem(_("%(column)s “%(value)s” is not an amount.") % {"column": column, "value": _shown(raw)})
    return None, None


def when(cells: _Cells, column: str, patterns: tuple[str, ...], tz, *, required: bool = False):
    """A date-time written in one of `patterns` (strptime), read in the time zone `tz`."""
    raw = cells.text(column)
    if not raw:
        if required:
            cells.problem(_("%(column)s is empty.") % {"column": column})
        return None
    for pattern in patterns:
        try:
            value = datetime.strptime(raw, pattern)
        except ValueError:
            continue
        if problem := date_problem(value):
            cells.problem(f"{column}: {problem}")
            return None
        return value.replace(tzinfo=tz)
    cells.problem(
        _("%(column)s: “%(value)s” is not a date the desk can read.")
        % {"column": column, "value": _shown(raw)}
    )
    return None
