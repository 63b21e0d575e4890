from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from disputes.models import Platform

from . import policy
from .filling import FACTS, PLACEHOLDERS, SAMPLE, TemplateError, facts_needed, fill, validate
from .models import Macro, Message, PlatformNotice, ReplyTemplate, StoreMessaging, Thread, UnmatchedMail


class SecretInput(forms.PasswordInput):
    """Never sends a stored password back to the browser; an empty field keeps it."""

    def __init__(self) -> None:
        super().__init__(render_value=False, attrs={"autocomplete": "new-password"})


class StoreMessagingForm(forms.ModelForm):
    class Meta:
        model = StoreMessaging
        fields = "__all__"
        widgets = {"imap_password": SecretInput(), "smtp_password": SecretInput()}
        help_texts = {
            "imap_password": _("Leave empty to keep the stored password."),
            "smtp_password": _("Leave empty to keep the stored password."),
        }

    def clean(self):
        super().clean()
        data = self.cleaned_data
        for name in ("imap_password", "smtp_password"):
            if not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        return data


@admin.register(StoreMessaging)
class StoreMessagingAdmin(admin.ModelAdmin):
    form = StoreMessagingForm
    list_display = [
        "store",
        "from_address",
        "imap_host",
        "polling_enabled",
        "last_polled_at",
        "last_poll_error",
    ]
    readonly_fields = ["last_polled_at", "last_poll_error"]


class ReplyTemplateForm(forms.ModelForm):
    class Meta:
        model = ReplyTemplate
        fields = "__all__"

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        try:
            validate(body)
        except TemplateError as error:
            raise forms.ValidationError(str(error)) from None
        return body

    def clean(self):
        super().clean()
        data = self.cleaned_data
        body = data.get("body")
        if body and not self.errors:
            if too_long := policy.length_error(fill(body, SAMPLE)):
                raise forms.ValidationError(too_long)
            platforms = [data["platform"]] if data.get("platform") else ["amazon"]
            found = [f for p in platforms for f in policy.blocking(policy.check(fill(body, SAMPLE), p))]
            if found:
                raise forms.ValidationError(
                    [
                        _("Policy: %(code)s “%(excerpt)s” — %(explanation)s")
                        % {"code": f.code, "excerpt": f.excerpt, "explanation": f.explanation}
                        for f in found
                    ]
                )
        return data


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    form = ReplyTemplateForm
    list_display = ["title", "stage", "platform", "language", "purpose", "needs", "is_active", "updated_at"]
    list_filter = ["stage", "platform", "language", "purpose", "is_active"]
    search_fields = ["title", "code", "body", "note_en", "note_zh"]
    readonly_fields = ["preview"]
    fields = [
        "code",
        "title",
        "stage",
        "platform",
        "language",
        "purpose",
        "note_en",
        "note_zh",
        "body",
        "preview",
        "is_active",
    ]

    class Media:
        js = ["js/template_preview.js"]
        css = {"all": ["css/messaging.css"]}

    @admin.display(description=_("Facts it needs"))
    def needs(self, obj) -> str:
        """What the composer flags when a claim lacks it (the template's placeholders)."""
        return ", ".join(str(FACTS[name]) for name in facts_needed(obj.body)) or "—"

    @admin.display(description=_("Preview and policy check"))
    def preview(self, obj) -> str:
        known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        return format_html(
            '<div id="template-preview" data-url="{}" aria-live="polite"></div><p class="help">{}</p>',
            reverse("admin:messaging_replytemplate_preview"),
            _("Placeholders: ") + known,
        )

    def get_urls(self):
        return [
            path(
                "preview/",
                self.admin_site.admin_view(self.preview_view),
                name="messaging_replytemplate_preview",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    @require_POST
    def preview_view(request: HttpRequest) -> HttpResponse:
        body = request.POST.get("body", "")
        platform = request.POST.get("platform") or Platform.AMAZON
        context: dict[str, object] = {"error": "", "text": "", "pieces": [], "findings": []}
        try:
            text = fill(body, SAMPLE)
        except TemplateError as error:
            context["error"] = str(error)
        else:
            context["error"] = policy.length_error(text)
            findings = [] if context["error"] else policy.check(text, platform)
            context.update(text=text, findings=findings, pieces=policy.highlight(text, findings))
        return TemplateResponse(request, "messaging/_template_preview.html", context)


@admin.register(UnmatchedMail)
class UnmatchedMailAdmin(admin.ModelAdmin):
    list_display = ["received_at", "store", "sender", "subject", "why", "filed_at"]
    list_filter = ["store"]
    readonly_fields = [f.name for f in UnmatchedMail._meta.fields]


@admin.register(PlatformNotice)
class PlatformNoticeAdmin(admin.ModelAdmin):
    """The platforms' claim notices the desk acted on, as they came (read only)."""

    list_display = ["received_at", "store", "claim", "event", "language", "sender", "subject"]
    list_filter = ["store", "event", "language"]
    readonly_fields = [f.name for f in PlatformNotice._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["order", "store", "off_platform", "is_closed"]
    list_filter = ["store", "off_platform", "is_closed"]
    raw_id_fields = ["order"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["at", "store", "thread", "direction", "channel", "reply_state", "reply_by", "delivery"]
    list_filter = ["store", "direction", "channel", "reply_state", "delivery"]
    raw_id_fields = ["thread", "template", "answered_by"]
    search_fields = ["body", "rfc_message_id"]


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "template", "status", "assign", "assignee"]
    list_filter = ["store"]
    search_fields = ["name", "store__name"]
    filter_horizontal = ["tags"]
    autocomplete_fields = ["assignee"]
