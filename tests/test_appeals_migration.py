"""The appeal models moved from `disputes` to `appeals` without touching the database: a desk
migrated before the move keeps every appeal, version and exhibit, and its permissions."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from appeals.models import Appeal

pytestmark = pytest.mark.django_db(transaction=True)

T = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
BEFORE_THE_MOVE = ("disputes", "0003_squashed_alerts_and_appeals")
MOVED = ["appeal", "appealversion", "appealevidence"]


def latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.fixture
def before_the_move():
    """The database as it was before appeals had their own app; the historical models."""
    executor = MigrationExecutor(connection)
    others = [
        _latest_before_the_move(executor, leaf)
        for leaf in executor.loader.graph.leaf_nodes()
        if leaf[0] not in ("disputes", "appeals")
    ]
    executor.migrate([("appeals", None), BEFORE_THE_MOVE, *others])
    reached = [node for node in others if node[1] is not None]
    yield MigrationExecutor(connection).loader.project_state([BEFORE_THE_MOVE, *reached]).apps
    latest()


def _latest_before_the_move(executor: MigrationExecutor, leaf: tuple[str, str]) -> tuple[str, str | None]:
    """The last migration of the leaf's app that needs nothing of disputes after the move (apps
    added later, e.g. connectors, are unapplied whole)."""
    graph = executor.loader.graph
    before = set(graph.forwards_plan(BEFORE_THE_MOVE))
    fitting = None
    for node in graph.forwards_plan(leaf):
        if node[0] == leaf[0] and all(
            dep[0] != "disputes" or dep in before for dep in graph.forwards_plan(node)
        ):
            fitting = node
    return fitting or (leaf[0], None)


def an_appeal(apps):
    """A submitted appeal of a claim, with one version showing one exhibit, in the old tables."""
    get = apps.get_model
    store = get("disputes", "Store").objects.create(
        name="Move store", platform="amazon", marketplace="US", time_zone="UTC", currency="USD"
    )
    order = get("disputes", "Order").objects.create(
        store=store, platform_order_id="M-1", purchased_at=T, currency="USD", total=0
    )
    claim = get("disputes", "Claim").objects.create(
        store=store, order=order, kind="a_to_z", reason="not_received", opened_at=T
    )
    item = get("evidence", "EvidenceItem").objects.create(
        store=store,
        order=order,
        kind="tracking_history",
        captured_at=T,
        original_name="tracking.pdf",
        size=10,
        file_type="pdf",
        content_type="application/pdf",
        sha256="0" * 64,
        storage_name="move/tracking.pdf",
    )
    appeal = get("disputes", "Appeal").objects.create(claim=claim, store=store, kind="claim_response")
    version = get("disputes", "AppealVersion").objects.create(
        appeal=appeal, number=1, facts=["The parcel was delivered."], conclusion="Deny the claim."
    )
    get("disputes", "AppealEvidence").objects.create(
        version=version, item=item, position=1, caption="The carrier's scans."
    )
    appeal.submitted_version, appeal.submitted_at, appeal.submitted_where = version, T, "Seller Central"
    appeal.save()
    return appeal.pk


def test_appeals_stored_before_the_move_are_all_there_after_it(before_the_move):
    appeal_id = an_appeal(before_the_move)

    latest()
    appeal = Appeal.objects.select_related("claim", "submitted_version").get(pk=appeal_id)
    assert appeal.claim.platform_claim_id == "" and appeal.claim.order.platform_order_id == "M-1"
    assert appeal.is_submitted and appeal.submitted_version.number == 1
    [version] = appeal.versions.all()
    assert version.facts == ["The parcel was delivered."]
    [shown] = version.evidence.select_related("item")
    assert (shown.caption, shown.item.original_name) == ("The carrier's scans.", "tracking.pdf")
    assert [a.pk for a in appeal.claim.appeals.all()] == [appeal_id]


def test_the_appeal_permissions_move_with_their_models(before_the_move):
    # A desk set up before the move has its content types (and the permissions granted on them)
    # under the old app label.
    ContentType.objects.filter(app_label="appeals").delete()
    for model in MOVED:
        kind, _created = ContentType.objects.get_or_create(app_label="disputes", model=model)
        Permission.objects.get_or_create(
            content_type=kind, codename=f"change_{model}", defaults={"name": f"Can change {model}"}
        )
    ContentType.objects.clear_cache()

    latest()
    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(app_label="disputes", model__in=MOVED).exists()
    assert set(
        Permission.objects.filter(content_type__app_label="appeals").values_list("codename", flat=True)
    ) >= {f"change_{model}" for model in MOVED}
