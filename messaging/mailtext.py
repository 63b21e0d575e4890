"""The text of a relay mail: HTML turned into plain text (BeautifulSoup, with Python's own HTML
parser), then split into the writer's own words and the rest (the platform's template around
them and the quoted history), which the thread shows folded."""

import re

from bs4 import BeautifulSoup, Comment

# Elements that start a new line of text; a table cell is followed by a space.
BLOCKS = [
    "p", "div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "pre", "section", "article", "header", "footer", "center", "dl", "dt", "dd",
]  # fmt: skip
INVISIBLE = ["style", "script", "head", "title", "template", "noscript", "meta", "link"]
SPACES = re.compile(r"[ \t\u00a0\u200b\u200c\u200d\ufeff]+")

# Amazon's relay puts the writer's words between these lines (English and the EU/JP marketplaces).
BEGIN = re.compile(
    r"^-{3,}\s*(?:begin message|message|anfang der nachricht|d[ée]but du message|inizio del messaggio"
    r"|inicio del mensaje|メッセージ(?:の開始|開始))\s*:?\s*-{3,}$",
    re.IGNORECASE | re.MULTILINE,
)
END = re.compile(
    r"^-{3,}\s*(?:end message|end of message|ende der nachricht|fin du message|fine del messaggio"
    r"|fin del mensaje|メッセージ(?:の終了|終了))\s*:?\s*-{3,}$",
    re.IGNORECASE | re.MULTILINE,
)
# Where quoted history starts: "On <date>, <someone> wrote:", an "Original Message" rule, or
# lines quoted with ">".
QUOTE_START = re.compile(
    r"^(?:On .{0,200}wrote:|Am .{0,200}schrieb .{0,200}:|Le .{0,200}a écrit\s*:"
    r"|-{2,}\s*Original Message\s*-{2,}|>.*)$",
    re.IGNORECASE | re.MULTILINE,
)


def html_to_text(html: str) -> str:
    """Readable text of an HTML mail part: no CSS, scripts or comments; one line per block;
    quoted blocks marked with "> "."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(INVISIBLE):
        tag.decompose()
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()
    for quote in reversed(soup.find_all("blockquote")):  # innermost first
        inner = _tidy(_plain(quote))
        quote.replace_with("\n" + "\n".join("> " + line for line in inner.splitlines()) + "\n")
    return _tidy(_plain(soup))


def _plain(node) -> str:
    for br in node.find_all("br"):
        br.replace_with("\n")
    for tag in node.find_all(BLOCKS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    for cell in node.find_all(["td", "th"]):
        cell.insert_after(" ")
    return node.get_text()


def _tidy(text: str) -> str:
    """Spaces collapsed, lines trimmed, at most one blank line in a row."""
    lines = [SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def split_words(text: str) -> tuple[str, str]:
    """The writer's own words, and the rest (the platform's template, the quoted history). A
    mail without the relay's markers and without quotes is all words."""
    text = _tidy(text)
    rest = []
    words = text
    begin = BEGIN.search(text)
    end = END.search(text, begin.end()) if begin else None
    if begin and end:
        words = text[begin.end() : end.start()]
        rest = [text[: begin.start()].strip(), text[end.end() :].strip()]
    quoted = QUOTE_START.search(words)
    if quoted:
        rest.insert(1 if rest else 0, words[quoted.start() :].strip())
        words = words[: quoted.start()]
    words = words.strip()
    if not words:  # nothing of the writer's own found: keep the whole text as the body
        return text, ""
    return words, "\n\n…\n\n".join(part for part in rest if part)
