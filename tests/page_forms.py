"""Read a form off a rendered page, as a browser would submit it: the tests that race two
people submit exactly what each one's page carried when it was loaded."""

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    # convert_charrefs (the default) hands text areas over as one unescaped string.
    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.found = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.data: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form" and attributes.get("id") == self.form_id:
            self.inside = self.found = True
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("checkbox", "radio", "submit"):
            self.data[name] = attributes.get("value", "")
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in attributes:
            self.data[self.select] = attributes.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = ""

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.data[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea:
            # Like a browser, drop the one newline that follows the opening tag.
            self.data[self.textarea] = self.data[self.textarea].removeprefix("\n")
            self.textarea = None
        elif tag == "form":
            self.inside = False


def form_data(html: str, form_id: str) -> dict[str, str]:
    """The fields of the form with this id (inputs, selected options and text areas; no
    checkboxes), with the values the page shows."""
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.found, f"no form #{form_id} on the page"
    return reader.data
