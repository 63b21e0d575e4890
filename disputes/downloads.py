"""What the desk's downloads send: a safe Content-Disposition, and spreadsheet cells that a
spreadsheet program will not run as formulas."""

from django.utils.http import content_disposition_header

from .inputs import hidden_character

# Quotes and backslashes are legal once escaped, but a name made of order ids has no use for
# them, and not every client reads the escapes; slashes would make a folder of the name.
UNSAFE_IN_NAMES = str.maketrans({'"': "_", "\\": "_", "/": "_"})

# A spreadsheet reads a cell starting with these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def attachment_header(filename: str) -> str:
    """Content-Disposition for a file to save, built by Django from a name without control
    characters, quotes or slashes."""
    if hidden_character(filename):
        filename = "".join(char for char in filename if not hidden_character(char))
    return content_disposition_header(True, filename.translate(UNSAFE_IN_NAMES) or "download")


def spreadsheet_cell(value: object) -> object:
    """A text cell that would start a formula gets a leading single quote, so it shows as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
