import pytest
from django.conf import settings

from disputes.models import WorkerHeartbeat
from disputes.tasks import record_heartbeat

from .worker import celery_worker, wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_an_enqueued_task_against_the_database(tmp_path):
    log = tmp_path / "worker.log"
    with celery_worker(log) as queue:
        record_heartbeat.apply_async(kwargs={"source": "test-worker"}, queue=queue)
        wait_for(lambda: WorkerHeartbeat.objects.filter(source="test-worker").exists(), log_path=log)
    assert "ready" in log.read_text()
    expected = "redis://" if settings.REDIS_URL else "filesystem://"
    assert settings.CELERY_BROKER_URL.startswith(expected)


def test_heartbeat_task_updates_the_same_row(db):
    record_heartbeat(source="beat")
    first = WorkerHeartbeat.objects.get(source="beat").last_seen
    record_heartbeat(source="beat")
    assert WorkerHeartbeat.objects.filter(source="beat").count() == 1
    assert WorkerHeartbeat.objects.get(source="beat").last_seen >= first


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_catches_up_missed_alerts_once_even_with_two_sweeps_at_once(world, tmp_path):
    from datetime import timedelta

    from django.utils import timezone

    from disputes import alerts, services
    from disputes.models import Alert, ClaimKind, DeadlineRule, Reason
    from disputes.tasks import sweep_claim_alerts

    # On a 48-hour window, opened 50 hours ago and scheduled then: every threshold passed while
    # no worker ran.
    DeadlineRule.objects.filter(platform="amazon", claim_kind="a_to_z", deadline="respond").update(length=48)
    opened = timezone.now() - timedelta(hours=50)
    claims = []
    for _ in range(5):
        claim = services.claim_open(
            order=world.order_a,
            kind=ClaimKind.A_TO_Z,
            reason=Reason.NOT_RECEIVED,
            by=world.agent_a,
            opened_at=opened,
            assignee=world.agent_a,
        )
        alerts.schedule(claim, now=opened)
        claim.save(update_fields=["next_alert_at", "next_alert_threshold"])
        claims.append(claim)
    log = tmp_path / "worker.log"
    with celery_worker(log, concurrency=2) as queue:
        sweep_claim_alerts.apply_async(queue=queue)
        sweep_claim_alerts.apply_async(queue=queue)
        wait_for(
            lambda: (
                WorkerHeartbeat.objects.filter(source="sweep").exists()
                and Alert.objects.filter(claim__in=claims).count() >= 20
            ),
            log_path=log,
        )
        sweep_claim_alerts.apply_async(queue=queue)
        wait_for(lambda: log.read_text().count("sweep_claim_alerts") >= 6, log_path=log)
    for claim in claims:
        assert list(
            Alert.objects.filter(claim=claim)
            .order_by("scheduled_for", "threshold")
            .values_list("threshold", flat=True)
        ) == ["warn_24h", "warn_6h", "due", "overdue"]
