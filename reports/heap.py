"""Keep Python's cyclic garbage collector off the objects a process already held while a pack is made.

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
