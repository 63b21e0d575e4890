"""What messaging adds to the automation rules (`disputes/rules.py`): the "buyer message
arrives" trigger, the message's language and words as conditions, and a reply put in as a
draft for an agent to review — never sent by a rule."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from disputes import rules
from disputes.models import Claim, ClaimStatus, Order, Rule, Store, Tag

from .filling import fill, values_for
from .language import LANGUAGES, language_of
from .models import Direction, Message, ReplyTemplate, RuleDraft, Thread

BUYER_MESSAGE = "buyer_message"


def _message_texts(event: rules.Event) -> dict[int, Any]:
    """The buyer's words each claim is judged by: the message that arrived, or in a dry run the
    latest buyer message on the claim's order (one query for all the claims)."""
    if event.message is not None:
        return {claim.pk: event.message.body for claim in event.claims}
    latest: dict[int, str] = {}
    for order_id, body in (
        Message.objects.filter(
            thread__order_id__in={claim.order_id for claim in event.claims}, direction=Direction.FROM_BUYER
        )
        .order_by("thread__order_id", "at", "pk")
        .values_list("thread__order_id", "body")
    ):
        latest[order_id] = body
    return {claim.pk: latest.get(claim.order_id) for claim in event.claims}


def _has_words(setting: Any, claim: Claim, event: rules.Event) -> bool:
    text = event.fact("message_text", claim)
    if not text:
        return False
    text = text.casefold()
    return any(word in text for word in rules.words_of(str(setting)))


def _in_language(setting: Any, claim: Claim, event: rules.Event) -> bool:
    text = event.fact("message_text", claim)
    # A short or mixed message is in no language a rule names (language_of says "unknown").
    return bool(text) and language_of(text) in (setting if isinstance(setting, list) else [setting])


def _templates(store: Store) -> list[tuple[int, str]]:
    return list(
        ReplyTemplate.objects.filter(is_active=True)
        .filter(Q(platform="") | Q(platform=store.platform))
        .order_by("title")
        .values_list("pk", "title")
    )


def _draft(setting: Any, claim: Claim, rule: Rule, event: rules.Event) -> list[rules.Change] | bool:
    if event.dry_run:
        return True
    template = ReplyTemplate.objects.filter(pk=int(setting), is_active=True).first()
    if template is None:
        raise rules.RuleError("the rule's reply template is gone or no longer active")
    order = claim.order
    thread, _created = Thread.objects.get_or_create(order=order, defaults={"store": order.store})
    draft = RuleDraft.objects.create(
        thread=thread,
        template=template,
        body=fill(template.body, values_for(order, claim, template.language)),
        rule_name=rule.name,
    )
    return [rules.Change("draft", {"template": template.title, "draft_id": draft.pk})]


def _undo_draft(params: dict, claim: Claim, by) -> bool:
    return bool(
        RuleDraft.objects.filter(pk=params["draft_id"], dismissed_at__isnull=True).update(
            dismissed_at=timezone.now()
        )
    )


def _thread_tags(event: rules.Event) -> dict[int, Any]:
    """Which tags each claim's buyer thread carries (a dry run: one query for all the claims)."""
    by_order: dict[int, set[int]] = {}
    for order_id, tag_id in Thread.tags.through.objects.filter(
        thread__order_id__in={claim.order_id for claim in event.claims}
    ).values_list("thread__order_id", "tag_id"):
        by_order.setdefault(order_id, set()).add(tag_id)
    return {claim.pk: by_order.get(claim.order_id, set()) for claim in event.claims}


def _tag_thread(setting: Any, claim: Claim, rule: Rule, event: rules.Event) -> list[rules.Change] | bool:
    """Tag the buyer thread the message arrived on (for another trigger, the claim's order's
    thread) with tags of the claim's store only."""
    wanted = {int(pk) for pk in (setting if isinstance(setting, list) else [setting])}
    if event.dry_run:
        return bool(wanted - event.fact("thread_tags", claim))
    tags = list(Tag.objects.filter(store_id=claim.store_id, pk__in=wanted))
    if len(tags) != len(wanted):
        raise rules.RuleError("a tag of this rule is gone or belongs to another store")
    thread = event.message.thread if event.message is not None else None
    if thread is None or thread.order_id != claim.order_id:
        thread, _created = Thread.objects.get_or_create(order=claim.order, defaults={"store": claim.store})
    through = Thread.tags.through
    has = set(through.objects.filter(thread_id=thread.pk, tag_id__in=wanted).values_list("tag_id", flat=True))
    new = [tag for tag in tags if tag.pk not in has]
    through.objects.bulk_create(through(thread_id=thread.pk, tag_id=tag.pk) for tag in new)
    return [
        rules.Change("thread_tagged", {"tag": tag.name, "tag_id": tag.pk, "thread_id": thread.pk})
        for tag in new
    ]


def _undo_thread_tagged(params: dict, claim: Claim, by) -> bool:
    return bool(
        Thread.tags.through.objects.filter(thread_id=params["thread_id"], tag_id=params["tag_id"]).delete()[0]
    )


def register() -> None:
    """Called from MessagingConfig.ready()."""
    rules.register_trigger(
        BUYER_MESSAGE,
        gettext_lazy("a buyer message arrives"),
        message=lambda pk: Message.objects.filter(pk=pk).first(),
    )
    rules.register_fact("message_text", _message_texts)
    rules.register_condition(
        rules.Condition(
            "message_language",
            gettext_lazy("The buyer's message is written in"),
            lambda store: {
                "if_message_language": forms.MultipleChoiceField(
                    label=gettext_lazy("The buyer's message is written in"),
                    choices=LANGUAGES,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
            },
            *rules.one_field("if_message_language", list),
            test=_in_language,
        )
    )
    rules.register_condition(
        rules.Condition(
            "message_words",
            gettext_lazy("The buyer's message holds one of these words"),
            lambda store: {
                "if_message_words": forms.CharField(
                    label=gettext_lazy("The buyer's message holds one of these words"),
                    required=False,
                    max_length=500,
                    help_text=gettext_lazy("Separated by commas; capitals do not matter."),
                )
            },
            *rules.one_field("if_message_words"),
            test=_has_words,
        )
    )
    rules.register_action(
        rules.Effect(
            "draft_template",
            gettext_lazy("Put in a draft reply for review"),
            lambda store: {
                "then_draft_template": forms.TypedChoiceField(
                    label=gettext_lazy("Put in a draft reply for review"),
                    choices=[("", "—"), *_templates(store)],
                    coerce=int,
                    required=False,
                    empty_value=None,
                    help_text=gettext_lazy("An agent reviews and sends it; a rule never replies to a buyer."),
                )
            },
            *rules.one_field("then_draft_template", int),
            apply=_draft,
            change="draft",
        )
    )
    rules.register_undo("draft", _undo_draft)
    rules.register_fact("thread_tags", _thread_tags)
    rules.register_action(
        rules.Effect(
            "tag_thread",
            gettext_lazy("Tag the buyer's thread"),
            lambda store: {
                "then_thread_tags": forms.TypedMultipleChoiceField(
                    label=gettext_lazy("Tag the buyer's thread"),
                    choices=list(Tag.objects.filter(store=store).order_by("name").values_list("pk", "name")),
                    coerce=int,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
            },
            *rules.one_field("then_thread_tags", lambda values: [int(pk) for pk in values]),
            apply=_tag_thread,
            change="thread_tagged",
        )
    )
    rules.register_undo("thread_tagged", _undo_thread_tagged)


def buyer_message_arrived(message: Message, order: Order) -> None:
    """Run the "buyer message arrives" rules on each open claim of the order, in the
    transaction that files the message."""
    claims = (
        Claim.objects.filter(order_id=order.pk)
        .filter(~Q(status=ClaimStatus.CLOSED))
        .select_related("store", "order")
        .order_by("pk")
    )
    if not rules.any_active(BUYER_MESSAGE, [order.store_id]):
        return
    for claim in claims:
        rules.run(BUYER_MESSAGE, claim, message=message)
