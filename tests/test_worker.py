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
