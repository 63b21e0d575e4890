"""The migrations that gave the timeline its vocabulary turn the rows written before them, free
text in English or Chinese, into codes and parameters that read as sentences."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from disputes import timeline
from disputes.models import ClaimEvent as Event
from evidence.models import EvidenceEvent as Audit

pytestmark = pytest.mark.django_db(transaction=True)

T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def migrate(*targets: tuple[str, str]):
    """Migrate the apps named to these migrations (every other app stays at its latest, or goes
    back as far as it must) and return the historical models as they stand there."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    apps = {app for app, _name in targets}
    wanted = {node for target in targets for node in graph.forwards_plan(target)}

    def fits(node) -> bool:
        return all(n[0] not in apps or n in wanted for n in graph.forwards_plan(node))

    others = []
    for leaf in graph.leaf_nodes():
        if leaf[0] not in apps:
            own = [node for node in graph.forwards_plan(leaf) if node[0] == leaf[0]]
            others.append(next((node for node in reversed(own) if fits(node)), (leaf[0], None)))
    executor.migrate([*targets, *others])
    applied = [node for node in [*targets, *others] if node[1] is not None]
    return MigrationExecutor(connection).loader.project_state(applied).apps


@pytest.fixture
def back_to_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def an_order(apps):
    Store = apps.get_model("disputes", "Store")
    Order = apps.get_model("disputes", "Order")
    store = Store.objects.create(
        name="Migration store", platform="ozon", marketplace="RU", time_zone="Europe/Moscow", currency="RUB"
    )
    return Order.objects.create(store=store, platform_order_id="M-1", purchased_at=T, currency="RUB", total=0)


def test_old_timeline_rows_become_codes_and_parameters_that_read_as_sentences(back_to_latest):
    old = migrate(("disputes", "0004_appeals_move_to_their_own_app"), ("evidence", "0001_squashed_initial"))
    Claim, ClaimEvent = old.get_model("disputes", "Claim"), old.get_model("disputes", "ClaimEvent")
    EvidenceItem, EvidenceEvent = (
        old.get_model("evidence", "EvidenceItem"),
        old.get_model("evidence", "EvidenceEvent"),
    )
    order = an_order(old)
    claim = Claim.objects.create(
        store_id=order.store_id, order=order, kind="ozon_dispute", reason="damaged", opened_at=T
    )
    rows = {
        action: ClaimEvent.objects.create(
            claim=claim, at=T, action=action, before=before, after=after, note=note
        )
        for action, before, after, note in [
            ("opened", "", "Ozon dispute", "商品损坏"),
            ("deadline_set", "", "2026-12-01T12:28:09.875278+00:00", "24 calendar hours from the opening"),
            ("status", "新建", "In progress", "Called the buyer"),
            ("priority", "Normal", "Urgent", ""),
            ("alert", "", "warn_6h", "raised 75 minutes late"),
            ("action_set", "", "agent_a", "Photograph every kettle (2026-12-03)"),
            ("appeal_saved", "", "Appeal of a granted claim v2", "3 facts, 2 evidence items"),
            ("appeal_decided", "", "Lost: granted to the buyer · Platform-funded", ""),
            ("status_legacy", "x", "y", ""),
        ]
    }
    item = EvidenceItem.objects.create(
        store_id=order.store_id,
        order=order,
        kind="buyer_media",
        original_name="crack.jpg",
        size=1,
        sha256="ab" * 32,
        storage_name="x",
        captured_at=T,
    )
    added = EvidenceEvent.objects.create(
        item=item,
        order=order,
        action="evidence_added",
        after="Buyer's photo or video: crack.jpg",
        note="SHA-256 abc",
    )

    migrate(*MigrationExecutor(connection).loader.graph.leaf_nodes())
    params = {action: Event.objects.get(pk=row.pk).params for action, row in rows.items()}
    assert params["opened"] == {"kind": "ozon_dispute", "reason": "damaged"}
    assert params["status"] == {"was_status": "new", "status": "in_progress", "note": "Called the buyer"}
    assert params["priority"] == {"was_priority": 2, "priority": 4}
    assert params["alert"] == {"threshold": "warn_6h", "late_minutes": 75}
    assert params["action_set"] == {
        "owner": "agent_a",
        "description": "Photograph every kettle",
        "due_on": "2026-12-03",
    }
    assert params["appeal_saved"] == {"appeal_kind": "appeal", "version": 2, "facts": 3, "items": 2}
    assert params["appeal_decided"] == {"decision": "lost", "funding": "platform"}
    assert Audit.objects.get(pk=added.pk).params == {
        "evidence_kind": "buyer_media",
        "name": "crack.jpg",
        "sha256": "abc",
    }

    def sentence(pk):
        return timeline.worded(Event.objects.get(pk=pk)).sentence

    assert sentence(rows["deadline_set"].pk) == "Deadline set: respond by 2026-12-01 12:28 UTC"
    assert sentence(rows["status"].pk) == "Status changed from New to In progress"
    assert sentence(rows["status_legacy"].pk) == "Status legacy: x, y"
