"""The claim timeline's vocabulary: what can happen to a claim, how it is written down, and how
it reads.

An entry keeps an `Action` code and its parameters as JSON-safe values: times as ISO strings,
choices as their codes, what a person typed as text. It is worded only when shown, in the
reader's language and time zone, so a Chinese reader sees the same entry in Chinese.

Every app writes its entries through `record` (one claim) or `record_for_claims` (the open
claims of an order, say). Apps above `disputes` name the choices their parameters use with
`register_choices` (the evidence kinds, a message's purpose), so this module imports none of them.
"""

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import dates, deadlines
from .models import (
    Choice,
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    Outcome,
    Priority,
    Reason,
    RootCause,
    TimelineEntry,
    threshold_label,
)


class Action(models.TextChoices):
    # Claims
    OPENED = "opened", gettext_lazy("Claim opened")
    DEADLINE_SET = "deadline_set", gettext_lazy("Deadline set")
    DEADLINE_RECOMPUTED = "deadline_recomputed", gettext_lazy("Deadline recomputed")
    ASSIGNED = "assigned", gettext_lazy("Assignee changed")
    STATUS = "status", gettext_lazy("Status changed")
    PRIORITY = "priority", gettext_lazy("Priority changed")
    PLATFORM_REQUEST = "platform_request", gettext_lazy("Platform asked for information")
    OUTCOME = "outcome", gettext_lazy("Outcome recorded")
    DECIDED = "decided", gettext_lazy("Platform decided")
    APPEAL_DEADLINE_SET = "appeal_deadline_set", gettext_lazy("Appeal deadline set")
    POST_MORTEM = "post_mortem", gettext_lazy("Post-mortem written")
    ACTION_SET = "action_set", gettext_lazy("Improvement action set")
    ACTION_DONE = "action_done", gettext_lazy("Improvement action done")
    ALERT = "alert", gettext_lazy("Deadline alert")
    SNOOZED = "snoozed", gettext_lazy("Claim snoozed")
    UNSNOOZED = "unsnoozed", gettext_lazy("Snooze removed")
    SNOOZE_ENDED = "snooze_ended", gettext_lazy("Snooze ended")
    REOPENED = "reopened", gettext_lazy("Claim reopened")
    CHOSEN = "chosen", gettext_lazy("Fight or refund chosen")
    TAGGED = "tagged", gettext_lazy("Tag added")
    UNTAGGED = "untagged", gettext_lazy("Tag removed")
    # Automation rules (`disputes/rules.py`): a change a rule made, and a person undoing it.
    RULE_CHANGE = "rule_change", gettext_lazy("Changed by a rule")
    RULE_UNDONE = "rule_undone", gettext_lazy("A rule's change undone")
    # Appeals
    APPEAL_CREATED = "appeal_created", gettext_lazy("Appeal started")
    APPEAL_SAVED = "appeal_saved", gettext_lazy("Appeal saved")
    APPEAL_EXPORTED = "appeal_exported", gettext_lazy("Appeal exported")
    APPEAL_SUBMITTED = "appeal_submitted", gettext_lazy("Appeal submitted")
    APPEAL_DECIDED = "appeal_decided", gettext_lazy("Appeal decided")
    # Evidence (written to the vault's own log, `evidence.EvidenceEvent`)
    EVIDENCE_ADDED = "evidence_added", gettext_lazy("Evidence added")
    EVIDENCE_CAPTURED = "evidence_captured", gettext_lazy("Evidence captured")
    EVIDENCE_CAPTION = "evidence_caption", gettext_lazy("Evidence caption changed")
    EVIDENCE_CAPTURE_TIME = "evidence_capture_time", gettext_lazy("Evidence capture time corrected")
    EVIDENCE_KIND = "evidence_kind", gettext_lazy("Evidence kind changed")
    EVIDENCE_DELETED = "evidence_deleted", gettext_lazy("Evidence deleted")
    EVIDENCE_LOCKED = "evidence_locked", gettext_lazy("Evidence locked")
    EVIDENCE_INTEGRITY_FAILED = "evidence_integrity_failed", gettext_lazy("Evidence integrity check failed")
    # Messaging
    BUYER_MESSAGE = "buyer_message", gettext_lazy("Buyer message")
    NO_RESPONSE_NEEDED = "no_response_needed", gettext_lazy("No reply needed")
    MESSAGE_SENT = "message_sent", gettext_lazy("Reply sent")
    OFF_PLATFORM_CONTACT = "off_platform_contact", gettext_lazy("Contact off the platform")
    POLICY_OVERRIDE = "policy_override", gettext_lazy("Message policy overridden")
    # Marketplace APIs
    REVIEW_REQUESTED = "review_requested", gettext_lazy("Review requested through the platform")
    PLATFORM_MESSAGE = "platform_message", gettext_lazy("Message sent through the platform")
    MESSAGE_RETRY = "message_retry", gettext_lazy("Reply sent again")
    OFF_PLATFORM_STARTED = "off_platform_started", gettext_lazy("Conversation left the platform")
    THREAD_CLOSED = "thread_closed", gettext_lazy("Buyer thread closed")
    THREAD_TAGGED = "thread_tagged", gettext_lazy("Buyer thread tagged")
    THREAD_UNTAGGED = "thread_untagged", gettext_lazy("Buyer thread tag removed")
    PLATFORM_NOTICE = "platform_notice", gettext_lazy("Platform notice")
    # Marketplace connectors
    PLATFORM_API = "platform_api", gettext_lazy("From the platform's API")
    PLATFORM_ANSWER = "platform_answer", gettext_lazy("Answered on the platform")
    # Team time and macros
    HANDED_ON = "handed_on", gettext_lazy("Handed on: assignee on leave")
    MACRO = "macro", gettext_lazy("Macro applied")


# --- writing ------------------------------------------------------------------------------


def _json_safe(value: Any) -> Any:
    if isinstance(value, models.Choices):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.get_username() if hasattr(value, "get_username") else value.pk
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def entry[Entry: TimelineEntry](
    row: Entry, action: Action, *, by=None, at: datetime | None = None, **params
) -> Entry:
    """Fill an unsaved entry of a timeline log (a claim's `ClaimEvent`, the vault's
    `EvidenceEvent`) with its action and JSON-safe parameters; the caller saves it, alone or
    with others in bulk. Parameters left None or empty are not kept."""
    row.action = action.value
    row.actor = by
    row.at = at or timezone.now()
    row.params = _kept(params)
    return row


def entry_values(action: Action, *, at: datetime, **params) -> dict[str, Any]:
    """An entry's field values (by attribute name) without a model instance, for writers of
    thousands of entries at once (the sweep); the caller adds the subject, e.g. `claim_id`."""
    return {"action": action.value, "actor_id": None, "at": at, "params": _kept(params)}


def _kept(params: dict[str, Any]) -> dict[str, Any]:
    return {key: _json_safe(value) for key, value in params.items() if value is not None and value != ""}


def record(claim: Claim, action: Action, *, by=None, at: datetime | None = None, **params) -> ClaimEvent:
    """Write one entry on a claim's timeline (inside the transaction of the change it records)."""
    event = entry(ClaimEvent(claim=claim), action, by=by, at=at, **params)
    event.save()
    return event


def record_for_claims(
    claim_ids: Iterable[int], action: Action, *, by=None, at: datetime | None = None, **params
) -> list[ClaimEvent]:
    """Write the same entry on several claims' timelines at once."""
    at = at or timezone.now()
    return ClaimEvent.objects.bulk_create(
        entry(ClaimEvent(claim_id=pk), action, by=by, at=at, **params) for pk in claim_ids
    )


# --- wording ------------------------------------------------------------------------------

# Which choices a parameter holds, by its name: shown by the choice's label.
_choices: dict[str, type[models.Choices]] = {}


def register_choices(**by_param: type[models.Choices]) -> None:
    """Say which choices a parameter holds (an app above `disputes` names its own)."""
    _choices.update(by_param)


register_choices(
    kind=ClaimKind,
    reason=Reason,
    status=ClaimStatus,
    was_status=ClaimStatus,
    outcome=Outcome,
    was_outcome=Outcome,
    priority=Priority,
    was_priority=Priority,
    root_cause=RootCause,
    choice=Choice,
    was_choice=Choice,
    advised=Choice,
)

# Parameters holding a moment (shown in the reader's time zone) or a day.
_MOMENTS = {
    "respond_by",
    "was_respond_by",
    "appeal_by",
    "decided_at",
    "requested_at",
    "captured_at",
    "was_captured_at",
    "snoozed_until",
    "asked_until",
}
_DAYS = {"due_on", "first_day", "last_day"}


def _shown(name: str, value: Any) -> str:
    """One parameter as the reader reads it."""
    if value is None or value == "":
        return "—"
    if name in _MOMENTS:
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return str(value)
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)
        return dates.moment_text(moment)
    if name in _DAYS:
        try:
            return dates.moment_text(date.fromisoformat(value))
        except (TypeError, ValueError):
            return str(value)
    if name == "threshold":
        return threshold_label(str(value))
    choices = _choices.get(name)
    if choices is not None:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)  # an old row's label, or a code since retired
    return str(value)


class _Shown(dict):
    """The parameters as shown; one a sentence names but the entry lacks reads as a dash."""

    def __missing__(self, key: str) -> str:
        return "—"


def _deadline_set(p: dict) -> str:
    if p["respond_by"] == "—":
        return _("Deadline removed: no deadline rule applies")
    if p["was_respond_by"] != "—":
        return _("Deadline moved from %(was_respond_by)s to %(respond_by)s") % p
    return _("Deadline set: respond by %(respond_by)s") % p


def _deadline_recomputed(p: dict) -> str:
    if p["respond_by"] == "—":
        return _("Deadline recomputed: no deadline rule applies any more")
    return _("Deadline recomputed with the current rule: from %(was_respond_by)s to %(respond_by)s") % p


def _assigned(p: dict) -> str:
    if p["assignee"] == "—":
        return _("Unassigned (was %(was_assignee)s)") % p
    if p["was_assignee"] != "—":
        return _("Reassigned from %(was_assignee)s to %(assignee)s") % p
    return _("Assigned to %(assignee)s") % p


def _handed_on(p: dict) -> str:
    if p["assignee"] == "—":
        return (
            _(
                "%(was_assignee)s is on leave from %(first_day)s to %(last_day)s: left unassigned, nobody else works then"
            )
            % p
        )
    return (
        _("Handed on from %(was_assignee)s (on leave from %(first_day)s to %(last_day)s) to %(assignee)s") % p
    )


def _alert(p: dict) -> str:
    if p["late_minutes"] != "—":
        return _("Deadline alert: %(threshold)s (raised %(late_minutes)s minutes late)") % p
    return _("Deadline alert: %(threshold)s") % p


def _snoozed(p: dict) -> str:
    if p["asked_until"] != "—":
        return (
            _(
                "Snoozed until %(snoozed_until)s (asked for %(asked_until)s: a snooze ends before "
                "the response deadline's first warning)"
            )
            % p
        )
    return _("Snoozed until %(snoozed_until)s") % p


def _snooze_ended(p: dict) -> str:
    if p["owner"] != "—":
        return _("Snooze ended: the claim is back at the top of %(owner)s's queue") % p
    return _("Snooze ended: the claim is back in the queue") % p


def _appeal_decided(p: dict) -> str:
    if p["funding"] != "—":
        return _("Appeal decided: %(decision)s · %(funding)s") % p
    return _("Appeal decided: %(decision)s") % p


def _integrity(p: dict) -> str:
    if p["actual"] == "missing":
        return _("Integrity check failed: the stored file of “%(name)s” is missing") % p
    return _("Integrity check failed: the stored file of “%(name)s” no longer matches its fingerprint") % p


def _evidence_caption(p: dict) -> str:
    if p["was_caption"] == "—":
        return _("Caption of “%(name)s” set to “%(caption)s”") % p
    if p["caption"] == "—":
        return _("Caption of “%(name)s” removed (it was “%(was_caption)s”)") % p
    return _("Caption of “%(name)s” changed from “%(was_caption)s” to “%(caption)s”") % p


def _evidence_captured(p: dict) -> str:
    if p["captured_from"] != "—":
        return _("Evidence captured: %(evidence_kind)s (%(captured_from)s)") % p
    return _("Evidence captured: %(evidence_kind)s") % p


def _evidence_locked(p: dict) -> str:
    if p["appeal"] != "—":
        return (
            _(
                "Evidence “%(name)s” locked: it went to the platform with appeal #%(appeal)s, version %(version)s"
            )
            % p
        )
    return _("Evidence “%(name)s” locked: it can no longer be changed or deleted") % p


def _platform_api(p: dict) -> str:
    if p["event"] == "opened":
        return _("Claim opened from the platform's API (%(platform)s)") % p
    if p["event"] == "decided":
        return _("The platform's decision arrived from its API (%(platform)s)") % p
    return _("Claim updated from the platform's API (%(platform)s)") % p


def _platform_answer(p: dict) -> str:
    """The seller's answer sent through the platform's API from the claim page (connectors)."""
    if p["answer"] == "tracking":
        return _("Tracking given to the platform: %(carrier)s %(tracking)s") % p
    if p["answer"] == "refund":
        return _("Refund issued on the platform")
    if p["answer"] == "accept":
        return _("Return accepted on the platform")
    if p["answer"] == "received":
        return _("Return marked received on the platform")
    return _("Answered on the platform")


def _message_sent(p: dict) -> str:
    if p["purpose"] != "—":
        sentence = _("Reply sent to the buyer (%(purpose)s)") % p
    else:
        sentence = _("Reply sent to the buyer") % p
    if p["attachments"] != "—":
        sentence = _("%(sentence)s, with %(attachments)s attached") % {**p, "sentence": sentence}
    return sentence


def _off_platform_contact(p: dict) -> str:
    if p["purpose"] != "—":
        return _("Contact with the buyer off the platform recorded (%(purpose)s)") % p
    return _("Contact with the buyer off the platform recorded") % p


def _chosen(p: dict) -> str:
    if p["advised"] in ("—", p["choice"]):
        return _("Chosen: %(choice)s") % p
    return _("Chosen: %(choice)s (the desk advised %(advised)s)") % p


def _rule_change(p: dict) -> str:
    change = p["change"]
    if change == "assigned":
        return _("Rule “%(rule_name)s” assigned the claim to %(assignee)s") % p
    if change == "priority":
        return _("Rule “%(rule_name)s” set the priority to %(priority)s (it was %(was_priority)s)") % p
    if change == "tagged":
        return _("Rule “%(rule_name)s” tagged the claim “%(tag)s”") % p
    if change == "notified":
        return _("Rule “%(rule_name)s” notified %(people)s") % p
    if change == "draft":
        return _("Rule “%(rule_name)s” put in a draft reply for review: %(template)s") % p
    if change == "thread_tagged":
        return _("Rule “%(rule_name)s” tagged the buyer thread “%(tag)s”") % p
    return _("Rule “%(rule_name)s” changed the claim") % p


def _rule_undone(p: dict) -> str:
    change = p["change"]
    if change == "assigned":
        return _("Undid rule “%(rule_name)s”: the claim is unassigned again") % p
    if change == "priority":
        return _("Undid rule “%(rule_name)s”: the priority is %(was_priority)s again") % p
    if change == "tagged":
        return _("Undid rule “%(rule_name)s”: tag “%(tag)s” removed") % p
    if change == "draft":
        return _("Undid rule “%(rule_name)s”: its draft reply was dismissed") % p
    if change == "thread_tagged":
        return _("Undid rule “%(rule_name)s”: tag “%(tag)s” taken off the buyer thread") % p
    return _("Undid what rule “%(rule_name)s” did") % p


# Each action's sentence, from its parameters as shown. Free text kept in `note` (a reason, a
# message's excerpt) is not part of the sentence: it is shown under it, as typed.
SENTENCES: dict[str, Callable[[dict], str]] = {
    Action.OPENED: lambda p: _("Claim opened: %(kind)s, %(reason)s") % p,
    Action.DEADLINE_SET: _deadline_set,
    Action.DEADLINE_RECOMPUTED: _deadline_recomputed,
    Action.ASSIGNED: _assigned,
    Action.STATUS: lambda p: _("Status changed from %(was_status)s to %(status)s") % p,
    Action.PRIORITY: lambda p: _("Priority changed from %(was_priority)s to %(priority)s") % p,
    Action.PLATFORM_REQUEST: lambda p: _("The platform asked for information on %(requested_at)s") % p,
    Action.OUTCOME: lambda p: _("Outcome: %(outcome)s") % p,
    Action.DECIDED: lambda p: _("The platform decided on %(decided_at)s") % p,
    Action.APPEAL_DEADLINE_SET: lambda p: _("Appeal deadline set: appeal by %(appeal_by)s") % p,
    Action.POST_MORTEM: lambda p: _("Post-mortem written; root cause: %(root_cause)s") % p,
    Action.ACTION_SET: lambda p: _("Improvement action for %(owner)s, due %(due_on)s: %(description)s") % p,
    Action.ACTION_DONE: lambda p: _("Improvement action done: %(description)s") % p,
    Action.ALERT: _alert,
    Action.SNOOZED: _snoozed,
    Action.UNSNOOZED: lambda p: _("Snooze removed (it was until %(snoozed_until)s)") % p,
    Action.SNOOZE_ENDED: _snooze_ended,
    Action.REOPENED: lambda p: _("Claim reopened as %(status)s (it was closed: %(was_outcome)s)") % p,
    Action.CHOSEN: _chosen,
    Action.TAGGED: lambda p: _("Tag “%(tag)s” added") % p,
    Action.UNTAGGED: lambda p: _("Tag “%(tag)s” removed") % p,
    Action.RULE_CHANGE: _rule_change,
    Action.RULE_UNDONE: _rule_undone,
    Action.APPEAL_CREATED: lambda p: _("Appeal started: %(appeal_kind)s") % p,
    Action.APPEAL_SAVED: lambda p: (
        _("Appeal (%(appeal_kind)s) version %(version)s saved: %(facts)s facts, %(items)s evidence items") % p
    ),
    Action.APPEAL_EXPORTED: lambda p: (
        _("Appeal (%(appeal_kind)s) version %(version)s exported as %(format)s") % p
    ),
    Action.APPEAL_SUBMITTED: lambda p: (
        _("Appeal (%(appeal_kind)s) version %(version)s submitted: %(where)s") % p
    ),
    Action.APPEAL_DECIDED: _appeal_decided,
    Action.EVIDENCE_ADDED: lambda p: _("Evidence added: %(evidence_kind)s “%(name)s”") % p,
    Action.EVIDENCE_CAPTURED: _evidence_captured,
    Action.EVIDENCE_CAPTION: _evidence_caption,
    Action.EVIDENCE_CAPTURE_TIME: lambda p: (
        _("Capture time of “%(name)s” corrected from %(was_captured_at)s to %(captured_at)s") % p
    ),
    Action.EVIDENCE_KIND: lambda p: (
        _("Kind of “%(name)s” changed from %(was_evidence_kind)s to %(evidence_kind)s") % p
    ),
    Action.EVIDENCE_DELETED: lambda p: _("Evidence deleted: %(evidence_kind)s “%(name)s”") % p,
    Action.EVIDENCE_LOCKED: _evidence_locked,
    Action.EVIDENCE_INTEGRITY_FAILED: _integrity,
    Action.BUYER_MESSAGE: lambda p: _("The buyer wrote"),
    Action.NO_RESPONSE_NEEDED: lambda p: _("A buyer message was marked as needing no reply"),
    Action.MESSAGE_SENT: _message_sent,
    Action.OFF_PLATFORM_CONTACT: _off_platform_contact,
    Action.POLICY_OVERRIDE: lambda p: _("A reply was sent despite the message policy"),
    Action.REVIEW_REQUESTED: lambda p: _("%(platform)s's own review request was sent to the buyer") % p,
    Action.PLATFORM_MESSAGE: lambda p: _("%(platform)s message sent to the buyer: %(message_kind)s") % p,
    Action.MESSAGE_RETRY: lambda p: _("A failed reply was queued to be sent again"),
    Action.OFF_PLATFORM_STARTED: lambda p: (
        _("The conversation left the platform: %(off_platform_reason)s") % p
    ),
    Action.THREAD_CLOSED: lambda p: _("The buyer thread was closed"),
    Action.THREAD_TAGGED: lambda p: _("Tag “%(tag)s” added to the buyer thread") % p,
    Action.THREAD_UNTAGGED: lambda p: _("Tag “%(tag)s” removed from the buyer thread") % p,
    Action.PLATFORM_NOTICE: lambda p: _("The platform wrote (%(sender)s): %(subject)s") % p,
    Action.PLATFORM_API: _platform_api,
    Action.PLATFORM_ANSWER: _platform_answer,
    Action.HANDED_ON: _handed_on,
    Action.MACRO: lambda p: _("Macro “%(macro)s” applied; its steps follow") % p,
}


@dataclass(frozen=True)
class Worded:
    """An entry as the reader reads it: one sentence, and what was typed or explained under it."""

    sentence: str
    details: list[str] = field(default_factory=list)


def _details(params: dict) -> list[str]:
    lines = []
    rule = params.get("rule")
    if isinstance(rule, dict):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            lines.append(deadlines.explanation(rule))
    for name in ("explanation", "note"):  # text kept as it was written
        if params.get(name):
            lines.append(str(params[name]))
    return lines


def worded(event) -> Worded:
    """The entry (anything with `action` and `params`) in the active language and time zone."""
    params = event.params if isinstance(event.params, dict) else {}
    shown = _Shown({name: _shown(name, value) for name, value in params.items()})
    sentence = SENTENCES.get(event.action)
    if sentence is None:
        # A code this version does not know: its name, and its values as they are, an old
        # row's "was" before its "now", the rest by name (PostgreSQL keeps no key order).
        label = event.action.replace("_", " ").capitalize()
        names = sorted(shown, key=lambda name: (name != "was", name != "now", name))
        values = [shown[name] for name in names if name not in ("note", "explanation", "rule")]
        return Worded(f"{label}: {', '.join(values)}" if values else label, _details(params))
    return Worded(sentence(shown), _details(params))
