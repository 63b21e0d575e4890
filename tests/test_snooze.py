"""Snoozing a claim: out of the queue until its time, then back at the top of its owner's;
never past a platform deadline; the worker only reminds."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from disputes import dates, selectors, services, snooze, timeline
from disputes.models import Alert, AlertThreshold, Claim, ClaimEvent, Notification, Outcome

from .conftest import client_for
from .drafts import post_mortem
from .page_forms import form_data
from .test_queue import add_claims, queue_ids


def snooze_claim(world, claim=None, *, hours=5, by=None, note="Check the tracking again", now=None):
    claim = claim or world.claim_a
    now = now or timezone.now()
    return services.claim_snooze(
        claim=claim,
        until=now + timedelta(hours=hours),
        note=note,
        by=by or world.agent_a,
        version=Claim.objects.get(pk=claim.pk).version,
        now=now,
    )


def wordings(claim, action) -> list[str]:
    return [timeline.worded(event).sentence for event in claim.events.filter(action=action)]


def test_a_snoozed_claim_leaves_the_queue_until_its_time(world, agent_client):
    other = add_claims(world, 1, start_hours=100)[0]
    assert queue_ids(agent_client) == [world.claim_a.pk, other.pk]
    snoozed = snooze_claim(world)
    assert queue_ids(agent_client) == [other.pk]
    # Still found on purpose.
    assert queue_ids(agent_client, snoozed="snoozed") == [world.claim_a.pk]
    assert queue_ids(agent_client, snoozed="all") == [world.claim_a.pk, other.pk]
    claim = snoozed.claim
    assert claim.snooze_note == "Check the tracking again" and claim.snoozed_by == world.agent_a
    event = claim.events.get(action="snoozed")
    assert event.params["note"] == "Check the tracking again"
    assert wordings(claim, "snoozed")[0].startswith("Snoozed until ")


def test_when_its_time_comes_it_is_back_at_the_top_of_its_owners_queue(world):
    world.claim_a.assignee = world.agent_a
    world.claim_a.save()
    now = timezone.now()
    snooze_claim(world, hours=2, by=world.manager_a, now=now)
    later = now + timedelta(hours=3)
    # The assignee owns it, not the manager who snoozed it.
    assert [c.pk for c in selectors.back_from_snooze(world.agent_a, now=later)] == [world.claim_a.pk]
    assert selectors.back_from_snooze(world.manager_a, now=later) == []
    assert selectors.back_from_snooze(world.agent_a, now=now + timedelta(hours=1)) == []
    assert selectors.back_from_snooze(world.agent_b, now=later) == []
    # Awake again in the queue itself, in its deadline's place.
    filters = selectors.QueueFilters()
    assert world.claim_a in selectors.queue_claims(world.agent_a, filters, now=later)
    assert world.claim_a not in selectors.queue_claims(world.agent_a, filters, now=now)


def test_an_unassigned_claim_comes_back_to_whoever_snoozed_it(world):
    now = timezone.now()
    snooze_claim(world, hours=1, by=world.manager_a, now=now)
    later = now + timedelta(hours=2)
    assert [c.pk for c in selectors.back_from_snooze(world.manager_a, now=later)] == [world.claim_a.pk]
    assert selectors.back_from_snooze(world.agent_a, now=later) == []


def test_the_queue_page_shows_the_strip_and_taking_the_snooze_off_clears_it(world, agent_client):
    world.claim_a.assignee = world.agent_a
    world.claim_a.save()
    Claim.objects.filter(pk=world.claim_a.pk).update(
        snoozed_until=timezone.now() - timedelta(minutes=5), snoozed_by=world.agent_a, snooze_note="Tracking?"
    )
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    strip = body[body.index('id="back-from-snooze"') :]
    assert "Tracking?" in strip[: strip.index("</section>")]
    assert body.index('id="back-from-snooze"') < body.index('id="queue-results"')
    response = agent_client.post(
        reverse("disputes:claim_unsnooze", args=[world.claim_a.pk]), {"next": reverse("disputes:queue")}
    )
    assert response.status_code == 302 and response["Location"] == reverse("disputes:queue")
    body = agent_client.get(reverse("disputes:queue")).content.decode()
    assert 'id="back-from-snooze"' not in body
    claim = Claim.objects.get(pk=world.claim_a.pk)
    assert claim.snoozed_until is None and claim.snooze_note == ""
    assert wordings(claim, "unsnoozed")[0].startswith("Snooze removed (it was until ")


def test_a_snooze_past_the_deadlines_first_warning_is_cut_short(world):
    # respond_by is 46 hours away; the first warning (24 h, the default) comes in 22 hours.
    now = timezone.now()
    claim = Claim.objects.get(pk=world.claim_a.pk)
    snoozed = snooze_claim(world, hours=40, now=now)
    assert snoozed.until == claim.respond_by - timedelta(hours=24)
    assert snoozed.asked == now + timedelta(hours=40)
    sentence = wordings(snoozed.claim, "snoozed")[0]
    assert "asked for" in sentence and "first warning" in sentence


def test_a_claim_this_close_to_its_deadline_cannot_be_snoozed(world):
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=timezone.now() + timedelta(hours=10))
    with pytest.raises(services.ClaimError, match="answer first"):
        snooze_claim(world, hours=2)
    assert not ClaimEvent.objects.filter(action="snoozed").exists()


def test_a_deadline_moved_inside_the_snooze_wakes_the_claim_with_a_warning(world, agent_client):
    now = timezone.now()
    snooze_claim(world, hours=20, now=now)
    assert world.claim_a.pk not in queue_ids(agent_client)
    # The platform asked for information: the response is now due before the snooze ends.
    Claim.objects.filter(pk=world.claim_a.pk).update(respond_by=now + timedelta(hours=12))
    assert world.claim_a.pk in queue_ids(agent_client)
    body = agent_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    assert 'id="snooze-deadline-warning"' in body and "before the snooze ends" in body


def test_the_snooze_form_refuses_a_time_in_the_past_in_place(world, agent_client):
    url = reverse("disputes:claim", args=[world.claim_a.pk])
    data = form_data(agent_client.get(url).content.decode(), "snooze-form")
    data["snooze-until"] = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = agent_client.post(reverse("disputes:claim_snooze", args=[world.claim_a.pk]), data, follow=True)
    assert "Choose a time in the future." in response.content.decode()
    assert Claim.objects.get(pk=world.claim_a.pk).snoozed_until is None


def test_snoozing_from_the_claim_page(world, agent_client):
    url = reverse("disputes:claim", args=[world.claim_a.pk])
    data = form_data(agent_client.get(url).content.decode(), "snooze-form")
    until = timezone.localtime() + timedelta(hours=3)
    data.update({"snooze-until": until.strftime("%Y-%m-%dT%H:%M"), "snooze-note": "Ask the carrier"})
    response = agent_client.post(reverse("disputes:claim_snooze", args=[world.claim_a.pk]), data, follow=True)
    body = response.content.decode()
    assert f"Snoozed until {dates.moment_text(until.replace(second=0, microsecond=0))}." in body
    assert 'id="unsnooze-form"' in body and "Ask the carrier" in body


def test_a_stale_snooze_form_is_a_conflict(world, agent_client):
    url = reverse("disputes:claim", args=[world.claim_a.pk])
    data = form_data(agent_client.get(url).content.decode(), "snooze-form")
    services.claim_set_priority(claim=world.claim_a, priority=3, by=world.manager_a, loaded=2)
    data["snooze-until"] = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = agent_client.post(reverse("disputes:claim_snooze", args=[world.claim_a.pk]), data)
    assert response.status_code == 409
    assert Claim.objects.get(pk=world.claim_a.pk).snoozed_until is None


def test_closing_takes_the_snooze_off(world):
    snooze_claim(world)
    claim = services.claim_close(
        claim=world.claim_a,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        version=Claim.objects.get(pk=world.claim_a.pk).version,
        post_mortem=post_mortem(world.agent_a),
    )
    assert claim.snoozed_until is None and claim.snooze_alert_at is None
    assert list(claim.events.values_list("action", flat=True))[-6:-4] == ["unsnoozed", "status"]
    with pytest.raises(services.ClaimError, match="closed claim cannot be snoozed"):
        snooze_claim(world)


# --- the worker ---------------------------------------------------------------------------


def test_the_worker_reminds_the_owner_once(world):
    world.claim_a.assignee = world.agent_a
    world.claim_a.save()
    now = timezone.now()
    snooze_claim(world, hours=2, by=world.manager_a, now=now)
    assert snooze.remind_due(now + timedelta(hours=1)) == 0
    assert snooze.remind_due(now + timedelta(hours=2, minutes=1)) == 1
    assert snooze.remind_due(now + timedelta(hours=2, minutes=2)) == 0
    alert = Alert.objects.get(claim=world.claim_a, threshold=AlertThreshold.SNOOZE_END)
    note = Notification.objects.get(alert=alert)
    assert note.user == world.agent_a and note.email_due_at is None
    claim = Claim.objects.get(pk=world.claim_a.pk)
    assert claim.snooze_alert_at is None and claim.snoozed_until is not None  # still at the top
    assert wordings(claim, "snooze_ended") == [
        "Snooze ended: the claim is back at the top of agent_a's queue"
    ]
    body = client_for(world.agent_a).get(reverse("disputes:alerts")).content.decode()
    assert "the snooze has ended" in body


def test_a_snooze_taken_off_early_owes_no_reminder(world):
    now = timezone.now()
    snooze_claim(world, hours=2, now=now)
    services.claim_unsnooze(claim=world.claim_a, by=world.agent_a)
    assert snooze.remind_due(now + timedelta(hours=3)) == 0
    assert not Alert.objects.filter(threshold=AlertThreshold.SNOOZE_END).exists()


def test_a_second_snooze_gets_its_own_reminder(world):
    now = timezone.now()
    snooze_claim(world, hours=1, now=now)
    assert snooze.remind_due(now + timedelta(hours=1)) == 1
    services.claim_unsnooze(claim=world.claim_a, by=world.agent_a)
    snooze_claim(world, hours=2, now=now + timedelta(hours=1))
    assert snooze.remind_due(now + timedelta(hours=3)) == 1
    assert Alert.objects.filter(threshold=AlertThreshold.SNOOZE_END).count() == 2


def test_the_timeline_speaks_chinese_too(world):
    now = timezone.now()
    snoozed = snooze_claim(world, hours=40, now=now)
    services.claim_unsnooze(claim=snoozed.claim, by=world.agent_a)
    with translation.override("zh-hans"):
        sentences = [timeline.worded(event).sentence for event in snoozed.claim.events.all()]
    assert any(sentence.startswith("已暂缓至") for sentence in sentences), sentences
    assert any(sentence.startswith("已取消暂缓") for sentence in sentences), sentences


def test_beat_runs_the_snooze_sweep_every_minute(settings):
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "disputes.tasks.remind_snoozed_claims"
    )
    assert entry["schedule"] == float(settings.DESK_SWEEP_EVERY_SECONDS)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_reminds_the_owner_and_prunes_presence(world, tmp_path):
    from disputes import presence
    from disputes.models import ClaimPresence
    from disputes.tasks import remind_snoozed_claims

    from .worker import celery_worker, wait_for

    now = timezone.now()
    Claim.objects.filter(pk=world.claim_a.pk).update(
        snoozed_until=now - timedelta(minutes=1),
        snooze_alert_at=now - timedelta(minutes=1),
        snoozed_by=world.agent_a,
    )
    presence.poll(world.manager_a, world.claim_a.pk, typing=False, now=now - timedelta(hours=2))
    log = tmp_path / "worker.log"
    with celery_worker(log) as queue:
        remind_snoozed_claims.apply_async(queue=queue)
        wait_for(lambda: Notification.objects.filter(alert__threshold="snooze_end").exists(), log_path=log)
    assert Notification.objects.get(alert__threshold="snooze_end").user == world.agent_a
    assert not ClaimPresence.objects.exists()


def test_the_snooze_and_presence_speak_chinese(world, agent_client):
    agent_client.post(reverse("preferences"), {"language": "zh-hans"})
    body = agent_client.get(reverse("disputes:claim", args=[world.claim_a.pk])).content.decode()
    card = body[body.index('id="snooze"') :]
    card = card[: card.index("</section>")]
    assert "暂缓至" in card and "最晚至" in card and "Snooze" not in card
    client_for(world.manager_a).post(
        reverse("disputes:claim_presence", args=[world.claim_a.pk]), {"typing": "1"}
    )
    shown = agent_client.post(reverse("disputes:claim_presence", args=[world.claim_a.pk])).content.decode()
    assert "manager_a 正在回复" in shown
