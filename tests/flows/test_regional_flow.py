"""The regional benchmarking flow: areas fanned out on a Dask cluster give exactly what the sequential run gives."""

from __future__ import annotations

import pytest

from audit.national.regional import area_figures

pytestmark = [pytest.mark.prefect, pytest.mark.xdist_group("prefect")]


def test_dask_and_sequential_runs_compare_the_areas_identically(prefect_harness, regional_store, tmp_path):
    from flows.regional import regional_benchmark, run_regional

    kwargs = dict(region="Test region", as_of=regional_store["today"], database_url=regional_store["url"],
                  data_dir=str(tmp_path / "data"))
    parallel = run_regional(regional_store["areas"], workers=2, **kwargs)
    sequential = regional_benchmark(regional_store["areas"], write=False, **kwargs)

    assert [a["area"] for a in parallel["areas"]] == regional_store["areas"]
    assert parallel["areas"] == sequential["areas"]
    strip = lambda view: {k: v for k, v in view.items() if k != "generated_at"}  # noqa: E731
    assert strip(parallel["view"]) == strip(sequential["view"])
    assert set(parallel["paths"]) == {"html", "md", "json"} and sequential["paths"] == {}


def test_one_area_runs_in_process_and_matches_the_domain_call(prefect_harness, regional_store, tmp_path):
    from flows.regional import run_regional

    outcome = run_regional(["NTH"], workers=2, region="North only", as_of=regional_store["today"],
                           database_url=regional_store["url"], data_dir=str(tmp_path / "data"), write=False)
    direct = area_figures(regional_store["url"], "NTH", regional_store["today"])
    assert outcome["areas"] == [direct.to_dict()]


def test_default_areas_are_every_area_with_results(prefect_harness, regional_store, tmp_path):
    from flows.regional import regional_benchmark

    outcome = regional_benchmark(region="Everyone", as_of=regional_store["today"], write=False,
                                 database_url=regional_store["url"], data_dir=str(tmp_path / "data"))
    assert [a["area"] for a in outcome["areas"]] == regional_store["areas"]


def test_one_area_with_results_starts_no_cluster_when_no_area_is_named(prefect_harness, regional_store, tmp_path,
                                                                         monkeypatch):
    import prefect_dask

    import flows.regional as module

    class NoCluster:
        def __init__(self, *args, **kwargs):
            raise AssertionError("a Dask cluster was started for one area")

    monkeypatch.setattr(prefect_dask, "DaskTaskRunner", NoCluster)
    monkeypatch.setattr(module, "areas_with_results", lambda session: ["NTH"])
    outcome = module.run_regional(None, workers=2, region="North only", as_of=regional_store["today"],
                                  database_url=regional_store["url"], data_dir=str(tmp_path / "data"), write=False)
    assert [a["area"] for a in outcome["areas"]] == ["NTH"]


def test_the_command_prints_no_dask_noise(prefect_harness, regional_store, tmp_path):
    """`ehcp-audit regional` over several areas printed 30-odd lines of Dask logging and a dashboard address
    (there is no dashboard); now only its result."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "EHCP_AUDIT_DATABASE_URL": regional_store["url"], "EHCP_AUDIT_DATA_DIR": str(tmp_path / "data"),
           "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_HOME": str(tmp_path / "prefect")}
    result = subprocess.run([str(Path(sys.executable).parent / "ehcp-audit"), "regional", "--areas",
                             ",".join(regional_store["areas"]), "--as-of", str(regional_store["today"])],
                            env=env, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "dashboard" not in output.lower() and "distributed" not in output, output[-3000:]
    assert output.startswith(f"Compared {len(regional_store['areas'])} areas"), output[-3000:]
