from django import forms
from django.utils import timezone
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
    # The capture time, to the minute as the browser's picker gives it: left as shown, it is
    # not a correction.
    captured_at = forms.DateTimeField(
        label=_("Captured"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = EvidenceItem
        fields = ["kind", "caption"]
        widgets = {"caption": forms.TextInput(attrs={"autofocus": True})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.captured_at:
            self.fields["captured_at"].initial = timezone.localtime(self.instance.captured_at)

    def corrected_capture_time(self, item: EvidenceItem):
        """The capture time the user set, or None when it is the one shown (or left empty)."""
        value = self.cleaned_data.get("captured_at")
        if value is None:
            return None
        shown = timezone.localtime(item.captured_at).replace(second=0, microsecond=0)
        return None if value == shown else value


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("Why delete it?"), max_length=1000)
