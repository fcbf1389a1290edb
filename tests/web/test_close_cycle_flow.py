"""Closing a cycle early on the web runs the real cycle flow: the closed cycle is scored from what is in, its
actions raised and its board summary written (issue 15: the flow failed with "Cycle 1 is closed")."""

from __future__ import annotations

import contextvars
import json

import pytest
from sqlmodel import select

from audit.cycle.lifecycle import get_cycle
from audit.store.db import transaction
from audit.store.models import Assignment, Auditor, PlanResult
from audit.synthetic.submissions import submit_simulated
from tests.web.conftest import engine_of, flows_started, sign_in
from web.trigger import continue_cycle_flow

pytestmark = [pytest.mark.prefect, pytest.mark.xdist_group("prefect")]


def test_closing_a_cycle_early_on_the_web_scores_it_and_writes_the_board_summary(prefect_harness, app, client):
    harness = contextvars.copy_context()  # the flow thread runs against the test's Prefect harness
    app.state.continue_cycle = lambda s, cycle_id, finalise=False: harness.copy().run(
        continue_cycle_flow, s, cycle_id, finalise)
    with transaction(engine_of(app)) as session:
        cycle = get_cycle(session, 1)
        late = session.exec(select(Auditor.code).join(Assignment, Assignment.auditor_id == Auditor.id)
                            .where(Assignment.cycle_id == 1).order_by(Auditor.code)).first()
        submit_simulated(session, cycle, seed=2, skip_auditors={late})  # one auditor has not submitted
        assignments = len(session.exec(select(Assignment).where(Assignment.cycle_id == 1)).all())

    token = sign_in(client, "demo-qa-lead")
    response = client.post("/cycles/1/close", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/cycles/1?done=closed"
    flows_started(app)
    for thread in app.state.flow_threads:
        thread.join(180)
        assert not thread.is_alive(), "the cycle flow should finish"

    with transaction(engine_of(app)) as session:
        assert get_cycle(session, 1).status == "closed"
        results = session.exec(select(PlanResult).where(PlanResult.cycle_id == 1)).all()
        assert len(results) == 4 and any(r.status == "incomplete" for r in results)
        assert len(session.exec(select(Assignment).where(Assignment.cycle_id == 1)).all()) == assignments
    summary = json.loads((app.state.settings.data_dir / "reports" / "board-summary-cycle-1.json").read_text())
    assert summary["cycle"]["status"] == "closed" and summary["headline"]["plans_sampled"] == 4
    assert summary["incomplete"], "the late auditor's plans are listed as incomplete"
    assert client.get("/results/1").status_code == 200  # the board can read the closed cycle's results
