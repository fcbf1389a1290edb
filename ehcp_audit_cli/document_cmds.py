"""`ehcp-audit plans documents import` and `ehcp-audit plans precheck`: plan documents and the text pre-check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from audit.protection.permissions import Permission
from ehcp_audit_cli.common import console, friendly, needs, settings, store

documents_app = typer.Typer(help="Plan documents (DOCX, PDF with a text layer, ZIPs of them).", no_args_is_help=True)
HeadingsOpt = typer.Option(None, "--headings", help="YAML heading mapping for the area's template (docs/documents.md).")


def _rules(area_code: str | None, session) -> list:
    """The rules that run for the area: less those the settings or the area's QA lead (on the web) switch off."""
    # Domain modules load inside each command, never at import: `ehcp-audit --help` must not load the store.
    from audit.documents.precheck import area_rules

    return area_rules(settings(), area_code, session)


@documents_app.command("import")
@friendly
@needs(Permission.import_data)
def documents_import(
    paths: list[Path] = typer.Argument(..., help="Plan documents: .docx, .pdf, or .zip files of them."),
    mapping: Path | None = typer.Option(None, "--mapping", help="CSV with columns file,plan_ref."),
    headings: Path | None = HeadingsOpt,
    area: str | None = typer.Option(None, "--area", help="Local area code (default: EHCP_AUDIT_AREA_CODE)."),
) -> None:
    """Import plan documents, matched to register plans and split into sections, all or nothing."""
    from audit.cycle.lifecycle import get_area
    from audit.documents.storage import import_documents

    with store() as session:
        area_row = get_area(session, area or settings().area_code)
        report = import_documents(session, area_row, paths, _rules(area_row.code, session), mapping_file=mapping,
                                  headings=headings)
    for name, ref, letters, flags in report.documents:
        console.print(f"{name}: plan {ref}, sections {', '.join(letters)}; {flags} pre-check flag(s).",
                      highlight=False)
    console.print(f"Imported {len(report.documents)} plan document(s).")


@friendly
@needs(Permission.import_data)
def precheck(
    files: list[Path] = typer.Argument(..., help="Plan documents (.docx, .pdf or .zip); nothing is stored."),
    format: str = typer.Option("text", "--format", help="text or json (a list of flags)."),
    headings: Path | None = HeadingsOpt,
    area: str | None = typer.Option(None, "--area", help="Area whose rule settings apply."),
    workers: int = typer.Option(1, "--workers", min=1, max=16, help="Processes reading the files (one per core)."),
) -> None:
    """Pre-check plan text offline: flags for vague provision, outcomes, blank sections, the golden thread."""
    if format not in ("text", "json"):
        raise typer.BadParameter("use --format text or --format json")
    from audit.documents.precheck import check_files
    from audit.documents.sections import HeadingMap
    from audit.errors import InputRejected

    with store() as session:
        rules = _rules(area, session)
    flags, problems = check_files(files, rules, HeadingMap.load(headings), workers=workers)
    if problems:
        raise InputRejected("The plan documents", problems)
    if format == "json":
        sys.stdout.write(json.dumps([f.as_dict() for f in flags], indent=2, ensure_ascii=False) + "\n")
        return
    for f in flags:
        console.print(f"{f.plan} section {f.section} [{f.rule_id}]: \"{f.quote}\"\n  {f.explanation}", highlight=False)
    console.print(f"{len(flags)} flag(s) in {len(files)} file(s). A flag is a suggestion; the auditor decides.")
