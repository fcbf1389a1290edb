"""The CLI crawl (tests/features/web/crawl.feature): every command, as every role (`--as-user`) and as the
operator, on the store with a cycle in every state; a refusal or an error must be a sentence, never a traceback.

Arguments are filled from the store (real cycle ids, plan references, exercise and task numbers) so each
command gets as far as it can, and also left out so each shows its usage. Commands that start servers,
Prefect flows or Dask clusters are crawled by their own tests (flows/, serve, regional) and left out here.
"""

from __future__ import annotations

from datetime import timedelta

import typer
from sqlmodel import select
from typer.testing import CliRunner

from audit import clock
from audit.protection.users import DEMO_PASSWORD, create_user
from audit.settings import get_settings
from audit.store.db import engine_from_settings, forget_engine, transaction
from audit.store.models import CalibrationExercise, Cycle, Plan, SampledPlan
from ehcp_audit_cli.main import app
from tests.factories import ROOT

# Started elsewhere and slow, or writing into the repository: each has its own test.
NOT_HERE = {("serve",), ("demo",), ("regional",), ("cycle", "run"), ("prefect", "serve"), ("prefect", "deploy"),
            ("prefect", "server", "start"), ("chase", "run"), ("db", "revision")}  # server start: test_local_server.py
# The board pack lays out a PDF (seconds): crawled for the roles at its edges only.
HEAVY = {("board-pack",)}
TARGET = "crawl-target"  # the account the admin commands act on, so no crawling account is switched off

runner = CliRunner()


def commands(group, prefix=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from commands(cmd, (*prefix, name))
        else:
            yield (*prefix, name), cmd


def store_values(settings) -> dict:
    engine = engine_from_settings(settings)
    with transaction(engine) as session:
        cycles = session.exec(select(Cycle).order_by(Cycle.id)).all()
        plan = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                            .where(SampledPlan.cycle_id == cycles[-1].id)).first()
        exercise = session.exec(select(CalibrationExercise.id)).first()
        create_user(session, TARGET, DEMO_PASSWORD, "board_member", None, None)
    forget_engine(settings.database_url)
    return {"cycles": [c.id for c in cycles], "plan": plan, "exercise": exercise or 1}


def filled(path: tuple[str, ...], cmd, values: dict, cycle_id: int, tmp) -> list[str]:
    """The command's required arguments and options, each from the store or a harmless value."""
    due = (clock.today() + timedelta(days=21)).isoformat()
    by_name = {
        "cycle_id": str(cycle_id), "cycle": str(cycle_id), "plan_ref": values["plan"], "plan": values["plan"],
        "file": str(tmp / "missing.csv"), "path": str(ROOT / "rubrics" / "whole-plan.yaml"), "rubric": "whole-plan",
        "name": "Crawl", "sample_size": "2", "due": due, "reason": "crawl", "rationale": "crawl", "note": "crawl",
        "agency": "health", "moderator": "QA-LEAD", "grade": "Good", "by": "QA-LEAD", "exercise": str(values["exercise"]),
        "auditor": "AUD-HE-01", "username": TARGET, "role": "board_member", "layout": "wsoa", "out": str(tmp / "out"),
        "proposal": "1", "reference": "1.1", "task": "1", "cadence": "termly",
    }
    if path == ("improvement", "export"):
        by_name["plan"] = "1"
    args: list[str] = []
    for param in cmd.params:
        if not getattr(param, "required", False):
            continue
        value = by_name.get(param.name, "1")
        if isinstance(param, typer.core.TyperArgument):
            args.append(value)
        else:
            args.extend([param.opts[0], value])
    if path == ("cycle", "close"):
        args.append("--no-run")  # closing runs the cycle flow, crawled in tests/flows/test_closed_cycle_flow.py
    return args


def no_traceback(result, command: list[str]) -> str | None:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return f"{' '.join(command)}: {type(result.exception).__name__}: {result.exception}"
    if "Traceback" in (result.output or ""):
        return f"{' '.join(command)}: printed a traceback"
    return None


def crawl_commands(settings, accounts: dict[str, str], folder, monkeypatch) -> tuple[int, list[str]]:
    """Run every command as the operator and as every account; (calls made, every traceback or exception)."""
    monkeypatch.setenv("EHCP_AUDIT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("EHCP_AUDIT_DATA_DIR", str(folder / "data"))
    monkeypatch.setenv("EHCP_AUDIT_RUBRICS_DIR", str(ROOT / "rubrics"))
    monkeypatch.setenv("EHCP_AUDIT_AREA_CODE", settings.area_code)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(folder)  # commands that default to a folder of the working directory write here
    get_settings.cache_clear()
    values = store_values(settings)
    users = [None, *sorted(accounts.values())]
    found, runs = [], 0
    try:
        for path, cmd in commands(typer.main.get_command(app)):
            if path in NOT_HERE:
                continue
            takes_cycle = any(p.name in ("cycle_id", "cycle") for p in cmd.params)
            cycle_ids = values["cycles"] if takes_cycle and path not in HEAVY else values["cycles"][-1:]
            for user in (users if path not in HEAVY else [users[1], users[-1]]):
                as_user = ["--as-user", user] if user else []
                calls = [[*as_user, *path]]
                calls += [[*as_user, *path, *filled(path, cmd, values, c, folder)] for c in cycle_ids]
                for call in calls:
                    result = runner.invoke(app, call, catch_exceptions=True)
                    runs += 1
                    if problem := no_traceback(result, call):
                        found.append(problem)
    finally:
        get_settings.cache_clear()
    return runs, found
