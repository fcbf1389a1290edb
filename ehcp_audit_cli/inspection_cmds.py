"""`ehcp-audit inspection-pack`: the area SEND inspection evidence pack (PDF, XLSX, ZIP) and person-level export."""

from __future__ import annotations

from pathlib import Path

import typer

from audit import clock
from audit.protection.permissions import Permission
from ehcp_audit_cli.board_cmds import _cycle
from ehcp_audit_cli.common import console, friendly, needs, parse_date, settings, store


@friendly
@needs(Permission.produce_inspection_pack)
def inspection_pack_cmd(
    out: Path = typer.Option(..., "--out", help="Folder to write the pack to."),
    cycle: int | None = typer.Option(None, "--cycle", help="Cycle number (default: the latest with results)."),
    audience: str = typer.Option("published", "--audience",
                                 help="published (small numbers suppressed) or internal (every count shown)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date the figures are taken on (default today)."),
    framework: Path | None = typer.Option(None, "--framework", help="Headings and evidence (YAML); default "
                                          "rubrics/inspection/area-send-2025.yaml."),
    columns: Path | None = typer.Option(None, "--columns", help="Person-level column mapping (YAML); default "
                                        "config/inspection/person-level-2025.yaml."),
    identified: bool = typer.Option(False, "--identified", help="Person-level export with the register's own "
                                    "references (needs --reason; recorded in the audit trail)."),
    reason: str | None = typer.Option(None, "--reason", help="Why an identified export is needed."),
    deep_dive: int = typer.Option(6, "--deep-dive", min=0, help="How many children to sample for deep dives "
                                  "(one page each in the PDF; 0 for none)."),
    draw: int = typer.Option(1, "--draw", help="Draw number: the same number gives the same deep-dive sample."),
) -> None:
    """Write the inspection evidence pack: the five headings' evidence and self-evaluation (PDF, XLSX), the
    person-level export (CSV) and a ZIP of them with README.txt."""
    from audit.errors import AuditError
    from reports.inspection_export import MIN_REASON, pseudonym_key
    from reports.inspection_files import write_inspection
    from reports.inspection_make import make_inspection
    from reports.inspection_map import load_columns, load_framework

    if audience not in ("published", "internal"):
        raise typer.BadParameter("use published or internal", param_hint="--audience")
    if identified and len((reason or "").strip()) < MIN_REASON:  # refused before anything is read or written
        raise AuditError("An identified export needs a reason (at least 10 characters), which is kept in the "
                         "audit trail. Give --reason \"...\", or leave out --identified for a pseudonymised export.")
    chosen_framework, mapping = load_framework(framework), load_columns(columns)
    day_ = parse_date(as_of) or clock.today()
    with store() as session:
        chosen = _cycle(session, cycle)
        pack, export = make_inspection(session, chosen, day_, settings().small_number_threshold,
                                       pseudonym_key(settings()), audience=audience, framework=chosen_framework,
                                       columns=mapping, deep_dive=deep_dive, draw=draw, identified=identified,
                                       reason=reason)
    written = write_inspection(pack, out, export)
    for name, path in written.items():
        console.print(f"{name:>5}: {path}")
