"""The forms' renderer: the smallest of the form templates written in Python.

A form field on a page goes through several templates: its label (`label.html`, which includes
`attrs.html`), its input (`text.html` includes `input.html`, which includes `widgets/attrs.html`),
its empty error list (two more). Each costs a template's render: the claim page's forms took
about fifty of them per request. `DeskFormRenderer` writes those few templates' HTML itself, the
same characters as the templates (`tests/test_form_renderer.py` renders every one both ways),
and hands every other template to the project's template engine as before (`FORM_RENDERER`).

The templates stay the reference: a change to one of them (a Django upgrade, or an override in
templates/django/forms/) must be made here too, which that test shows."""

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in the stubs


def _text(value: Any) -> str:
    """What `{{ value }}` writes: localized, then escaped unless it is already safe."""
    return conditional_escape(localize(template_localtime(value)))


def _formatted(value: Any) -> str:
    """What `{{ value|stringformat:'s' }}` writes (the filter keeps a safe value safe)."""
    text = str(value)
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: Mapping[str, Any] | None) -> str:
    """`attrs.html`: ` name="value"` each, a True one as its bare name, a False one left out."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in (attrs or {}).items()
        if value is not False
    )


def _label(context: Mapping[str, Any]) -> str:
    """`django/forms/label.html`."""
    if not context["use_tag"]:
        return _text(context["label"])
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_text(context['label'])}</{tag}>"


def _input(context: Mapping[str, Any]) -> str:
    """`django/forms/widgets/input.html`, which `text.html`, `hidden.html`, … include whole."""
    widget = context["widget"]
    value = "" if widget["value"] is None else f' value="{_formatted(widget["value"])}"'
    return f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def _one_loop_select(context: Mapping[str, Any]) -> str:
    """`disputes/widgets/select.html` (`disputes.forms.OneLoopSelect`)."""
    widget = context["widget"]
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            selected = " selected" if option["selected"] else ""
            parts.append(
                f'\n  <option value="{_formatted(option["value"])}"{selected}>{_text(option["label"])}</option>\n'
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


INPUTS = ["checkbox", "color", "date", "datetime", "email", "file", "hidden", "number", "password"]
INPUTS += ["search", "tel", "text", "time", "url", "input"]

WRITTEN: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "django/forms/label.html": _label,
    **{f"django/forms/widgets/{name}.html": _input for name in INPUTS},
    "disputes/widgets/select.html": _one_loop_select,
}

ERROR_LISTS = {"django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"}


class DeskFormRenderer(TemplatesSetting):
    """The project's template engine for forms, but the templates in `WRITTEN` written here,
    and an empty error list (which its template writes as nothing) not rendered at all."""

    def render(self, template_name: str, context: dict[str, Any], request=None) -> str:
        write = WRITTEN.get(template_name)
        if write is not None:
            return write(context).strip()
        if template_name in ERROR_LISTS and not context["errors"]:
            return ""
        return super().render(template_name, context, request)
