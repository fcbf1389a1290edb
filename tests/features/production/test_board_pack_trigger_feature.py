"""Steps for board_pack_trigger.feature: every deployment served (`ehcp-audit prefect serve`) against a real
Prefect server; an audit-cycle run completing fires the after-cycle automation, whose board-pack run is checked
through the Prefect API (its cycle_id parameter) and in the store and the reports folder (the pack itself)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from pytest_bdd import given, scenarios, then, when
from sqlmodel import Session, select

import audit.clock
from audit.settings import Settings
from audit.store.db import engine_from_settings
from audit.store.models import DeliveryLog
from tests.factories import ROOT, synthetic_cycle
from tests.prefect_server import BIN, flow_env, stop_process
from tests.smtp_server import smtp  # noqa: F401  (a fixture)

scenarios("production/board_pack_trigger.feature")
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("prefect-server")]
BOARD = "board@example.org"
OPERATOR = "ict-operations@example.org"


@pytest.fixture
def ctx(tmp_path, database_url, smtp, prefect_server):
    controller, inbox = smtp
    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, rubrics_dir=ROOT / "rubrics",
                        area_code="LOCAL", smtp_host="127.0.0.1", smtp_port=controller.port, board_recipients=[BOARD])
    ctx = {"settings": settings, "tmp": tmp_path, "api": prefect_server, "inbox": inbox, "port": controller.port}
    yield ctx
    if ctx.get("serving"):
        stop_process(ctx["serving"])


@given("a cycle whose auditors have all submitted, and every deployment served against a Prefect server")
def served(ctx):
    today = audit.clock.today()
    ctx["cycle_id"] = synthetic_cycle(ctx["settings"], ctx["tmp"], n_plans=60, sample_size=3, today=today,
                                      due=today + timedelta(days=30))
    serve(ctx, "board-pack-after-cycle")


@given("every deployment served against a Prefect server, with the operator's address set")
def served_with_operator(ctx):
    serve(ctx, "operator-alert-on-failure", EHCP_AUDIT_OPERATOR_EMAILS=json.dumps([OPERATOR]))


def serve(ctx, automation: str, **extra: str) -> None:
    env = flow_env(ctx["api"], ctx["settings"], PREFECT_RUNNER_POLL_FREQUENCY="2", EHCP_AUDIT_SMTP_HOST="127.0.0.1",
                   EHCP_AUDIT_SMTP_PORT=str(ctx["port"]), EHCP_AUDIT_BOARD_RECIPIENTS=json.dumps([BOARD]), **extra)
    ctx["log"] = ctx["tmp"] / "serve.log"
    with open(ctx["log"], "wb") as log:
        ctx["serving"] = subprocess.Popen([str(BIN / "ehcp-audit"), "prefect", "serve"], env=env, stdout=log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
    # The automation exists once the served deployments are registered; a run completing before then fires nothing.
    deadline = time.monotonic() + 240
    while not _automation_registered(ctx["api"], automation):
        assert ctx["serving"].poll() is None and time.monotonic() < deadline, ctx["log"].read_text()[-4000:]
        time.sleep(1)


def _automation_registered(api: str, automation: str) -> bool:
    from prefect.client.orchestration import get_client

    async def names() -> list[str]:
        async with get_client() as client:
            return [a.name for a in await client.read_automations()]

    with temporary_settings({PREFECT_API_URL: api}):
        return any(automation in name for name in asyncio.run(names()))


@when("the cycle's flow run completes")
def run_cycle(ctx):
    from flows.cycle import audit_cycle

    s = ctx["settings"]
    with temporary_settings({PREFECT_API_URL: ctx["api"]}):
        ctx["result"] = audit_cycle(ctx["cycle_id"], simulate_auditors=True, finalise=True,
                                    database_url=s.database_url, data_dir=str(s.data_dir))
    assert ctx["result"]["state"] == "reported"


def _board_pack_runs(api: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    async def runs() -> list:
        async with get_client() as client:
            return await client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["board-pack"])))

    with temporary_settings({PREFECT_API_URL: api}):
        return asyncio.run(runs())


@then("the after-cycle board-pack deployment runs with the cycle's number as an integer")
def pack_run(ctx):
    deadline = time.monotonic() + 300
    while True:
        finished = [r for r in _board_pack_runs(ctx["api"]) if r.state and r.state.is_final()]
        if finished or time.monotonic() > deadline or ctx["serving"].poll() is not None:
            break
        time.sleep(2)
    assert finished, "no board-pack run finished:\n" + ctx["log"].read_text()[-4000:]
    run, = finished
    assert run.parameters["cycle_id"] == ctx["cycle_id"] and isinstance(run.parameters["cycle_id"], int)
    assert run.state.is_completed(), f"{run.state.name}: {run.state.message}\n" + ctx["log"].read_text()[-4000:]


@then("the board pack for that cycle is written and emailed to the board")
def pack_written(ctx):
    with Session(engine_from_settings(ctx["settings"])) as session:
        log, = session.exec(select(DeliveryLog).where(DeliveryLog.cycle_id == ctx["cycle_id"])).all()
    assert log.status == "sent", log.error
    assert any(Path(log.folder).glob("*.pdf")) and any(Path(log.folder).glob("*.xlsx"))
    (recipients, message), = ctx["inbox"].messages
    assert recipients == [BOARD] and {p.get_filename()[-4:] for p in message.iter_attachments()} == {".pdf", "xlsx"}


@when("a cycle's flow run fails")
def failing_run(ctx):
    from flows.cycle import audit_cycle

    s = ctx["settings"]
    engine_from_settings(s)  # the store exists: the run fails on the missing cycle, not on the store
    with temporary_settings({PREFECT_API_URL: ctx["api"]}), pytest.raises(Exception, match="999999"):
        audit_cycle(999999, database_url=s.database_url, data_dir=str(s.data_dir))


@then("the operator is emailed, naming the failed run and why it failed")
def operator_emailed(ctx):
    deadline = time.monotonic() + 240
    while not ctx["inbox"].messages and time.monotonic() < deadline and ctx["serving"].poll() is None:
        time.sleep(2)
    assert ctx["inbox"].messages, "no alert:\n" + ctx["log"].read_text()[-4000:]
    (recipients, message), = ctx["inbox"].messages
    assert recipients == [OPERATOR]
    assert message["Subject"] == "ehcp-audit: the flow run audit-cycle-999999 failed"
    assert "999999" in message.get_content() and "Failed" in message.get_content()
