"""The pack's charts drawn beside its PDF's layout (reports.pack_charts): each chart drawn once, by whichever
process takes it first; the layout waits for a chart still being drawn, and stops rather than wait or leave a
chart out when one cannot be drawn."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from reports import workers
from reports.pack_charts import ChartFolder, ChartJob, ChartNotDrawn, draw_pending, draw_shared, wait_for
from reports.pdf import html_to_pdf_pages

# A 1x1 PNG: what a chart job returns, without matplotlib.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8ff"
                    "ff3f0005fe02fe0def46b80000000049454e44ae426082")


def png(name: str) -> bytes:
    return PNG


def broken(name: str) -> bytes:
    raise ValueError(f"no data for {name}")


def claim_in_a_worker(folder: str, key: str) -> bool:
    return ChartFolder(Path(folder)).claim(key)


@pytest.fixture
def folder():
    charts = ChartFolder()
    yield charts
    charts.remove()


def _pack(*keys: str, shown: tuple[str, ...] = ()) -> dict:
    return {"sections": [{"id": "results", "charts": list(shown)}],
            "charts": {key: {"title": key, "alt": key, "job": ChartJob(png, (key,))} for key in keys}}


def test_each_chart_is_taken_by_one_process_only(folder):
    assert folder.claim("timeliness")
    assert not folder.claim("timeliness")
    assert not workers.submit(claim_in_a_worker, str(folder.path), "timeliness").result()
    assert workers.submit(claim_in_a_worker, str(folder.path), "trend").result()
    assert not folder.claim("trend"), "the worker took it first"


def test_the_layout_waits_for_a_chart_still_being_drawn(folder):
    threading.Timer(0.2, folder.put, ("grades", PNG)).start()
    started = time.monotonic()
    assert wait_for(folder.path, "grades") == PNG
    assert time.monotonic() - started >= 0.15


def test_a_chart_that_could_not_be_drawn_stops_the_layout_with_the_reason(folder):
    folder.fail("ValueError: no data for grades")
    with pytest.raises(ChartNotDrawn, match="chart 'grades' was not drawn: ValueError: no data for grades"):
        wait_for(folder.path, "grades")


def test_the_layout_stops_when_the_command_has_given_up(folder):
    folder.remove()
    with pytest.raises(ChartNotDrawn, match="the command stopped"):
        wait_for(folder.path, "grades")


def test_the_layout_gives_up_waiting_in_the_end(folder):
    with pytest.raises(ChartNotDrawn, match="not drawn within"):
        wait_for(folder.path, "grades", wait_seconds=0.05)


@pytest.mark.parametrize("key", ["../../etc/passwd", "grades.png", "", "Grades"])
def test_only_the_pack_s_own_charts_are_read(folder, key):
    with pytest.raises(ChartNotDrawn, match="is not a chart of the pack"):
        wait_for(folder.path, key, wait_seconds=0.05)


def test_this_process_draws_what_nobody_took_and_waits_for_the_rest(folder):
    pack = _pack("grades", "trend", "timeliness", shown=("grades", "trend", "timeliness"))
    assert folder.claim("timeliness")  # as the layout's worker would
    threading.Timer(0.2, folder.put, ("timeliness", PNG)).start()
    draw_pending(pack, folder)
    assert all(chart["png"] == PNG and "job" not in chart for chart in pack["charts"].values())
    assert sorted(p.name for p in folder.path.glob("*.png")) == ["grades.png", "timeliness.png", "trend.png"]


def test_a_worker_draws_only_the_charts_nobody_has_taken(folder):
    jobs = {key: ChartJob(png, (key,)) for key in ("grades", "trend", "timeliness")}
    assert folder.claim("grades")  # this process is drawing it
    draw_shared(folder.path, jobs)
    assert sorted(p.name for p in folder.path.glob("*.png")) == ["timeliness.png", "trend.png"]


def test_a_chart_started_early_is_drawn_once_and_waited_for(board_store, tmp_path, monkeypatch):
    """The slowest chart goes to the worker while the pack is built; the command takes it from the folder."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    pack = _undrawn_pack(board_store)
    early = [key for key, chart in pack["charts"].items() if "folder" in chart]
    assert early, "the pack's charts share a folder, the slowest started already"
    folder = pack["charts"][early[0]]["folder"]
    draw_pending(pack, folder)
    assert all(chart["png"][:4] == b"\x89PNG" and set(chart) == {"title", "alt", "png"}
               for chart in pack["charts"].values())
    claims = sorted(p.name for p in folder.path.glob("*.claimed"))
    assert claims == sorted(f"{key}.claimed" for key in pack["charts"]), "each chart drawn once"
    folder.remove()


def test_a_chart_that_fails_here_marks_the_folder_so_the_layout_stops(folder):
    pack = _pack("grades")
    pack["charts"]["grades"]["job"] = ChartJob(broken, ("grades",))
    with pytest.raises(ValueError, match="no data for grades"):
        draw_pending(pack, folder)
    with pytest.raises(ChartNotDrawn, match="no data for grades"):
        wait_for(folder.path, "grades")


HTML = ('<html lang="en-GB"><head><title>Pack</title></head><body><h1>Pack</h1>'
        '<figure><img src="chart:grades" alt="Grades per service"></figure></body></html>')


def test_a_layout_whose_chart_cannot_be_drawn_fails_rather_than_leave_it_out(folder):
    with pytest.raises(ChartNotDrawn, match="no data for grades"):  # drawn by the layout's worker
        html_to_pdf_pages(HTML, charts_from=str(folder.path), charts={"grades": ChartJob(broken, ("grades",))})
    other = ChartFolder()
    other.fail("ValueError: no data for grades")  # drawn by the process that built the pack
    try:
        with pytest.raises(ChartNotDrawn, match="no data for grades"):
            html_to_pdf_pages(HTML, charts_from=str(other.path), charts={})
    finally:
        other.remove()


def test_a_layout_takes_the_charts_drawn_beside_it(folder):
    from io import BytesIO

    from pypdf import PdfReader

    pdf, pages = html_to_pdf_pages(HTML, charts_from=str(folder.path), charts={"grades": ChartJob(png, ("grades",))})
    assert pages == 1
    assert len(PdfReader(BytesIO(pdf)).pages[0].images) == 1


def _undrawn_pack(board_store):
    from sqlmodel import Session, create_engine

    from audit.store.models import Cycle
    from reports.pack import build_pack

    engine = create_engine(board_store["url"])
    with Session(engine) as session:
        pack = build_pack(session, session.get(Cycle, board_store["cycles"][-1]), board_store["today"], 5,
                          draw_charts=False)
    engine.dispose()
    return pack


def test_the_pack_is_written_with_every_chart_and_no_folder_left_behind(board_store, tmp_path, monkeypatch):
    import tempfile

    from reports.pack_files import write_pack

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    pack = _undrawn_pack(board_store)
    assert pack["charts"] and all("job" in chart for chart in pack["charts"].values())
    written = write_pack(pack, tmp_path / "reports")
    charts = sorted(p.name for p in (tmp_path / "reports" / "charts").iterdir())
    assert len(charts) == len(pack["charts"]) and all((tmp_path / "reports" / "charts" / c).read_bytes()[:4]
                                                      == b"\x89PNG" for c in charts)
    assert written["pdf"].read_bytes().startswith(b"%PDF")
    assert not any((tmp_path / "temp").iterdir()), "the shared chart folder is removed"


def test_a_chart_that_cannot_be_drawn_leaves_no_pack_half_written(board_store, tmp_path, monkeypatch):
    import tempfile

    from reports.pack_files import write_pack

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    pack = _undrawn_pack(board_store)
    for key, chart in pack["charts"].items():
        chart["job"] = ChartJob(broken, (key,))
    with pytest.raises(ValueError, match="no data for"):
        write_pack(pack, tmp_path / "reports")
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*"))
    assert not any((tmp_path / "temp").iterdir())
