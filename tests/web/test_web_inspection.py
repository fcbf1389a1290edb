"""The inspection pack from the browser: the page starts the real inspection-pack flow, refreshes itself while
it runs, then offers the PDF, the workbook and the ZIP (web/inspection.py, flows/inspection_pack.py)."""

from __future__ import annotations

import contextvars
import io
import zipfile

import pytest

from tests.web.conftest import flows_started, sign_in
from web.inspection import produce

pytestmark = [pytest.mark.prefect, pytest.mark.xdist_group("prefect")]


def test_the_send_strategic_lead_produces_the_pack_and_downloads_it(prefect_harness, app, client, scored):
    harness = contextvars.copy_context()  # the flow thread runs against the test's Prefect harness
    app.state.produce_inspection = lambda *args: harness.copy().run(produce, *args)
    token = sign_in(client, "demo-send-strategic-lead")
    assert 'href="/inspection"' in client.get("/").text  # the navigation leads there
    assert 'href="/inspection/1"' in client.get("/inspection").text
    page = client.get("/inspection/1")
    assert page.status_code == 200 and "The pack has not been produced yet" in page.text
    assert client.get("/inspection/1/download/pdf").status_code == 404
    bad = client.post("/inspection/1", data={"csrf_token": token, "audience": "everyone", "deep_dive": "x"})
    assert bad.status_code == 400 and "Choose who the pack is for" in bad.text and "from 0 to 30" in bad.text
    r = client.post("/inspection/1", data={"csrf_token": token, "audience": "published", "deep_dive": "3"})
    assert r.status_code == 303
    running = client.get("/inspection/1").text
    assert '<meta http-equiv="refresh"' in running or "The inspection pack was produced" in running
    flows_started(app)
    for thread in app.state.flow_threads:
        thread.join(300)
        assert not thread.is_alive(), "the inspection pack flow should finish"
    done = client.get("/inspection/1").text
    assert "The inspection pack was produced" in done and 'http-equiv="refresh"' not in done, done[:3000]
    for fmt, kind in (("pdf", "application/pdf"), ("xlsx", "spreadsheetml"), ("zip", "application/zip")):
        answer = client.get(f"/inspection/1/download/{fmt}")
        assert answer.status_code == 200 and kind in answer.headers["content-type"], fmt
    with zipfile.ZipFile(io.BytesIO(client.get("/inspection/1/download/zip").content)) as archive:
        names = archive.namelist()
    assert names[0] == "README.txt" and "person-level-pseudonymised.csv" in names
    assert client.get("/inspection/1/download/csv").status_code == 404
