"""The forms' renderer writes a few form templates in Python: the same characters as the
templates, in both languages, for every widget it writes."""

from datetime import datetime
from typing import Any

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from disputes.form_renderer import INPUTS, WRITTEN, DeskFormRenderer
from disputes.forms import DateTimeLocalInput, OneLoopSelect

ATTRS = {
    "id": "id_x",
    "data-x": 'a"b <c> & d',
    "required": True,
    "disabled": False,
    "min": 3,
    "data-0": 0,
    "data-e": "",
}
VALUES = ["", "plain", 'say "<b>hi</b>" & bye', mark_safe("<i>kept</i>"), 7, None]


class EveryField(forms.Form):
    required_css_class = "needed"
    name = forms.CharField(label=_("Name"), max_length=20, widget=forms.TextInput(attrs={"autofocus": True}))
    count = forms.IntegerField(label="Count <n> & more", required=False)
    email = forms.EmailField(label=mark_safe("<b>E-mail</b>"), required=False)
    site = forms.URLField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    day = forms.DateField(widget=forms.DateInput, required=False)
    moment = forms.DateTimeField(widget=DateTimeLocalInput, required=False)
    clock = forms.TimeField(widget=forms.TimeInput, required=False)
    colour = forms.CharField(widget=forms.TextInput(attrs={"type": "color"}), required=False)
    search = forms.CharField(widget=forms.SearchInput, required=False)
    phone = forms.CharField(widget=forms.TelInput, required=False)
    colour2 = forms.CharField(widget=forms.ColorInput, required=False)
    agree = forms.BooleanField(label="Agree?", required=False)
    upload = forms.FileField(widget=forms.FileInput, required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", "—"), ("a", "A & <b>"), ("Group", [("g1", "in a group"), ("g2", 'quote "2"')])],
        widget=OneLoopSelect,
        required=False,
    )
    note = forms.CharField(widget=forms.Textarea, required=False)


def both(render):
    """`render(renderer)` with Django's template renderer and with ours."""
    return render(TemplatesSetting()), render(DeskFormRenderer())


def test_every_written_template_is_one_this_file_renders_both_ways():
    # Each template the renderer writes is a widget template below or the label's.
    assert set(WRITTEN) == {
        "django/forms/label.html",
        "disputes/widgets/select.html",
        *(f"django/forms/widgets/{name}.html" for name in INPUTS),
    }
    widgets = [field.widget for field in EveryField.base_fields.values()]
    used = {widget.template_name for widget in widgets}
    assert used >= set(WRITTEN) - {"django/forms/label.html", "django/forms/widgets/input.html"}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_whole_forms_render_the_same_unbound_bound_and_with_errors(language):
    data = {"name": "x" * 30, "count": "no", "email": "a@", "agree": "on", "kind": "g2", "note": "<p>"}
    data |= {"moment": "2026-12-07T08:30", "day": "2026-12-07", "hidden": 'a"b', "secret": "s<"}
    initial = {"name": 'Ann "A" & <B>', "moment": datetime(2026, 12, 7, 8, 30), "count": 1234567}
    with translation.override(language):
        for make in [
            lambda r: EveryField(renderer=r),
            lambda r: EveryField(initial=initial, renderer=r),
            lambda r: EveryField(data, renderer=r),
            lambda r: EveryField({"name": "ok", "kind": "a"}, renderer=r),
            lambda r: EveryField(auto_id=False, renderer=r),
        ]:
            theirs, ours = both(lambda r, make=make: str(make(r).as_div()))
            assert ours == theirs and "<input" in ours and "<select" in ours and "<textarea" in ours
        invalid = EveryField(data, renderer=DeskFormRenderer())
        assert not invalid.is_valid() and 'class="errorlist"' in str(invalid.as_div())
        assert '<label for="id_name" class="needed">' in str(EveryField(renderer=DeskFormRenderer()).as_div())


def test_labels_render_the_same():
    form = EveryField(renderer=None)
    for name in ["name", "count", "email", "agree"]:
        field = form[name]
        variants: list[dict[str, Any]] = [{}, {"attrs": ATTRS}, {"contents": "A & B"}, {"tag": "legend"}]
        for kwargs in [*variants, {"label_suffix": " —"}]:
            field.form.renderer = TemplatesSetting()
            theirs = field.label_tag(**kwargs)
            field.form.renderer = DeskFormRenderer()
            assert field.label_tag(**kwargs) == theirs and "<" in theirs


@pytest.mark.parametrize(
    "widget",
    [
        forms.TextInput(),
        forms.NumberInput(),
        forms.EmailInput(),
        forms.URLInput(),
        forms.PasswordInput(render_value=True),
        forms.HiddenInput(),
        forms.DateInput(),
        forms.DateTimeInput(),
        DateTimeLocalInput(),
        forms.TimeInput(),
        forms.ColorInput(),
        forms.SearchInput(),
        forms.TelInput(),
        forms.CheckboxInput(),
        forms.FileInput(),
        forms.widgets.Input(),
    ],
)
def test_inputs_render_the_same(widget):
    for value in [*VALUES, True, False, datetime(2026, 12, 7, 8, 30)]:
        for attrs in [None, ATTRS]:
            theirs, ours = both(lambda r, v=value, a=attrs: widget.render("field", v, a, renderer=r))
            assert ours == theirs and ours.startswith("<input")


def test_one_loop_selects_render_the_same():
    choices = [
        ("", "Any <tag>"),
        (7, "Ann & Bob"),
        ("Group", [("8", "in a group"), ("9", 9)]),
        ("10", "last"),
    ]
    for value in ["", "7", "9", ["7", "9"], None]:
        for attrs in [None, ATTRS]:
            select = OneLoopSelect(choices=choices)
            theirs, ours = both(lambda r, v=value, a=attrs, s=select: s.render("tag", v, a, renderer=r))
            assert ours == theirs and "<option" in ours and "<optgroup" in ours


def test_error_lists_render_the_same_empty_or_not():
    form = EveryField({"name": ""}, renderer=DeskFormRenderer())
    assert not form.is_valid()
    assert form["name"].errors.render(renderer=TemplatesSetting()) == str(form["name"].errors)
    assert '<ul class="errorlist"' in str(form["name"].errors)
    assert str(form["count"].errors) == "" == form["count"].errors.render(renderer=TemplatesSetting())
