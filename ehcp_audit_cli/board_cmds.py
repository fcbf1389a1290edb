"""`ehcp-audit board-pack` and `ehcp-audit trends`: the SEND board pack and the trend across cycles."""

from __future__ import annotations

from pathlib import Path

import typer

from audit import clock
from audit.errors import AuditError
from audit.protection.permissions import Permission
from audit.vocabulary import Agency
from audit.words import day
from ehcp_audit_cli.common import (
    console,
    friendly,
    needs,
    parse_date,
    results_scope,
    settings,
    store,
)
from ehcp_audit_cli.tables import words_table


@friendly
@needs(Permission.send_board_pack)
def board_pack_cmd(
    cycle: int | None = typer.Option(None, "--cycle", help="Cycle number (default: the latest with results)."),
    service: str | None = typer.Option(None, "--service",
                                       help="Only this service's pack: sen_team, education, health or social_care."),
    send: bool = typer.Option(False, "--send/--no-send",
                              help="Email the pack to EHCP_AUDIT_BOARD_RECIPIENTS (runs the Prefect flow)."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date the figures are taken on (default today)."),
    out: Path | None = typer.Option(None, "--out", help="Folder to write to (default <reports>/cycle-N)."),
    audience: str | None = typer.Option(
        None, "--audience", help="published (small numbers suppressed) or internal (counts shown, for the QA "
                                 "group); default EHCP_AUDIT_BOARD_AUDIENCE."),
) -> None:
    """Render the board pack (HTML, Markdown, PDF, XLSX, JSON); with --send, render, publish and email it."""
    if audience not in (None, "published", "internal"):
        raise typer.BadParameter("use published or internal", param_hint="--audience")
    day = parse_date(as_of) or clock.today()
    if send:
        from flows.runtime import configure_local_prefect, quick_flow_runs

        configure_local_prefect(settings())
        from flows.board_pack import board_pack

        with quick_flow_runs():
            outcome = board_pack(cycle_id=cycle, as_of=day, audience=audience)
        console.print(f"Board pack in {outcome['folder']}; email: {outcome['delivery']}")
        return
    from reports import pdf, workers

    # The worker imports WeasyPrint and matplotlib while this reads the store; both draw the charts (build_pack's
    # draw_charts=False, reports.pack_charts).
    workers.warm_up(pdf.prepare_worker)
    from reports.pack import build_pack
    from reports.pack_files import write_pack
    from reports.paper import PaperOptions

    with store() as session:
        chosen = _cycle(session, cycle)
        pack = build_pack(session, chosen, day, settings().small_number_threshold, service=service,
                          scales_dir=settings().scales_dir, audience=audience,
                          paper=PaperOptions.from_settings(settings()), draw_charts=False)
        folder = out or Path(settings().resolved_reports_dir) / f"cycle-{chosen.id}"
    for fmt, path in write_pack(pack, folder).items():
        console.print(f"{fmt:>5}: {path}")


@friendly
@needs(Permission.view_results)
def trends_cmd(
    series: str = typer.Option("Overall", "--series", help="Overall, Service or Section."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """% Good or better cycle on cycle, with sample sizes, 95% Wilson intervals and rubric breaks."""
    from audit.cycle.lifecycle import get_area
    from reports.trends import cycle_trends

    service = results_scope()
    if service and series != "Service":  # a service lead sees their own service's line only
        raise AuditError("Your account sees one service's results: use --series Service.")
    with store() as session:
        trends = cycle_trends(session, get_area(session, area or settings().area_code).id)
    for title, frame in (("Routine cycles", trends.routine), ("Themed cycles (not part of the trend)", trends.themed)):
        frame = frame[frame["series"] == series]
        if service:
            frame = frame[frame["group"] == Agency(service).label]
        table = words_table("Group", "Cycle", "Due", "Rubric", "Break", "Plans#", "% Good or better#", "95% interval#",
                            title=title)
        t = settings().small_number_threshold
        for r in frame.itertuples():
            small = 0 < r.plans < t
            pct = "no data" if r.pct is None or r.pct != r.pct else ("suppressed" if small else f"{r.pct:.1f}%")
            ci = "" if small or r.ci_low is None or r.ci_low != r.ci_low else f"{r.ci_low:.0f}–{r.ci_high:.0f}%"
            table.add_row(r.group, r.cycle, day(r.date), f"{r.rubric} {r.rubric_version}",
                          "rubric changed" if r.rubric_break else "", f"<{t}" if small else str(r.plans), pct, ci)
        console.print(table)


def pack_file(cycle: int, fmt: str, out: Path | None, as_of: str | None) -> None:
    """`ehcp-audit report --format pdf|xlsx`: the board pack in one binary format."""
    from audit.cycle.lifecycle import get_cycle
    from reports.pack import build_pack
    from reports.pack_render import render_html
    from reports.paper import PaperOptions
    from reports.pdf import html_to_pdf
    from reports.xlsx import pack_workbook

    if out is None:
        raise typer.BadParameter(f"{fmt} is binary: give a file with --out", param_hint="--out")
    with store() as session:
        pack = build_pack(session, get_cycle(session, cycle), parse_date(as_of) or clock.today(),
                          settings().small_number_threshold, service=results_scope(), scales_dir=settings().scales_dir,
                          paper=PaperOptions.from_settings(settings()), draw_charts=False)
    data = html_to_pdf(render_html(pack, for_pdf=True)) if fmt == "pdf" else pack_workbook(pack)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    console.print(f"Wrote {out}")


def _cycle(session, cycle_id: int | None):
    from audit.cycle.lifecycle import get_area, get_cycle
    from audit.results.reported import latest_reported

    if cycle_id is not None:
        return get_cycle(session, cycle_id)
    latest = latest_reported(session, get_area(session, settings().area_code).id)
    if latest is None:
        raise AuditError("No cycle has results yet. Run one first: ehcp-audit cycle run ID")
    return latest
