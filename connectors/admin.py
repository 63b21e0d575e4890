import json

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .crypto import Unreadable
from .models import Connection, SyncCursor


class ConnectionAdminForm(forms.ModelForm):
    """Secrets are write-only here too: a JSON object of the values to seal over the saved ones
    (e.g. {"api_key": "…"}); blank keeps what is saved. Only their names are ever shown."""

    new_secrets = forms.CharField(
        label=_("New secrets (JSON, write-only)"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_('E.g. {"api_key": "…"}. Blank keeps the saved secrets; only their names are shown.'),
    )

    class Meta:
        model = Connection
        fields = ["store", "settings", "interval", "is_paused"]

    def clean_new_secrets(self) -> dict[str, str]:
        raw = self.cleaned_data.get("new_secrets") or ""
        if not raw.strip():
            return {}
        try:
            values = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_('Enter a JSON object, e.g. {"api_key": "…"}.')) from None
        if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
            raise forms.ValidationError(_("Enter a JSON object of text values."))
        return values

    def save(self, commit: bool = True) -> Connection:
        connection = super().save(commit=False)
        if self.cleaned_data["new_secrets"]:
            connection.keep_secrets(self.cleaned_data["new_secrets"])
        if connection.is_paused:
            connection.pause()
        elif connection.next_sync_at is None:
            connection.resume()
        if commit:
            connection.save()
        return connection


class SyncCursorInline(admin.TabularInline):
    model = SyncCursor
    extra = 0
    fields = ["stream", "value", "updated_at"]
    readonly_fields = ["updated_at"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionAdminForm
    list_display = ["store", "state", "is_paused", "last_success_at", "next_sync_at"]
    list_filter = ["state", "is_paused"]
    readonly_fields = [
        "saved_secrets",
        "state",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "next_sync_at",
    ]
    fields = [
        "store",
        "settings",
        "new_secrets",
        "saved_secrets",
        "interval",
        "is_paused",
        "state",
        "last_attempt_at",
        "last_success_at",
        "last_error",
        "next_sync_at",
    ]
    inlines = [SyncCursorInline]

    @admin.display(description=_("saved secrets"))
    def saved_secrets(self, connection: Connection) -> str:
        try:
            names = sorted(connection.secrets())
        except Unreadable:
            return str(_("unreadable with the current key: enter them again"))
        return ", ".join(names) or "—"
