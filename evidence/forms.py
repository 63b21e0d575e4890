from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EvidenceItem, EvidenceKind


class UploadForm(forms.Form):
    """What applies to every file of one upload batch; the files come from request.FILES."""

    kind = forms.ChoiceField(label=_("Kind"), choices=EvidenceKind.choices)
    caption = forms.CharField(label=_("What it proves"), max_length=500, required=False)
    captured_at = forms.DateTimeField(
        label=_("Captured"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("When the photo was taken or the document issued; now if left empty."),
    )
    # The uploader sends the file's own name here: the multipart header's name is already
    # stripped of folders by Django, and a name with a path in it must be refused, not trimmed.
    file_name = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)


class EditForm(forms.ModelForm):
    class Meta:
        model = EvidenceItem
        fields = ["kind", "caption"]
        widgets = {"caption": forms.TextInput(attrs={"autofocus": True})}


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("Why delete it?"), max_length=1000)
