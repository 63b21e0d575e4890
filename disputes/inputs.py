"""Checks for what people type, paste or upload, shared by the forms, the views that read the
request themselves, and the order import.

Identifiers (order ids, SKUs, tracking numbers, buyer aliases, platform claim ids) end up in
file names, e-mail headers and exported documents: a line break or an invisible formatting
character there breaks the header or disguises the value, so identifiers refuse them. Free
text may hold line breaks, but never NUL, which PostgreSQL cannot store. Dates must fall in
years the desk can count deadlines in: a typo such as year 1 or 9999 would overflow the
arithmetic done on them later.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Control characters, invisible formatting characters (bidi overrides, zero-width marks), line
# and paragraph separators, and unpaired surrogates.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})

# Claims, orders and promises outside these years are typing mistakes.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2099

# Ids in URLs and forms are database keys (64-bit); 18 digits always fit.
ID_PATTERN = re.compile(r"[0-9]{1,18}")


def hidden_character(value: str) -> str | None:
    """The first control or invisible formatting character in `value`, as U+XXXX, or None."""
    if value.isprintable():
        # Printable text has no character of the categories "Other" and "Separator" (but the
        # space), which hold all the hidden ones: the common case, checked in C.
        return None
    for char in value:
        if unicodedata.category(char) in HIDDEN_CATEGORIES:
            return f"U+{ord(char):04X}"
    return None


def identifier_problem(value: str) -> str | None:
    if code := hidden_character(value):
        return _(
            "It contains a control or invisible character (%(code)s): an identifier must be "
            "plain text on one line."
        ) % {"code": code}
    return None


def validate_identifier(value: str) -> None:
    if problem := identifier_problem(value):
        raise ValidationError(problem, code="hidden_character")


def has_nul(*values: str) -> bool:
    return any("\x00" in value for value in values)


def nul_message() -> str:
    # The same words as Django's own form validator (translated by Django's catalogue).
    return _("Null characters are not allowed.")


def date_problem(value: date | datetime) -> str | None:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return _("%(year)d is not a plausible year: use a date between %(first)d and %(last)d.") % {
            "year": value.year,
            "first": EARLIEST_YEAR,
            "last": LATEST_YEAR,
        }
    return None


def validate_plausible_date(value: date | datetime) -> None:
    if problem := date_problem(value):
        raise ValidationError(problem, code="implausible_year")


def parse_id(value: object) -> int | None:
    """A database id from the request, or None for anything else (another script's digits,
    a sign, a number too large for the database)."""
    text = str(value or "")
    return int(text) if ID_PATTERN.fullmatch(text) else None
