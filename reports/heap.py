"""Keep Python's cyclic garbage collector off the objects a process already held while a pack is made, and
collect less often in a process that lives for one command.

Building and writing a pack allocates a few hundred thousand objects that live until it is written, so the
collector makes one or two full passes per pack, and a full pass visits every object the process holds:
240,000 to 340,000 once pandas, WeasyPrint and Prefect are imported, about 0.2 s a pass on our machine
(a tenth of the benchmark's pack). `gc.freeze` leaves those earlier objects out of every pass; they are
unfrozen afterwards, so any garbage among them is still collected later. The pack's own objects are
collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def earlier_objects_frozen() -> Iterator[None]:
    """Freeze the objects alive now for the duration of the block (usable as a decorator)."""
    if gc.get_freeze_count():  # frozen by the application (or an outer pack): not ours to unfreeze
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


# One collection of the youngest generation per 100,000 new container objects rather than per 700, and the older
# generations in proportion. A command that imports pandas, SQLAlchemy and WeasyPrint and lays out a PDF creates
# millions of objects that mostly live until it ends; with Python's default thresholds the collector ran
# thousands of times and, as the heap grew, made full passes over all of it. Measured on the demo board pack
# (`ehcp-audit board-pack`, five runs each, docs/benchmarks.md): median 4.0 s with the defaults, 2.85 s with
# these, and the same peak memory (362 and 365 MiB, every process summed). Garbage in reference cycles is still
# collected, a little later; objects without cycles are freed at once by reference counting, as always.
SHORT_LIVED_THRESHOLDS = (100_000, 50, 100)


def collect_less_often() -> None:
    """Set the collector for a process that does one job and ends (the command line, a pack's worker)."""
    gc.set_threshold(*SHORT_LIVED_THRESHOLDS)
