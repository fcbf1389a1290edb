"""Uploads of the register and auditors from the browser: checked whole, confirmed, then imported (web/uploads.py)."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from audit.store.db import transaction
from audit.store.models import Auditor, Plan
from tests.web.conftest import csrf_of, engine_of, sign_in

HEADER = ("plan_ref,team,phase,year_group,primary_need,setting_type,status,case_officer,request_date,"
          "final_issued_date\n")


def register(rows: list[str]) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def plans(app) -> int:
    with transaction(engine_of(app)) as session:
        return session.exec(select(func.count(Plan.id))).one()


def test_a_register_with_errors_is_refused_whole_then_a_good_one_is_confirmed(client, app):
    token = sign_in(client, "demo-qa-lead")
    before = plans(app)
    bad = register(["UP-1,North,primary,3,ASD,mainstream,active,CO-01,2025-01-10,2025-05-01",
                    "UP-2,North,primary,3,ASD,mainstream,active,CO-01,31/02/2025,2025-05-01"])
    r = client.post("/imports/register", data={"csrf_token": token},
                    files={"file": ("export.csv", bad, "text/csv")})
    assert r.status_code == 400
    assert "There is a problem" in r.text and "export.csv, row 3, column" in r.text and "Fix:" in r.text
    assert plans(app) == before
    good = register(["UP-1,North,primary,3,ASD,mainstream,active,CO-01,2025-01-10,2025-05-01",
                     "UP-2,North,primary,3,ASD,mainstream,active,CO-01,2025-02-10,2025-05-01"])
    r = client.post("/imports/register", data={"csrf_token": token},
                    files={"file": ("export.csv", good, "text/csv")})
    assert r.status_code == 303, r.text[r.text.find("govuk-error-summary"):][:1500]
    confirm = client.get(r.headers["location"])
    assert "2 plans not yet stored" in confirm.text and plans(app) == before
    r = client.post(r.headers["location"] + "/confirm", data={"csrf_token": csrf_of(confirm.text)})
    assert r.status_code == 303
    done = client.get("/imports")
    assert "Imported 2 plans from export.csv: 2 new, 0 updated" in done.text
    assert plans(app) == before + 2


def test_an_upload_held_for_one_session_is_not_found_by_another(client, app, settings):
    from fastapi.testclient import TestClient

    token = sign_in(client, "demo-qa-lead")
    r = client.post("/imports/auditors", data={"csrf_token": token},
                    files={"file": ("auditors.csv", b"code,agency\nAUD-NEW-01,health\n", "text/csv")})
    assert r.status_code == 303
    assert r.headers["location"] in client.get("/imports").text, "the imports page links to what waits"
    with TestClient(app, follow_redirects=False) as other:
        token2 = sign_in(other, "demo-qa-lead")
        assert other.get(r.headers["location"]).status_code == 404
        assert other.post(r.headers["location"] + "/confirm", data={"csrf_token": token2}).status_code == 404
        assert r.headers["location"] not in other.get("/imports").text
    with transaction(engine_of(app)) as session:
        assert session.exec(select(Auditor).where(Auditor.code == "AUD-NEW-01")).first() is None


def test_wrong_file_types_and_too_large_files_are_refused(client, app, settings):
    token = sign_in(client, "demo-qa-lead")
    r = client.post("/imports/register", data={"csrf_token": token},
                    files={"file": ("notes.docx", b"hello", "application/octet-stream")})
    assert r.status_code == 400 and "must be a CSV or XLSX file" in r.text
    r = client.post("/imports/register", data={"csrf_token": token})
    assert r.status_code == 400 and "Choose the plan register file" in r.text
    app.state.settings.max_import_bytes = 2_000
    r = client.post("/imports/register", data={"csrf_token": token},
                    files={"file": ("big.csv", HEADER.encode() + b"x" * 5_000, "text/csv")})
    assert r.status_code == 400 and "more than the 2,000 bytes allowed" in r.text


def test_only_the_qa_lead_may_upload(client):
    token = sign_in(client, "demo-board-member")
    r = client.post("/imports/register", data={"csrf_token": token},
                    files={"file": ("export.csv", register([]), "text/csv")})
    assert r.status_code == 403


MAPPING = b'''columns:
  "EHCP Ref": plan_ref
  "Locality": team
  "Key Stage": phase
  "NC Year": year_group
  "Primary Need": primary_need
  "Placement": setting_type
  "Plan Status": status
  "Caseworker": case_officer
  "Date of Request": request_date
values:
  primary_need:
    "Autistic Spectrum Disorder": ASD
  phase:
    "Key Stage 2": primary
  status:
    "Open": active
'''
EXPORT = ("EHCP Ref,Locality,Key Stage,NC Year,Primary Need,Placement,Plan Status,Caseworker,Date of Request\n"
          "E-1,North,Key Stage 2,3,Autistic Spectrum Disorder,Mainstream,Open,CW-1,02/09/2024\n")


def test_a_new_column_mapping_is_used_then_saved_for_the_next_export(client, app, settings):
    token = sign_in(client, "demo-qa-lead")
    r = client.post("/imports/register", data={"csrf_token": token},
                    files={"file": ("export.csv", EXPORT.encode(), "text/csv"),
                           "mapping_file": ("our-system.yaml", MAPPING, "application/yaml")})
    assert r.status_code == 303
    assert "our-system.yaml" in client.get(r.headers["location"]).text
    assert client.post(r.headers["location"] + "/confirm", data={"csrf_token": token}).status_code == 303
    page = client.get("/imports").text
    assert "Imported 1 plans from export.csv: 1 new" in page
    assert 'value="our-system.yaml"' in page, "the mapping is offered as a saved one"
    again = EXPORT.replace("Autistic Spectrum Disorder", "Autism")
    r = client.post("/imports/register", data={"csrf_token": token, "mapping": "our-system.yaml"},
                    files={"file": ("export.csv", again.encode(), "text/csv")})
    assert r.status_code == 400 and "column &#39;Primary Need&#39;" in r.text, "problems name the export's heading"
    r = client.post("/imports/register", data={"csrf_token": token, "mapping": "../secret_key"},
                    files={"file": ("export.csv", EXPORT.encode(), "text/csv")})
    assert r.status_code == 400 and "Choose one of the saved column mappings" in r.text


def test_uploads_may_be_larger_than_a_form_but_no_other_address_may(settings):
    from fastapi.testclient import TestClient

    from web.app import create_app

    app = create_app(settings.model_copy(update={"max_request_bytes": 10_000}))
    rows = [f"BIG-{i},North,primary,3,ASD,mainstream,active,CO-01,2025-01-10,2025-05-01" for i in range(600)]
    body = register(rows)
    assert len(body) > 30_000
    with TestClient(app, follow_redirects=False) as client:
        token = sign_in(client, "demo-qa-lead")
        r = client.post("/imports/register", data={"csrf_token": token},
                        files={"file": ("big.csv", body, "text/csv")})
        assert r.status_code == 303 and "600 plans not yet stored" in client.get(r.headers["location"]).text
        r = client.post("/cycles/new", data={"csrf_token": token, "name": "x" * 40_000})
        assert r.status_code == 413
    app.state.engine.dispose()


@pytest.mark.prefect
def test_a_large_upload_is_imported_by_a_flow_run_while_its_page_refreshes(prefect_harness, client, app):
    import contextvars
    import threading

    from web.uploads import run_import

    harness, gate = contextvars.copy_context(), threading.Event()

    def held_then_run(*args):  # waits until the test has seen the page while the import runs
        gate.wait(60)
        harness.copy().run(run_import, *args)

    app.state.run_import, app.state.big_import_rows = held_then_run, 1
    token = sign_in(client, "demo-qa-lead")
    before = plans(app)
    r = client.post("/imports/register", data={"csrf_token": token},
                    files={"file": ("export.csv", register(["FL-1,North,primary,3,ASD,mainstream,active,CO-01,"
                                                            "2025-01-10,2025-05-01",
                                                            "FL-2,North,primary,3,ASD,mainstream,active,CO-01,"
                                                            "2025-01-10,2025-05-01"]), "text/csv")})
    confirm_url = r.headers["location"]
    assert client.post(confirm_url + "/confirm", data={"csrf_token": token}).status_code == 303
    running = client.get(confirm_url).text
    assert '<meta http-equiv="refresh" content="3">' in running and "Importing 2 plans" in running
    assert plans(app) == before
    gate.set()
    for thread in app.state.flow_threads:
        thread.join(120)
        assert not thread.is_alive(), "the import flow should finish"
    done = client.get(confirm_url)
    assert done.status_code == 303 and done.headers["location"] == "/imports"
    assert "Imported 2 plans from export.csv: 2 new" in client.get("/imports").text
    assert plans(app) == before + 2
    assert client.get(confirm_url).status_code == 404, "the held file is gone once imported"


def test_a_draft_cycle_that_can_sample_nothing_says_why_and_offers_no_start(client, app):
    from datetime import timedelta

    import audit.clock

    token = sign_in(client, "demo-qa-lead")
    due = audit.clock.today() + timedelta(days=30)
    r = client.post("/cycles/new", data={"csrf_token": token, "name": "Too soon", "rubric": "whole-plan",
                                         "sample_size": "5", "day": str(due.day), "month": str(due.month),
                                         "year": str(due.year), "exclude_months": "12"})
    cycle_url = r.headers["location"]
    with transaction(engine_of(app)) as session:  # every plan has ceased since: none may be sampled
        from sqlalchemy import update

        session.execute(update(Plan).values(status="ceased"))
    page = client.get(cycle_url).text
    assert "No plan can be sampled" in page and "cannot start" in page and "Start cycle</button>" not in page
    r = client.post(cycle_url + "/start", data={"csrf_token": token})
    assert r.status_code == 400 and "No plan can be sampled" in r.text


def test_a_background_check_cut_short_by_a_restart_is_said_and_let_go(client, app):
    import json
    from datetime import timedelta
    from pathlib import Path

    import audit.clock

    app.state.settings.check_in_background_bytes = 0  # every file goes to the background
    app.state.run_check = lambda *args: None  # the check never reports: as if the server restarted mid-check
    token = sign_in(client, "demo-qa-lead")
    r = client.post("/imports/auditors", data={"csrf_token": token},
                    files={"file": ("auditors.csv", b"code,agency\nAUD-CUT-01,health\n", "text/csv")})
    url = r.headers["location"]
    assert "Checking auditors.csv" in client.get(url).text
    folder = Path(app.state.settings.data_dir) / "uploads" / url.rsplit("/", 1)[1]
    started = audit.clock.now() - timedelta(minutes=31)
    (folder / "check.json").write_text(json.dumps({"state": "running", "started": started.isoformat()}))
    page = client.get(url)
    assert page.status_code == 400 and "did not finish" in page.text and "Upload the file again" in page.text
    assert client.get(url).status_code == 404 and not folder.exists()
