"""Fight or refund: the advice on the claim page, from the team's win rate, the evidence checklist,
the store's ODR headroom and the time left; the team's choice, kept with the advice it overruled."""

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from appeals.advice import Facts, Headroom, advice_for, recommend
from disputes import services
from disputes.models import (
    Choice,
    Claim,
    ClaimEvent,
    ClaimKind,
    ClaimStatus,
    Order,
    OrderLine,
    Outcome,
    Reason,
)
from disputes.timeline import Action, worded
from disputes.winrates import WinRate
from evidence.checklist import checklist
from evidence.models import EvidenceItem, EvidenceKind

NOT_RECEIVED_KINDS = [
    EvidenceKind.TRACKING_HISTORY,
    EvidenceKind.PROOF_OF_DELIVERY,
    EvidenceKind.CARRIER_CORRESPONDENCE,
]


def team_record(store, *, won: int, lost: int) -> None:
    """Decided "not received" claims of orders bought 100 days ago: inside the win rates' year,
    outside the ODR's 60 days, so they move the win rate and not the headroom."""
    now = timezone.now()
    for n, outcome in enumerate([Outcome.DENIED] * won + [Outcome.GRANTED_SELLER_FUNDED] * lost):
        order = Order.objects.create(
            store=store, platform_order_id=f"R-{n}", purchased_at=now - timedelta(days=100), currency="USD"
        )
        Claim.objects.create(
            store=store,
            order=order,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            opened_at=now - timedelta(days=90),
            status=ClaimStatus.CLOSED,
            closed_at=now - timedelta(days=80),
            outcome=outcome,
            counts_toward_odr=Outcome(outcome).counts_toward_odr,
        )


def plain_orders(store, n: int) -> None:
    """Orders of the last 60 days without any defect."""
    now = timezone.now()
    Order.objects.bulk_create(
        Order(store=store, platform_order_id=f"P-{i}", purchased_at=now - timedelta(days=5), currency="USD")
        for i in range(n)
    )


def defective_order(store, n: int) -> None:
    now = timezone.now()
    order = Order.objects.create(
        store=store, platform_order_id=f"D-{n}", purchased_at=now - timedelta(days=7), currency="USD"
    )
    Claim.objects.create(
        store=store,
        order=order,
        kind=ClaimKind.A_TO_Z,
        reason=Reason.DAMAGED,
        opened_at=now - timedelta(days=1),
    )


def add_evidence(order, kinds) -> None:
    for kind in kinds:
        EvidenceItem.objects.create(
            store_id=order.store_id,
            order=order,
            kind=kind,
            original_name=f"{kind}.pdf",
            size=1,
            sha256=hashlib.sha256(str(kind).encode()).hexdigest(),
            storage_name=f"{order.pk}-{kind}",
            captured_at=timezone.now(),
        )


def advised(world, **kwargs):
    claim = Claim.objects.select_related("store", "order").get(pk=world.claim_a.pk)
    return advice_for(claim, [world.store_a], **kwargs)


@pytest.fixture
def usually_won(world):
    """Amazon "not received": 8 won of 10. Platform 9/12 = 0.75; reason (8 + 0.75·10)/20 = 0.775.
    The ODR window: claim_a's order (pending, a defect) and 300 plain orders: 1 of 301, so the
    store may have int(301 · 1 %) = 3 defective orders, 2 more than it has."""
    team_record(world.store_a, won=8, lost=2)
    plain_orders(world.store_a, 300)
    return world


def test_advice_flips_from_ask_to_fight_when_the_evidence_is_completed(usually_won):
    world = usually_won
    add_evidence(world.order_a, NOT_RECEIVED_KINDS[:1])
    before = advised(world)
    assert before.recommendation == Choice.ASK_INFO
    assert "Proof of delivery (signature, date, address), Carrier correspondence" in before.because
    assert before.facts.win.percent == 78  # 0.775, rounded half to even

    add_evidence(world.order_a, NOT_RECEIVED_KINDS[1:])
    after = advised(world)
    assert after.recommendation == Choice.FIGHT
    assert after.because == (
        "The evidence this reason needs is all there and the team usually wins claims like it."
    )


def test_reasons_are_said_in_words_with_the_figures_behind_them(usually_won):
    reasons = advised(usually_won).reasons
    assert reasons[0] == "The team wins about 78% of claims like it; fighting pays from 50% here."
    assert "“Item not received” claims on Amazon: 8 won of 10 decided." in reasons
    assert "Evidence: 0 of 3 items the reason needs are present." in reasons
    assert "The store's ODR is 0.33 %: 2 more defective orders keep it within 1 %." in reasons
    assert "A refund counts toward the ODR as a lost claim does; a won claim does not." in reasons
    assert "45 hours left to respond." in reasons  # respond_by was 46 h ahead when the world was made
    assert "A refund costs 25.00 USD." in reasons


def test_with_little_time_and_evidence_missing_the_advice_is_to_refund(usually_won):
    world = usually_won
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=timezone.now() + timedelta(hours=5))
    advice = advised(world)
    assert advice.recommendation == Choice.REFUND
    assert advice.facts.headroom.orders_left == 2


def test_near_the_odr_line_a_short_of_evidence_claim_is_fought_rather_than_refunded(usually_won):
    world = usually_won
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=timezone.now() + timedelta(hours=5))
    defective_order(world.store_a, 1)  # 2 defective of 302: one more allowed
    advice = advised(world)
    assert advice.facts.headroom.orders_left == 1
    assert advice.recommendation == Choice.FIGHT
    assert "the store is near the ODR line" in advice.because


def test_a_claim_the_team_seldom_wins_is_refunded_even_with_complete_evidence(world):
    # 1 won of 10: platform (1 + 1)/12 ≈ 0.167; reason (1 + 1.67)/20 ≈ 0.13, under even 30 %.
    team_record(world.store_a, won=1, lost=9)
    add_evidence(world.order_a, NOT_RECEIVED_KINDS)
    defective_order(world.store_a, 1)  # 2 defective of 2 orders: far over the line
    advice = advised(world)
    assert advice.facts.win.percent == 13
    assert advice.facts.headroom.orders_left < 0
    assert advice.recommendation == Choice.REFUND
    assert "The store's ODR is 100.00 %, over the 1 % line: only a won claim comes off it." in advice.reasons


def hand_made_facts(
    *, chance_wins: int, kinds: list[str], orders: int, defective: int, hours: float
) -> Facts:
    win = WinRate("reason", "amazon", Reason.NOT_RECEIVED, "", chance_wins, 10, prior=0.5, prior_weight=10)
    return Facts(
        amount=None,
        currency="USD",
        win=win,
        evidence=checklist(Reason.NOT_RECEIVED, kinds),
        headroom=Headroom(orders, defective, limit=Decimal(1)),
        time_left=timedelta(hours=hours),
        counts_toward_odr=True,
    )


@pytest.mark.parametrize(
    "wins, kinds, defective, hours, expected",
    [
        # (wins + 5)/20: 9 won → 0.70, 3 won → 0.40, 0 won → 0.25
        (9, NOT_RECEIVED_KINDS, 1, 48, Choice.FIGHT),
        (3, NOT_RECEIVED_KINDS, 1, 48, Choice.REFUND),  # 0.40 < 0.50 with room to spare
        (3, NOT_RECEIVED_KINDS, 9, 48, Choice.FIGHT),  # 0.40 ≥ 0.30 one order from the line
        (0, NOT_RECEIVED_KINDS, 9, 48, Choice.REFUND),  # 0.25 < 0.30 even there
        (9, NOT_RECEIVED_KINDS[:2], 1, 48, Choice.ASK_INFO),
        (9, NOT_RECEIVED_KINDS[:2], 1, 23, Choice.REFUND),
        (9, NOT_RECEIVED_KINDS[:2], 9, 23, Choice.FIGHT),
    ],
)
def test_recommendation_from_hand_made_facts(wins, kinds, defective, hours, expected):
    # 1,000 orders: 10 defective allowed; 1 defective leaves 9, 9 leave 1 (near the line).
    facts = hand_made_facts(chance_wins=wins, kinds=kinds, orders=1000, defective=defective, hours=hours)
    assert recommend(facts).recommendation == expected


# --- the choice --------------------------------------------------------------------------


def test_choosing_against_the_advice_keeps_both_and_says_so_on_the_timeline(world):
    claim = services.claim_choose(
        claim=world.claim_a, choice=Choice.REFUND, advised=Choice.FIGHT, by=world.agent_a, loaded=""
    )
    claim.refresh_from_db()
    assert (claim.choice, claim.choice_advised) == (Choice.REFUND, Choice.FIGHT)
    assert claim.chosen_at is not None
    event = ClaimEvent.objects.get(claim=claim, action=Action.CHOSEN)
    assert event.actor == world.agent_a
    assert worded(event).sentence == "Chosen: Refund (the desk advised Fight)"


def test_a_choice_changed_meanwhile_is_not_overwritten(world):
    services.claim_choose(
        claim=world.claim_a, choice=Choice.FIGHT, advised=Choice.FIGHT, by=world.agent_a, loaded=""
    )
    with pytest.raises(
        services.ClaimConflict, match="agent_a changed the choice between fighting and refunding"
    ):
        services.claim_choose(
            claim=world.claim_a, choice=Choice.REFUND, advised=Choice.FIGHT, by=world.manager_a, loaded=""
        )
    assert Claim.objects.get(pk=world.claim_a.pk).choice == Choice.FIGHT
    assert ClaimEvent.objects.filter(claim=world.claim_a, action=Action.CHOSEN).count() == 1


def test_an_unknown_choice_or_a_closed_claim_writes_nothing(world):
    with pytest.raises(services.ClaimError, match="Choose fight, refund or ask for information."):
        services.claim_choose(claim=world.claim_a, choice="maybe", advised="", by=world.agent_a, loaded="")
    Claim.objects.filter(pk=world.claim_a.pk).update(
        status=ClaimStatus.CLOSED, closed_at=timezone.now(), outcome=Outcome.DENIED
    )
    with pytest.raises(services.ClaimError, match="The platform has decided this claim"):
        services.claim_choose(
            claim=world.claim_a, choice=Choice.FIGHT, advised="", by=world.agent_a, loaded=""
        )
    assert not ClaimEvent.objects.filter(claim=world.claim_a, action=Action.CHOSEN).exists()


# --- the card on the claim page ----------------------------------------------------------


def test_claim_page_shows_the_advice_card_with_its_reasons(usually_won, agent_client):
    page = agent_client.get(reverse("disputes:claim", args=[usually_won.claim_a.pk])).content.decode()
    assert 'id="advice-card"' in page
    assert 'data-recommendation="ask_info"' in page
    assert "The store&#x27;s ODR is 0.33 %: 2 more defective orders keep it within 1 %." in page


def test_card_gives_the_record_of_the_claims_sku_as_its_orders_lines_are_now(usually_won, agent_client):
    """The team's record for the SKU of claim_a's order, from the kept tallies: a decided claim
    whose order's line changes SKU afterwards leaves that SKU's record."""
    line = {"quantity": 1, "item_price": "9.00"}
    OrderLine.objects.create(order=usually_won.order_a, line_key="K", sku="KETTLE-1L", **line)
    decided = Claim.objects.filter(store=usually_won.store_a).exclude(outcome="").order_by("pk")
    for claim in decided[:3]:  # team_record writes its 8 won (denied) claims first
        OrderLine.objects.create(order=claim.order, line_key="K", sku="KETTLE-1L", **line)
        OrderLine.objects.create(order=claim.order, line_key="K2", sku="KETTLE-1L", **line)
    url = reverse("disputes:claim", args=[usually_won.claim_a.pk])
    page = agent_client.get(url).content.decode()
    assert "“Item not received” claims for SKU KETTLE-1L: 3 won of 3 decided." in page
    OrderLine.objects.filter(order=decided[0].order, line_key="K2").update(sku="KETTLE-2L")
    page = agent_client.get(url).content.decode()
    assert "“Item not received” claims for SKU KETTLE-1L: 3 won of 3 decided." in page  # "K" is left
    OrderLine.objects.filter(order=decided[0].order, line_key="K").update(sku="KETTLE-2L")
    page = agent_client.get(url).content.decode()
    assert "“Item not received” claims for SKU KETTLE-1L: 2 won of 2 decided." in page


def test_card_posts_the_choice_and_answers_htmx_with_the_card(usually_won, agent_client):
    url = reverse("appeals:choose", args=[usually_won.claim_a.pk])
    data = {"choice": Choice.FIGHT, "advised": Choice.ASK_INFO, "loaded_choice": ""}
    answer = agent_client.post(url, data, headers={"HX-Request": "true"})
    assert answer.status_code == 200
    body = answer.content.decode()
    assert 'id="advice-chosen"' in body and "against the advice: Ask for information" in body
    assert "<html" not in body
    assert Claim.objects.get(pk=usually_won.claim_a.pk).choice == Choice.FIGHT

    # The same form posted again from a stale page: refused in place, the choice unchanged.
    stale = agent_client.post(url, {**data, "choice": Choice.REFUND}, headers={"HX-Request": "true"})
    assert 'id="advice-error"' in stale.content.decode()
    assert Claim.objects.get(pk=usually_won.claim_a.pk).choice == Choice.FIGHT


def test_card_without_htmx_redirects_back_to_the_claim(world, agent_client):
    answer = agent_client.post(
        reverse("appeals:choose", args=[world.claim_a.pk]),
        {"choice": Choice.REFUND, "advised": Choice.ASK_INFO, "loaded_choice": ""},
    )
    assert answer.status_code == 302
    assert answer["Location"] == reverse("disputes:claim", args=[world.claim_a.pk]) + "#advice-card"
    assert Claim.objects.get(pk=world.claim_a.pk).choice == Choice.REFUND


def test_card_alone_answers_the_evidence_refresh(usually_won, agent_client):
    add_evidence(usually_won.order_a, NOT_RECEIVED_KINDS)
    body = agent_client.get(reverse("appeals:advice", args=[usually_won.claim_a.pk])).content.decode()
    assert 'data-recommendation="fight"' in body
    assert "<html" not in body


@pytest.mark.parametrize("status", [ClaimStatus.DECIDED, ClaimStatus.CLOSED])
def test_decided_claim_card_gives_no_advice_but_the_choice_and_outcome(world, agent_client, status):
    url = reverse("appeals:advice", args=[world.claim_a.pk])
    assert 'data-recommendation="' in agent_client.get(url).content.decode()
    services.claim_choose(
        claim=world.claim_a, choice=Choice.FIGHT, advised=Choice.FIGHT, by=world.agent_a, loaded=""
    )
    Claim.objects.filter(pk=world.claim_a.pk).update(
        status=status, closed_at=timezone.now(), outcome=Outcome.DENIED
    )
    body = agent_client.get(url).content.decode()
    assert "Chosen: Fight. Outcome: Denied / closed in the seller&#x27;s favour." in body
    assert "data-recommendation" not in body


def test_advice_reads_in_chinese(usually_won):
    with translation.override("zh-hans"):
        advice = advised(usually_won)
        assert advice.words == "先索取信息"
        assert advice.because.startswith("缺少证据（")
        assert "该店铺的 ODR 为 0.33 %：再有 2 个缺陷订单仍在 1 % 以内。" in advice.reasons
