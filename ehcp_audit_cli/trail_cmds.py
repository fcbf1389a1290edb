"""`ehcp-audit trail`: show, export and verify the append-only audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from audit.errors import AuditError
from audit.protection.permissions import Permission
from ehcp_audit_cli.common import console, friendly, needs, parse_date, store

if TYPE_CHECKING:
    from audit.protection.trail_search import TrailFilter

trail_app = typer.Typer(help="The audit trail of every change to the store: show, export (CSV), verify.",
                        no_args_is_help=True)

ActorOpt = typer.Option("", "--actor", help="Part of the actor, e.g. 'web:' or 'cli:' or a username.")
TableOpt = typer.Option("", "--table", help="Table name, e.g. plan, scorecard, criteriongrade, user.")
RowOpt = typer.Option("", "--row", help="Primary key of one row.")
# The actions are audit.protection.trail_search.ACTIONS (imported by the commands, not for --help).
ActionOpt = typer.Option("", "--action", help="One of: create, update, delete, bulk create, bulk update, bulk delete.")
SinceOpt = typer.Option(None, "--since", help="From this date (YYYY-MM-DD).")
UntilOpt = typer.Option(None, "--until", help="Up to and including this date (YYYY-MM-DD).")


def _filter(actor: str, table: str, row: str, action: str, since: str | None, until: str | None) -> TrailFilter:
    from audit.protection.trail_search import TrailFilter

    return TrailFilter(actor=actor, table=table, row_key=row, action=action, since=parse_date(since, "--since date"),
                       until=parse_date(until, "--until date")).check()


@trail_app.command("show")
@friendly
@needs(Permission.view_audit_trail)
def trail_show(
    actor: str = ActorOpt, table: str = TableOpt, row: str = RowOpt, action: str = ActionOpt,
    since: str | None = SinceOpt, until: str | None = UntilOpt,
    limit: int = typer.Option(50, "--limit", min=1, max=5000, help="How many of the newest matching entries."),
) -> None:
    """Show the newest matching trail entries (who, when, what, before and after)."""
    from audit.protection.trail_search import describe_change, find_entries, utc_text

    f = _filter(actor, table, row, action, since, until)
    with store() as session:
        entries = find_entries(session, f, limit=limit)
    out = Table("id", "when (UTC)", "actor", "action", "table", "row", "change", title="Audit trail (newest first)")
    for e in entries:
        out.add_row(str(e.id), utc_text(e.at), e.actor, e.action, e.table_name, e.row_key or "", describe_change(e))
    console.print(out)
    if not entries:
        console.print("No entries match.")


@trail_app.command("export")
@friendly
@needs(Permission.view_audit_trail)
def trail_export(
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    actor: str = ActorOpt, table: str = TableOpt, row: str = RowOpt, action: str = ActionOpt,
    since: str | None = SinceOpt, until: str | None = UntilOpt,
) -> None:
    """Export matching entries, oldest first, as CSV (with their hashes, so the export can be checked)."""
    from audit.protection.trail_search import write_csv

    if out.suffix.lower() != ".csv":
        raise AuditError(f"{out.name}: the trail is exported as CSV; give a file name ending .csv")
    f = _filter(actor, table, row, action, since, until)
    out.parent.mkdir(parents=True, exist_ok=True)
    with store() as session, out.open("w", newline="", encoding="utf-8") as handle:
        written = write_csv(session, f, handle)
    console.print(f"Wrote {written} entries to {out}")


@trail_app.command("verify")
@friendly
@needs(Permission.view_audit_trail)
def trail_verify(
    expect: str | None = typer.Option(
        None, "--expect", help="A head printed by an earlier verify, as ID:HASH; fails if that entry is gone or changed."),
) -> None:
    """Recompute the hash chain; report the first entry changed or removed outside the application."""
    from audit.store.trail import verify_chain

    with store() as session:
        check = verify_chain(session, expect=_anchor(expect))
    if not check.ok:
        raise AuditError(f"The audit trail does not verify: {check.problem}. {check.entries} entries read.")
    console.print(f"The audit trail verifies: {check.entries} entries, unbroken.")
    if check.head_id is not None:
        console.print(f"Head: {check.head_id}:{check.head_hash}", highlight=False, soft_wrap=True)
        console.print("Keep the head somewhere else (a board paper, an email); 'trail verify --expect' with it later "
                      "also catches entries removed from the end.")


def _anchor(expect: str | None) -> tuple[int, str] | None:
    if not expect:
        return None
    ident, _, digest = expect.partition(":")
    if not ident.isdigit() or len(digest) != 64:
        raise typer.BadParameter("use the head printed by 'trail verify', as ID:HASH", param_hint="--expect")
    return int(ident), digest.lower()
