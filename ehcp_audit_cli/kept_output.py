"""Read commands print what they printed last time when nothing they read has changed (issue 16).

`cycle status`, `report` (to the terminal) and `timeliness` read the store and print. Most of their time was
start-up: SQLAlchemy, SQLModel and every table model, pandas for the register's clocks, Jinja for the report.
Now each keeps its output in `<data_dir>/cache/output-<key>.json`, with the data version it was printed for;
the next run with the same key reads the version with the bare driver (audit.store.quick_version: one
indexed query, no SQLAlchemy) and, if it is the same, prints the kept text and stops.

Exactly correct, never "fresh enough":
- The data version is the one reports.cache keys the board summary by, with no table left out: the newest
  audit-trail entry, which every committed change to the store moves on, in any process. It is read before
  the command runs, so kept output can only be newer than its version (printed again next time), never older.
- The key holds everything else the output depends on: the command and its options, today's date (London and
  UTC: lateness and the timeliness period), every setting, the status scales' files, the code of the domain,
  the reports and the command line (an upgrade or an edit never prints what older code printed), and how the
  terminal is printed to (width, colours, encoding). The file holds only a digest of the key (settings hold
  secrets) and the text.
- Only runs that end normally are kept. Nothing is kept or reused when the command acts as an account
  (`--as-user`: its role decides what it may see, checked against the store), when the version cannot be read
  (an in-memory or unknown database), or with EHCP_AUDIT_KEEP_OUTPUT=false.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from ehcp_audit_cli.common import acting_user, console, settings

_stats = {"reused": 0, "kept": 0}  # this process's reuses and writes (tests)


def kept(kind: str, key: dict, run: Callable[[], None]) -> None:
    """Print what `run()` prints: the text kept for `kind`/`key` and the store's current data if there is one,
    else run it (keeping what it printed to standard output)."""
    s = settings()
    if acting_user() is not None or not s.keep_output:
        return run()
    from audit.store.quick_version import read_data_version

    version = read_data_version(s.resolved_database_url)  # first: what run() reads is as new or newer
    if version is None:
        return run()
    path = s.data_dir / "cache" / f"output-{_digest(kind, key)}.json"
    text = _read(path, version)
    if text is not None:
        sys.stdout.write(text)
        sys.stdout.flush()
        _stats["reused"] += 1
        return None
    tee = _Tee(sys.stdout)
    sys.stdout = tee
    try:
        run()
    finally:
        sys.stdout = tee.real
    _write(path, version, tee.text())
    _stats["kept"] += 1
    return None


def stats() -> dict[str, int]:
    return dict(_stats)


def _digest(kind: str, key: dict) -> str:
    from audit import clock
    from reports.fingerprints import files_fingerprint

    s = settings()
    options = console.options
    ident = {
        "kind": kind, **key, "today": clock.today().isoformat(), "utc_day": clock.now().date().isoformat(),
        "settings": s.model_dump(mode="json"), "cwd": os.getcwd(),  # relative paths in settings
        "scales": files_fingerprint([s.scales_dir] if s.scales_dir else [], (".yaml", ".yml")),
        "code": code_fingerprint(),
        "console": [console.width, console.color_system, console.is_terminal, console.encoding, console.no_color,
                    console.legacy_windows, options.ascii_only, options.max_height],
    }
    return hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:32]


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The domain's, the reports' and the command line's files (names, sizes, times), read once per process."""
    from reports.fingerprints import files_fingerprint

    root = Path(__file__).resolve().parents[1]
    listing = files_fingerprint([root / "audit", root / "reports", root / "ehcp_audit_cli"], (".py", ".jinja", ".yaml"))
    return hashlib.sha256(json.dumps(listing).encode()).hexdigest()[:16]


def _read(path: Path, version: str) -> str | None:
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # not there yet, or unreadable: run the command
        return None
    if held.get("version") != version or not isinstance(held.get("text"), str):
        return None
    return held["text"]


def _write(path: Path, version: str, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"version": version, "text": text}, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)  # atomic: another process reads the old file or the new one, never half of one
    except OSError:  # a read-only or full disk costs the next run its full work, nothing more
        pass


class _Tee:
    """Standard output that also keeps what is written (Rich and Typer write to sys.stdout as it is then)."""

    def __init__(self, real):
        self.real = real
        self._parts: list[str] = []

    def write(self, text: str) -> int:
        self._parts.append(text)
        return self.real.write(text)

    def text(self) -> str:
        return "".join(self._parts)

    def __getattr__(self, name: str):  # isatty, fileno, encoding, flush...: the real stream's
        return getattr(self.real, name)
