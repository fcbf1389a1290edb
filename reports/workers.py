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


def cores() -> int:
    return os.cpu_count() or 1


def submit(fn: Callable[..., T], *args) -> Future[T]:
    """Run `fn(*args)` in a worker process (a module-level function; arguments and result are pickled)."""
    if cores() <= 1:
        done: Future[T] = Future()
        try:
            done.set_result(fn(*args))
        except Exception as error:  # handed to whoever asks for the result, as the pool does
            done.set_exception(error)
        return done
    return _workers().submit(fn, *args)


def warm_up(prepare: Callable[[], None] | None = None) -> None:
    """Start the workers now, each running `prepare` first (reports.pdf.prepare_worker imports WeasyPrint and
    matplotlib, about a second), while this process imports the domain and reads the store. Call it first thing,
    while this process is small and has one thread, so workers forked from it carry none of what it loads
    later. With one core it does nothing."""
    if cores() > 1:
        pool = _workers(prepare)
        for _ in range(cores()):
            pool.submit(int)  # a worker is started for each job the pool cannot give to an idle one


def _workers(prepare: Callable[[], None] | None = None) -> ProcessPoolExecutor:
    """One pool, one worker per core, for the life of the process: starting workers and importing WeasyPrint
    and matplotlib costs about a second."""
    global _pool
    if _pool is None:
        # fork when this process has one thread (the CLI, a benchmark): workers start at once. forkserver when
        # threads run (a Prefect worker, the web app): forking those is unsafe.
        if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
        else:
            # Preload what the workers run: the pack's own modules (pandas, SQLModel) would add seconds.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["reports.weasy", "matplotlib.figure", "reports.charts", "reports.pdf"])
        _pool = ProcessPoolExecutor(max_workers=cores(), mp_context=context, initializer=prepare)
        atexit.register(_pool.shutdown)
    return _pool
