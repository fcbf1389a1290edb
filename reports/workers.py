"""One pool of worker processes for the reports' CPU-bound rendering: PDF layout (WeasyPrint) and charts.

WeasyPrint and matplotlib hold the GIL, so threads would not help. The pack's charts are drawn in these
processes while the main process reads the store and builds the tables, and its PDF sections are laid out
in them while the main process writes the other formats. `submit` returns a future either way: with one
core the work runs at once, in this process.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")

_pool: ProcessPoolExecutor | None = None
_extra: ProcessPoolExecutor | None = None  # the other cores' workers, started by `widen` for a big job
_pending: dict[int, int] = {}  # jobs handed to each pool and not yet done, by id(pool)
_lock = threading.Lock()

# A worker costs about 0.5 s of a core to start (fork, then WeasyPrint and matplotlib) and 140 MiB while it
# lives. WeasyPrint lays out about 0.6 ms of a core per table cell (the demo pack's 2,500 cells: 1.5-1.8 s),
# and one worker does it while the command reads the store and writes the other formats. More workers pay
# only when the layout would take several seconds on one core.
CELLS_FOR_MORE_WORKERS = 8000


def cores() -> int:
    return os.cpu_count() or 1


def count() -> int:
    """How many worker processes lay out the jobs handed to `submit` (those started, or to be started by it)."""
    if cores() <= 1:
        return 1
    started = _pool._max_workers if _pool is not None else cores()
    return started + (_extra._max_workers if _extra is not None else 0)


def submit(fn: Callable[..., T], *args) -> Future[T]:
    """Run `fn(*args)` in a worker process (a module-level function; arguments and result are pickled)."""
    if cores() <= 1:
        done: Future[T] = Future()
        try:
            done.set_result(fn(*args))
        except Exception as error:  # handed to whoever asks for the result, as the pool does
            done.set_exception(error)
        return done
    pool = _workers()
    if _extra is not None and _pending.get(id(_extra), 0) < _pending.get(id(pool), 0):
        pool = _extra
    with _lock:
        _pending[id(pool)] = _pending.get(id(pool), 0) + 1
    future = pool.submit(fn, *args)
    future.add_done_callback(lambda _, key=id(pool): _done(key))
    return future


def _done(key: int) -> None:
    with _lock:
        _pending[key] -= 1


def warm_up(prepare: Callable[[], None] | None = None) -> None:
    """Start one worker now, running `prepare` first (reports.pdf.prepare_worker imports WeasyPrint and
    matplotlib, about half a second), while this process imports the domain and reads the store. Call it first
    thing, while this process is small and has one thread, so the worker forked from it carries none of what it
    loads later. One worker, since the work is not yet known: `widen` adds the other cores' workers when it turns
    out big. With one core it does nothing."""
    if cores() > 1:
        _workers(prepare, count=1).submit(int)


def widen(cells: int, prepare: Callable[[], None] | None = None) -> None:
    """Start workers on the other cores when the PDF work (table cells to lay out) is worth their start
    (`CELLS_FOR_MORE_WORKERS`); only after `warm_up`, whose pool has one worker. They start from a fork server
    (this process has threads by now) that has imported what the pack's workers run."""
    global _extra
    if cores() <= 1 or _pool is None or _extra is not None or _pool._max_workers >= cores():
        return
    if cells < CELLS_FOR_MORE_WORKERS:
        return
    _extra = ProcessPoolExecutor(max_workers=cores() - 1, mp_context=_forkserver(), initializer=prepare)
    atexit.register(_extra.shutdown)


def _workers(prepare: Callable[[], None] | None = None, count: int | None = None) -> ProcessPoolExecutor:
    """One pool, one worker per core (or `count`), for the life of the process: starting a worker and importing
    WeasyPrint and matplotlib costs about half a second."""
    global _pool
    if _pool is None:
        # fork when this process has one thread (the CLI, a benchmark): workers start at once. forkserver when
        # threads run (a Prefect worker, the web app): forking those is unsafe.
        if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
        else:
            context = _forkserver()
        _pool = ProcessPoolExecutor(max_workers=count or cores(), mp_context=context, initializer=prepare)
        atexit.register(_pool.shutdown)
    return _pool


def _forkserver():
    """Preloaded with what the workers run: the pack's own modules (pandas, SQLModel) would add seconds."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["reports.weasy", "matplotlib.figure", "reports.charts", "reports.pdf"])
    return context
