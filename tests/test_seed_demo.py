from django.contrib.auth import get_user_model
from django.core.management import call_command

from disputes.access import stores_for
from disputes.models import Membership, Store


def test_seed_demo_creates_two_stores_agents_and_a_manager(db, capsys):
    call_command("seed_demo")
    assert set(Store.objects.values_list("platform", flat=True)) == {"amazon", "ozon"}
    manager = get_user_model().objects.get(username="wang.manager")
    assert stores_for(manager).count() == 2
    assert Membership.objects.filter(role="agent").count() >= 2
    out = capsys.readouterr().out
    assert "lin.agent" in out and "desk-demo-2026" in out


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo")
    counts = (Store.objects.count(), get_user_model().objects.count(), Membership.objects.count())
    call_command("seed_demo")
    call_command("seed_demo", "--if-empty")
    assert (Store.objects.count(), get_user_model().objects.count(), Membership.objects.count()) == counts


def test_demo_agent_sees_only_their_store(db):
    call_command("seed_demo")
    olga = get_user_model().objects.get(username="olga.agent")
    assert list(stores_for(olga).values_list("name", flat=True)) == ["Ozon RU"]


def test_seed_demo_adds_buyer_threads_with_overdue_replies(db):
    from messaging.models import Message, ReplyState, Thread, UnmatchedMail

    call_command("seed_demo")
    awaiting = Message.objects.filter(reply_state=ReplyState.AWAITING)
    assert awaiting.count() >= 3
    from django.utils import timezone

    assert awaiting.filter(reply_by__lt=timezone.now()).count() >= 2
    assert Thread.objects.filter(off_platform="notice_sent").count() == 1
    assert UnmatchedMail.objects.count() == 1
    call_command("seed_demo")
    assert Message.objects.filter(reply_state=ReplyState.AWAITING).count() == awaiting.count()


def test_seed_demo_drafts_one_appeal_showing_the_claims_evidence(db):
    from appeals.models import Appeal

    call_command("seed_demo")
    appeal = Appeal.objects.get()
    version = appeal.versions.get()
    assert version.facts and version.conclusion
    assert [row.item.order_id for row in version.evidence.all()] == [appeal.claim.order_id]
    call_command("seed_demo")
    assert Appeal.objects.count() == 1


def test_every_app_registers_its_demo_seeder_in_app_order():
    from disputes import demo

    assert [seeder.__module__ for seeder in demo.seeders()] == [
        "evidence.demo",
        "messaging.demo",
        "appeals.demo",
    ]
