"""Every benchmark runs end to end at a tiny size and writes its figures, so none can rot (timings not checked)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import report

# The benchmarks build their own SQLite stores, whatever the test database: the PostgreSQL pass skips them.
pytestmark = pytest.mark.bench


def run(module, tmp_path, *args):
    out, scratch = tmp_path / "results", tmp_path / "scratch"
    argv = ["--repeat", "1", "--out", str(out), "--tmp", str(scratch), *map(str, args)]
    # A benchmark is a program of its own: run it in a fresh thread, with no event loop of its own, because a
    # browser test earlier in this worker leaves Playwright's loop running in this one (asyncio.run would refuse).
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(module.main, argv).result() == 0
    return json.loads((out / f"{module.__name__.split('.')[-1]}.json").read_text()), (out / "results.md").read_text()


def test_register_import_benchmark(tmp_path):
    from bench import register_import

    data, md = run(register_import, tmp_path, "--plans", 300, "--pg", 0)
    labels = [f["label"] for f in data["figures"]]
    assert any("CSV into SQLite" in label for label in labels) and any("XLSX" in label for label in labels)
    csv = next(f for f in data["figures"] if "CSV into SQLite" in f["label"])
    assert csv["reference"] and csv["ratio"] > 0 and csv["passed"] in (True, False)
    assert "1. Register import" in md and "bare sqlite3 executemany" in md and data["machine"]["cores"]


def test_national_benchmark(tmp_path):
    from bench import national

    data, md = run(national, tmp_path, "--plans", 3000, "--areas", 3)
    figures = {f["label"]: f for f in data["figures"]}
    assert len(figures) == 6 and "DuckDB, the same work" in md and "DuckDB reading the same store" in md
    assert figures["aggregation (product code: audit.national.aggregate.aggregate)"]["ratio"] > 0


def test_board_pack_benchmark(tmp_path):
    from bench import board_pack

    data, md = run(board_pack, tmp_path, "--plans", 300, "--sample", 12, "--cycles", 2, "--cold", 0)
    assert data["details"]["PDF pages"] is None or data["details"]["PDF pages"] >= 5
    assert "5. Board pack" in md


def test_auditors_benchmark(tmp_path):
    from bench import auditors

    # Two server processes: the path `ehcp-audit serve --workers 2` takes (shared session key, one schema check).
    data, _ = run(auditors, tmp_path, "--auditors", 4, "--spare", 8, "--sample", 12, "--seconds", 4, "--think", 0,
                  "--ramp", 0.5, "--workers", 2)
    figures = {f["label"]: f for f in data["figures"]}
    assert figures["errors"]["value"] == 0
    assert figures["sign-in 95th percentile latency (before the minute)"]["value"] > 0
    assert figures["submissions lost or duplicated (checked in the database)"]["value"] == 0
    assert figures["requests per second"]["value"] > 0


@pytest.mark.prefect
@pytest.mark.xdist_group("prefect")
def test_prefect_cycle_benchmark(prefect_harness, tmp_path):
    from bench import prefect_cycle

    data, _ = run(prefect_cycle, tmp_path, "--plans", 300, "--sample", 8, "--cold", 0)
    flow = data["figures"][0]
    assert flow["reference"] and flow["ratio"] > 0


def test_report_without_results_says_so(tmp_path):
    assert "No benchmark has been run yet" in report.render([])


@pytest.mark.prefect
@pytest.mark.xdist_group("prefect")
def test_regional_benchmark(prefect_harness, tmp_path):
    from bench import regional

    data, md = run(regional, tmp_path, "--plans", 2000, "--national-areas", 3, "--areas", 2)
    assert data["figures"][0]["reference"] and "Regional benchmarking flow" in md


def test_read_commands_benchmark(tmp_path):
    from bench import read_commands

    data, md = run(read_commands, tmp_path, "--plans", 200, "--sample", 8)
    help_ = data["figures"][0]
    assert help_["reference_label"] == "python -c pass" and help_["target_extra"] == 0.3 and "6. Read commands" in md


def test_results_page_benchmark(tmp_path):
    from bench import results_page

    data, md = run(results_page, tmp_path, "--plans", 200, "--sample", 8, "--rounds", 2, "--views", 3)
    assert data["figures"][0]["value"] > 0 and "7. Results page" in md


def test_precheck_benchmark(tmp_path):
    from bench import precheck

    data, md = run(precheck, tmp_path, "--plans", 6, "--pdf-share", 0.5, "--workers", 1, "--zip-plans", 3)
    figures = {f["label"]: f for f in data["figures"]}
    timing = figures["pre-check of 6 plans (3 PDF) in 1 processes"]
    assert timing["reference"] and timing["ratio"] > 0 and timing["target_seconds"] == pytest.approx(0.36)
    assert figures["import of a 3-plan ZIP into SQLite"]["runs"]["median"] > 0
    assert figures["f-unquantified: precision on 6 labelled plans"]["unit"] == "precision"
    assert "8. Plan documents pre-check" in md and "intake, reading and splitting into words" in md


def test_qa_pages_benchmark(tmp_path):
    from bench import qa_pages

    data, md = run(qa_pages, tmp_path, "--plans", 200, "--sample", 8, "--cycles", 1, "--rounds", 2)
    labels = [f["label"] for f in data["figures"]]
    assert "cycle page /cycles/{id} median" in labels and "plan look-up /plans/{ref} median" in labels
    cycle = next(f for f in data["figures"] if f["label"] == "cycle page /cycles/{id} median")
    assert cycle["reference"] and cycle["ratio"] > 0 and "9. The QA lead's pages" in md
