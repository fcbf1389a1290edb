"""Commands for what the QA lead loads: plans, auditors and rubrics."""

from __future__ import annotations

from pathlib import Path

import typer

from audit.limits import Limits
from audit.protection.permissions import Permission
from audit.vocabulary import label
from ehcp_audit_cli.common import console, friendly, needs, settings, store
from ehcp_audit_cli.tables import words_table

plans_app = typer.Typer(help="Load the area's EHC plan register.", no_args_is_help=True)
auditors_app = typer.Typer(help="Load the area's auditors (codes, agency, team; no names).", no_args_is_help=True)
rubric_app = typer.Typer(help="Check and show rubric files.", no_args_is_help=True)

AreaOpt = typer.Option(None, "--area", help="Local area code (default: EHCP_AUDIT_AREA_CODE, 'LOCAL').")


@plans_app.command("import")
@friendly
@needs(Permission.import_data)
def plans_import(
    file: Path = typer.Argument(..., help="Register as .csv or .xlsx (columns in docs/formats.md)."),
    mapping: Path | None = typer.Option(None, "--mapping", help="YAML mapping of the export's headings and words."),
    area: str | None = AreaOpt,
    area_name: str | None = typer.Option(None, "--area-name", help="Name for a new area."),
) -> None:
    """Import or update plans from a register file, all or nothing."""
    from audit.cycle.lifecycle import get_area
    from audit.register.plans import import_register

    with console.status(f"Validating and importing {file.name}..."), store() as session:
        area_row = get_area(session, area or settings().area_code, create=True, name=area_name)
        report = import_register(session, area_row, file, mapping, Limits.from_settings(settings()))
    console.print(f"Imported {report.rows} plans from {file.name}: {report.created} new, {report.updated} updated, "
                  f"{report.unchanged} unchanged.")
    for warning in report.warnings:
        console.print(f"[yellow]Note:[/] {warning}")


@auditors_app.command("import")
@friendly
@needs(Permission.import_data)
def auditors_import(
    file: Path = typer.Argument(..., help="Auditors as .csv or .xlsx: code, agency, team, email, active."),
    area: str | None = AreaOpt,
) -> None:
    """Import or update auditors, all or nothing."""
    from audit.cycle.lifecycle import get_area
    from audit.register.auditors import import_auditors

    with store() as session:
        area_row = get_area(session, area or settings().area_code, create=True)
        report = import_auditors(session, area_row, file, Limits.from_settings(settings()))
    console.print(f"Imported {report.rows} auditors: {report.created} new, {report.updated} updated, "
                  f"{report.unchanged} unchanged.")


@rubric_app.command("validate")
@friendly
@needs(Permission.import_data)
def rubric_validate(path: Path = typer.Argument(..., help="A rubric file (YAML).")) -> None:
    """Check a rubric file and list every problem."""
    from audit.rubrics.loading import load_rubric_file

    rubric = load_rubric_file(path)
    console.print(f"{path.name} is valid: {rubric.title}, version {rubric.version_label}, "
                  f"{len(rubric.sections)} sections, identity {rubric.short_hash}.")


@rubric_app.command("show")
@friendly
@needs(Permission.import_data)
def rubric_show(rubric: str = typer.Argument(..., help="Rubric id (e.g. whole-plan) or path.")) -> None:
    """Show a rubric's sections, agencies, criteria and roll-up rule."""
    from audit.rubrics.loading import describe, find_rubric

    console.print(describe(find_rubric(settings().rubrics_dir, rubric)), highlight=False, soft_wrap=True)


@rubric_app.command("list")
@friendly
@needs(Permission.import_data)
def rubric_list() -> None:
    """List the rubrics in the rubrics folder."""
    from audit.rubrics.loading import load_rubrics_dir

    table = words_table("Rubric", "Title", "Kind", "Version", "Identity", title="Rubrics")
    for key, r in sorted(load_rubrics_dir(settings().rubrics_dir).items()):
        kind = label(r.kind, "rubric_kind") + (f" ({label(r.theme, 'advice').lower()} advice)" if r.theme else "")
        table.add_row(key, r.title, kind, r.version_label, r.short_hash)
    console.print(table)
