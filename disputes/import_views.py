"""The order import page: pick a store, upload a report, see what changed or what is wrong."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import importing
from .access import stores_for
from .models import OrderImport, Store
from .requests import AuthenticatedRequest

# The largest report the page accepts. Amazon's All Orders report for a busy month of a large
# store stays well below this; bigger files belong to `manage.py import_orders`.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
RECENT_IMPORTS = 20


class ImportForm(forms.Form):
    store = forms.TypedChoiceField(label=gettext_lazy("Store"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("Order report"),
        help_text=gettext_lazy(
            "Amazon's All Orders report (.txt), eBay's Orders report or Ozon's postings export "
            "(.csv), or the desk's CSV."
        ),
        widget=forms.FileInput(
            attrs={"accept": ".txt,.tsv,.csv,text/plain,text/csv,text/tab-separated-values"}
        ),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the user's own stores are choices: another team's store id is simply invalid.
        self.stores = {store.pk: store for store in stores_for(user).order_by("name")}
        choices = [(pk, store.name) for pk, store in self.stores.items()]
        cast(forms.ChoiceField, self.fields["store"]).choices = (
            choices if len(choices) == 1 else [("", "---------"), *choices]
        )

    def clean_store(self) -> Store:
        return self.stores[self.cleaned_data["store"]]

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("This file is %(size)s; the page accepts reports up to %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)}
            )
        return upload


def recent_imports(user) -> QuerySet[OrderImport]:
    return (
        OrderImport.objects.filter(store__in=stores_for(user))
        .select_related("store", "imported_by")
        .order_by("-imported_at", "-pk")[:RECENT_IMPORTS]
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_orders(request: AuthenticatedRequest) -> HttpResponse:
    result = None
    if request.method == "POST":
        if not request.FILES and not request.htmx:
            # Browsers always send the file (the input is required): a POST without one is not
            # an upload, so it goes back to the empty form instead of rendering a half page.
            messages.error(request, _("Choose a report file to import."))
            return redirect("disputes:import_orders")
        form = ImportForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = importing.import_orders(
                store=form.cleaned_data["store"],
                file=upload,
                file_name=upload.name,
                user=request.user,
                # Rows of Amazon's regional reports go to the user's store of their marketplace.
                others=form.stores.values(),
            )
    else:
        form = ImportForm(user=request.user)
    context = {
        "form": form,
        "result": result,
        "recent": recent_imports(request.user),
        "max_upload": MAX_UPLOAD_BYTES,
    }
    template = "disputes/import.html#result" if request.htmx else "disputes/import.html"
    return render(request, template, context)
