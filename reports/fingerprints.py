"""Fingerprints of files, for caches that must never serve what older code or settings files built (issue 16).

Lean on purpose (the standard library only): the command line's kept output (ehcp_audit_cli/kept_output.py)
reads them before deciding whether to load the store at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def files_fingerprint(paths: Iterable[Path], suffixes: tuple[str, ...]) -> list:
    """Name, size and modification time of every file with one of `suffixes` under `paths` (recursively)."""
    found = []
    for root in paths:
        root = Path(root)
        if not root.is_dir():
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(suffixes):
                    stat = os.stat(os.path.join(folder, name))
                    found.append([os.path.relpath(os.path.join(folder, name), root), stat.st_size, stat.st_mtime_ns])
    return found
