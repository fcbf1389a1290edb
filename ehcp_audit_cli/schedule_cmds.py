"""Production mode from the command line: the audit programme, the daily chase, and Prefect serving/deploying."""

from __future__ import annotations

import typer

from audit import clock
from audit.protection.permissions import Permission
from audit.vocabulary import label
from audit.words import short_moment
from ehcp_audit_cli.common import console, friendly, needs, parse_date, settings, store
from ehcp_audit_cli.server_cmds import server_app
from ehcp_audit_cli.tables import words_table

programme_app = typer.Typer(help="The audit programme: recurring cycles on a schedule (monthly, termly or cron).",
                            no_args_is_help=True)
chase_app = typer.Typer(help="Reminders to auditors and escalations to agency leads.", no_args_is_help=True)
prefect_app = typer.Typer(help="Run the scheduled flows: serve them here, or register them for Prefect workers; "
                               "keep a local Prefect server running for the flow commands.", no_args_is_help=True)
prefect_app.add_typer(server_app, name="server")


@programme_app.command("set")
@friendly
@needs(Permission.manage_cycles)
def programme_set(
    name: str = typer.Option(..., "--name", help="e.g. 'Termly whole-plan audit'; cycles are named after it."),
    cadence: str = typer.Option(..., "--cadence", help="monthly, termly, or cron (then give --cron)."),
    cron: str | None = typer.Option(None, "--cron", help="Five-field cron expression, e.g. '0 7 1 */2 *'."),
    rubric: str = typer.Option("whole-plan", "--rubric", help="Rubric id or path."),
    sample_size: int = typer.Option(..., "--sample-size", help="Plans to sample each time."),
    strata: str = typer.Option("", "--strata", help="Comma-separated fields to stratify by, e.g. team,plan_stage."),
    due_days: int = typer.Option(28, "--due-days", help="Scorecards due this many days after the cycle opens."),
    exclude_months: int = typer.Option(12, "--exclude-audited-months", help="Exclude plans audited this recently."),
    zone: str = typer.Option("Europe/London", "--timezone", help="Time zone of the schedule."),
    paused: bool = typer.Option(False, "--paused", help="Keep the programme but open no cycles."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """Create or change a programme (by name). New schedules apply once the deployments are registered again."""
    from audit.cycle.lifecycle import get_area
    from audit.cycle.programmes import CADENCE_WORDS, ProgrammeSpec, next_slots, set_programme
    from audit.rubrics.loading import find_rubric

    spec = ProgrammeSpec(name=name, cadence=cadence, cron=cron, rubric=find_rubric(settings().rubrics_dir, rubric),
                         sample_size=sample_size, strata=tuple(s.strip() for s in strata.split(",") if s.strip()),
                         due_days=due_days, exclude_audited_months=exclude_months, timezone=zone, active=not paused)
    with store() as session:
        programme, created = set_programme(session, get_area(session, area or settings().area_code), spec)
        upcoming = ", ".join(f"{s:%-d %b %Y %H:%M}" for s in next_slots(programme, clock.now()))
        console.print(f"{'Created' if created else 'Changed'} programme {programme.id} '{programme.name}': "
                      f"{CADENCE_WORDS.get(programme.cadence, 'cron ' + programme.cron)}, sample {programme.sample_size}, "
                      f"due after {programme.due_days} days. Next: {upcoming}.", highlight=False)
    console.print("Register the schedule with Prefect: ehcp-audit prefect deploy --pool POOL "
                  "(or restart ehcp-audit prefect serve).", highlight=False)


@programme_app.command("list")
@friendly
@needs(Permission.manage_cycles)
def programme_list(area: str | None = typer.Option(None, "--area", help="Local area code.")) -> None:
    """Programmes with their schedule, next start and the cycles they opened."""
    from audit.cycle.lifecycle import get_area
    from audit.cycle.programmes import next_slots, programmes, scheduled_cycles

    with store() as session:
        table = words_table("Programme#", "Name", "Schedule", "Sample#", "Due after", "State", "Next start", "Cycles opened",
                            title="Audit programmes")
        for p in programmes(session, get_area(session, area or settings().area_code).id):
            opened = ", ".join(str(c.id) for _, c in scheduled_cycles(session, p)) or "none"
            upcoming = next_slots(p, clock.now(), 1)[0]
            table.add_row(str(p.id), p.name, f"{p.cadence} ({p.cron}, {p.timezone})", str(p.sample_size),
                          f"{p.due_days} days", "active" if p.active else "paused", short_moment(upcoming), opened)
        console.print(table)


@chase_app.command("run")
@friendly
@needs(Permission.manage_cycles)
def chase_run(today: str | None = typer.Option(None, "--today", help="Date to judge due and overdue on.")) -> None:
    """Send today's reminders and escalations now (the daily deployment does this on schedule)."""
    from flows.runtime import configure_local_prefect, quick_flow_runs

    configure_local_prefect(settings())
    from flows.chase import chase

    with quick_flow_runs():
        outcome = chase(today=parse_date(today))
    console.print("Chase: " + (", ".join(f"{n} email(s) {s}" for s, n in sorted(outcome.items())) or "nothing to chase"),
                  highlight=False)


@chase_app.command("history")
@friendly
@needs(Permission.manage_cycles)
def chase_history_cmd(cycle: int | None = typer.Option(None, "--cycle", help="Only this cycle.")) -> None:
    """Who was chased and when: rule, recipient, outcome."""
    from audit.cycle.chasing import chase_history

    with store() as session:
        table = words_table("When", "Rule", "Auditor", "Sent to", "Outcome", "Attempts#", "Cycle#", "About",
                            title="Chase emails")
        for row, code in chase_history(session, cycle):
            table.add_row(short_moment(row.claimed_at), label(row.rule, "chase_rule"), code or "", row.recipient or "(none)",
                          label(row.status, "chase_outcome") + (f": {row.error}" if row.error else ""), str(row.attempts),
                          str(row.cycle_id or ""), f"{row.subject_type} {row.subject_id}")
        console.print(table)


@prefect_app.command("serve")
@friendly
@needs(Permission.operate_service)
def prefect_serve(
    programme_interval: float | None = typer.Option(
        None, "--programme-interval", help="Testing only: open programme cycles every N seconds instead of on schedule."),
    limit: int | None = typer.Option(None, "--limit", help="Run at most this many flows at once."),
) -> None:
    """Serve every deployment from this process (schedules, triggers and runs) until stopped."""
    from flows.runtime import configure_local_prefect

    configure_local_prefect(settings())
    from flows.deployments import serve_all

    serve_all(programme_interval, limit)


@prefect_app.command("deploy")
@friendly
@needs(Permission.operate_service)
def prefect_deploy(pool: str = typer.Option(..., "--pool", help="A process work pool on the Prefect server.")) -> None:
    """Register every deployment (programmes included) with the Prefect server at PREFECT_API_URL."""
    from flows.deployments import register

    for name in register(pool, settings()):
        console.print(f"Registered {name}", highlight=False)
    console.print(f"Start a worker: prefect worker start --pool {pool}", highlight=False)
