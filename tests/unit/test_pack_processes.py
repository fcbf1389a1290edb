"""The board pack's worker processes stay small (issue 16): started first, they carry none of what the command
loads afterwards, and a worker that only lays out PDFs never loads pypdf."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from reports.heap import SHORT_LIVED_THRESHOLDS
from tests.factories import ROOT

PROBE = """
import json
from reports import pdf, workers
workers.warm_up(pdf.prepare_worker)
import pandas  # what the command loads after starting its workers (with the domain and the store)
from tests.pack_probe import lay_out_then_tell, loaded
import gc
print(json.dumps([workers.submit(loaded).result(), workers.submit(lay_out_then_tell).result(),
                  workers.submit(gc.get_threshold).result()]))
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="with one core the work runs in the calling process")
def test_workers_started_first_hold_only_what_their_jobs_use():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    before, after_layout, collector = json.loads(done.stdout.strip().splitlines()[-1])
    assert before == ["matplotlib", "weasyprint"], "imported on start; not the caller's pandas"
    assert after_layout == ["matplotlib", "weasyprint"], "laying out a PDF needs no pypdf"
    assert tuple(collector) == SHORT_LIVED_THRESHOLDS, "the collector set for a worker's layouts"


def test_the_command_sets_the_collector_for_one_command_before_it_runs(monkeypatch):
    import gc

    from ehcp_audit_cli import main

    seen = []
    monkeypatch.setattr(main, "app", lambda: seen.append(gc.get_threshold()))
    defaults = gc.get_threshold()
    try:
        main.run()
    finally:
        gc.set_threshold(*defaults)
    assert seen == [SHORT_LIVED_THRESHOLDS]


WIDEN = """
import json, os, time
from reports import workers
workers.warm_up()
def pids(n):
    return sorted({f.result() for f in [workers.submit(_nap) for _ in range(n)]})
from tests.pack_probe import nap as _nap
small = pids(4)
workers.widen(workers.CELLS_FOR_MORE_WORKERS - 1)
still = pids(4)
workers.widen(workers.CELLS_FOR_MORE_WORKERS)
wide = pids(6)
print(json.dumps([len(small), len(set(small + still)), len(wide), os.cpu_count()]))
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="with one core the work runs in the calling process")
def test_one_worker_until_the_layout_is_big_enough_for_more():
    done = subprocess.run([sys.executable, "-c", WIDEN], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    small, still, wide, cores = json.loads(done.stdout.strip().splitlines()[-1])
    assert (small, still) == (1, 1), "a small pack is laid out by the one worker started first"
    assert wide == cores, "a big one on every core"
