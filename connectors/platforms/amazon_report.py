"""Amazon's All Orders report through the Reports API, fed to the desk's own importer.

Once a day the stream asks Amazon for the report of orders updated since the last one
(createReport), and at each later sync looks whether it is ready (getReport) — it never waits
in a worker for Amazon to build it. A finished report's document (gzip, at a pre-signed URL that
takes no token) is unpacked to a temporary file and imported exactly as an uploaded report is
(disputes/import_jobs.py → disputes/importing.py): one code path for orders, the import recorded
in the store's import history. Importing the same rows again changes nothing. It is read before
the orders stream, which then reads again from when the report was asked for (see
`_rewind_orders`), so a report never leaves an order older than the API had it.

The cursor says what is pending: {"since", "report"?, "asked_at"?, "next_at"?}. Each step is its
own page, so a sync cut short never asks for a second report while one is being built."""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from disputes import import_jobs
from disputes.models import ImportSource

from ..base import Page
from ..http import ConnectorError, Http
from ..models import SyncCursor
from .amazon import ALL_ORDERS, FIRST_WINDOW, REPORT_EVERY, SETTLE, moment, stamp

if TYPE_CHECKING:
    from .amazon import Amazon

# The next report starts this long before the last one was asked for: rows read twice are
# recognised by the importer and passed over.
OVERLAP = timedelta(hours=1)
CHUNK = 1 << 20


class AllOrdersReport:
    name = "all_orders_report"

    def __init__(self, amazon: Amazon) -> None:
        self.amazon = amazon
        # The document's URL is Amazon's storage, not the API: no token goes there.
        self.download = Http(amazon.http.base, platform="Amazon")

    def pull(self, cursor: str | None) -> Iterator[Page]:
        now = timezone.now()
        state = json.loads(cursor) if cursor else {"since": stamp(now - FIRST_WINDOW)}
        if not state.get("report"):
            next_at = moment(state.get("next_at"))
            if next_at and now < next_at:
                return
            created = self.amazon.http.post_json(
                "/reports/2021-06-30/reports",
                {
                    "reportType": ALL_ORDERS,
                    "marketplaceIds": [self.amazon.marketplace_id],
                    "dataStartTime": state["since"],
                },
                what=_("the All Orders report"),
                operation="createReport",
            )
            state = {**state, "report": str(created["reportId"]), "asked_at": stamp(now)}
            yield Page(records=[], cursor=json.dumps(state))
        report = self.amazon.http.get_json(
            f"/reports/2021-06-30/reports/{state['report']}",
            what=_("the All Orders report"),
            operation="getReport",
        )
        status = report.get("processingStatus")
        if status in ("IN_QUEUE", "IN_PROGRESS"):
            return  # Amazon is still building it: a later sync looks again
        asked_at = moment(state.get("asked_at")) or now
        done = {"since": stamp(asked_at - OVERLAP), "next_at": stamp(now + REPORT_EVERY)}
        if status == "CANCELLED":
            # Amazon cancels a report that would be empty: nothing was updated since.
            yield Page(records=[], cursor=json.dumps(done))
            return
        if status != "DONE":
            yield Page(records=[], cursor=json.dumps({"since": state["since"]}))
            raise ConnectorError(
                _("Amazon could not build the All Orders report (%(status)s); the next sync asks again.")
                % {"status": status or "?"}
            )
        problem = self._import(str(report["reportDocumentId"]))
        if problem:
            # The same document would fail the same way: ask for a new report next time.
            yield Page(records=[], cursor=json.dumps({"since": state["since"]}))
            raise ConnectorError(problem)
        self._rewind_orders(asked_at)
        yield Page(records=[], cursor=json.dumps(done))

    def _rewind_orders(self, asked_at: datetime) -> None:
        """The report shows orders as they were when Amazon built it; the Orders API may have
        brought newer news of some since. The orders stream (read after this one) reads again
        from when the report was asked for, so the newer state is written last."""
        row = SyncCursor.objects.filter(connection=self.amazon.connection, stream="orders").first()
        if row is None:
            return
        start = asked_at - SETTLE
        after = moment(json.loads(row.value).get("after"))
        if after is None or after > start:
            SyncCursor.objects.filter(pk=row.pk).update(value=json.dumps({"after": stamp(start)}))

    def _import(self, document_id: str) -> str:
        """Import the report document; returns what went wrong in words, or ""."""
        document = self.amazon.http.get_json(
            f"/reports/2021-06-30/documents/{document_id}",
            what=_("the All Orders report"),
            operation="getReportDocument",
        )
        store = self.amazon.connection.store
        with tempfile.TemporaryDirectory(prefix="amazon-report-") as folder:
            name = f"amazon-all-orders-{timezone.localdate():%Y-%m-%d}.txt"
            path = Path(folder) / name
            response = self.download.request(
                "GET", document["url"], what=_("the report document"), stream=True
            )
            with response, open(path, "wb") as out:
                if document.get("compressionAlgorithm") == "GZIP":
                    try:
                        with gzip.GzipFile(fileobj=response.raw) as unpacked:
                            shutil.copyfileobj(unpacked, out, CHUNK)
                    except (OSError, EOFError):
                        return _("Amazon's All Orders report could not be unpacked (it is not gzip).")
                else:
                    for chunk in response.iter_content(CHUNK):
                        out.write(chunk)
            _job, result = import_jobs.run_in_process(
                store=store, path=path, others=[], source=ImportSource.API
            )
        if result.ok:
            return ""
        if result.busy:
            # Someone is importing a report into the store right now: this one waits for the next sync.
            raise ConnectorError(
                _("An import into the store was running; the next sync imports Amazon's report.")
            )
        first = result.errors[0] if result.errors else None
        where = _("line %(line)s: ") % {"line": first.line} if first and first.line else ""
        return _("Amazon's All Orders report was not imported (%(where)s%(message)s).") % {
            "where": where,
            "message": first.message if first else "?",
        }
