"""Scheduled stage flows: open a programme's cycle for its scheduled slot, and finish cycles past their due date.

Why separate flows and not one long run per cycle: a cycle waits weeks for auditors, and a run that waits
(even suspended) ties its state to Prefect's. Here each stage is a short run that reads the store, does its
step and ends: the schedule opens the cycle (`open_programme_cycle`), the last submission triggers
`audit-cycle` again (web/trigger.py), and the daily `continue_due_cycles` finishes cycles whose due date has
passed with scorecards outstanding. No worker is held in between (docs/cycle.md).
"""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from sqlmodel import select

from audit import clock
from audit.cycle.programmes import cycle_for_slot, get_programme
from audit.settings import Settings, get_settings
from audit.store.models import Cycle
from audit.vocabulary import CycleStatus
from flows.cycle import audit_cycle
from flows.runtime import store_settings
from flows.steps import step_transaction


def scheduled_start() -> datetime:
    """This run's scheduled start (its slot); the current time for a run started by hand."""
    from prefect.runtime import flow_run

    start = flow_run.scheduled_start_time
    return datetime.fromisoformat(start.isoformat()) if start else clock.now()


@task(name="cycle-for-slot", cache_policy=NO_CACHE)
def slot_step(settings: Settings, programme_id: int, slot: datetime) -> dict:
    with step_transaction(settings, "cycle-for-slot") as session:
        programme = get_programme(session, programme_id)
        if not programme.active:
            return {"cycle_id": None, "created": False, "programme": programme.name}
        cycle, created = cycle_for_slot(session, programme, slot)
        return {"cycle_id": cycle.id, "created": created, "programme": programme.name, "cycle": cycle.name}


@flow(name="open-programme-cycle", flow_run_name="programme-{programme_id}", log_prints=True)
def open_programme_cycle(programme_id: int, slot: datetime | None = None, database_url: str | None = None,
                         data_dir: str | None = None) -> dict:
    """Create the programme's cycle for this slot (once, however often the slot is run) and open it."""
    settings = store_settings(get_settings(), database_url, data_dir)
    slot = slot or scheduled_start()
    made = slot_step(settings, programme_id, slot)
    if made["cycle_id"] is None:
        print(f"Programme {made['programme']} is paused: no cycle opened")
        return made
    outcome = audit_cycle(made["cycle_id"], database_url=settings.resolved_database_url,
                          data_dir=str(settings.data_dir))
    print(f"{'Opened' if made['created'] else 'Already opened'} cycle {made['cycle_id']} '{made['cycle']}': "
          f"{outcome['progress']['total']} assignments")
    return made | {"state": outcome["state"]}


@task(name="cycles-past-due", cache_policy=NO_CACHE)
def past_due_step(settings: Settings, today: date) -> list[int]:
    with step_transaction(settings, "cycles-past-due") as session:
        return list(session.exec(select(Cycle.id).where(Cycle.status == CycleStatus.open.value,
                                                        Cycle.due_date < today).order_by(Cycle.id)).all())


@flow(name="continue-due-cycles", log_prints=True)
def continue_due_cycles(today: date | None = None, database_url: str | None = None,
                        data_dir: str | None = None) -> list[int]:
    """Score and report every open cycle whose due date has passed (outstanding audits count as incomplete)."""
    settings = store_settings(get_settings(), database_url, data_dir)
    today = today or clock.today()
    due = past_due_step(settings, today)
    for cycle_id in due:
        audit_cycle(cycle_id, as_of=today, database_url=settings.resolved_database_url, data_dir=str(settings.data_dir))
    print(f"{len(due)} cycle(s) past their due date scored and reported")
    return due
