from pathlib import PurePosixPath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from disputes.access import get_claim_for_user, get_order_for_user, is_manager
from disputes.requests import AuthenticatedRequest

from . import selectors, services, uploads
from .access import get_item_for_user
from .forms import DeleteForm, EditForm, UploadForm
from .models import EvidenceItem, EvidenceKind, Previews
from .storage import evidence_storage
from .validation import Refused

# A file served from the vault is never a page: no scripts, no plugins, no framing, sandboxed.
FILE_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'none'"


def _card(request: AuthenticatedRequest, item: EvidenceItem, status: int = 200, **extra) -> HttpResponse:
    can_delete = (
        is_manager(request.user, item.order.store) if "can_delete" not in extra else extra.pop("can_delete")
    )
    return render(
        request, "evidence/_card.html", {"item": item, "can_delete": can_delete, **extra}, status=status
    )


def _changed(response: HttpResponse) -> HttpResponse:
    # Tells the page (checklist, comparison link) that the order's evidence changed.
    response["HX-Trigger"] = "evidence-changed"
    return response


@login_required
@require_GET
def order_panel(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    return render(
        request,
        "evidence/_panel.html",
        {"evidence": selectors.panel(request.user, order, kind=request.session.get(selectors.LAST_KIND, ""))},
    )


@login_required
@require_GET
def claim_checklist(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    claim = get_claim_for_user(request.user, claim_id)
    return render(
        request,
        "evidence/_checklist.html#body",
        {"checklist": selectors.claim_checklist(claim), "claim": claim},
    )


@login_required
@require_POST
def upload(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    """One file per request from the uploader (so each has its own progress bar), or several
    from the plain form when scripts are off."""
    order = get_order_for_user(request.user, order_id)
    fragment = request.headers.get("X-Requested-With") == "XMLHttpRequest" or request.htmx
    form = UploadForm(request.POST)
    files = request.FILES.getlist("file")
    # A file refused from its first bytes: the request was not read beyond it.
    stopped = uploads.refusal(request)
    error = ""
    if stopped and (not files or not form.is_valid()):
        error = stopped.message
    elif not form.is_valid():
        error = "; ".join(
            f"{form.fields[f].label}: {' '.join(str(m) for m in e)}" for f, e in form.errors.items()
        )
    elif not files:
        error = _("Choose at least one file.")
    if form.is_valid():
        request.session[selectors.LAST_KIND] = form.cleaned_data["kind"]
    if error:
        if fragment:
            return render(request, "evidence/_refused.html", {"message": error}, status=400)
        messages.error(request, error)
        return redirect(_back(request, order))
    data = form.cleaned_data
    added, refusals = [], []
    for upload_file in files:
        name = data["file_name"] if (data["file_name"] and len(files) == 1) else (upload_file.name or "")
        try:
            added.append(
                services.evidence_add(
                    order=order,
                    chunks=upload_file.chunks(),
                    name=name,
                    declared_type=upload_file.content_type or "",
                    kind=data["kind"],
                    caption=data["caption"],
                    captured_at=data["captured_at"],
                    by=request.user,
                )
            )
        except (Refused, services.EvidenceError) as refusal:
            refusals.append(str(refusal))
    if stopped:
        refusals.append(
            stopped.message
            if fragment
            else _("%(refusal)s The upload stopped at this file: add any files chosen after it again.")
            % {"refusal": stopped.message}
        )
    if fragment:
        if refusals:
            return render(request, "evidence/_refused.html", {"message": refusals[0]}, status=400)
        return _changed(_card(request, added[0], status=201))
    for problem in refusals:
        messages.error(request, problem)
    if added:
        messages.success(request, _("%(count)d file(s) added to the evidence.") % {"count": len(added)})
    return redirect(_back(request, order))


def _back(request: AuthenticatedRequest, order) -> str:
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return next_url
    return reverse("disputes:order", args=[order.pk])


@login_required
@require_GET
def card(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    return _card(request, get_item_for_user(request.user, item_id))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    item = get_item_for_user(request.user, item_id)
    if request.method == "GET":
        if item.is_locked():
            return _card(request, item, edit_error=services.locked_edit_message(item))
        return _card(request, item, edit_form=EditForm(instance=item))
    form = EditForm(
        request.POST,
        instance=EvidenceItem(kind=item.kind, caption=item.caption, captured_at=item.captured_at),
    )
    if not form.is_valid():
        return _card(request, item, status=400, edit_form=form)
    try:
        item = services.evidence_edit(
            item=item,
            caption=form.cleaned_data["caption"],
            kind=form.cleaned_data["kind"],
            captured_at=form.corrected_capture_time(item),
            by=request.user,
        )
    except services.EvidenceError as error:
        form.add_error(None, str(error))
        return _card(request, item, status=400, edit_form=form)
    item = get_item_for_user(request.user, item_id)
    if not request.htmx:
        messages.success(request, _("Evidence saved."))
        return redirect("disputes:order", order_id=item.order_id)
    return _changed(_card(request, item))


@login_required
@require_POST
def delete(request: AuthenticatedRequest, item_id: int) -> HttpResponse:
    item = get_item_for_user(request.user, item_id)
    if not is_manager(request.user, item.order.store):
        raise PermissionDenied(_("Only a manager of the store can delete evidence."))
    form = DeleteForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.evidence_delete(item=item, by=request.user, reason=form.cleaned_data["reason"])
        except services.EvidenceError as refusal:
            error = str(refusal)
    else:
        error = _("Say why this evidence is being deleted.")
    if error:
        if request.htmx:
            return _card(request, item, status=400, delete_error=error, can_delete=True)
        messages.error(request, error)
        return redirect("disputes:order", order_id=item.order_id)
    if request.htmx:
        return _changed(HttpResponse(""))
    messages.success(request, _("Evidence deleted."))
    return redirect("disputes:order", order_id=item.order_id)


def _serve(
    item: EvidenceItem, name: str, content_type: str, filename: str, *, attachment: bool
) -> HttpResponseBase:
    storage = evidence_storage()
    prefix = settings.EVIDENCE_X_ACCEL_REDIRECT
    if prefix and isinstance(storage, FileSystemStorage):
        # nginx sends the bytes from its internal location; Django only decided who may.
        response: HttpResponseBase = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{prefix.rstrip('/')}/{PurePosixPath(name)}"
    else:
        try:
            response = FileResponse(storage.open(name, "rb"), content_type=content_type)
        except FileNotFoundError:
            raise Http404(_("The file is missing from storage.")) from None
    response["Content-Disposition"] = content_disposition_header(attachment, filename) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, max-age=3600" if not attachment else "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


@login_required
@require_GET
def download(request: AuthenticatedRequest, item_id: int) -> HttpResponseBase:
    item = get_item_for_user(request.user, item_id)
    return _serve(item, item.storage_name, item.content_type, item.original_name, attachment=True)


@login_required
@require_GET
def image(request: AuthenticatedRequest, item_id: int, size: str) -> HttpResponseBase:
    item = get_item_for_user(request.user, item_id)
    name = {"thumb": item.thumb_name, "preview": item.preview_name}.get(size)
    if item.previews != Previews.READY or not name:
        raise Http404(_("No preview for this evidence yet."))
    stem = item.original_name.rsplit(".", 1)[0]
    return _serve(item, name, "image/webp", f"{stem}-{size}.webp", attachment=False)


@login_required
@require_GET
def compare(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    """The buyer's photo beside the seller's pre-shipment photo of the same order."""
    order = get_order_for_user(request.user, order_id)
    photos = [item for item in selectors.order_items(order) if item.is_image]
    buyer = [item for item in photos if item.kind == EvidenceKind.BUYER_MEDIA]
    seller = [item for item in photos if item.kind == EvidenceKind.PRE_SHIPMENT_PHOTO]

    def chosen(items: list[EvidenceItem], key: str) -> EvidenceItem | None:
        wanted = request.GET.get(key, "")
        return next((item for item in items if str(item.pk) == wanted), items[0] if items else None)

    return render(
        request,
        "evidence/compare.html",
        {
            "order": order,
            "buyer_photos": buyer,
            "seller_photos": seller,
            "buyer": chosen(buyer, "buyer"),
            "seller": chosen(seller, "seller"),
        },
    )
