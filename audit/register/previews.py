"""What an import would do, checked whole and counted before anything is stored: the confirm step of an upload.

The same readers as the imports (`read_register`, `read_auditors`), so a file that passes here is refused by the
import only if the store changed in between; the import checks it again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from audit.limits import Limits
from audit.register.auditors import read_auditors
from audit.register.plans import read_register
from audit.store.models import Auditor, LocalArea, Plan

QUERY_CHUNK = 900  # under SQLite's older limit of 999 bound parameters per statement


@dataclass
class ImportPreview:
    """A checked file: its rows, how many are new to the store and how many are already there."""

    file: str
    rows: int
    new: int
    stored: int
    warnings: list[str] = field(default_factory=list)


def _stored(session: Session, column, area_column, area: LocalArea | None, keys: list[str]) -> int:
    if area is None or not keys:
        return 0
    found = 0
    for start in range(0, len(keys), QUERY_CHUNK):
        chunk = keys[start:start + QUERY_CHUNK]
        found += len(session.exec(select(column).where(area_column == area.id, col(column).in_(chunk))).all())
    return found


def preview_register(session: Session, area: LocalArea | None, path: Path, mapping: Path | None = None,
                     limits: Limits | None = None) -> ImportPreview:
    """Check a register file whole (raising InputRejected as the import would) and count new and stored plans."""
    parsed = read_register(path, mapping, limits)
    refs = [r for r in parsed.values["plan_ref"] if r is not None]
    stored = _stored(session, Plan.plan_ref, Plan.area_id, area, refs)
    return ImportPreview(parsed.file, len(parsed), len(parsed) - stored, stored, list(parsed.warnings))


def preview_auditors(session: Session, area: LocalArea | None, path: Path,
                     limits: Limits | None = None) -> ImportPreview:
    """Check an auditors file whole (raising InputRejected as the import would) and count new and stored codes."""
    rows, _, warnings = read_auditors(path, limits)
    codes = [r["code"] for r in rows if r["code"]]
    stored = _stored(session, Auditor.code, Auditor.area_id, area, codes)
    return ImportPreview(Path(path).name, len(rows), len(rows) - stored, stored, list(warnings))
