"""The inspection pack flow: build the area SEND inspection evidence pack of a cycle and write its files.

Started from the web (web/inspection.py, in its own thread, with progress on the pack's page) and the same
work as `ehcp-audit inspection-pack`. Inputs: a cycle id, the audience (published: small numbers suppressed;
internal), how many deep-dive children and the draw number. Outputs: <reports>/cycle-N/inspection/ with the
PDF, the XLSX, the pseudonymised person-level export and a ZIP of them with README.txt; a markdown artifact
listing the headings and files. The identified export is never made here: it is asked for on the page, with a
reason, and downloaded there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from audit import clock
from audit.cycle.lifecycle import get_cycle
from audit.settings import Settings, get_settings
from audit.store.actor import as_actor
from audit.store.db import engine_from_settings, transaction
from flows.runtime import store_settings
from reports.inspection_export import pseudonym_key
from reports.inspection_files import write_inspection
from reports.inspection_make import make_inspection
from reports.inspection_map import load_columns, load_framework


def inspection_folder(settings: Settings, cycle_id: int) -> Path:
    return Path(settings.resolved_reports_dir) / f"cycle-{cycle_id}" / "inspection"


@task(name="build-inspection-pack", cache_policy=NO_CACHE)
def build_step(settings: Settings, cycle_id: int, as_of: date, audience: str, deep_dive: int, draw: int) -> dict:
    """Build the pack from the store and write its files; what was written, by kind."""
    with transaction(engine_from_settings(settings)) as session:
        cycle = get_cycle(session, cycle_id)
        pack, export = make_inspection(session, cycle, as_of, settings.small_number_threshold, pseudonym_key(settings),
                                       audience=audience, framework=load_framework(), columns=load_columns(),
                                       deep_dive=deep_dive, draw=draw)
    written = write_inspection(pack, inspection_folder(settings, cycle_id), export)
    return {"title": pack["title"], "headings": [h["title"] for h in pack["headings"]],
            "paths": {kind: str(path) for kind, path in written.items()}}


@flow(name="inspection-pack", flow_run_name="inspection-pack-{cycle_id}-{audience}", log_prints=True)
@as_actor("flow:inspection-pack")
def inspection_pack(cycle_id: int, audience: str = "published", deep_dive: int = 6, draw: int = 1,
                    as_of: date | None = None, database_url: str | None = None, data_dir: str | None = None) -> dict:
    """Write the inspection pack of the cycle (PDF, XLSX, person-level export, ZIP with an index)."""
    settings = store_settings(get_settings(), database_url, data_dir)
    built = build_step(settings, cycle_id, as_of or clock.today(), audience, deep_dive, draw)
    create_markdown_artifact(key=f"inspection-pack-cycle-{cycle_id}", description=built["title"], markdown=(
        f"# {built['title']}\n\n" + "\n".join(f"{i}. {h}" for i, h in enumerate(built["headings"], 1))
        + "\n\nFiles:\n\n" + "\n".join(f"- {kind}: `{path}`" for kind, path in built["paths"].items())))
    print(f"Inspection pack for cycle {cycle_id} written to {inspection_folder(settings, cycle_id)}")
    return built
