"""Steps for qa_workbench.feature: uploads, the sample preview, confirm pages and the cycle's plan list."""

from __future__ import annotations

import contextvars
import re
import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import func, select

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, open_cycle, withdraw_plan
from audit.cycle.sampling import Exclusions
from audit.store.db import transaction
from audit.store.models import Assignment, Auditor, Cycle, Plan, SampledPlan
from tests.factories import whole_plan_rubric
from tests.web.conftest import (  # noqa: F401  (fixtures)
    AREA,
    app,
    csrf_of,
    engine_of,
    scored,
    settings,
    sign_in,
    template_db,
    triggered,
)
from web.board_pack import produce

scenarios("web/qa_workbench.feature")
HEADER = ("plan_ref,team,phase,year_group,primary_need,setting_type,status,case_officer,request_date,"
          "final_issued_date\n")
GOOD_ROWS = ["WB-1,North,primary,3,ASD,mainstream,active,CO-01,2025-01-10,2025-05-01",
             "WB-2,North,primary,3,ASD,mainstream,active,CO-01,2025-02-10,2025-05-01"]


@pytest.fixture
def client(app):
    with TestClient(app, follow_redirects=False) as c:
        yield c


@pytest.fixture
def ctx():
    return {}


def _count(app, model, *where) -> int:
    with transaction(engine_of(app)) as session:
        return session.exec(select(func.count(model.id)).where(*where)).one()


def _plan_rows(html: str) -> list[str]:
    """The plan references in the cycle page's plan table."""
    table = html[html.index('id="plans-count"'):]
    table = table[:table.index("</table>")]
    return re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>', table)


def _preview_refs(html: str) -> list[str]:
    match = re.search(r'<div class="govuk-details__text"><p class="govuk-body">([^<]*)</p>', html)
    assert match, "the preview lists the plans it holds"
    return match.group(1).split(", ")


@given("the QA lead is signed in")
def qa_lead(ctx, client, app):
    ctx["token"], ctx["plans"] = sign_in(client, "demo-qa-lead"), _count(app, Plan)


def _upload(ctx, client, kind: str, name: str, body: bytes) -> None:
    ctx["response"] = client.post(f"/imports/{kind}", data={"csrf_token": ctx["token"]},
                                  files={"file": (name, body, "text/csv")})


@when("they upload a register whose second plan has a date that does not exist")
def upload_bad(ctx, client):
    bad = GOOD_ROWS[:1] + [GOOD_ROWS[1].replace("2025-02-10", "31/02/2025")]
    _upload(ctx, client, "register", "export.csv", (HEADER + "\n".join(bad)).encode())


@then("they see the problem by file, row and column with its fix")
def problem_shown(ctx):
    r = ctx["response"]
    assert r.status_code == 400 and "There is a problem" in r.text and "<title>Error:" in r.text
    assert "export.csv, row 3, column &#39;request_date&#39;" in r.text and "Fix:" in r.text


@then("no plan was stored")
def none_stored(ctx, app):
    assert _count(app, Plan) == ctx["plans"]


@when("they upload the corrected register")
def upload_good(ctx, client):
    _upload(ctx, client, "register", "export.csv", (HEADER + "\n".join(GOOD_ROWS)).encode())


@when("they upload an auditor list with one new auditor")
def upload_auditors(ctx, client):
    _upload(ctx, client, "auditors", "auditors.csv", b"code,agency,team\nAUD-WB-01,health,North\n")


@then(parsers.parse("they are asked to confirm {n:d} {noun} not yet stored"))
def asked_to_confirm(ctx, client, n, noun):
    if ctx["response"].status_code == 200:  # a large file's page, once its check has finished
        page = ctx["response"]
        assert 'http-equiv="refresh"' not in page.text, "the page stops refreshing once checked"
    else:
        assert ctx["response"].status_code == 303
        ctx["confirm_url"] = ctx["response"].headers["location"]
        page = client.get(ctx["confirm_url"])
    assert page.status_code == 200 and f"{n} {noun} not yet stored" in page.text


@when("they confirm the import")
def confirm_import(ctx, client):
    r = client.post(ctx["confirm_url"] + "/confirm", data={"csrf_token": ctx["token"]})
    assert r.status_code == 303
    ctx["page"] = client.get(r.headers["location"]).text


@then(parsers.parse("they are told {n:d} {noun} were imported"))
def told_imported(ctx, n, noun):
    assert f"Imported {n} {noun} from" in ctx["page"] and f"{n} new" in ctx["page"]


@then("the 2 plans are stored")
def stored(ctx, app):
    assert _count(app, Plan) == ctx["plans"] + 2
    assert _count(app, Plan, Plan.plan_ref.in_(["WB-1", "WB-2"])) == 2
    assert _count(app, Auditor, Auditor.code == "AUD-WB-01") == 0


@given(parsers.parse("files larger than {n:d} bytes are checked in the background"))
def background_threshold(ctx, app, request, n):
    app.state.settings.check_in_background_bytes = n
    ctx["checks"] = []
    if "prefect" not in request.node.keywords:  # a small file must not start one; record it if it does
        app.state.run_check = lambda *args: ctx["checks"].append(args)
        return
    from web.uploads import run_check

    request.getfixturevalue("prefect_harness")  # the check runs as a real Prefect flow
    harness, gate = contextvars.copy_context(), threading.Event()
    ctx["gate"] = gate

    def held_then_run(*args):  # the check waits until the scenario has seen the page while it runs
        ctx["checks"].append(args)
        gate.wait(60)
        harness.copy().run(run_check, *args)

    app.state.run_check = held_then_run


def _register_of(n: int, bad_row: int | None = None) -> bytes:
    rows = [f"BG-{i:03d},North,primary,3,ASD,mainstream,active,CO-01,"
            f"{'31/02/2025' if i == bad_row else '2025-01-10'},2025-05-01" for i in range(1, n + 1)]
    return (HEADER + "\n".join(rows)).encode()


@when(parsers.parse("they upload a register of {n:d} plans, larger than that"))
def upload_large(ctx, client, n):
    body = _register_of(n)
    assert len(body) > 1000
    _upload(ctx, client, "register", "large.csv", body)


@when(parsers.parse("they upload a register of {n:d} plans whose {bad:d}th plan has a date that does not exist"))
def upload_large_bad(ctx, client, n, bad):
    _upload(ctx, client, "register", "large.csv", _register_of(n, bad))


@then("the page says the file is being checked and refreshes itself")
def being_checked(ctx, client):
    assert ctx["response"].status_code == 303, "the upload request does not wait for the check"
    ctx["confirm_url"] = ctx["response"].headers["location"]
    page = client.get(ctx["confirm_url"])
    assert page.status_code == 200 and '<meta http-equiv="refresh" content="3">' in page.text
    assert "Checking large.csv" in page.text and "Import 40 plans" not in page.text and len(ctx["checks"]) == 1
    assert "large.csv: the plan register, being checked" in client.get("/imports").text


@then("the file cannot be imported before it is checked")
def not_before_checked(ctx, client):
    r = client.post(ctx["confirm_url"] + "/confirm", data={"csrf_token": ctx["token"]})
    assert r.status_code == 303 and r.headers["location"] == ctx["confirm_url"]


@when("the check finishes")
def check_finishes(ctx, client, app):
    ctx["gate"].set()
    for thread in app.state.flow_threads:
        thread.join(120)
        assert not thread.is_alive(), "the check flow should finish"
    ctx["response"] = client.get(ctx["confirm_url"])  # the same address: now the confirm page or the problems


@then(parsers.parse("they see the problem in row {row:d} by file, row and column with its fix"))
def large_problem(ctx, row):
    r = ctx["response"]
    assert r.status_code == 400 and "There is a problem" in r.text and "<title>Error:" in r.text
    assert f"large.csv, row {row}, column &#39;request_date&#39;" in r.text and "Fix:" in r.text


@then("the upload is no longer held")
def not_held(ctx, client):
    assert client.get(ctx["confirm_url"]).status_code == 404
    assert "large.csv" not in client.get("/imports").text


@then("no check was handed to a flow run")
def checked_at_once(ctx):
    assert ctx["checks"] == []


@when(parsers.parse("they create a cycle of {n:d} plans stratified by team, leaving out plans audited in the last "
                    "{months:d} months"))
def create(ctx, client, n, months):
    due = audit.clock.today() + timedelta(days=30)
    r = client.post("/cycles/new", data={"csrf_token": ctx["token"], "name": "Preview cycle", "rubric": "whole-plan",
                                         "sample_size": str(n), "strata": ["team"], "day": str(due.day),
                                         "month": str(due.month), "year": str(due.year),
                                         "exclude_months": str(months)})
    assert r.status_code == 303
    ctx["cycle_url"] = r.headers["location"]
    ctx["cycle_id"] = int(ctx["cycle_url"].rsplit("/", 1)[1])
    ctx["page"] = client.get(ctx["cycle_url"]).text


@then(parsers.parse("they see {n:d} plans to be sampled, counted per team in words"))
def preview_counts(ctx, n):
    page = ctx["page"]
    assert f"Starting the cycle now would sample <strong>{n}</strong>" in page
    assert "Plans sampled from each group" in page and re.search(r">Team [A-Z][a-z]+</th>", page)
    assert "random seed" not in page.lower() and "seed" not in page.lower()
    ctx["previewed"] = _preview_refs(page)
    assert len(ctx["previewed"]) == n


@then(parsers.parse("they see how many plans were left out for being audited in the last {months:d} months"))
def left_out(ctx, months):
    assert re.search(rf"Plans audited in another cycle in the last {months} months</td><td[^>]*>4</td>", ctx["page"])


@then("nobody has been assigned yet")
def nobody_assigned(ctx, app):
    assert _count(app, Assignment, Assignment.cycle_id == ctx["cycle_id"]) == 0
    assert _count(app, SampledPlan, SampledPlan.cycle_id == ctx["cycle_id"]) == 0


@when("they draw again")
def draw_again(ctx, client):
    r = client.post(f"{ctx['cycle_url']}/draw-again", data={"csrf_token": ctx["token"]})
    assert r.status_code == 303
    ctx["page"] = client.get(r.headers["location"]).text


@then("the sample is a different set of plans of the same size")
def different(ctx):
    again = _preview_refs(ctx["page"])
    assert "A new sample was drawn" in ctx["page"]
    assert len(again) == len(ctx["previewed"]) and set(again) != set(ctx["previewed"])
    ctx["previewed"] = again


@when("they start the cycle")
def start(ctx, client):
    r = client.post(f"{ctx['cycle_url']}/start", data={"csrf_token": ctx["token"]})
    assert r.status_code == 303
    ctx["page"] = client.get(r.headers["location"]).text


@then("the plans previewed are the plans sampled")
def same_plans(ctx, app):
    with transaction(engine_of(app)) as session:
        refs = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                            .where(SampledPlan.cycle_id == ctx["cycle_id"])).all()
    assert sorted(refs) == sorted(ctx["previewed"])
    assert _count(app, Assignment, Assignment.cycle_id == ctx["cycle_id"]) > 0


@then("the cycle page shows a progress bar and every plan as not started")
def progress_bar(ctx):
    page = ctx["page"]
    assert 'class="app-progress"' in page and "0 of " in page
    assert "Not started (6)" in page and len(_plan_rows(page)) == 6


@when("they ask to withdraw a sampled plan because it ceased")
def ask_withdraw(ctx, client, app):
    with transaction(engine_of(app)) as session:
        ctx["ref"] = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                                  .where(SampledPlan.cycle_id == 1).order_by(Plan.plan_ref)).first()
    ctx["response"] = client.post("/cycles/1/withdraw/check", data={
        "csrf_token": ctx["token"], "plan_ref": ctx["ref"], "reason": "ceased", "replace": "yes"})


@then("they are asked to confirm the withdrawal and nothing has changed yet")
def confirm_withdraw_page(ctx, app):
    r = ctx["response"]
    assert r.status_code == 200 and f"Withdraw plan {ctx['ref']} from the cycle?" in r.text
    assert _count(app, SampledPlan, SampledPlan.cycle_id == 1, SampledPlan.status == "withdrawn") == 0


@when("they confirm the withdrawal")
def confirm_withdraw(ctx, client):
    r = client.post("/cycles/1/withdraw", data={"csrf_token": ctx["token"], "plan_ref": ctx["ref"],
                                                "reason": "ceased", "replace": "yes"})
    assert r.status_code == 303
    ctx["page"] = client.get(r.headers["location"]).text


@then("the plan shows as withdrawn with its reason")
def shows_withdrawn(ctx):
    assert "The plan was withdrawn" in ctx["page"] and "Withdrawn: ceased" in ctx["page"]


@when("they ask to close the cycle")
def ask_close(ctx, client):
    ctx["response"] = client.get("/cycles/1/close")


@then("they are asked to confirm, told what will not be counted, and the cycle is still open")
def confirm_close_page(ctx, app):
    r = ctx["response"]
    assert r.status_code == 200 and "Close Web test cycle?" in r.text and "will not be counted" in r.text
    with transaction(engine_of(app)) as session:
        assert session.get(Cycle, 1).status == "open"


@when("they confirm closing the cycle")
def confirm_close(ctx, client):
    ctx["response"] = client.post("/cycles/1/close", data={"csrf_token": ctx["token"]})


@then("the cycle is closed and its flow is started")
def closed(ctx, app, triggered):
    assert ctx["response"].status_code == 303
    for thread in app.state.flow_threads:
        thread.join(10)
    with transaction(engine_of(app)) as session:
        assert session.get(Cycle, 1).status == "closed"
    assert triggered == [(1, True)]


@given(parsers.parse("a started cycle of {n:d} plans, 1 of them withdrawn"))
def big_cycle(ctx, app, n):
    with transaction(engine_of(app)) as session:
        cycle = create_cycle(session, get_area(session, AREA), whole_plan_rubric(), name="Big cycle", sample_size=n,
                             due_date=audit.clock.today() + timedelta(days=28), seed=4,
                             exclusions=Exclusions(audited_within_months=0))
        open_cycle(session, cycle)
        ref = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                           .where(SampledPlan.cycle_id == cycle.id)).first()
        withdraw_plan(session, cycle, ref, "moved to another area", replace=False)
        ctx["cycle_id"] = cycle.id


@when(parsers.parse('they filter the plans by the state "{state}"'))
def filter_state(ctx, client, state):
    ctx["page"] = client.get(f"/cycles/{ctx['cycle_id']}?state={state}").text


@when("they list every plan")
def list_all(ctx, client):
    ctx["page"] = client.get(f"/cycles/{ctx['cycle_id']}?sort=state").text


@when(parsers.parse("they open page {n:d}"))
def open_page(ctx, client, n):
    link = re.search(rf'href="(/cycles/{ctx["cycle_id"]}\?[^"]*page={n}#plans)"', ctx["page"])
    assert link, "the pagination links to the page"
    ctx["page"] = client.get(link.group(1).replace("&amp;", "&")).text


@then("they see 1 plan")
def one_plan(ctx):
    assert len(_plan_rows(ctx["page"])) == 1 and "Withdrawn: moved to another area" in ctx["page"]


@then(parsers.parse("they see {n:d} plans on page {page:d} of {pages:d}"))
def paged(ctx, n, page, pages):
    assert len(_plan_rows(ctx["page"])) == n
    assert f"30 plans, page {page} of {pages}." in ctx["page"]


@given("the cycle has results")
def has_results(ctx, scored, request):
    request.getfixturevalue("prefect_harness")  # the board pack runs as a real Prefect flow
    ctx["cycle_id"] = scored


@when("they produce the board pack")
def produce_pack(ctx, client, app):
    harness, gate = contextvars.copy_context(), threading.Event()
    ctx["gate"] = gate

    def held_then_run(*args):  # the run waits until the scenario has seen the page while it runs
        gate.wait(60)
        harness.copy().run(produce, *args)

    app.state.produce_board_pack = held_then_run
    page = client.get(f"/cycles/{ctx['cycle_id']}").text
    assert f'href="/cycles/{ctx["cycle_id"]}/board-pack"' in page and "Open the results" in page
    r = client.post(f"/cycles/{ctx['cycle_id']}/board-pack", data={"csrf_token": ctx["token"], "send": "no"})
    assert r.status_code == 303
    ctx["page"] = client.get(r.headers["location"]).text


@then("the page says it is being produced and refreshes itself")
def running(ctx):
    assert '<meta http-equiv="refresh" content="3">' in ctx["page"] and "Producing the board pack" in ctx["page"]
    assert "Produce the board pack</button>" not in ctx["page"].replace("\n", ""), "one run at a time"


@when("the run finishes")
def finishes(ctx, client, app):
    ctx["gate"].set()
    for thread in app.state.flow_threads:
        thread.join(300)
        assert not thread.is_alive(), "the board pack flow should finish"
    ctx["page"] = client.get(f"/cycles/{ctx['cycle_id']}/board-pack").text


@then("the page offers the pack as HTML, PDF and XLSX and stops refreshing")
def offered(ctx):
    page = ctx["page"]
    assert "The board pack was produced" in page and 'http-equiv="refresh"' not in page
    for fmt in ("html", "pdf", "xlsx"):
        assert f'href="/results/{ctx["cycle_id"]}/pack/{fmt}"' in page


@then("a board member downloads the PDF")
def board_downloads(ctx, app):
    with TestClient(app, follow_redirects=False) as board:
        sign_in(board, "demo-board-member")
        pdf = board.get(f"/results/{ctx['cycle_id']}/pack/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "board-pack-cycle-1.pdf" in pdf.headers["content-disposition"]
