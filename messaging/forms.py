"""The filter of the buyer threads page."""

from django import forms
from django.utils.translation import gettext_lazy

from disputes.access import stores_for

from . import selectors


class ThreadFilterForm(forms.Form):
    """Store and tag, among the user's own: anything else is refused as an invalid choice."""

    store = forms.TypedChoiceField(label=gettext_lazy("Store"), required=False, coerce=int, empty_value=None)
    tag = forms.TypedChoiceField(label=gettext_lazy("Tag"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stores = list(stores_for(user).order_by("name").values_list("pk", "name"))
        tags = selectors.user_tags(user)
        several = len(stores) > 1
        store_field = self.fields["store"]
        tag_field = self.fields["tag"]
        assert isinstance(store_field, forms.ChoiceField) and isinstance(tag_field, forms.ChoiceField)
        store_field.choices = [("", gettext_lazy("All stores")), *stores]
        tag_field.choices = [
            ("", gettext_lazy("Any tag")),
            *[(tag.pk, f"{tag.name} · {tag.store.name}" if several else tag.name) for tag in tags],
        ]

    def filters(self) -> dict:
        if not self.is_valid():
            return {"store_id": None, "tag_id": None}
        return {"store_id": self.cleaned_data["store"], "tag_id": self.cleaned_data["tag"]}
