"""`ehcp-audit`: load the register, run audit cycles, collect scorecards, report to the board."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import typer

from audit import clock
from audit.errors import AuditError
from audit.protection.permissions import Permission
from audit.vocabulary import label
from audit.words import day, period
from ehcp_audit_cli.board_cmds import board_pack_cmd, pack_file, trends_cmd
from ehcp_audit_cli.common import (
    act_as,
    console,
    friendly,
    needs,
    parse_date,
    results_scope,
    settings,
    skip_collection_at_exit,
    store,
    write_out,
)
from ehcp_audit_cli.cycle_cmds import cycle_app, scorecards_app
from ehcp_audit_cli.data_cmds import auditors_app, plans_app, rubric_app
from ehcp_audit_cli.db_cmds import db_app
from ehcp_audit_cli.document_cmds import documents_app, precheck
from ehcp_audit_cli.family_cmds import family_app
from ehcp_audit_cli.health_cmds import health
from ehcp_audit_cli.improvement_cmds import improvement_app
from ehcp_audit_cli.inspection_cmds import inspection_pack_cmd
from ehcp_audit_cli.moderation_cmds import calibration_app, moderation_app
from ehcp_audit_cli.protection_cmds import retention_app, safeguarding_app
from ehcp_audit_cli.regional_cmds import regional_cmd
from ehcp_audit_cli.schedule_cmds import chase_app, prefect_app, programme_app
from ehcp_audit_cli.tables import words_table
from ehcp_audit_cli.trail_cmds import trail_app
from ehcp_audit_cli.web_cmds import serve, users_app

SUMMARY_FORMATS = ("html", "md", "json")  # reports.render.FORMATS, without loading Jinja (a test keeps them equal)

app = typer.Typer(
    help="Multi-agency quality assurance of EHC plans: audit cycles, scorecards, board summaries and actions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
plans_app.add_typer(documents_app, name="documents")
plans_app.command("precheck")(precheck)
app.add_typer(plans_app, name="plans")
app.add_typer(auditors_app, name="auditors")
app.add_typer(rubric_app, name="rubric")
app.add_typer(cycle_app, name="cycle")
app.add_typer(scorecards_app, name="scorecards")
app.add_typer(moderation_app, name="moderation")
app.add_typer(calibration_app, name="calibration")
app.add_typer(users_app, name="users")
app.add_typer(improvement_app, name="improvement")
app.add_typer(db_app, name="db")
app.add_typer(programme_app, name="programme")
app.add_typer(chase_app, name="chase")
app.add_typer(prefect_app, name="prefect")
app.add_typer(trail_app, name="trail")
app.add_typer(safeguarding_app, name="safeguarding")
app.add_typer(retention_app, name="retention")
app.add_typer(family_app, name="family")
app.command("serve")(serve)
app.command("health")(health)
app.command("board-pack")(board_pack_cmd)
app.command("inspection-pack")(inspection_pack_cmd)
app.command("trends")(trends_cmd)
app.command("regional")(regional_cmd)


@app.callback()
def main(
    as_user: str | None = typer.Option(
        None, "--as-user", envvar="EHCP_AUDIT_AS_USER",
        help="Act as this account: its role's permissions apply (docs/security.md). Default: the operator."),
) -> None:
    """Multi-agency quality assurance of EHC plans: audit cycles, scorecards, board summaries and actions."""
    act_as(as_user)
    skip_collection_at_exit()


@app.command("timeliness")
@friendly
@needs(Permission.view_results)
def timeliness(
    as_of: str | None = typer.Option(None, "--as-of", help="Date the measures are taken on (YYYY-MM-DD); default today."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
    by: str | None = typer.Option(None, "--by", help="Also break every measure down by a column, e.g. team."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
    open_cases: bool = typer.Option(False, "--open", help="Also the cases still open: requests with no plan and "
                                    "advice awaited, by weeks waited, listing those past 20 (advice: 6) weeks."),
) -> None:
    """Statutory timeliness over the whole register, each figure with its definition."""
    from ehcp_audit_cli.kept_output import kept

    if fmt not in ("table", "json"):
        raise typer.BadParameter("use table or json", param_hint="--format")
    on = parse_date(as_of) or clock.today()
    kept("timeliness", {"as_of": on, "format": fmt, "by": by, "area": area, "open": open_cases},
         lambda: _print_timeliness(on, fmt, by, area, open_cases))


def _print_timeliness(on, fmt: str, by: str | None, area: str | None, open_cases: bool) -> None:
    from audit.cycle.lifecycle import get_area
    from audit.register.frames import plans_frame
    from audit.timeliness.measures import compute_timeliness

    with store() as session:
        frame = plans_frame(session, get_area(session, area or settings().area_code).id)
    report = compute_timeliness(frame, on, by=by)
    ageing = []
    if open_cases:
        from audit.timeliness.ageing import open_case_ageing

        ageing = open_case_ageing(frame, on)
    service = results_scope()
    if service:  # a service lead: the clocks their service answers for (as in their board pack)
        from reports.pack import SERVICE_MEASURES

        report = replace(report, measures=[m for m in report.measures if m.key in SERVICE_MEASURES[service]])
        ageing = [a for a in ageing if a.key in SERVICE_MEASURES[service]]
    if fmt == "json":
        data = report.to_dict() | ({"open_cases": [a.to_dict() for a in ageing]} if open_cases else {})
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = words_table("Measure", *([label(by, "stratum_field")] if by else []), "Met#", "Total#", "Percent#",
                        title=f"Timeliness, {period(report.period_start, report.period_end)} (as of {day(report.as_of)})")
    for m in report.measures:
        pct = "no data" if m.percent is None else f"{m.percent:.1f}%"
        table.add_row(m.label, *([m.group or "All"] if by else []), str(m.met), str(m.total), pct)
    console.print(table)
    console.print("Definitions:")
    seen = set()
    for m in report.measures:
        if m.key not in seen:
            seen.add(m.key)
            console.print(f"- {m.label}: {m.definition}", highlight=False)
    if open_cases:
        from ehcp_audit_cli.open_cases import print_open_cases

        print_open_cases(ageing, on)


@app.command("report")
@friendly
@needs(Permission.view_results)
def report(
    cycle: int = typer.Option(..., "--cycle", help="Cycle number."),
    fmt: str | None = typer.Option(None, "--format", help="table (on the terminal; the default without --out), html "
                                   "(the default with --out), md or json (the summary); pdf or xlsx (the board pack)."),
    out: Path | None = typer.Option(None, "--out", help="File to write; default prints to the terminal."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date for timeliness (default today)."),
) -> None:
    """The board summary of a scored cycle."""
    fmt = fmt or ("html" if out else "table")
    if fmt in ("pdf", "xlsx"):
        return pack_file(cycle, fmt, out, as_of)
    if fmt not in (*SUMMARY_FORMATS, "table"):
        raise typer.BadParameter(f"use one of table, {', '.join(SUMMARY_FORMATS)}, pdf or xlsx", param_hint="--format")
    day_ = parse_date(as_of) or clock.today()
    if out is not None:  # a file is written: always the full work
        return _report(cycle, fmt, out, day_)
    from ehcp_audit_cli.kept_output import kept

    kept("report", {"cycle": cycle, "format": fmt, "as_of": day_}, lambda: _report(cycle, fmt, None, day_))


def _report(cycle: int, fmt: str, out: Path | None, day_) -> None:
    from audit.cycle.lifecycle import get_cycle
    from reports.cache import board_summary, cache_folder
    from reports.render import render

    s = settings()
    with store() as session:  # worked out once per version of the data, shared with the web app (reports.cache)
        summary = board_summary(session, get_cycle(session, cycle), day_,
                                s.small_number_threshold, service=results_scope(), scales_dir=s.scales_dir,
                                folder=cache_folder(s))
        if summary is None:
            raise AuditError(f"Cycle {cycle} has no results yet. Run it first: ehcp-audit cycle run {cycle}")
    if fmt == "table":
        from ehcp_audit_cli.report_view import print_summary

        return print_summary(summary)
    write_out(render(summary, fmt), out)


@app.command("demo")
@friendly
@needs(Permission.operate_service)
def demo(
    plans: int = typer.Option(600, "--plans", help="Size of the synthetic register."),
    sample_size: int = typer.Option(40, "--sample-size", help="Plans to sample."),
    seed: int = typer.Option(7, "--seed", help="Seed for the synthetic area and the sample."),
    late_auditor: bool = typer.Option(True, "--late-auditor/--no-late-auditor",
                                      help="Leave one health auditor's scorecards out, to show a late auditor and "
                                           "incomplete audits."),
) -> None:
    """Run a whole cycle on a synthetic local area: register, rubric, sample, scorecards, board summary.

    The cycle is created five weeks ago and due a week ago, so the late auditor is really late. Running the demo
    again reuses its area and cycle (nothing is duplicated) and reports their state."""
    from audit.cycle.lifecycle import get_area
    from audit.protection.users import DEMO_PASSWORD, ensure_demo_users
    from audit.store.actor import cli_actor
    from flows.demo import run_demo

    s = settings()
    state = run_demo(s, plans=plans, sample_size=sample_size, seed=seed, late_auditor=late_auditor,
                     actor=cli_actor(), say=lambda text: console.print(text, highlight=False),
                     working=console.status)
    n = state.cycle_id
    console.print(f"Next: ehcp-audit cycle status {n} · ehcp-audit report --cycle {n} --format md · "
                  f"ehcp-audit scorecards template {n} --out scorecards/ · ehcp-audit improvement status "
                  f"(the tour in README.md follows cycle {n})", highlight=False)
    with store() as session:
        accounts = [(u.username, u.role, code) for u, code in ensure_demo_users(session, get_area(session, s.area_code))]
    console.print(f"\n[bold]Web app:[/] ehcp-audit serve (http://127.0.0.1:8000/). Demo accounts, password "
                  f"'{DEMO_PASSWORD}':", highlight=False)
    for username, role, code in accounts:
        console.print(f"  {username:32} {role}{' as ' + code if code else ''}", highlight=False)


def run() -> None:
    """The `ehcp-audit` command (pyproject's console script, and `python -m ehcp_audit_cli.main`): the garbage
    collector set for a process that runs one command (reports.heap), then the command. Its worker processes
    are forked from it and keep the setting."""
    from reports.heap import collect_less_often

    collect_less_often()
    app()


if __name__ == "__main__":  # pragma: no cover
    run()
