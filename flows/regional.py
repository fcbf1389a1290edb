"""The regional benchmarking flow: compare areas (grades, timeliness, agreement) across a region or the country.

Triggered by a regional lead or a national body (`ehcp-audit regional --areas A,B,C`), on demand.
Inputs: the area codes to compare (default: every area with results), a region name, a date for timeliness.
Outputs: a comparison in HTML, Markdown and JSON under <reports>/regional/, with small numbers suppressed, and
a Prefect markdown artifact.

Each area's figures are one task (`audit.national.regional.area_figures`), so the per-area work runs in parallel: for
more than one area (named, or every area with results) `run_regional` gives the flow prefect-dask's DaskTaskRunner
with a local cluster of worker processes, quietly; for a single area the flow runs with Prefect's default task
runner, in process.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from prefect import flow, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from audit import clock
from audit.national.regional import AreaFigures, area_figures, areas_with_results
from audit.settings import get_settings
from audit.store.db import engine_from_settings, transaction
from flows.runtime import flow_settings
from reports.regional import regional_view, render, write_regional


@task(name="area-figures", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def area_step(database_url: str, area_code: str, as_of: date) -> AreaFigures:
    """One area's figures; runs in whichever worker the task runner gives it."""
    return area_figures(database_url, area_code, as_of)


@flow(name="regional-benchmark", flow_run_name="regional-{region}", log_prints=True)
def regional_benchmark(
    area_codes: list[str] | None = None,
    region: str = "England",
    as_of: date | None = None,
    write: bool = True,
    database_url: str | None = None,
    data_dir: str | None = None,
) -> dict:
    """Fan out one task per area, then build, write and publish the comparison."""
    settings = flow_settings(get_settings(), database_url, data_dir)
    as_of = as_of or clock.today()
    if not area_codes:
        with transaction(engine_from_settings(settings)) as session:
            area_codes = areas_with_results(session)
    futures = area_step.map(unmapped(settings.resolved_database_url), area_codes, unmapped(as_of))
    figures = [future.result() for future in futures]
    view = regional_view(figures, region, as_of, settings.small_number_threshold)
    paths = {}
    if write:
        paths = {fmt: str(p) for fmt, p in write_regional(view, Path(settings.resolved_reports_dir) / "regional").items()}
        create_markdown_artifact(key=_artifact_key(region), markdown=render(view, "md"), description=view["title"])
        print(f"Compared {len(figures)} areas in {region}: {paths.get('html')}")
    return {"areas": [f.to_dict() for f in figures], "view": view, "paths": paths}


def run_regional(area_codes: list[str] | None = None, workers: int = 2, **kwargs) -> dict:
    """Run the flow: areas in parallel on a local Dask cluster of `workers` processes, one area in process.

    The areas are settled first (every area with results when none are named), so one area never starts a
    cluster. The cluster has no dashboard, and Dask's and prefect-dask's start-up logging (a dashboard
    address that does not exist, worker and scheduler lines) is kept to warnings and errors.
    """
    if area_codes is None:
        settings = flow_settings(get_settings(), kwargs.get("database_url"), kwargs.get("data_dir"))
        with transaction(engine_from_settings(settings)) as session:
            area_codes = areas_with_results(session)
    if len(area_codes) <= 1 or workers <= 1:
        return regional_benchmark(area_codes, **kwargs)
    from prefect_dask import DaskTaskRunner

    runner = DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                            "dashboard_address": None, "silence_logs": logging.ERROR})
    with quiet_dask():
        return regional_benchmark.with_options(task_runner=runner)(area_codes, **kwargs)


# distributed's start-up lines are INFO; at shutdown its nannies warn that they killed workers still exiting,
# which is how a local cluster always ends: only its errors are shown.
DASK_LOGGERS = {"distributed": logging.ERROR, "prefect.task_runner": logging.WARNING,
                "prefect.task_runner.dask": logging.WARNING, "prefect.task_runners": logging.WARNING}


@contextmanager
def quiet_dask() -> Iterator[None]:
    """Dask's and prefect-dask's loggers quiet for the run, as they were afterwards."""
    loggers = [logging.getLogger(name) for name in DASK_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger, level in zip(loggers, DASK_LOGGERS.values()):
        logger.setLevel(level)
    try:
        with warnings.catch_warnings():
            # The scheduler's HTTP server (health checks, no dashboard) moves off a busy port 8787 with a warning.
            warnings.filterwarnings("ignore", message=r"\s*Port \d+ is already in use", category=UserWarning)
            yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _artifact_key(region: str) -> str:
    # Artifact keys take lower-case letters, digits and dashes only.
    return "regional-" + "".join(c if c.isalnum() else "-" for c in region.lower()).strip("-")
