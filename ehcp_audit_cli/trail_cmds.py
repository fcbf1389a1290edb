"""`ehcp-audit trail`: show, export and verify the append-only audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from audit.errors import AuditError
from audit.protection.permissions import Permission
from audit.words import short_moment
from ehcp_audit_cli.common import console, friendly, needs, parse_date, store
from ehcp_audit_cli.tables import words_table

if TYPE_CHECKING:
    from audit.protection.trail_search import TrailFilter

trail_app = typer.Typer(help="The audit trail of every change to the store: show, export (CSV), verify.",
                        no_args_is_help=True)

ActorOpt = typer.Option("", "--actor", "--person", help="A person: a username or part of one (or web:, api:, cli:).")
PlanOpt = typer.Option("", "--plan", help="A plan reference: every change to that plan, its audits and results.")
TableOpt = typer.Option("", "--table", help="Table name, e.g. plan, scorecard, criteriongrade, user.")
RowOpt = typer.Option("", "--row", help="Primary key of one row.")
# The actions are audit.protection.trail_search.ACTIONS (imported by the commands, not for --help; a test checks
# this sentence names every one of them).
ActionOpt = typer.Option("", "--action", help="One of: create, update, delete, bulk create, bulk update, bulk delete, view.")
SinceOpt = typer.Option(None, "--since", help="From this day (DD/MM/YYYY or YYYY-MM-DD, UK time).")
UntilOpt = typer.Option(None, "--until", help="Up to and including this day (DD/MM/YYYY or YYYY-MM-DD).")


def _filter(actor: str, table: str, row: str, action: str, since: str | None, until: str | None,
            plan: str = "") -> TrailFilter:
    from audit.protection.trail_search import TrailFilter

    return TrailFilter(actor=actor, plan=plan, table=table, row_key=row, action=action, since=parse_date(since, "--since date"),
                       until=parse_date(until, "--until date")).check()


@trail_app.command("show")
@friendly
@needs(Permission.view_audit_trail)
def trail_show(
    actor: str = ActorOpt, plan: str = PlanOpt, table: str = TableOpt, row: str = RowOpt, action: str = ActionOpt,
    since: str | None = SinceOpt, until: str | None = UntilOpt,
    limit: int = typer.Option(50, "--limit", min=1, max=5000, help="How many of the newest matching entries."),
) -> None:
    """Show the newest matching trail entries: when, and who did what to what, in words."""
    from audit.protection.trail_search import find_entries
    from audit.protection.trail_words import TrailReader, details

    f = _filter(actor, table, row, action, since, until, plan)
    out = words_table("Entry#", "When", "What happened", title="Audit trail (newest first, UK time)")
    with store() as session:
        entries = find_entries(session, f, limit=limit)
        reader = TrailReader(session)
        for e in entries:
            change = details(e)
            out.add_row(str(e.id), short_moment(e.at), reader.sentence(e) + (f"\n{change}" if change else ""))
    console.print(out)
    if not entries:
        console.print("No entries match.")


@trail_app.command("export")
@friendly
@needs(Permission.view_audit_trail)
def trail_export(
    out: Path = typer.Option(..., "--out", help="CSV file to write."),
    actor: str = ActorOpt, plan: str = PlanOpt, table: str = TableOpt, row: str = RowOpt, action: str = ActionOpt,
    since: str | None = SinceOpt, until: str | None = UntilOpt,
) -> None:
    """Export matching entries, oldest first, as CSV (with their hashes, so the export can be checked)."""
    from audit.protection.trail_search import write_csv

    if out.suffix.lower() != ".csv":
        raise AuditError(f"{out.name}: the trail is exported as CSV; give a file name ending .csv")
    f = _filter(actor, table, row, action, since, until, plan)
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
