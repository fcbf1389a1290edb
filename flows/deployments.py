"""Where and when flows run: the audit programme's schedules, the daily chase and due-date sweep, the board pack,
the nightly retention purge, and retries of safeguarding alerts that failed.

Two ways to run them, same code:
- `ehcp-audit prefect serve` (or `python -m flows.deployments`): one long-running process serves every
  deployment and runs their flows itself. Simple; one machine.
- `ehcp-audit prefect deploy --pool NAME` registers the same deployments with a Prefect server for a process
  work pool; `prefect worker start --pool NAME` on one or more machines runs them (docs/production.md).

Each active audit programme becomes one deployment, `open-programme-cycle/programme-<id>`, scheduled with its
cron expression in its time zone: Prefect owns the clock. A changed cadence takes effect when the deployments
are registered (or served) again. The board pack is triggered after a cycle by an event trigger on the
audit-cycle flow run completing, rather than by calling it from inside `audit_cycle`: a slow or failing email
then never holds up or fails the cycle, and the pack can be rerun on its own.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prefect import serve
from prefect.events import DeploymentEventTrigger
from prefect.schedules import Cron, Interval

from audit.cycle.programmes import programmes
from audit.settings import Settings, get_settings
from audit.store.db import engine_from_settings, require_store, transaction
from flows.board_pack import board_pack
from flows.chase import chase
from flows.cycle import audit_cycle
from flows.operator_alert import operator_alert
from flows.programme import continue_due_cycles, open_programme_cycle
from flows.retention import retention_purge
from flows.safeguarding import safeguarding_alerts

ROOT = Path(__file__).resolve().parents[1]
MONTHLY = Cron("0 7 1 * *", timezone="Europe/London")  # 07:00 on the 1st: the month just ended
DAILY_CHASE = Cron("0 8 * * 1-5", timezone="Europe/London")  # 08:00 on weekdays
DAILY_DUE = Cron("30 6 * * *", timezone="Europe/London")  # before the chase, so finished cycles are not chased
NIGHTLY = Cron("30 2 * * *", timezone="Europe/London")  # the retention purge, out of working hours
EVERY_TEN_MINUTES = Interval(600)  # safeguarding alerts that failed are retried this often
# The completed run is named audit-cycle-<id> (flows/cycle.py), so its name carries the cycle id. A plain
# template string renders as text ("1"), which the server refuses for the integer parameter ("'1' is not valid
# under any of the given schemas") and the pack never ran: render the number as JSON instead.
CYCLE_ID_FROM_EVENT = {
    "__prefect_kind": "json",
    "value": {"__prefect_kind": "jinja",
              "template": "{{ event.resource['prefect.resource.name'] | replace('audit-cycle-', '') | int }}"},
}
ENTRYPOINTS = {
    "audit-cycle": "flows/cycle.py:audit_cycle",
    "board-pack": "flows/board_pack.py:board_pack",
    "chase": "flows/chase.py:chase",
    "continue-due-cycles": "flows/programme.py:continue_due_cycles",
    "open-programme-cycle": "flows/programme.py:open_programme_cycle",
    "operator-alert": "flows/operator_alert.py:operator_alert",
    "retention-purge": "flows/retention.py:retention_purge",
    "safeguarding-alerts": "flows/safeguarding.py:safeguarding_alerts",
}


def deployment_specs(settings: Settings, programme_interval: float | None = None) -> list[tuple]:
    """(flow, deployment name, keyword arguments) for every deployment; `programme_interval` (seconds) replaces
    the programmes' cron schedules with a short interval (for tests and demonstrations only)."""
    specs = [
        (board_pack, "board-pack-monthly", dict(
            schedules=[MONTHLY], parameters={"send": True},
            description="The board pack for the latest cycle with results, as of the end of last month.")),
        (board_pack, "board-pack-after-cycle", dict(
            triggers=[DeploymentEventTrigger(
                expect={"prefect.flow-run.Completed"},
                match_related={"prefect.resource.role": "flow", "prefect.resource.name": "audit-cycle"},
                parameters={"cycle_id": CYCLE_ID_FROM_EVENT, "send": True},
            )],
            description="The board pack for a cycle, after its audit-cycle flow run completes.")),
        (operator_alert, "operator-alert-on-failure", dict(
            triggers=[DeploymentEventTrigger(
                expect={"prefect.flow-run.Failed", "prefect.flow-run.Crashed"},
                match={"prefect.resource.id": "prefect.flow-run.*"},
                # Single expressions of the event's resource labels: Prefect renders each as JSON (`| tojson`),
                # which an expression such as `a or ''` would break (the filter binds to '' alone).
                parameters={"flow_run_name": "{{ event.resource['prefect.resource.name'] }}",
                            "state": "{{ event.resource['prefect.state-name'] }}",
                            "message": "{{ event.resource['prefect.state-message'] }}"},
            )],
            description="Email the operator (EHCP_AUDIT_OPERATOR_EMAILS) when any flow run fails or crashes.")),
        (audit_cycle, "audit-cycle", dict(description="Run or continue an audit cycle (triggered by the last submission).")),
        (chase, "chase-daily", dict(schedules=[DAILY_CHASE],
                                    description="Remind auditors of scorecards due soon or overdue; escalate to agency leads.")),
        (continue_due_cycles, "continue-due-cycles-daily", dict(
            schedules=[DAILY_DUE], description="Score and report open cycles whose due date has passed.")),
        # Issue 7, data protection: the nightly retention purge and the safeguarding alert retries.
        (retention_purge, "retention-purge", dict(
            schedules=[NIGHTLY], description="Purge free text older than the retention period.")),
        (safeguarding_alerts, "safeguarding-alerts", dict(
            schedules=[EVERY_TEN_MINUTES], description="Retry safeguarding alerts that could not be emailed.")),
    ]
    # In production the programmes are read only from an existing store (never a new empty one: no schedules).
    engine = require_store(settings) if settings.production else engine_from_settings(settings)
    with transaction(engine) as session:
        active = [(p.id, p.name, p.cron, p.timezone) for p in programmes(session, active_only=True)]
    for programme_id, name, cron, zone in active:
        schedule = (Interval(timedelta(seconds=programme_interval)) if programme_interval
                    else Cron(cron, timezone=zone))
        specs.append((open_programme_cycle, f"programme-{programme_id}", dict(
            schedules=[schedule], parameters={"programme_id": programme_id},
            description=f"Audit programme '{name}': opens a cycle at each scheduled time ({cron}, {zone}).")))
    return specs


def deployments(settings: Settings | None = None, programme_interval: float | None = None) -> list:
    """The deployments, built for `serve` (not yet served)."""
    return [flow.to_deployment(name=name, **kwargs)
            for flow, name, kwargs in deployment_specs(settings or get_settings(), programme_interval)]


def register(pool: str, settings: Settings | None = None) -> list[str]:
    """Register every deployment with the Prefect server (PREFECT_API_URL) for the process work pool `pool`."""
    names = []
    for flow, name, kwargs in deployment_specs(settings or get_settings()):
        source = flow.from_source(source=str(ROOT), entrypoint=ENTRYPOINTS[flow.name])
        source.deploy(name=name, work_pool_name=pool, print_next_steps=False, **kwargs)
        names.append(f"{flow.name}/{name}")
    return names


def serve_all(programme_interval: float | None = None, limit: int | None = None) -> None:  # pragma: no cover
    """Serve every deployment from this process until stopped, running at most `limit` flows at once."""
    serve(*deployments(programme_interval=programme_interval), limit=limit)


if __name__ == "__main__":  # pragma: no cover - long-running
    serve_all()
