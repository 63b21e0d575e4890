from django import template
from django.utils.safestring import SafeString, mark_safe

from disputes.inputs import parse_id
from disputes.templatetags.desk import duration, shown

from .. import outgoing, selectors
from ..filling import TemplateError, fill, pieces, values_for
from ..models import Channel, Purpose, RuleDraft
from ..queue_strip import reply_rows_html


def _filled(request, order, claim) -> dict:
    """A template a macro put into the composer (`?fill=<id>`): its text filled from the order,
    for the agent to review and send by hand."""
    template_id = parse_id(request.GET.get("fill"))
    template = (
        selectors.templates_for(order, limit=None).filter(pk=template_id).first() if template_id else None
    )
    if template is None:
        return {}
    values = values_for(order, claim, template.language)
    try:
        return {
            "rule_draft": None,  # the macro's text is in the composer now, not the rule's draft
            "body": fill(template.body, values),
            "fill_pieces": pieces(template.body, values),
            "template_id": str(template.pk),
            "purpose": template.purpose,
        }
    except TemplateError as problem:
        return {
            "rule_draft": None,
            "body": template.body,
            "template_id": str(template.pk),
            "fill_error": str(problem),
        }


register = template.Library()


@register.inclusion_tag("messaging/_panel.html", takes_context=True)
def messaging_panel(context, order, claim=None) -> dict:
    """The order's buyer thread with the composer, for the order and claim pages."""
    request = context["request"]
    # A reply a rule put in waits in the composer for a person to review and send.
    draft = RuleDraft.objects.filter(thread__order=order, dismissed_at__isnull=True).order_by("-pk").first()
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "csp_nonce": context.get("csp_nonce"),
        "order": order,
        "claim": claim,
        "panel": selectors.panel(request.user, order, manager=context.get("manages_store")),
        "body": draft.body if draft else "",
        "rule_draft": draft,
        "template_id": str(draft.template_id) if draft and draft.template_id else "",
        "purpose": "",
        "channel": Channel.PLATFORM,
        "channels": Channel.choices,
        "error": "",
        "override_reason": "",
        "purposes": [p for p in Purpose.choices if p[0] != Purpose.OFF_PLATFORM_REASON],
        "next": request.get_full_path(),
        "checked": False,
        "findings": [],
        "pieces": [],
        "blocking": False,
        **outgoing.composer_context(order.store.platform),
        **_filled(request, order, claim),
    }


@register.inclusion_tag("messaging/_macros.html", takes_context=True)
def macros_card(context, claim) -> dict:
    """The claim page's macros: one button each."""
    from ..models import Macro

    return {
        "claim": claim,
        "csrf_token": context.get("csrf_token"),
        "macros": list(Macro.objects.filter(store_id=claim.store_id).order_by("name")),
        "store": claim.store,
    }


@register.inclusion_tag("messaging/_queue_replies.html", takes_context=True)
def messaging_queue(context, stores=None) -> dict:
    """`stores`: the user's stores, when the page has read them (the queue's filter form)."""
    rows, overdue = selectors.awaiting_replies(context["request"].user, stores=stores)
    return {
        "replies": rows,
        "rows_html": reply_rows_html(rows),
        "overdue": overdue,
        "capped": overdue >= selectors.COUNT_CAP,
    }


@register.inclusion_tag("messaging/_dashboard.html", takes_context=True)
def messaging_dashboard(context, stores=None) -> dict:
    """`stores`: the stores the user manages, when the page has read them."""
    board = selectors.dashboard(context["request"].user, stores=stores)
    return {"board": board, "capped": board.overdue_replies >= selectors.COUNT_CAP}


@register.inclusion_tag("messaging/_agent_figures.html", takes_context=True)
def messaging_agent_figures(context, days: int) -> dict:
    """The managers' per-agent table: replies to buyers (from messaging) beside claims."""
    agents = selectors.agent_figures(context["request"].user, days=days)
    return {"agents": agents, "rows": agent_figure_rows(agents), "days": days}


_FIGURES_ROW = (
    '\n      <tr data-agent="{}"><td>{}</td>\n'
    '        <td class="first-response">{}</td>\n'
    '        <td class="within-sla">{}</td>\n'
    '        <td class="handled">{}</td>\n'
    '        <td class="win-rate-cell">{}</td></tr>\n    '
)


def _rate(percent, part: int, whole: int) -> str:
    if percent is None:
        return "—"
    return f"{shown(percent)}% <small>({shown(part)}/{shown(whole)})</small>"


def agent_figure_rows(agents: list[selectors.AgentFigures]) -> SafeString:
    """The per-agent table's rows, written out rather than by a template loop of seven
    variables and two conditions a row (the whitespace is the loop's)."""
    return mark_safe(
        "".join(
            _FIGURES_ROW.format(
                shown(agent.user_id),
                shown(agent.username),
                shown(duration(agent.first_response)),
                _rate(agent.within_sla_rate, agent.within_sla, agent.replies),
                shown(agent.handled),
                _rate(agent.win_rate, agent.won, agent.handled),
            )
            for agent in agents
        )
    )
