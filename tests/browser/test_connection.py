"""A manager connects an Ozon store from its store page, is told in words when the key is wrong,
and sees the sync's status once a real worker has synced it."""

import pytest

from disputes.models import Order, Platform

from ..conftest import PASSWORD
from ..fakes.ozon_api import API_KEY, CLIENT_ID, posting, serving
from ..worker import celery_worker
from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _sync_and_wait(page, state: str) -> None:
    page.click("button:text('Sync now')")
    page.wait_for_selector("text=A sync was queued")
    for _ in range(60):
        page.reload()
        if page.get_attribute("#sync-status [data-state]", "data-state") == state:
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"the status never became {state}: {page.inner_text('#sync-status')}")


def test_manager_connects_a_store_sees_a_clear_error_then_the_sync_status(page, world, settings, tmp_path):
    store = world.store_a
    store.platform, store.currency = Platform.OZON, "RUB"
    store.save()
    with serving() as ozon:
        ozon.fbs = [posting("12345678-0001-1"), posting("12345679-0001-1")]
        settings.DESK_CONNECTOR_BASE_URLS = {"ozon": ozon.base}
        env = {"DESK_CONNECTOR_BASE_URLS": f"ozon={ozon.base}", "DESK_CONNECTOR_MAX_WAIT": "0.05"}
        with celery_worker(tmp_path / "worker.log", env=env, every_task=True):
            log_in(page, "manager_a", PASSWORD)
            page.goto(f"/stores/{store.pk}/")
            page.click("#connection-card a")
            page.wait_for_selector("h1:text('Marketplace connection')")
            page.fill("input[name=client_id]", CLIENT_ID)
            page.fill("input[name=api_key]", "a-key-ozon-does-not-know")
            page.click("button:text('Connect')")
            page.wait_for_selector("text=Connection saved")

            page.click("button:text('Test connection')")
            result = page.wait_for_selector("#test-result [data-ok='0']")
            assert result.inner_text() == (
                "Ozon refused the credentials (403 Invalid Api-Key, please contact support): connect the store again."
            )
            _sync_and_wait(page, "failing")
            assert "Ozon refused the credentials" in page.inner_text("#last-error")

            # The key is never shown again; a right one replaces it.
            assert page.input_value("input[name=api_key]") == ""
            page.fill("input[name=api_key]", API_KEY)
            page.click("button:text('Save')")
            page.click("button:text('Test connection')")
            assert (
                "Connected to Ozon as ООО «Ромашка»"
                in page.wait_for_selector("#test-result [data-ok='1']").inner_text()
            )
            _sync_and_wait(page, "ok")
            status = page.inner_text("#sync-status")
            assert "Syncing" in status and "Last error" not in status
            assert page.locator("#sync-status dd").nth(1).inner_text() != "—"  # the last success
    assert set(Order.objects.filter(store=store).values_list("platform_order_id", flat=True)) == {
        world.order_a.platform_order_id,  # entered by hand before the store was connected
        "12345678-0001-1",
        "12345679-0001-1",
    }
    assert API_KEY not in page.content()
    assert page.csp_violations == []
