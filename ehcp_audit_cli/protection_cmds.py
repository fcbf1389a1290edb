"""`ehcp-audit safeguarding` and `ehcp-audit retention`: follow safeguarding alerts, purge old free text."""

from __future__ import annotations

from pathlib import Path

import typer

from audit.protection.permissions import Permission
from audit.store.actor import acting_as, cli_actor
from audit.vocabulary import label
from audit.words import day, moment, short_moment
from ehcp_audit_cli.common import console, friendly, needs, settings, store
from ehcp_audit_cli.tables import words_table

safeguarding_app = typer.Typer(help="Safeguarding concerns flagged by auditors: list them, retry failed alerts.",
                               no_args_is_help=True)
retention_app = typer.Typer(help="Retention: purge comments and closed safeguarding concerns past the retention "
                                 "period, and show what was purged.", no_args_is_help=True)


@safeguarding_app.command("list")
@friendly
@needs(Permission.follow_up_safeguarding)
def safeguarding_list(
    status: str | None = typer.Option("open", "--status", help="open, closed or all."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """List safeguarding flags (reference, plan, who raised it, email status); the concern text is on the web page."""
    from audit.cycle.lifecycle import get_area
    from audit.protection.safeguarding import list_flags

    with store() as session:
        views = list_flags(session, get_area(session, area or settings().area_code).id,
                           None if status == "all" else status)
        table = words_table("Flag", "Plan", "Raised", "By", "Status", "Email", "Notes#", title="Safeguarding concerns")
        for v in views:
            f = v.flag
            email = f.notify_status + (f" ({f.notify_error})" if f.notify_status == "failed" else "")
            table.add_row(f"SG-{f.id}", v.plan_ref, short_moment(f.raised_at), f.raised_by, label(f.status, "flag_status"), email,
                          str(len(v.notes)))
    console.print(table)


@safeguarding_app.command("notify")
@friendly
@needs(Permission.follow_up_safeguarding)
def safeguarding_notify() -> None:
    """Email the designated contact about every flag whose alert failed or was lost (the flow does this too)."""
    from audit.store.db import engine_from_settings
    from flows.alerts import retry_notifications, why_not_sendable

    s = settings()
    problem = why_not_sendable(s)
    with acting_as(cli_actor()):
        counts = retry_notifications(s, engine_from_settings(s))
    console.print(f"{counts['sent']} alert(s) sent, {counts['failed']} still failing.")
    if problem and counts["failed"]:
        console.print(f"[yellow]Note:[/] {problem}.")


@retention_app.command("purge")
@friendly
@needs(Permission.operate_service)
def retention_purge_cmd(
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be purged; change nothing."),
) -> None:
    """Purge scorecard comments, moderation rationales and closed safeguarding concerns past the retention period."""
    from audit.protection.retention import RetentionPolicy, purge_expired

    s = settings()
    with store() as session:
        result = purge_expired(session, RetentionPolicy.from_settings(s), reports_dir=Path(s.resolved_reports_dir),
                               dry_run=dry_run)
    for line in result.lines():
        console.print(line[:1].upper() + line[1:] + ".")
    if not dry_run:
        console.print(f"Recorded as done by {result.by} at {moment(result.at)}; 'ehcp-audit retention history' "
                      "lists every purge.")


@retention_app.command("history")
@friendly
@needs(Permission.operate_service)
def retention_history(limit: int = typer.Option(20, "--limit", min=1, help="How many records, newest first.")) -> None:
    """Every purge: when, by whom, what, how many and the cut-off."""
    from audit.protection.retention import purge_history

    with store() as session:
        records = purge_history(session, limit)
    table = words_table("When", "By", "What", "Rows#", "Older than", title="Purges")
    for r in records:
        table.add_row(short_moment(r.at), r.by, r.what, str(r.rows), day(r.cutoff))
    console.print(table)
