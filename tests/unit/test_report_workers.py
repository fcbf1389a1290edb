"""The reports' worker processes and heap: work runs in this process on one core, errors reach the caller,
page counts come with each PDF, a failed PDF leaves no pack half written, and a heap the application froze
is left frozen."""

from __future__ import annotations

import gc

import pytest

from reports import workers
from reports.heap import earlier_objects_frozen
from reports.pdf import html_to_pdf_pages, start_pdfs


def _fail(message: str) -> None:
    raise ValueError(message)


def test_on_one_core_the_work_runs_here_and_its_error_reaches_the_caller(monkeypatch):
    monkeypatch.setattr(workers, "cores", lambda: 1)
    assert workers.submit(sum, [1, 2, 3]).result() == 6
    with pytest.raises(ValueError, match="no such table"):
        workers.submit(_fail, "no such table").result()


def test_a_worker_process_error_reaches_the_caller():
    with pytest.raises(ValueError, match="no such table"):
        workers.submit(_fail, "no such table").result()


def test_each_pdf_comes_with_its_page_count():
    pages = "".join(f'<p style="break-before: page">Page {n}</p>' for n in range(3))
    assert html_to_pdf_pages(f"<html><body>{pages}</body></html>")[1] == 3
    ((pdf, count),) = [future.result() for future in start_pdfs(["<html><body><p>One</p></body></html>"])]
    assert pdf.startswith(b"%PDF") and count == 1


def test_the_pack_unfreezes_only_what_it_froze():
    if gc.get_freeze_count():
        pytest.skip("this test process froze its heap already")
    with earlier_objects_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_the_pack_leaves_a_heap_the_application_froze_alone(monkeypatch):
    # Spied rather than counted: frozen objects that die shrink the freeze count, so counts race with the rest
    # of the process.
    calls = []
    monkeypatch.setattr(gc, "get_freeze_count", lambda: 250_000)  # frozen by the application at start-up
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
    with earlier_objects_frozen():
        pass
    assert calls == []


class _FailedLayout:
    def result(self):
        raise RuntimeError("WeasyPrint could not lay out the pack")

    def close(self):
        """A fake layout holds no chart folders, so there is nothing to remove."""


def test_a_pdf_that_fails_leaves_no_pack_half_written(board_store, tmp_path, monkeypatch):
    from sqlmodel import Session, create_engine

    from audit.store.models import Cycle
    from reports import pack_pdf
    from reports.pack import build_pack
    from reports.pack_files import write_pack

    engine = create_engine(board_store["url"])
    with Session(engine) as session:
        pack = build_pack(session, session.get(Cycle, board_store["cycles"][-1]), board_store["today"], 5)
    engine.dispose()
    monkeypatch.setattr(pack_pdf, "start_pack_pdfs", lambda packs: _FailedLayout())
    with pytest.raises(RuntimeError, match="could not lay out"):
        write_pack(pack, tmp_path / "reports")
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").rglob("*"))


def test_each_pack_goes_to_the_workers_as_soon_as_it_is_built_when_each_has_a_worker(monkeypatch):
    """The board-pack flow builds five packs one by one; the first is laid out while the next is built."""
    from concurrent.futures import Future

    from reports import pack_pdf

    events = []

    def laid_out(documents, tagged=True):
        futures = []
        for html in documents:
            events.append(f"laid out {html}")
            done = Future()
            done.set_result((f"PDF of {html}".encode(), 1))
            futures.append(done)
        return futures

    monkeypatch.setattr(pack_pdf, "start_pdfs", laid_out)
    monkeypatch.setattr(pack_pdf, "render_html", lambda pack, for_pdf, **_: pack["title"])

    def built():
        for title in ("board", "health"):
            events.append(f"built {title}")
            yield {"title": title, "sections": [], "charts": {}}, title

    monkeypatch.setattr(pack_pdf.workers, "count", lambda: 2)
    assert pack_pdf.whole_packs(5) and pack_pdf.whole_packs(2), "a worker per pack: each laid out whole"
    assert not pack_pdf.whole_packs(1), "one pack, two workers: split into sections"
    pending, packs = pack_pdf.start_packs_whole(built())
    assert events == ["built board", "laid out board", "built health", "laid out health"]
    assert [place for _, place in packs] == ["board", "health"]
    assert pending.result() == [b"PDF of board", b"PDF of health"]
