"""`ehcp-audit regional`: compare areas across a region or the country (the regional benchmarking flow)."""

from __future__ import annotations

import typer

from audit import clock
from audit.protection.permissions import Permission
from ehcp_audit_cli.common import console, friendly, needs, parse_date, settings


@friendly
@needs(Permission.view_results)
def regional_cmd(
    areas: str | None = typer.Option(None, "--areas",
                                     help="Area codes to compare, comma-separated (default: every area with results)."),
    region: str = typer.Option("England", "--region", help="Name of the region, used in the title and file names."),
    as_of: str | None = typer.Option(None, "--as-of", help="Date the timeliness measures are taken on (default today)."),
    workers: int = typer.Option(2, "--workers", help="Worker processes for the areas (1 runs them one after another)."),
) -> None:
    """Compare areas side by side (grades, timeliness, agreement), small numbers suppressed; runs a Prefect flow."""
    from flows.runtime import configure_local_prefect, quick_flow_runs

    configure_local_prefect(settings())  # the running local server if there is one (ehcp-audit prefect server start)
    from flows.regional import run_regional

    codes = [c.strip() for c in areas.split(",") if c.strip()] if areas else None
    with quick_flow_runs():  # no heartbeat thread to wait for at the end (flows.runtime)
        outcome = run_regional(codes, workers=workers, region=region, as_of=parse_date(as_of) or clock.today())
    console.print(f"Compared {len(outcome['areas'])} areas: {outcome['paths'].get('html')}")
