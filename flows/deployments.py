"""Where and when flows run: the board pack monthly and after each audit cycle completes; the retention purge
nightly; safeguarding alerts that failed, retried every ten minutes.

Run `python -m flows.deployments` (or `prefect deploy` with the same objects) to serve them. The board
pack is triggered after a cycle by an event trigger on the audit-cycle flow run completing, rather than
by calling it from inside `audit_cycle`: a slow or failing email then never holds up or fails the cycle,
and the pack can be rerun on its own. The cycle id is read from the completed run's name.
"""

from __future__ import annotations

from prefect import serve
from prefect.events import DeploymentEventTrigger
from prefect.schedules import Cron, Interval

from flows.board_pack import board_pack
from flows.cycle import audit_cycle
from flows.retention import retention_purge
from flows.safeguarding import safeguarding_alerts

MONTHLY = Cron("0 7 1 * *", timezone="Europe/London")  # 07:00 on the 1st: the month just ended
NIGHTLY = Cron("30 2 * * *", timezone="Europe/London")  # the retention purge, out of working hours
EVERY_TEN_MINUTES = Interval(600)  # safeguarding alerts that failed are retried this often


def deployments() -> list:
    """The deployments, built (not yet served)."""
    monthly = board_pack.to_deployment(
        name="board-pack-monthly", schedules=[MONTHLY], parameters={"send": True},
        description="The board pack for the latest cycle with results, as of the end of last month.",
    )
    after_cycle = board_pack.to_deployment(
        name="board-pack-after-cycle",
        triggers=[DeploymentEventTrigger(
            expect={"prefect.flow-run.Completed"},
            match_related={"prefect.resource.role": "flow", "prefect.resource.name": "audit-cycle"},
            # The run is named audit-cycle-<id> (flows/cycle.py), so the name carries the cycle id.
            parameters={"cycle_id": "{{ event.resource['prefect.resource.name'] | replace('audit-cycle-', '') }}",
                        "send": True},
        )],
        description="The board pack for a cycle, after its audit-cycle flow run completes.",
    )
    cycle = audit_cycle.to_deployment(name="audit-cycle", description="Run or continue an audit cycle.")
    # Issue 7, data protection: the nightly retention purge and the safeguarding alert retries.
    purge = retention_purge.to_deployment(name="retention-purge", schedules=[NIGHTLY],
                                          description="Purge free text older than the retention period.")
    alerts = safeguarding_alerts.to_deployment(name="safeguarding-alerts", schedules=[EVERY_TEN_MINUTES],
                                               description="Retry safeguarding alerts that could not be emailed.")
    return [monthly, after_cycle, cycle, purge, alerts]


if __name__ == "__main__":  # pragma: no cover - long-running
    serve(*deployments())
