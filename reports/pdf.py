"""HTML to an A4 PDF with WeasyPrint: page numbers, a contents list with page numbers, unbroken table rows.

The page rules live in the pack template (`for_pdf=True`): `@page` A4 margins, "Page n of m" in the
bottom margin (its font set inside `@page`, since margin boxes do not inherit the body's), `thead`
repeated on every page, `break-inside: avoid` on rows and charts, each section on a new page.

WeasyPrint lays out on one core. The board pack flow writes five PDFs (the pack and one per service), so
`html_to_pdfs` renders them side by side in worker processes, one per core.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

_pool: ProcessPoolExecutor | None = None


def html_to_pdf(html: str) -> bytes:
    """Render a self-contained HTML document (images as data URIs) to PDF bytes."""
    from weasyprint import HTML  # imported here: it loads pango, which only PDF output needs

    logging.getLogger("fontTools").setLevel(logging.WARNING)
    return HTML(string=html, base_url=".").write_pdf()


def html_to_pdfs(documents: list[str]) -> list[bytes]:
    """Render several documents, in parallel worker processes when there is more than one core."""
    workers = min(len(documents), os.cpu_count() or 1)
    if workers <= 1:
        return [html_to_pdf(html) for html in documents]
    return list(_workers(workers).map(html_to_pdf, documents))


def _workers(size: int) -> ProcessPoolExecutor:
    """One pool for the life of the process: starting workers and importing WeasyPrint costs about a second."""
    global _pool
    if _pool is None or _pool._max_workers < size:  # noqa: SLF001 - grow the pool rather than keep two
        if _pool is not None:
            _pool.shutdown()
        # fork when this process has one thread (the CLI, a benchmark): workers start at once with nothing to
        # import again. forkserver when threads run (a Prefect worker, the web app): forking those is unsafe.
        if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
        else:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["weasyprint"])
        _pool = ProcessPoolExecutor(max_workers=size, mp_context=context)
        atexit.register(_pool.shutdown)
    return _pool
