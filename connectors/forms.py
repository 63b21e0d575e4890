from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disputes.inputs import identifier_problem

from .base import CredentialField
from .crypto import Unreadable
from .models import Connection

SECRET_MAX = 4000


class ConnectionForm(forms.Form):
    """The platform's own fields (platforms/*.py `fields`) and the sync interval. Secret fields
    are never filled in again: left blank, the saved value is kept."""

    interval = forms.IntegerField(
        label=gettext_lazy("Minutes between syncs"), min_value=5, max_value=24 * 60, initial=15
    )

    def __init__(self, *args, fields: list[CredentialField], connection: Connection | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.platform_fields = fields
        try:
            saved = connection.secrets() if connection and connection.has_credentials else {}
        except Unreadable:
            saved = {}  # the desk's key changed: the secrets must be entered again
        for spec in fields:
            if spec.choices:
                field: forms.Field = forms.ChoiceField(choices=spec.choices)
            elif spec.secret:
                field = forms.CharField(
                    widget=forms.PasswordInput(render_value=False), max_length=SECRET_MAX, strip=True
                )
            else:
                field = forms.CharField(max_length=200, strip=True)
            field.label = spec.label
            field.help_text = spec.help_text
            if spec.secret and saved.get(spec.name):
                field.required = False
                field.help_text = _("Saved. Leave blank to keep it, or enter a new one.")
                field.widget.attrs["placeholder"] = "••••••••"
            else:
                field.required = spec.required
            if not spec.secret and connection is not None:
                field.initial = connection.settings.get(spec.name, "")
            self.fields[spec.name] = field
        self.order_fields([spec.name for spec in fields] + ["interval"])
        if connection is not None:
            self.fields["interval"].initial = connection.interval

    def clean(self):
        cleaned = super().clean() or {}
        for spec in self.platform_fields:
            value = cleaned.get(spec.name) or ""
            if value and (problem := identifier_problem(value)):
                self.add_error(spec.name, problem)
        return cleaned

    def settings_and_secrets(self) -> tuple[dict[str, str], dict[str, str]]:
        settings = {s.name: self.cleaned_data[s.name] for s in self.platform_fields if not s.secret}
        secrets = {s.name: self.cleaned_data[s.name] for s in self.platform_fields if s.secret}
        return settings, secrets
