from django import forms

from .models import Profile


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["language", "time_zone"]
