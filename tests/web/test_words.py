"""No raw code reaches a person (issues 16 and 18): every page, download and terminal table of a scored store is
walked for snake_case codes, stratum keys (team=North), ISO dates and times and "UTC"; terminal tables stay
within 80 columns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.store.db import transaction
from audit.store.models import Plan, SampledPlan
from ehcp_audit_cli.common import console
from tests.factories import whole_plan_rubric
from tests.web.conftest import AREA, csrf_of, engine_of, run_cli, sign_in
from tests.words import raw_codes, visible_markdown, visible_text

PAGES = {
    "demo-qa-lead": ["/cycles", "/cycles/1", "/cycles/2", "/cycles/new", "/results", "/results/1",
                     "/cycles/1/moderation", "/cycles/1/agreement", "/improvement", "/improvement/tasks",
                     "/safeguarding", "/trail", "/account"],
    "demo-board-member": ["/results", "/results/1"],
    "demo-service-lead": ["/results", "/results/1"],
    "demo-admin": ["/admin/users", "/trail", "/account"],
}
DOWNLOADS = ["/results/1/download/html", "/results/1/download/md"]


def stratified_cycle_with_a_withdrawal(app, client) -> str:
    """Cycle 2, stratified by team and plan stage, one of whose plans the QA lead withdraws on its page."""
    with transaction(engine_of(app)) as session:
        cycle = create_cycle(session, get_area(session, AREA), whole_plan_rubric(), name="Stratified cycle",
                             sample_size=6, strata=["team", "plan_stage"],
                             due_date=audit.clock.today() + timedelta(days=28), seed=5)
        open_cycle(session, cycle)
        ref = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                           .where(SampledPlan.cycle_id == cycle.id).order_by(Plan.plan_ref)).first()
    token = sign_in(client, "demo-qa-lead")
    answer = client.post("/cycles/2/withdraw", data={"csrf_token": token, "plan_ref": ref, "reason": "ceased",
                                                     "replace": "yes"})
    assert answer.status_code == 303
    client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/account").text)})
    return ref


def test_no_page_or_download_shows_a_raw_code(app, client, scored):
    stratified_cycle_with_a_withdrawal(app, client)
    found = {}
    for username, paths in PAGES.items():
        token = sign_in(client, username)
        for path in paths + (DOWNLOADS if username == "demo-board-member" else []):
            answer = client.get(path)
            assert answer.status_code == 200, (username, path)
            text = visible_markdown(answer.text) if path.endswith("/md") else visible_text(answer.text)
            if problems := raw_codes(text):
                found[f"{username} {path}"] = problems[:5]
        client.post("/sign-out", data={"csrf_token": token})
    assert not found, "raw codes shown to people:\n" + "\n".join(f"{where}: {p}" for where, ps in found.items() for p in ps)


def test_the_cycle_page_names_strata_in_words_and_the_trail_says_who_did_what(app, client, scored):
    ref = stratified_cycle_with_a_withdrawal(app, client)
    sign_in(client, "demo-qa-lead")
    page = visible_text(client.get("/cycles/2").text)
    assert "Stratified by Team, New plan or annual review" in page
    assert "Team North, annual review" in page or ", new plan" in page or ", annual review" in page
    trail = visible_text(client.get("/trail", params={"plan": ref}).text)
    assert f"demo-qa-lead (QA lead) withdrew plan {ref} from cycle 2: ceased" in trail
    other_day = (audit.clock.today() - timedelta(days=3)).strftime("%d/%m/%Y")
    assert "0 matching entries" in client.get("/trail", params={"plan": ref, "until": other_day}).text
    assert "0 matching entries" in client.get("/trail", params={"plan": ref, "actor": "demo-admin"}).text


CLI_COMMANDS = [("cycle", "status"), ("cycle", "status", "1"), ("report", "--cycle", "1"), ("timeliness",),
                ("timeliness", "--by", "team"), ("moderation", "stats", "1"), ("trail", "show", "--limit", "30"),
                ("users", "list"), ("rubric", "list")]


@pytest.mark.parametrize("command", CLI_COMMANDS, ids=" ".join)
def test_terminal_tables_read_at_80_columns_in_words(app, client, scored, cli_store, monkeypatch, command):
    stratified_cycle_with_a_withdrawal(app, client)
    monkeypatch.setattr(console, "width", 80)  # what rich reads from an 80-column terminal (or COLUMNS=80)
    result = run_cli(*command)
    assert result.exit_code == 0, result.output
    long = [line for line in result.output.splitlines() if len(line) > 80]
    assert long == []
    assert not raw_codes(result.output), "\n".join(raw_codes(result.output))
