"""File names built from data (an auditor code, a plan reference) that can never leave their folder.

Codes are checked when they come in (audit.vocabulary), but a value can reach the store by another route (an older
version, a hand edit, a migration). So every file name built from data is made safe here as well, and the path
it gives is checked to lie directly inside the folder it was meant for: defence in depth.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from audit.errors import AuditError

_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9_-]+")


def safe_name_part(value: object) -> str:
    """`value` as a piece of a file name: unchanged when it is already plain (letters, digits, '_', '-', '.' not
    first and no '..'); otherwise its unsafe characters become '-' and a short hash of the original is added, so two
    different values never share a name (`../../x` -> `x-<hash>`)."""
    text = str(value)
    if _SAFE.fullmatch(text) and ".." not in text:
        return text
    plain = _UNSAFE_RUN.sub("-", text).strip("-_")[:60] or "value"
    return f"{plain}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def path_inside(folder: Path, name: str) -> Path:
    """`folder / name`, after checking that it resolves (links followed) to a file directly inside `folder`."""
    folder = Path(folder)
    base = folder.resolve()
    target = (base / name).resolve()
    if target.parent != base or not name or name in (".", ".."):
        raise AuditError(f"Refusing to write '{name}': it would not be a file in {folder}.")
    return folder / name
