"""Board view-models cached per cycle, valid for one version of the store's data (issue 16).

Working out a cycle's board summary reads every result, scorecard and second marking of the cycle and the
whole register (a few hundred milliseconds on the demo store), and the results page, its downloads, the API
and `ehcp-audit report` all asked for it on every view. Now each is worked out once per version of the data:

- The key is what the view-model depends on besides the data: the cycle, the day the figures are taken on, the
  service it is cut to, the small-number threshold, the status scales' files and the code's own files (so an
  upgrade or an edit never serves what older code built).
- The data version (audit.store.versions) is read at the start of each request, before anything else: the
  newest audit-trail entry on a table the board views read. Every commit that changes such a table moves it
  on, whichever process made it, so a summary is reused only while nothing it was built from has changed.
- Each process keeps the newest summaries it built or read in memory, and every process (web workers, the
  CLI, the flow that scores the cycle) shares them through one JSON file per key in `<data_dir>/cache`,
  written atomically. A file holds its key and version and is used only when both match; processes on
  other machines keep their own files, never a wrong one.

A cached view-model is shared: callers must not change it (render it, copy it to change it).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from audit.store.versions import NOT_READ_BY_BOARD_VIEWS, data_version
from reports.fingerprints import files_fingerprint

MEMORY_ENTRIES = 64  # summaries kept per process (each is tens of kilobytes)
_memory: OrderedDict[str, tuple[str, Any]] = OrderedDict()
_lock = threading.Lock()
_stats = {"hits": 0, "file_hits": 0, "builds": 0}


def cache_folder(settings) -> Path:
    """Where the shared cache files go: `<data_dir>/cache`."""
    return Path(settings.data_dir) / "cache"


def cached_view(session, kind: str, key: dict, build: Callable[[], Any], folder: Path | None = None,
                ignore: frozenset[str] = NOT_READ_BY_BOARD_VIEWS) -> Any:
    """The view-model `kind` for `key` as of the store's current data: from memory, from the shared folder,
    or `build()` (then kept in both). A `build` returning None is not kept."""
    version = data_version(session, ignore)  # first: the data read by build() can only be as new or newer
    ident = json.dumps({"kind": kind, **key, "code": code_fingerprint()}, sort_keys=True, default=str)
    with _lock:
        held = _memory.get(ident)
        if held is not None and held[0] == version:
            _memory.move_to_end(ident)
            _stats["hits"] += 1
            return held[1]
    path = folder / f"{kind}-{hashlib.sha256(ident.encode()).hexdigest()[:24]}.json" if folder else None
    value = _read(path, ident, version) if path else None
    if value is not None:
        _stats["file_hits"] += 1
    else:
        value = build()
        if value is None:
            return None
        _stats["builds"] += 1
        if path:
            _write(path, ident, version, value)
    _remember(ident, version, value)
    return value


def _remember(ident: str, version: str, value: Any) -> None:
    with _lock:
        _memory[ident] = (version, value)
        _memory.move_to_end(ident)
        while len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)


def _read(path: Path, ident: str, version: str) -> Any:
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not there yet, or unreadable: build it again
        return None
    if held.get("ident") != ident or held.get("version") != version:
        return None
    return held.get("value")


def _write(path: Path, ident: str, version: str, value: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"ident": ident, "version": version, "value": value}, ensure_ascii=False),
                       encoding="utf-8")
        tmp.replace(path)  # atomic: another process reads the old file or the new one, never half of one
    except OSError:  # a read-only or full disk costs the next process a rebuild, nothing more
        pass


def forget() -> None:
    """Empty this process's memory (tests; the shared files are checked against the data version anyway)."""
    with _lock:
        _memory.clear()
        for name in _stats:
            _stats[name] = 0


def stats() -> dict[str, int]:
    """Hits from memory, hits from the shared folder and builds in this process (for tests and benchmarks)."""
    with _lock:
        return dict(_stats)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A digest of the domain's and the reports' source and templates, read once per process."""
    import audit

    roots = [Path(audit.__file__).resolve().parent, Path(__file__).resolve().parent]
    listing = json.dumps(files_fingerprint(roots, (".py", ".jinja", ".yaml")))
    return hashlib.sha256(listing.encode()).hexdigest()[:16]


def board_summary(session, cycle, as_of: date, small_number: int, service: str | None = None,
                  scales_dir: Path | None = None, folder: Path | None = None) -> dict | None:
    """The board summary of a scored `cycle` (reports.summary.build_summary), cached; None before it is scored."""
    from audit.improvement.scales import SHIPPED_DIR

    def build() -> dict | None:
        from audit.improvement.scales import load_scales
        from audit.results.analysis import load_cycle_results
        from reports.summary import build_summary

        session.refresh(cycle)  # read after the data version, like everything the summary is built from
        results = load_cycle_results(session, cycle)
        if results.plans.empty:
            return None
        return build_summary(session, results, as_of, small_number, service=service, scales=load_scales(scales_dir))

    scales = files_fingerprint([SHIPPED_DIR, *([scales_dir] if scales_dir else [])], (".yaml", ".yml"))
    key = {"cycle": cycle.id, "as_of": as_of.isoformat(), "small_number": small_number, "service": service,
           "scales": scales}
    return cached_view(session, "board-summary", key, build, folder)
