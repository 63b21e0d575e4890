from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from disputes import services as claim_services
from disputes.access import get_order_for_user, stores_for
from disputes.inputs import has_nul, identifier_problem, nul_message, parse_id
from disputes.models import ClaimStatus, Order
from disputes.requests import AuthenticatedRequest
from disputes.services import ClaimError

from . import foresight, inbound, outgoing, selectors, services
from .filling import TemplateError, fill, missing_facts, pieces, values_for
from .forms import ThreadFilterForm
from .models import Channel, Purpose, ReplyTemplate, UnmatchedMail
from .services import MessagingError, PolicyBlocked

# Template titles and notes are short; a longer search cannot match any of them.
MAX_SEARCH_CHARS = 200


def _back(request: AuthenticatedRequest, order: Order) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        return next_url
    return reverse("disputes:order", args=[order.pk]) + "#thread"


def _compose_context(
    request: AuthenticatedRequest,
    order: Order,
    *,
    body: str = "",
    template_id: str = "",
    purpose: str = "",
    channel: str = Channel.PLATFORM,
    error: str = "",
    override_reason: str = "",
) -> dict:
    claim = selectors.claim_of(order, parse_id(request.POST.get("claim") or request.GET.get("claim")))
    return {
        "order": order,
        "claim": claim,
        "panel": selectors.panel(request.user, order),
        "body": body,
        "template_id": template_id,
        "purpose": purpose,
        "channel": channel,
        "error": error,
        "override_reason": override_reason,
        "channels": Channel.choices,
        "purposes": [p for p in Purpose.choices if p[0] != Purpose.OFF_PLATFORM_REASON],
        "next": _back(request, order),
        **outgoing.composer_context(order.store.platform),
        **selectors.findings_view(body, order.store.platform),
    }


@login_required
@require_GET
def template_search(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    query = request.GET.get("q", "")
    # PostgreSQL refuses NUL even in a search term; SQLite refuses very long LIKE patterns.
    error = nul_message() if has_nul(query) else ""
    if len(query) > MAX_SEARCH_CHARS:
        error = _("Search with at most %(max)d characters.") % {"max": MAX_SEARCH_CHARS}
    templates = [] if error else list(selectors.templates_for(order, query, user=request.user))
    # Each template with the facts it needs that the order lacks, flagged before the agent picks it.
    values = (
        values_for(order, selectors.claim_of(order, parse_id(request.GET.get("claim")))) if templates else {}
    )
    rows = [(template, missing_facts(template.body, values)) for template in templates]
    return render(
        request,
        "messaging/_template_results.html",
        {
            "order": order,
            "rows": rows,
            "claim_id": parse_id(request.GET.get("claim")) or "",
            "error": error,
        },
    )


@login_required
@require_GET
def template_fill(request: AuthenticatedRequest, order_id: int, template_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    template = (
        selectors.templates_for(order, limit=None).filter(pk=template_id).first() if template_id else None
    )
    if template is None:
        return render(
            request,
            "messaging/_compose_body.html",
            {
                **_compose_context(request, order),
                "fill_error": _("That template is not available for this store."),
            },
        )
    claim = selectors.claim_of(order, parse_id(request.GET.get("claim")))
    values = values_for(order, claim, template.language)
    try:
        body, shown = fill(template.body, values), pieces(template.body, values)
        error = ""
    except TemplateError as problem:
        body, shown, error = template.body, [], str(problem)
    return render(
        request,
        "messaging/_compose_body.html",
        {
            **_compose_context(
                request, order, body=body, template_id=str(template.pk), purpose=template.purpose
            ),
            "fill_error": error,
            "fill_pieces": shown,
            "picked": True,
        },
    )


@login_required
@require_POST
def template_favourite(request: AuthenticatedRequest, order_id: int, template_id: int) -> HttpResponse:
    """Star or unstar a template (for the user only); answers with the star as it is now."""
    order = get_order_for_user(request.user, order_id)
    template = get_object_or_404(selectors.templates_for(order, limit=None), pk=template_id)
    favourite = request.POST.get("favourite") == "1"
    services.template_favourite(user=request.user, template=template, favourite=favourite)
    return render(
        request,
        "messaging/_template_star.html",
        {"order": order, "template": template, "favourite": favourite},
    )


@login_required
@require_POST
def policy_check(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    return render(
        request,
        "messaging/_findings.html",
        {"order": order, **selectors.findings_view(request.POST.get("body", ""), order.store.platform)},
    )


@login_required
@require_POST
def reply_send(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    data = request.POST
    template_id = parse_id(data.get("template"))
    template = ReplyTemplate.objects.filter(pk=template_id).first() if template_id else None
    kept = {
        "body": data.get("body", ""),
        "template_id": str(template_id or ""),
        "purpose": data.get("purpose", ""),
        "channel": data.get("channel", Channel.PLATFORM),
        "override_reason": data.get("override_reason", ""),
    }
    if has_nul(*kept.values()):
        return _compose_error(request, order, nul_message(), kept)
    uploads = request.FILES.getlist("attachments")
    try:
        # Count and sizes first, from the request's own figures: an oversized file is never read.
        outgoing.check_sizes(order.store.platform, [(f.name or "?", f.size or 0) for f in uploads])
    except outgoing.AttachmentRefused as refused:
        return _compose_error(request, order, _attach_again(str(refused)), kept)
    attached = [
        services.AttachmentData(f.name or "", f.content_type or "", b"".join(f.chunks())) for f in uploads
    ]
    # "Send and mark responded": the reply and the claim's status change are one action; if the
    # claim cannot be marked, nothing is sent either.
    responded = selectors.claim_of(order, data.get("claim")) if data.get("then") == "responded" else None
    try:
        with transaction.atomic():
            services.reply_send(
                order=order,
                body=kept["body"],
                by=request.user,
                channel=kept["channel"],
                purpose=kept["purpose"],
                template=template,
                override_reason=kept["override_reason"],
                attachments=attached,
            )
            if responded is not None:
                claim_services.claim_move(
                    claim=responded, to_status=ClaimStatus.RESPONDED, by=request.user, loaded=responded.status
                )
    except PolicyBlocked as blocked:
        return _compose_error(request, order, _attach_again(str(blocked), attached), kept)
    except MessagingError as error:
        return _compose_error(request, order, _attach_again(str(error), attached), kept)
    except ClaimError as error:
        return _compose_error(request, order, _attach_again(str(error), attached), kept)
    sent = _("Message sent.") if kept["channel"] == Channel.PLATFORM else _("Contact recorded.")
    if responded is not None:
        sent = _("Message sent; the claim is marked responded.")
    messages.success(request, sent)
    target = _back(request, order)
    if request.htmx:
        return HttpResponse(status=204, headers={"HX-Redirect": target})
    return redirect(target)


def _attach_again(error: str, attached: list | None = None) -> str:
    """A refused reply keeps its text, but a browser cannot be handed files back."""
    if attached == []:
        return error
    return _("%(error)s Attach the files again before sending.") % {"error": error}


def _compose_error(request: AuthenticatedRequest, order: Order, error: str, kept: dict) -> HttpResponse:
    """Refused: the form comes back with the text as typed and the reason, never half-sent."""
    context = _compose_context(request, order, error=error, **kept)
    if request.htmx:
        return render(request, "messaging/_compose.html", context)
    return render(request, "messaging/compose_page.html", context, status=400)


def _act(
    request: AuthenticatedRequest, order: Order, act, success: str, texts: tuple[str, ...] = ()
) -> HttpResponse:
    """Run the service and come back with its outcome; `texts` are the posted texts it saves."""
    if has_nul(*texts):
        messages.error(request, nul_message())
        return redirect(_back(request, order))
    try:
        act()
    except MessagingError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect(_back(request, order))


@login_required
@require_POST
def note_add(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    body = request.POST.get("body", "")
    return _act(
        request,
        order,
        lambda: services.note_add(order=order, body=body, by=request.user),
        _("Note added."),
        (body,),
    )


@login_required
@require_POST
def off_platform_start(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    reason, detail = request.POST.get("reason", ""), request.POST.get("detail", "")
    return _act(
        request,
        order,
        lambda: services.off_platform_start(order=order, reason=reason, detail=detail, by=request.user),
        _("Reason recorded. Send the off-platform notice in the platform thread next."),
        (reason, detail),
    )


@login_required
@require_POST
def thread_close(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    order = get_order_for_user(request.user, order_id)
    return _act(
        request, order, lambda: services.thread_close(order=order, by=request.user), _("Thread closed.")
    )


@login_required
@require_POST
def thread_tags(request: AuthenticatedRequest, order_id: int) -> HttpResponse:
    """The thread's tags, from the panel's form: the card again for htmx, else back to the page."""
    order = get_order_for_user(request.user, order_id)
    ids = [pk for pk in map(parse_id, request.POST.getlist("tags")) if pk is not None]
    services.thread_set_tags(order=order, tag_ids=ids, by=request.user)
    if request.htmx:
        context = {
            "order": order,
            "tags": selectors.thread_tags(order),
            "saved": True,
            "next": _back(request, order),
        }
        return render(request, "messaging/_thread_tags.html", context)
    messages.success(request, _("Tags saved."))
    return redirect(_back(request, order))


@login_required
@require_POST
def no_response(request: AuthenticatedRequest, message_id: int) -> HttpResponse:
    message = selectors.get_message_for_user(request.user, message_id)
    order = message.thread.order
    reason = request.POST.get("reason", "")
    return _act(
        request,
        order,
        lambda: services.message_no_response(message=message, reason=reason, by=request.user),
        _("Marked “no response needed”."),
        (reason,),
    )


@login_required
@require_POST
def reply_retry(request: AuthenticatedRequest, message_id: int) -> HttpResponse:
    message = selectors.get_message_for_user(request.user, message_id)
    return _act(
        request,
        message.thread.order,
        lambda: services.reply_retry(message=message, by=request.user),
        _("The message is queued again."),
    )


@login_required
@require_GET
def attachment_download(request: AuthenticatedRequest, attachment_id: int) -> FileResponse:
    attachment = selectors.get_attachment_for_user(request.user, attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def unmatched_list(request: AuthenticatedRequest) -> HttpResponse:
    mails = list(
        UnmatchedMail.objects.filter(store__in=stores_for(request.user), filed_at__isnull=True)
        .select_related("store")
        .order_by("-received_at", "-pk")[:100]
    )
    return render(request, "messaging/unmatched.html", {"mails": mails})


@login_required
@require_POST
def unmatched_file(request: AuthenticatedRequest, mail_id: int) -> HttpResponse:
    mail = selectors.get_unmatched_for_user(request.user, mail_id)
    order_id = request.POST.get("order", "").strip()
    if problem := identifier_problem(order_id):
        messages.error(request, problem)
        return redirect("messaging:unmatched")
    order = Order.objects.filter(store=mail.store, platform_order_id=order_id).first() if order_id else None
    if order is None:
        messages.error(
            request, _("No order %(order)s in %(store)s.") % {"order": order_id or "—", "store": mail.store}
        )
        return redirect("messaging:unmatched")
    try:
        inbound.unmatched_file(mail=mail, order=order, by=request.user)
    except MessagingError as error:
        messages.error(request, str(error))
        return redirect("messaging:unmatched")
    messages.success(
        request, _("Filed in the thread of order %(order)s.") % {"order": order.platform_order_id}
    )
    return redirect(reverse("disputes:order", args=[order.pk]) + "#thread")


@login_required
@require_GET
def claims_coming(request: AuthenticatedRequest) -> HttpResponse:
    """Orders that may become claims, and the buyers whose claims repeat."""
    now = timezone.now()
    return render(
        request,
        "messaging/coming.html",
        {
            "coming": foresight.claims_seen_coming(request.user, now=now),
            "complainers": foresight.serial_complainers(request.user),
            "serial_orders": foresight.SERIAL_CLAIM_ORDERS,
            "now": now,
        },
    )


@login_required
@require_GET
def thread_list(request: AuthenticatedRequest) -> HttpResponse:
    """The buyer threads of the user's stores with their tags, filtered by store and tag."""
    form = ThreadFilterForm(request.GET or None, user=request.user)
    threads, more = selectors.thread_list(request.user, **form.filters())
    return render(
        request,
        "messaging/threads.html",
        {"form": form, "threads": threads, "more": more, "limit": selectors.THREADS_PAGE},
    )
