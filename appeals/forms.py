from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.forms import DateTimeLocalInput, OneLoopSelect, PlausibleDateTimeField

from .models import Appeal, AppealDecision, AppealKind, Funding


class AppealNewForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AppealKind.choices, widget=OneLoopSelect)


class AppealSubmitForm(forms.Form):
    version = forms.TypedChoiceField(label=_("Version submitted"), coerce=int)
    where = forms.CharField(
        label=_("Where"),
        max_length=200,
        help_text=_("e.g. Seller Central A-to-Z form, eBay Resolution Centre"),
    )
    submitted_at = PlausibleDateTimeField(
        label=_("When"), required=False, widget=DateTimeLocalInput(), help_text=_("Leave empty for now.")
    )

    def __init__(self, *args, appeal: Appeal, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.versions = {v.number: v for v in appeal.versions.all()}
        cast(forms.ChoiceField, self.fields["version"]).choices = [
            (n, _("Version %(number)s") % {"number": n}) for n in sorted(self.versions, reverse=True)
        ]


class AppealDecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Platform's decision"), choices=AppealDecision.choices)
    funding = forms.ChoiceField(
        label=_("Refund funded by"), required=False, choices=[("", _("Nobody (won)")), *Funding.choices]
    )
    decided_at = forms.DateTimeField(
        label=_("Decided at"),
        required=False,
        widget=DateTimeLocalInput(),
        help_text=_("Leave empty for now."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
