"""The managers' form for a rule: its name and trigger, then one field (or two) per registered
condition and action (`disputes.rules`), for one store."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .inputs import has_nul
from .models import Rule, Store, Tag


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    trigger = forms.ChoiceField(label=_("When"))

    def __init__(self, data=None, *, store: Store, rule: Rule | None = None) -> None:
        initial: dict[str, Any] = {}
        if rule is not None:
            initial.update(name=rule.name, trigger=rule.trigger)
            for name, setting in rule.conditions.items():
                if name in rules.CONDITIONS:
                    initial.update(rules.CONDITIONS[name].initial(setting))
            for name, setting in rule.actions.items():
                if name in rules.EFFECTS:
                    initial.update(rules.EFFECTS[name].initial(setting))
        super().__init__(data, initial=initial)
        self.store, self.rule = store, rule
        cast(forms.ChoiceField, self.fields["trigger"]).choices = [
            (code, label) for code, label in rules.TRIGGERS.items()
        ]
        self.condition_names: list[str] = []
        self.action_names: list[str] = []
        for condition in rules.CONDITIONS.values():
            for key, field in condition.fields(store).items():
                self.fields[key] = field
                self.condition_names.append(key)
        for effect in rules.EFFECTS.values():
            for key, field in effect.fields(store).items():
                self.fields[key] = field
                self.action_names.append(key)

    def condition_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.condition_names]

    def action_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.action_names]

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name or has_nul(name):
            raise forms.ValidationError(_("Give the rule a name."))
        taken = Rule.objects.filter(store=self.store, name=name)
        if self.rule is not None:
            taken = taken.exclude(pk=self.rule.pk)
        if taken.exists():
            raise forms.ValidationError(_("Another rule of this store has that name."))
        return name

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.conditions = {
            name: setting
            for name, condition in rules.CONDITIONS.items()
            if (setting := condition.read(cleaned)) is not None
        }
        self.actions = {
            name: setting
            for name, effect in rules.EFFECTS.items()
            if (setting := effect.read(cleaned)) is not None
        }
        if not self.actions and not self.errors:
            raise forms.ValidationError(_("Choose at least one thing the rule does."))
        return cleaned

    def unsaved(self) -> Rule:
        """The rule as the form has it, for a dry run (never saved from here)."""
        rule = Rule(store=self.store, name=self.cleaned_data["name"], trigger=self.cleaned_data["trigger"])
        rule.conditions, rule.actions = self.conditions, self.actions
        return rule


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "colour"]

    def __init__(self, *args, store: Store, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.store = store

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if has_nul(name):
            raise forms.ValidationError(_("Give the tag a name."))
        if (
            Tag.objects.filter(store=self.instance.store, name__iexact=name)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            raise forms.ValidationError(_("This store already has that tag."))
        return name
