import csv
import io
from pathlib import Path

import pytest

from disputes import services
from disputes.models import OrderLine, Outcome, RootCause

from ..conftest import PASSWORD
from ..drafts import post_mortem
from .conftest import log_in, nav_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_win_rates_by_sku_and_exports_them(page, world):
    OrderLine.objects.create(
        order=world.order_a, line_key="KETTLE-1L", sku="KETTLE-1L", title="Kettle", quantity=1, item_price=25
    )
    claim = world.claim_a
    services.claim_close(
        claim=claim,
        outcome=Outcome.DENIED,
        by=world.agent_a,
        version=claim.version,
        post_mortem=post_mortem(world.agent_a, root_cause=RootCause.BUYER_ABUSE),
    )
    log_in(page, "manager_a", PASSWORD)
    nav_to(page, "Post-mortems")
    page.wait_for_selector("h1:text('Post-mortems')")
    assert page.inner_text("#pm-win-rate") == "100%"
    page.select_option("#id_group", "sku")
    page.click("form.filters button")
    page.wait_for_selector("#pm-groups >> text=KETTLE-1L")
    assert "group=sku" in page.url
    with page.expect_download() as download:
        page.click("#csv-export")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert [(row["Products (SKU)"], row["Root cause"], row["Won"]) for row in rows] == [
        ("KETTLE-1L", str(RootCause.BUYER_ABUSE.label), "Yes")
    ]
    assert page.csp_violations == []
