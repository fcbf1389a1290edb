"""Steps for programme.feature: programmes in the store, their deployments, and a served schedule on a real
Prefect server (its own PostgreSQL database in the PostgreSQL pass)."""

from __future__ import annotations

import itertools
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import Session, func, select

import audit.clock
from audit.cycle.lifecycle import get_area
from audit.cycle.programmes import ProgrammeSpec, next_slots, set_programme
from audit.errors import AuditError
from audit.settings import Settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import (
    Assignment,
    AuditProgramme,
    Cycle,
    RubricVersion,
    SampledPlan,
    ScheduledCycle,
)
from audit.vocabulary import CycleStatus
from tests.databases import on_postgresql
from tests.factories import ROOT, synthetic_cycle, whole_plan_rubric
from tests.prefect_server import BIN, flow_env, stop_process

scenarios("production/programme.feature")
pytestmark = pytest.mark.xdist_group("prefect-server")
LONDON = ZoneInfo("Europe/London")
INTERVAL = 20  # seconds between scheduled runs in the served test: short, yet longer than one run takes


@pytest.fixture
def ctx(tmp_path, database_url):
    return {"settings": Settings(data_dir=tmp_path / "data", database_url=database_url, rubrics_dir=ROOT / "rubrics",
                                 area_code="LOCAL"), "tmp": tmp_path}


@given("a local area with a register of plans and a pool of auditors")
def area(ctx):
    # The helper also creates a cycle by hand; the programme's cycles are counted apart from it.
    ctx["manual_cycle"] = synthetic_cycle(ctx["settings"], ctx["tmp"], n_plans=80, sample_size=2, today=audit.clock.today(),
                                          due=audit.clock.today() + timedelta(days=30), name="Manual cycle")


def set_termly(ctx, **changes):
    spec = ProgrammeSpec(name="Termly whole-plan audit", cadence="termly", rubric=whole_plan_rubric(), sample_size=4,
                         due_days=21, strata=("team",))
    spec = ProgrammeSpec(**{**spec.__dict__, **changes})
    with transaction(engine_from_settings(ctx["settings"])) as session:
        programme, _ = set_programme(session, get_area(session, "LOCAL"), spec)
        ctx["programme_id"] = programme.id


@when("the QA lead sets a termly whole-plan programme sampling 4 plans, due 21 days after opening")
@given("the QA lead has set a termly whole-plan programme sampling 4 plans, due 21 days after opening")
def termly(ctx):
    set_termly(ctx)


@then("the programme's deployment is scheduled at 07:00 on 1 January, 1 April and 1 September, London time")
def termly_deployment(ctx):
    from flows.deployments import deployment_specs

    specs = {name: kwargs for _, name, kwargs in deployment_specs(ctx["settings"])}
    schedule = specs[f"programme-{ctx['programme_id']}"]["schedules"][0]
    assert (schedule.cron, schedule.timezone) == ("0 7 1 1,4,9 *", "Europe/London")
    assert specs[f"programme-{ctx['programme_id']}"]["parameters"] == {"programme_id": ctx["programme_id"]}


@then("the next starts are listed for the QA lead")
def next_starts(ctx):
    with Session(engine_from_settings(ctx["settings"])) as session:
        programme = session.get(AuditProgramme, ctx["programme_id"])
        slots = next_slots(programme, datetime(2026, 11, 23, tzinfo=UTC))
    assert [(s.year, s.month, s.day, s.hour) for s in slots] == [(2027, 1, 1, 7), (2027, 4, 1, 7), (2027, 9, 1, 7)]
    assert slots[1].utcoffset() == timedelta(hours=1), "April is British Summer Time"


def programme_cycles(settings) -> list[tuple[ScheduledCycle, Cycle]]:
    with Session(engine_from_settings(settings)) as session:
        return list(session.exec(select(ScheduledCycle, Cycle).join(Cycle, Cycle.id == ScheduledCycle.cycle_id)
                                 .order_by(ScheduledCycle.slot)).all())


@when("its deployment is served against a Prefect server on a short interval")
def served(ctx, request):
    if not on_postgresql():
        pytest.skip("the schedule is tested against a Prefect server on PostgreSQL: in the PostgreSQL pass")
    prefect_server = request.getfixturevalue("prefect_server")
    env = flow_env(prefect_server, ctx["settings"], PREFECT_RUNNER_POLL_FREQUENCY="2")
    log = open(ctx["tmp"] / "serve.log", "wb")  # noqa: SIM115  (the server keeps writing after this step returns)
    serving = subprocess.Popen([str(BIN / "ehcp-audit"), "prefect", "serve", "--programme-interval", str(INTERVAL),
                                "--limit", "2"], env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 480
        while time.monotonic() < deadline and serving.poll() is None:
            opened = [c for _, c in programme_cycles(ctx["settings"]) if c.status == CycleStatus.open.value]
            if len(opened) >= 2:
                break
            time.sleep(2)
    finally:
        stop_process(serving)
        log.close()
    ctx["cycles"] = programme_cycles(ctx["settings"])
    assert len(ctx["cycles"]) >= 2, (ctx["tmp"] / "serve.log").read_text()[-4000:]


@then("a cycle opens at each scheduled time, sampled and assigned, with the programme's rubric and due date")
def cycles_opened(ctx):
    slots = [row.slot for row, _ in ctx["cycles"]]
    assert len(set(slots)) == len(slots), "one cycle per slot"
    gaps = [(datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds() for a, b in itertools.pairwise(slots)]
    assert all(gap >= INTERVAL and gap % INTERVAL == 0 for gap in gaps), f"slots follow the schedule: {slots}"
    with Session(engine_from_settings(ctx["settings"])) as session:
        rubric = session.exec(select(RubricVersion).join(AuditProgramme)).one()
        for row, cycle in ctx["cycles"][:2]:
            assert cycle.status == CycleStatus.open.value and cycle.rubric_version_id == rubric.id
            assert cycle.name.startswith("Termly whole-plan audit ")
            opened = datetime.fromisoformat(row.slot).astimezone(LONDON).date()
            assert cycle.due_date == opened + timedelta(days=21)
            assert session.exec(select(func.count()).select_from(SampledPlan)
                                .where(SampledPlan.cycle_id == cycle.id)).one() == 4
            assert session.exec(select(func.count()).select_from(Assignment)
                                .where(Assignment.cycle_id == cycle.id)).one() >= 4


@then("no other cycle is opened")
def no_other(ctx):
    with Session(engine_from_settings(ctx["settings"])) as session:
        ids = set(session.exec(select(Cycle.id)).all())
    assert ids == {ctx["manual_cycle"]} | {c.id for _, c in programme_cycles(ctx["settings"])}


@when(parsers.parse("the programme's flow runs twice for the slot of {when}"))
def twice(ctx, prefect_server, when):
    from flows.programme import open_programme_cycle

    slot = datetime.strptime(when, "%d %B %Y %H:%M").replace(tzinfo=LONDON)
    s = ctx["settings"]
    with temporary_settings({PREFECT_API_URL: prefect_server}):
        ctx["runs"] = [open_programme_cycle(ctx["programme_id"], slot=slot, database_url=s.database_url,
                                            data_dir=str(s.data_dir)) for _ in range(2)]
    ctx["slot"] = slot


@then("there is one cycle for that slot, open, with its plans sampled once")
def one_cycle(ctx):
    assert [r["created"] for r in ctx["runs"]] == [True, False]
    assert ctx["runs"][0]["cycle_id"] == ctx["runs"][1]["cycle_id"]
    (row, cycle), = programme_cycles(ctx["settings"])
    assert row.slot == "2027-01-01T07:00:00Z" and cycle.status == CycleStatus.open.value
    assert cycle.name == "Termly whole-plan audit 1 January 2027" and cycle.due_date == date(2027, 1, 22)
    with Session(engine_from_settings(ctx["settings"])) as session:
        refs = session.exec(select(SampledPlan.plan_id).where(SampledPlan.cycle_id == cycle.id)).all()
    assert len(refs) == len(set(refs)) == 4


@when(parsers.parse('the QA lead sets a programme with cadence "{cadence}" and cron "{cron}"'))
@when(parsers.parse('the QA lead sets a programme with cadence "{cadence}" and cron ""'))
def bad_programme(ctx, cadence, cron=""):
    try:
        set_termly(ctx, cadence=cadence, cron=cron or None)
        ctx["error"] = None
    except AuditError as exc:
        ctx["error"] = str(exc)


@then(parsers.parse('it is refused, saying "{message}"'))
def refused(ctx, message):
    assert ctx["error"] and message in ctx["error"], ctx["error"]


@then("no programme is stored")
def none_stored(ctx):
    with Session(engine_from_settings(ctx["settings"])) as session:
        assert session.exec(select(func.count()).select_from(AuditProgramme)).one() == 0
