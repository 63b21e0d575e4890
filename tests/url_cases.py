"""Every URL the desk serves, and how its access is checked.

`test_url_access.py` fails when a URL pattern is missing here, so a new page cannot ship
without its anonymous → login and outsider → 404 checks.

scope:
  "object"  the URL names something of store A: the outsider (agent of store B) gets 404.
  "list"    a page of the user's own stores: the outsider gets 200 but nothing of store A.
  "manager" a managers' page: the outsider (an agent elsewhere) gets 403 and nothing of store A.
  "self"    acts on the user's own account only (preferences).
"""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    scope: str
    kwargs: Callable[[object], dict] = field(default=lambda world: {})
    methods: tuple[str, ...] = ("get",)
    member_status: int = 200  # what a member's GET gets (302 for a page that sends them on)


def CLAIM(world) -> dict:
    return {"claim_id": world.claim_a.pk}


def ORDER(world) -> dict:
    return {"order_id": world.order_a.pk}


def ACTION(world) -> dict:
    """An improvement action of store A, from a post-mortem of its claim."""
    from datetime import date

    from disputes.models import ImprovementAction, Outcome, PostMortem, RootCause

    pm = PostMortem.objects.create(
        claim=world.claim_a,
        store=world.store_a,
        outcome=Outcome.DENIED,
        root_cause=RootCause.CARRIER,
        decided_by="Tracking showed delivery.",
    )
    action = ImprovementAction.objects.create(
        post_mortem=pm,
        store=world.store_a,
        owner=world.agent_a,
        description="Ask for signatures",
        due_on=date(2030, 1, 1),
    )
    return {"action_id": action.pk}


def STORE(world) -> dict:
    return {"store_id": world.store_a.pk}


def TIME_OFF(world) -> dict:
    """Leave of store A's agent."""
    from datetime import date

    from disputes.models import TimeOff

    off = TimeOff.objects.create(user=world.agent_a, first_day=date(2030, 1, 1), last_day=date(2030, 1, 2))
    return {"store_id": world.store_a.pk, "time_off_id": off.pk}


def HOLIDAY(world) -> dict:
    """A holiday of store A's team."""
    from datetime import date

    from disputes.models import TeamHoliday

    holiday = TeamHoliday.objects.create(
        store=world.store_a, name="Golden Week", first_day=date(2030, 5, 1), last_day=date(2030, 5, 7)
    )
    return {"store_id": world.store_a.pk, "holiday_id": holiday.pk}


def _macro(world):
    from messaging.models import Macro, MacroStatus

    return Macro.objects.create(store=world.store_a, name="Working on it", status=MacroStatus.IN_PROGRESS)


def MACRO(world) -> dict:
    return {"store_id": world.store_a.pk, "macro_id": _macro(world).pk}


def MACRO_ON_CLAIM(world) -> dict:
    return {"claim_id": world.claim_a.pk, "macro_id": _macro(world).pk}


def SET_ASIDE(world) -> dict:
    """A claim of store A whose alerts the sweep set aside."""
    from disputes.models import SetAside, SetAsideKind

    entry = SetAside.objects.create(
        store=world.store_a,
        kind=SetAsideKind.CLAIM_ALERTS,
        subject_id=world.claim_a.pk,
        label="claim",
        reason="ValueError: bad rule",
    )
    return {"entry_id": entry.pk}


def SAVED_VIEW(world) -> dict:
    """A view of the queue that agent_a of store A saved."""
    from disputes.models import SavedView

    view = SavedView.objects.create(user=world.agent_a, name="my overdue", query="assignee=me&due=overdue")
    return {"view_id": view.pk}


def IMPORT_JOB(world) -> dict:
    """An order import of store A, done."""
    from disputes.models import ImportJob, ImportStatus

    job = ImportJob.objects.create(
        store=world.store_a,
        created_by=world.agent_a,
        file_name="All Orders.txt",
        status=ImportStatus.DONE,
        result={"ok": True, "rows": 1, "orders_updated": 1},
    )
    return {"job_id": job.pk}


def ITEM(world) -> dict:
    from .evidence_corpus import world_item

    return {"item_id": world_item(world).pk}


def RULE(world) -> dict:
    from disputes.models import Rule, Trigger

    rule = Rule.objects.create(
        store=world.store_a, name="Damaged first", trigger=Trigger.CLAIM_OPENED, actions={"set_priority": 3}
    )
    return {"rule_id": rule.pk}


def TAG(world) -> dict:
    from disputes.models import Tag

    return {"tag_id": Tag.objects.create(store=world.store_a, name="fragile").pk}


def RULE_CHANGE(world) -> dict:
    """A change a rule made to store A's claim, as its timeline entry."""
    from disputes.models import ClaimEvent

    event = ClaimEvent.objects.create(
        claim=world.claim_a,
        action="rule_change",
        params={"rule_name": "Damaged first", "change": "priority", "was_priority": 2, "priority": 3},
    )
    return {"claim_id": world.claim_a.pk, "event_id": event.pk}


CASES: dict[str, Case] = {
    "disputes:queue": Case("list"),
    "disputes:dashboard": Case("manager"),
    "disputes:my_dashboard": Case("list"),
    "disputes:store": Case("object", lambda w: {"store_id": w.store_a.pk}),
    "disputes:saved_view_save": Case("self", methods=("post",)),
    "disputes:saved_view_delete": Case("object", SAVED_VIEW, methods=("post",)),
    "disputes:claims_assign": Case("list", methods=("post",)),
    "disputes:claim": Case("object", CLAIM),
    "disputes:claim_move": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_close": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_appeal": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_assign": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_priority": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_platform_request": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_recompute": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_reopen": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_snooze": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_unsnooze": Case("object", CLAIM, methods=("post",)),
    "disputes:claim_presence": Case("object", CLAIM, methods=("post",)),
    "disputes:orders": Case("list"),
    "disputes:search": Case("list"),
    "disputes:claim_next": Case("object", CLAIM, member_status=302),
    "disputes:claim_previous": Case("object", CLAIM, member_status=302),
    "disputes:alerts": Case("list"),
    "disputes:alerts_bell": Case("list"),
    "disputes:alerts_feed": Case("list"),
    "disputes:alerts_ack_all": Case("list", methods=("post",)),
    "disputes:alert_settings": Case("self", methods=("post",)),
    "disputes:alert_ack": Case(
        "object", lambda w: {"notification_id": w.notification_a.pk}, methods=("post",)
    ),
    "disputes:order": Case("object", ORDER),
    "disputes:claim_open": Case("object", ORDER, methods=("post",)),
    "preferences": Case("self", methods=("post",)),
    "password_change": Case("self", methods=("get", "post")),
    "password_change_done": Case("self"),
    "disputes:import_orders": Case("list", methods=("get", "post")),
    "disputes:import_job": Case("object", IMPORT_JOB),
    "disputes:action_done": Case("object", ACTION, methods=("post",)),
    "disputes:post_mortems": Case("manager"),
    "disputes:post_mortems_csv": Case("manager"),
    "disputes:set_aside": Case("manager"),
    "disputes:coverage": Case("manager"),
    "messaging:macros": Case("object", STORE),
    "messaging:macro_add": Case("object", STORE, methods=("post",)),
    "messaging:macro_delete": Case("object", MACRO, methods=("post",)),
    "messaging:macro_apply": Case("object", MACRO_ON_CLAIM, methods=("post",)),
    "disputes:team": Case("object", STORE),
    "disputes:team_hours": Case("object", STORE, methods=("post",)),
    "disputes:time_off_add": Case("object", STORE, methods=("post",)),
    "disputes:time_off_delete": Case("object", TIME_OFF, methods=("post",)),
    "disputes:holiday_add": Case("object", STORE, methods=("post",)),
    "disputes:holiday_delete": Case("object", HOLIDAY, methods=("post",)),
    "disputes:set_aside_retry": Case("object", SET_ASIDE, methods=("post",)),
    "disputes:queue_csv": Case("list"),
    "disputes:rules_home": Case("manager", member_status=302),
    "disputes:rules": Case("object", STORE),
    "disputes:rule_new": Case("object", STORE, methods=("get", "post")),
    "disputes:rule_dry_run": Case("object", STORE, methods=("post",)),
    "disputes:tag_create": Case("object", STORE, methods=("post",)),
    "disputes:rule_edit": Case("object", RULE, methods=("get", "post")),
    "disputes:rule_switch": Case("object", RULE, methods=("post",)),
    "disputes:rule_move": Case("object", RULE, methods=("post",)),
    "disputes:rule_delete": Case("object", RULE, methods=("post",)),
    "disputes:tag_delete": Case("object", TAG, methods=("post",)),
    "disputes:claim_tags": Case("object", CLAIM, methods=("post",)),
    "disputes:rule_change_undo": Case("object", RULE_CHANGE, methods=("post",)),
    "evidence:panel": Case("object", ORDER),
    "evidence:upload": Case("object", ORDER, methods=("post",)),
    "evidence:compare": Case("object", ORDER),
    "evidence:checklist": Case("object", CLAIM),
    "evidence:card": Case("object", ITEM),
    "evidence:edit": Case("object", ITEM, methods=("get", "post")),
    "evidence:delete": Case("object", ITEM, methods=("post",)),
    "evidence:download": Case("object", ITEM),
    "evidence:thumb": Case("object", ITEM),
    "evidence:preview": Case("object", ITEM),
}

# Served by Django itself, with their own protection (admin: staff only; login/logout and the
# password reset pages: public, for people who cannot log in; tests/test_passwords.py covers them;
# the JavaScript catalogue: public, only the scripts' translations, which the login page loads too;
# tests/test_javascript_catalog.py covers it).
EXEMPT_PREFIXES = ("admin:",)
EXEMPT_NAMES = {
    "javascript_catalog",
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}
# The desk's own public URLs: answered to anyone, logged in or not, and holding nothing of any
# store (the load balancer's probe says "ok" or "down" for the database and the broker).
PUBLIC_NAMES = {"healthz"}


# --- messaging ----------------------------------------------------------------------------


def _buyer_message(world):
    from messaging.services import message_receive

    return message_receive(order=world.order_a, body="Where is my parcel?")


def MESSAGE(world) -> dict:
    return {"message_id": _buyer_message(world).pk}


def ATTACHMENT(world) -> dict:
    from messaging.services import AttachmentData, message_receive

    message = message_receive(
        order=world.order_a,
        body="Photo attached.",
        attachments=[AttachmentData("box.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 photo")],
    )
    return {"attachment_id": message.attachments.get().pk}


def UNMATCHED(world) -> dict:
    from django.utils import timezone

    from messaging.models import UnmatchedMail

    mail = UnmatchedMail.objects.create(
        store=world.store_a,
        rfc_message_id="<x@example.com>",
        sender="x@example.com",
        subject="Alpha Amazon US?",
        received_at=timezone.now(),
        raw=b"Subject: hi\n\nhi",
    )
    return {"mail_id": mail.pk}


CASES.update(
    {
        "messaging:template_search": Case("object", ORDER),
        "messaging:template_fill": Case("object", lambda w: {**ORDER(w), "template_id": 1}),
        "messaging:template_favourite": Case(
            "object", lambda w: {**ORDER(w), "template_id": 1}, methods=("post",)
        ),
        "messaging:check": Case("object", ORDER, methods=("post",)),
        "messaging:send": Case("object", ORDER, methods=("post",)),
        "messaging:note": Case("object", ORDER, methods=("post",)),
        "messaging:off_platform": Case("object", ORDER, methods=("post",)),
        "messaging:close": Case("object", ORDER, methods=("post",)),
        "messaging:thread_tags": Case("object", ORDER, methods=("post",)),
        "messaging:threads": Case("list"),
        "messaging:no_response": Case("object", MESSAGE, methods=("post",)),
        "messaging:retry": Case("object", MESSAGE, methods=("post",)),
        "messaging:attachment": Case("object", ATTACHMENT),
        "messaging:unmatched": Case("list"),
        "messaging:coming": Case("list"),
        "messaging:unmatched_file": Case("object", UNMATCHED, methods=("post",)),
    }
)


# --- appeals ------------------------------------------------------------------------------


def APPEAL(world) -> dict:
    """An appeal of store A's claim with one saved version showing one photo."""
    from appeals import services
    from appeals.models import AppealKind

    from .evidence_corpus import world_item

    item = world_item(world)
    appeal = services.appeal_create(claim=world.claim_a, kind=AppealKind.CLAIM_RESPONSE, by=world.agent_a)
    services.appeal_save(
        appeal=appeal,
        by=world.agent_a,
        based_on=0,
        draft=services.AppealDraft(
            facts=["The buyer placed the order."],
            evidence=[(item.pk, "The lamp was intact when packed.")],
            conclusion="We ask that the claim be denied.",
        ),
    )
    return {"appeal_id": appeal.pk}


CASES.update(
    {
        "appeals:new": Case("object", CLAIM, methods=("post",)),
        "appeals:advice": Case("object", CLAIM),
        "appeals:choose": Case("object", CLAIM, methods=("post",)),
        "appeals:appeal": Case("object", APPEAL),
        "appeals:preview": Case("object", APPEAL, methods=("post",)),
        "appeals:save": Case("object", APPEAL, methods=("post",)),
        "appeals:pdf": Case("object", APPEAL),
        "appeals:text": Case("object", APPEAL),
        "appeals:submit": Case("object", APPEAL, methods=("post",)),
        "appeals:decide": Case("object", APPEAL, methods=("post",)),
        "appeals:abuse_report": Case("object", lambda w: {"buyer_id": w.order_a.buyer_id}),
    }
)


# --- marketplace connectors -----------------------------------------------------------------


def STORE_A(world) -> dict:
    return {"store_id": world.store_a.pk}


CASES.update(
    {
        "connectors:connection": Case("object", STORE_A),
        "connectors:connection_save": Case("object", STORE_A, methods=("post",)),
        "connectors:connection_test": Case("object", STORE_A, methods=("post",)),
        "connectors:connection_pause": Case("object", STORE_A, methods=("post",)),
        "connectors:connection_sync_now": Case("object", STORE_A, methods=("post",)),
    }
)

# Amazon's actions on an order (connectors/platforms/amazon_views.py).
CASES.update(
    {
        "connectors:amazon_actions": Case("object", ORDER),
        "connectors:amazon_review": Case("object", ORDER, methods=("post",)),
        "connectors:amazon_message": Case("object", ORDER, methods=("post",)),
    }
)

# Connectors: the seller's answers sent to eBay from the claim page.
CASES.update(
    {
        "ebay:answer": Case("object", CLAIM, methods=("post",)),
        "ebay:card": Case("object", CLAIM),
    }
)


def PASSKEY(world) -> dict:
    """A passkey of agent A (of store A): nobody else may remove it."""
    from accounts.models import Passkey

    passkey = Passkey.objects.create(
        user=world.agent_a, name="Laptop", credential_id=b"id", credential=b"data"
    )
    return {"passkey_id": passkey.pk}


# Sign-in security (accounts/): the user's own account page and second factors, and a manager's
# rule for a store. The sign-in steps themselves are exempt below.
CASES.update(
    {
        "accounts:account": Case("self"),
        "accounts:totp_start": Case("self", methods=("post",)),
        "accounts:totp_confirm": Case("self", methods=("post",)),
        "accounts:totp_remove": Case("self", methods=("post",)),
        "accounts:recovery_codes": Case("self", methods=("post",)),
        "accounts:store_requirement": Case("object", STORE_A, methods=("post",)),
        "accounts:passkey_register_begin": Case("self", methods=("post",)),
        "accounts:passkey_register_complete": Case("self", methods=("post",)),
        "accounts:passkey_remove": Case("object", PASSKEY, methods=("post",)),
    }
)
# Steps of signing in, for people not signed in yet (tests/test_sign_in_security.py covers them:
# the second factor needs a right password first; single sign-on needs the provider's signed token).
EXEMPT_NAMES |= {
    "accounts:second_factor",
    "accounts:sso_start",
    "accounts:sso_callback",
    "accounts:passkey_signin_begin",
    "accounts:passkey_signin_complete",
}


# --- API tokens and webhooks (the pages) ----------------------------------------------------


def TOKEN_A(world) -> dict:
    """An API token of agent_a of store A."""
    from api.tokens import token_create

    return {"token_id": token_create(user=world.agent_a, name="tool").token.pk}


def WEBHOOK_A(world) -> dict:
    """A webhook of store A."""
    from api.models import WebhookSubscription

    hook = WebhookSubscription.objects.create(
        store=world.store_a, url="https://example.com/h", events=["claim.opened"]
    )
    return {"webhook_id": hook.pk}


CASES.update(
    {
        "integrations:tokens": Case("self", methods=("get", "post")),
        "integrations:token_revoke": Case("object", TOKEN_A, methods=("post",)),
        "integrations:webhooks": Case("object", STORE_A, methods=("get", "post")),
        "integrations:webhook_remove": Case("object", WEBHOOK_A, methods=("post",)),
    }
)


# --- the REST API (/api/v1/) ------------------------------------------------------------------
# Every API URL: anonymous → 401, the outsider (with a token of store B) → 404, or for a list,
# 200 holding nothing of store A. Checked by test_url_access.py's api tests.


@dataclass(frozen=True)
class ApiCase:
    scope: str  # "object" or "list"
    kwargs: Callable[[object], dict] = field(default=lambda world: {})
    method: str = "get"
    body: Callable[[object], dict] = field(default=lambda world: {})


def _open_claim_body(world) -> dict:
    return {"order": world.order_a.pk, "kind": "a_to_z", "reason": "not_received"}


def _pk(fixture: Callable[[object], dict], name: str) -> Callable[[object], dict]:
    return lambda world: {name: next(iter(fixture(world).values()))}


API_CASES: dict[str, ApiCase] = {
    "api:order-list": ApiCase("list"),
    "api:order-detail": ApiCase("object", _pk(ORDER, "pk")),
    "api:claim-list": ApiCase("list"),
    "api:claim-detail": ApiCase("object", _pk(CLAIM, "pk")),
    # Opening a claim on store A's order.
    "api:claim-list:post": ApiCase("object", method="post", body=_open_claim_body),
    "api:claim-move": ApiCase(
        "object", _pk(CLAIM, "pk"), "post", lambda w: {"status": "responded", "loaded": "new"}
    ),
    "api:claim-assign": ApiCase(
        "object", _pk(CLAIM, "pk"), "post", lambda w: {"assignee": None, "loaded": None}
    ),
    "api:order-messages-list": ApiCase("object", ORDER),
    "api:order-messages-list:post": ApiCase("object", ORDER, "post", lambda w: {"body": "Hello"}),
    "api:order-evidence-list": ApiCase("object", ORDER),
    "api:order-evidence-list:post": ApiCase("object", ORDER, "post", lambda w: {"kind": "buyer_media"}),
    "api:appeal-list": ApiCase("list", lambda world: APPEAL(world) and {}),
    "api:appeal-detail": ApiCase("object", _pk(APPEAL, "pk")),
    "api:appeal-export": ApiCase("object", _pk(APPEAL, "pk")),
}
PUBLIC_NAMES.add("api:schema")
EXEMPT_PREFIXES = (*EXEMPT_PREFIXES, "api:")


def API_APPEAL(world) -> int:
    """The id of an appeal of store A (one saved version)."""
    return APPEAL(world)["appeal_id"]
