"""Charts: real PNGs of a legible size, small groups drawn as text not bars, breaks drawn on trends."""

from __future__ import annotations

import io

from PIL import Image

from audit.results.analysis import GRADE_COLUMNS
from reports.charts import Point, grade_bars, timeliness_bars, trend_lines


def size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(png)).size


def rows():
    return [
        {"group": "SEN team", "plans": 40, "Outstanding": 0, "Good": 8, "Requires Improvement": 26, "Inadequate": 6},
        {"group": "Social care", "plans": 3, "Outstanding": 0, "Good": 1, "Requires Improvement": 2, "Inadequate": 0},
        {"group": "Health", "plans": 0, "Outstanding": 0, "Good": 0, "Requires Improvement": 0, "Inadequate": 0},
    ]


def test_grade_bars_is_a_png_wide_enough_for_a_page():
    width, height = size(grade_bars(rows(), GRADE_COLUMNS, 5, "Grades per service"))
    assert width >= 900 and height >= 300


def test_a_group_under_the_threshold_is_not_drawn(monkeypatch):
    drawn = []
    from matplotlib.axes import Axes

    original = Axes.barh

    def spy(self, y, width, *args, **kwargs):
        drawn.append(list(width) if hasattr(width, "__iter__") else [width])
        return original(self, y, width, *args, **kwargs)

    monkeypatch.setattr(Axes, "barh", spy)
    grade_bars(rows(), GRADE_COLUMNS, 5, "t")
    # Rows are drawn bottom-up: Health (no data), Social care (3 plans), SEN team (40 plans).
    assert all(widths[0] == 0 and widths[1] == 0 for widths in drawn)
    assert sum(widths[2] for widths in drawn) == 100


def test_trend_lines_mark_a_rubric_break():
    from matplotlib.axes import Axes

    lines = {"All": [Point("May", 30, 20, 40), Point("Aug", 50, 40, 60, rubric_break=True), Point("Nov", 40, 30, 50)]}
    seen = []
    original = Axes.axvline

    def spy(self, x=0, *args, **kwargs):
        seen.append(x)
        return original(self, x, *args, **kwargs)

    Axes.axvline = spy
    try:
        png = trend_lines(lines, "Trend")
    finally:
        Axes.axvline = original
    assert seen == [0.5] and size(png)[0] >= 900


def test_timeliness_bars_with_no_data():
    measures = [{"label": "A", "percent": 50.0, "total": 10}, {"label": "B", "percent": None, "total": 0}]
    assert size(timeliness_bars(measures, 5, "Timeliness"))[0] >= 900


def test_one_cycle_is_a_labelled_dot_not_a_line(monkeypatch):
    from matplotlib.axes import Axes

    labels = []
    original = Axes.annotate

    def spy(self, text, *args, **kwargs):
        labels.append(text)
        return original(self, text, *args, **kwargs)

    monkeypatch.setattr(Axes, "annotate", spy)
    trend_lines({"All": [Point("Nov", 40.0, 30, 50)], "Health": [Point("Nov", 25.0, 10, 45)]}, "Trend")
    assert labels == ["40.0%", "25.0%"]
    labels.clear()
    trend_lines({"All": [Point("Aug", 30.0, 20, 40), Point("Nov", 40.0, 30, 50)]}, "Trend")
    assert labels == []  # two cycles or more: a line, unlabelled


def test_the_process_that_builds_a_pack_does_not_load_matplotlib():
    """Charts are drawn in the worker processes (reports.workers): the pack's own modules leave matplotlib to
    them, so the command that reads the store stays smaller (issue 16)."""
    import os
    import subprocess
    import sys

    from tests.factories import ROOT

    probe = "import sys, reports.pack, reports.pack_files, reports.charts; print('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.stdout.strip() == "False", done.stderr
