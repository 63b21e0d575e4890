"""Finding things fast: the header's search, and stepping from claim to claim with j / k."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from . import search as finder
from . import selectors
from .access import get_claim_for_user, stores_for
from .forms import QueueFilterForm
from .requests import AuthenticatedRequest


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=finder.MAX_QUERY)
    kind = forms.ChoiceField(required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kind = cast(forms.ChoiceField, self.fields["kind"])
        kind.choices = [("", ""), *((s.kind, s.label) for s in finder.kinds())]


@login_required
@require_GET
def search(request: AuthenticatedRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = finder.parse(form.cleaned_data["q"] if form.is_valid() else "")
    kind = form.cleaned_data.get("kind", "") if form.is_valid() else ""
    groups: list[finder.Group] = []
    if query.usable:
        store_ids = list(stores_for(request.user).values_list("pk", flat=True))
        groups = finder.search(store_ids, query, kind=kind)
        if not kind and (hit := finder.only_exact(groups)):
            return redirect(hit.url)
    context = {
        "form": form,
        "query": query,
        "kind": kind,
        "groups": groups,
        "too_short": bool(query.text) and not query.usable,
    }
    return render(request, "disputes/search.html", context)


# --- j / k on the claim page: the next or previous claim of the queue -------------------------


@login_required
@require_GET
def claim_step(request: AuthenticatedRequest, claim_id: int, direction: str) -> HttpResponse:
    """The claim after (or before) this one in the queue, filtered as the query string says
    (the queue's own filters, which the shortcut script passes on)."""
    claim = get_claim_for_user(request.user, claim_id)
    filters = QueueFilterForm(request.GET, user=request.user).filters()
    neighbour = selectors.neighbour_in_queue(request.user, filters, claim, previous=direction == "previous")
    if neighbour is None:
        messages.info(
            request,
            _("That was the last claim of the queue.")
            if direction == "next"
            else _("That was the first claim of the queue."),
        )
        return redirect(reverse("disputes:queue") + (f"?{request.GET.urlencode()}" if request.GET else ""))
    return redirect("disputes:claim", claim_id=neighbour.pk)
