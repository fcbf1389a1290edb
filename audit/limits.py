"""How much input is accepted: file bytes, rows, cell and free-text lengths (settings: EHCP_AUDIT_MAX_*).

Checked before a file is parsed (size, and for XLSX the size it unpacks to, so a "zip bomb" is refused
unopened) and while it is read (rows). Each refusal is an InputRejected naming the file and the limit.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.errors import InputRejected, Problem

DEFAULT_FILE_BYTES = 250_000_000  # a national-scale register (640,000 plans) is about 140 MB of CSV
DEFAULT_ROWS = 1_000_000
DEFAULT_CELL_CHARS = 500
DEFAULT_TEXT_CHARS = 5_000
DEFAULT_YAML_BYTES = 1_000_000  # rubric and mapping files are a few kilobytes
DEFAULT_REQUEST_BYTES = 2_000_000
# A web upload over this is checked by a flow run rather than in the request: about a second of checking
# (a 10,000-row CSV register is about 1 MB; an XLSX one about 0.4 MB and slower to read per byte).
DEFAULT_CHECK_IN_REQUEST_BYTES = 1_000_000


@dataclass(frozen=True)
class Limits:
    """The limits one import runs under; `from_settings` reads them from Settings."""

    file_bytes: int = DEFAULT_FILE_BYTES
    rows: int = DEFAULT_ROWS
    cell_chars: int = DEFAULT_CELL_CHARS
    text_chars: int = DEFAULT_TEXT_CHARS
    yaml_bytes: int = DEFAULT_YAML_BYTES

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(settings.max_import_bytes, settings.max_import_rows, settings.max_cell_chars,
                   settings.max_text_chars, settings.max_yaml_bytes)


def check_file_size(path: Path, what: str, max_bytes: int, setting: str = "EHCP_AUDIT_MAX_IMPORT_BYTES") -> None:
    """Refuse a file larger than `max_bytes`, or an XLSX workbook that unpacks to more than that."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        return  # a missing file is reported by the reader, with its own fix
    fix = f"split it into files of at most {max_bytes:,} bytes, or raise {setting}"
    if size > max_bytes:
        raise InputRejected(what, [Problem(f"the file is {size:,} bytes, more than the {max_bytes:,} allowed",
                                           file=path.name, fix=fix)])
    if path.suffix.lower() in (".xlsx", ".xlsm") and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            return  # openpyxl reports a damaged workbook
        if unpacked > max_bytes:
            raise InputRejected(what, [Problem(
                f"the workbook unpacks to {unpacked:,} bytes, more than the {max_bytes:,} allowed", file=path.name,
                fix="save it as CSV, or check that it holds only the register")])


def check_row_count(rows: int, max_rows: int, file: str, what: str) -> None:
    """Refuse a file with more data rows than allowed."""
    if rows > max_rows:
        raise InputRejected(what, [Problem(
            f"the file has {rows:,} data rows, more than the {max_rows:,} allowed", file=file,
            fix="split it into smaller files, or raise EHCP_AUDIT_MAX_IMPORT_ROWS")])
