"""The board pack from the browser: the page starts the real board-pack flow, refreshes itself while it runs, and
the files it wrote are downloaded by the QA lead and a board member (web/board_pack.py)."""

from __future__ import annotations

import contextvars

import pytest

from tests.web.conftest import csrf_of, flows_started, sign_in
from web.board_pack import pack_folder, produce

pytestmark = [pytest.mark.prefect, pytest.mark.xdist_group("prefect")]


def test_the_qa_lead_produces_the_pack_and_the_board_downloads_the_pdf(prefect_harness, app, client, scored):
    harness = contextvars.copy_context()  # the flow thread runs against the test's Prefect harness
    app.state.produce_board_pack = lambda *args: harness.copy().run(produce, *args)
    token = sign_in(client, "demo-qa-lead")
    assert "Produce, download and send the board pack" in client.get("/cycles/1").text
    page = client.get("/cycles/1/board-pack")
    assert page.status_code == 200 and "The pack has not been produced yet" in page.text
    assert client.get("/results/1/pack/pdf").status_code == 404
    r = client.post("/cycles/1/board-pack", data={"csrf_token": token, "send": "no"})
    assert r.status_code == 303
    running = client.get("/cycles/1/board-pack").text
    assert '<meta http-equiv="refresh"' in running or "The board pack was produced" in running
    flows_started(app)
    for thread in app.state.flow_threads:
        thread.join(240)
        assert not thread.is_alive(), "the board pack flow should finish"
    done = client.get("/cycles/1/board-pack").text
    assert "The board pack was produced" in done and 'http-equiv="refresh"' not in done, done[:3000]
    for fmt, kind in (("html", "text/html"), ("pdf", "application/pdf"), ("xlsx", "spreadsheetml")):
        answer = client.get(f"/results/1/pack/{fmt}")
        assert answer.status_code == 200 and kind in answer.headers["content-type"]
    client.post("/sign-out", data={"csrf_token": csrf_of(done)})
    sign_in(client, "demo-board-member")
    pdf = client.get("/results/1/pack/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get("/cycles/1/board-pack").status_code == 403  # only the QA lead produces and sends it


def test_no_pack_page_before_a_cycle_has_results(client):
    sign_in(client, "demo-qa-lead")
    assert client.get("/cycles/1/board-pack").status_code == 404
    assert "Produce, download and send the board pack" not in client.get("/cycles/1").text


def test_the_board_finds_the_produced_paper_on_their_home_page_and_the_results(app, client, scored):
    """Once the QA lead has produced the pack, a board member reaches the PDF by a link, not by typing its address."""
    sign_in(client, "demo-board-member")
    assert "/results/1/pack/pdf" not in client.get("/").text, "no link before the pack is produced"
    assert "Download the board paper" not in client.get("/results/1").text
    folder = pack_folder(app.state.settings, 1)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "board-pack-cycle-1.pdf").write_bytes(b"%PDF-1.7 a produced pack")
    home, results = client.get("/").text, client.get("/results/1").text
    assert 'href="/results/1/pack/pdf"' in home and "Download the board paper of Web test cycle (PDF)" in home
    assert 'href="/results/1/pack/pdf"' in results and "Board paper (PDF)" in results
    assert "/pack/xlsx" not in home, "only the files the flow wrote are offered"
    assert client.get("/results/1/pack/pdf").content.startswith(b"%PDF")
