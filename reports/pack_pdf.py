"""The board pack as PDF: each pack laid out whole in a worker process, or a big pack split over idle workers.

WeasyPrint lays a document out on one core, and the pack's tables make the PDF by far its slowest format (about
0.6 ms of a core per table cell). Laid out whole, as one document, WeasyPrint numbers the pages and fills in the
contents itself (the template's `target-counter`). That is the rule (`whole_packs`): whenever every worker has a
pack of its own (`ehcp-audit board-pack`: one worker, one pack; the flow: five packs on two cores), and whenever
a pack is too small for a split to pay.

Split: every section starts on a new page, so each section is laid out as its own document in a worker; the
front page (title, headline, contents) is rendered once the sections' page counts are known, so the contents
give the right page numbers; pypdf joins the parts and stamps the running header and "Page n of m" on every
page from one more small document. The bookmarks (PDF outline) come from each part's headings; the contents
list is text, not links. The join (pure Python, with each part's structure tree) costs about as much as laying
out a third of the pack, and the front page and stamps are two more documents after the sections, so a split
pays only for a big pack with idle workers. Measured on the demo pack with one worker: split, 3.3 s of
layout, front pages, stamps and join; whole, 1.6-2.1 s.

`start_pack_pdfs` returns as soon as the work is handed to the workers, so the caller can write the other
formats meanwhile; `PendingPdfs.result` waits for them and finishes the PDFs.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TypeVar

from reports import workers
from reports.pack_charts import ChartFolder, draw_pending, folder_of, pending, shown
from reports.pack_render import render_html, render_pages
from reports.pdf import join_pdfs, prepare_worker, start_pdfs

T = TypeVar("T")


@dataclass
class PendingPdfs:
    """The packs' PDFs while their sections are laid out in the worker processes."""

    packs: list[dict]
    parts: dict[tuple[int, str], Future[tuple[bytes, int]]]  # (pack index, section id) -> PDF and pages
    whole: dict[int, Future[tuple[bytes, int]]] | None = None  # pack index -> the pack laid out as one document
    chart_folders: list[ChartFolder] = field(default_factory=list)  # charts drawn here for a layout in a worker

    def result(self) -> list[bytes]:
        """Each pack as one PDF, in the order the packs were given."""
        try:
            return self._result()
        finally:
            self.close()

    def close(self) -> None:
        """Remove the chart folders; a layout still waiting on one stops (the caller has given up on it)."""
        for folder in self.chart_folders:
            folder.remove()

    def _result(self) -> list[bytes]:
        if self.whole is not None:
            return [self.whole[i].result()[0] for i in range(len(self.packs))]
        parts = {job: future.result() for job, future in self.parts.items()}
        counts = {job: pages for job, (_, pages) in parts.items()}
        body = [sum(counts[(i, s["id"])] for s in pack["sections"]) for i, pack in enumerate(self.packs)]
        front_pages = [1] * len(self.packs)
        fronts, stamps = self._fronts_and_stamps(range(len(self.packs)), counts, front_pages, body)
        # A front page that runs to more pages moves every section on: render it again with the right numbers.
        again = [i for i, (_, pages) in enumerate(fronts) if pages != 1]
        for i in again:
            front_pages[i] = fronts[i][1]
        for i, front, stamp in zip(again, *self._fronts_and_stamps(again, counts, front_pages, body)):
            fronts[i], stamps[i] = front, stamp
        # pypdf joins in pure Python (about 0.9 s for the demo pack's 15 pages), so packs are joined in the workers.
        joined = [workers.submit(join_pdfs, pack["title"],
                                 [fronts[i][0], *(parts[(i, s["id"])][0] for s in pack["sections"])], stamps[i][0])
                  for i, pack in enumerate(self.packs)]
        return [future.result() for future in joined]

    def _fronts_and_stamps(self, which, counts: dict, front_pages: list[int], body: list[int]):
        """The front pages and the page stamps, laid out side by side: both need only the page counts."""
        which = list(which)
        fronts = start_pdfs(_front(i, self.packs[i], counts, first_page=front_pages[i] + 1) for i in which)
        stamps = start_pdfs((render_pages(self.packs[i], front_pages[i] + body[i]) for i in which), tagged=False)
        return [future.result() for future in fronts], [future.result() for future in stamps]


def start_pack_pdfs(packs: list[dict]) -> PendingPdfs:
    """Hand the packs to the worker processes, each whole (`whole_packs`), or else split into sections, the
    biggest first; return at once.

    A pack started by `ehcp-audit board-pack` has one worker (reports.workers.warm_up); more start here when
    its tables are big enough to pay for them. The pool takes jobs in order: a big section handed over last
    would be laid out alone while the other cores sit idle, so the sections go by their number of table cells,
    largest first.
    """
    jobs = sorted(((i, s) for i, pack in enumerate(packs) for s in pack["sections"]), key=lambda job: -_cells(job[1]))
    cells = sum(_cells(s) for _, s in jobs)
    workers.widen(cells, prepare_worker)  # more workers only for a big layout
    if whole_packs(len(packs), cells):
        # No parts to join: each pack whole, the biggest first, as for sections.
        order = sorted(range(len(packs)), key=lambda i: -sum(_cells(s) for s in packs[i]["sections"]))
        pdfs = PendingPdfs(packs, {}, whole={})
        for i in order:
            pdfs.whole[i] = _whole(packs[i], pdfs.chart_folders)
        return pdfs
    for pack in packs:
        draw_pending(pack, folder_of(pack))  # the parts' HTML embeds its charts
    futures = start_pdfs(render_html(packs[i], for_pdf=True, part=s["id"]) for i, s in jobs)
    return PendingPdfs(packs, {(i, s["id"]): future for (i, s), future in zip(jobs, futures)})


def _cells(section: dict) -> int:
    return sum(len(table["rows"]) * len(table["columns"]) for table in section["tables"])


def _front(index: int, pack: dict, counts: dict, first_page: int) -> str:
    pages, page = {}, first_page
    for section in pack["sections"]:
        pages[section["id"]] = page
        page += counts[(index, section["id"])]
    return render_html(pack, for_pdf=True, part="front", pages=pages)


def whole_packs(count: int, cells: int | None = None) -> bool:
    """Whether `count` packs are laid out each as one document: when there is no idle worker to split one for,
    or when their tables (`cells`, if known) are too small for a split to pay for its join: on the 200-plan
    pack (3,343 cells) two workers and a join took as long as one worker laying it out whole."""
    return count >= workers.count() or (cells is not None and cells < workers.CELLS_FOR_MORE_WORKERS)


def start_packs_whole(packs: Iterable[tuple[dict, T]]) -> tuple[PendingPdfs, list[tuple[dict, T]]]:
    """Hand each pack to the workers, whole, as soon as `packs` yields it (a generator building them one by one);
    the pending PDFs and the packs as a list."""
    listed, pdfs = [], PendingPdfs([], {}, whole={})
    for index, (pack, place) in enumerate(packs):
        listed.append((pack, place))
        pdfs.packs.append(pack)
        pdfs.whole[index] = _whole(pack, pdfs.chart_folders)
    return pdfs, listed


def _whole(pack: dict, chart_folders: list[ChartFolder]) -> Future[tuple[bytes, int]]:
    """The pack laid out as one document in a worker. Charts not yet drawn (`ehcp-audit board-pack`) are drawn by
    the worker and here at once, shared through a folder the layout takes them from (reports.pack_charts); with one
    core the layout would run here, first, so they are drawn before it."""
    if not pending(pack) or workers.cores() <= 1:
        draw_pending(pack, folder_of(pack))
        return start_pdfs([render_html(pack, for_pdf=True)])[0]
    folder = folder_of(pack) or ChartFolder()  # one may be in use already: a chart started early
    chart_folders.append(folder)
    undrawn = set(pending(pack))
    jobs = {key: pack["charts"][key]["job"] for key in shown(pack) if key in undrawn}
    future = start_pdfs([render_html(pack, for_pdf=True)], charts_from=str(folder.path), charts=jobs)[0]
    try:
        draw_pending(pack, folder)
    except BaseException:
        folder.remove()  # the layout waiting on it stops; nothing else will come for it
        raise
    return future
