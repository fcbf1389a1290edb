"""Safe intake: which files a plan-document import accepts, before anything is parsed or stored.

Refused, each with the file named: a ZIP whose entries unpack to more than the limit or at a ratio no real
document has (a "zip bomb"); a ZIP entry named with `..` or an absolute path; a macro-enabled Word file
(.docm, or a .docx carrying a VBA project); an encrypted PDF; a PDF with no text layer (scan-to-text is
not done); any other kind of file. A .docx is itself a ZIP, so the same unpacking limits apply to it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from audit.errors import Problem

KINDS = {".docx": "docx", ".pdf": "pdf"}
NO_TEXT_LAYER = "this PDF has no text layer; scan-to-text is not done"


@dataclass(frozen=True)
class IntakeLimits:
    """How much a plan-document import accepts (a plan is a few hundred kilobytes)."""

    file_bytes: int = 20_000_000
    unpacked_bytes: int = 200_000_000
    ratio: int = 100
    entries: int = 2_000


@dataclass(frozen=True)
class Incoming:
    """One document accepted for reading: its name as the user knows it, bytes and kind."""

    name: str
    data: bytes
    kind: str
    text: str | None = None  # a PDF's text layer, read once at intake


def _zip_problems(name: str, archive: zipfile.ZipFile, limits: IntakeLimits) -> list[Problem]:
    infos = archive.infolist()
    problems = []
    if len(infos) > limits.entries:
        problems.append(Problem(f"it holds {len(infos):,} entries, more than the {limits.entries:,} allowed",
                                file=name, fix="split it into smaller ZIP files"))
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > limits.unpacked_bytes or total / packed > limits.ratio:
        problems.append(Problem(
            f"it unpacks to {total:,} bytes from {packed:,} (a ratio of {total // packed}:1), beyond the "
            f"{limits.unpacked_bytes:,} bytes or {limits.ratio}:1 allowed: this looks like a ZIP bomb",
            file=name, fix="send the documents themselves, or a ZIP made from them by the export"))
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if ".." in path.parts or path.is_absolute() or (info.filename[1:2] == ":"):
            problems.append(Problem(f"the entry '{info.filename}' points outside the ZIP (a '..' or absolute path)",
                                    file=name, fix="make the ZIP from the documents' own folder"))
    return problems


def _docx_problems(name: str, data: bytes, limits: IntakeLimits) -> list[Problem]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            problems = _zip_problems(name, archive, limits)
            if any(n.lower().endswith("vbaproject.bin") for n in archive.namelist()):
                problems.append(Problem("the document carries macros (a VBA project)", file=name,
                                        fix="save it again as a plain Word document (.docx) without macros"))
            return problems
    except zipfile.BadZipFile:
        return [Problem("this is not a Word document (.docx) that can be opened", file=name,
                        fix="export the plan again as .docx")]


def _pdf_problems(name: str, data: bytes) -> tuple[str, list[Problem]]:
    """The PDF's text layer, or why it is refused."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return "", [Problem("the PDF is encrypted (password protected)", file=name,
                                fix="export the plan again without a password")]
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as err:
        return "", [Problem(f"the PDF cannot be read ({type(err).__name__})", file=name,
                            fix="export the plan again")]
    if len("".join(text.split())) < 40:
        return "", [Problem(NO_TEXT_LAYER, file=name, fix="export the plan from the case-management system as "
                            "text, not as a scan")]
    return text, []


def check_document(name: str, data: bytes, limits: IntakeLimits) -> tuple[Incoming | None, list[Problem]]:
    """One file's verdict: accepted as an Incoming, or the problems that refuse it."""
    suffix = Path(name).suffix.lower()
    if len(data) > limits.file_bytes:
        return None, [Problem(f"the file is {len(data):,} bytes, more than the {limits.file_bytes:,} allowed",
                              file=name, fix="check it is one plan document")]
    if suffix == ".docm":
        return None, [Problem("macro-enabled Word documents (.docm) are not accepted", file=name,
                              fix="save it as a plain Word document (.docx)")]
    if suffix not in KINDS:
        return None, [Problem(f"'{suffix or 'no extension'}' is not a plan document this tool reads", file=name,
                              fix="send DOCX, PDF with a text layer, or a ZIP of them")]
    text = None
    if suffix == ".docx":
        problems = _docx_problems(name, data, limits)
    else:
        text, problems = _pdf_problems(name, data)
    return (None if problems else Incoming(name, data, KINDS[suffix], text)), problems


def gather(paths: list[Path], limits: IntakeLimits | None = None) -> tuple[list[Incoming], list[Problem]]:
    """Every document in the given files and ZIPs, with every problem found; nothing is opened unchecked."""
    limits = limits or IntakeLimits()
    accepted: list[Incoming] = []
    problems: list[Problem] = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            problems.append(Problem("the file does not exist", file=str(path), fix="check the path"))
            continue
        if path.stat().st_size > limits.file_bytes * 10:
            problems.append(Problem("the file is too large to be plan documents", file=path.name,
                                    fix="split it into smaller files"))
            continue
        if path.suffix.lower() != ".zip":
            incoming, found = check_document(path.name, path.read_bytes(), limits)
            problems += found
            accepted += [incoming] if incoming else []
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                found = _zip_problems(path.name, archive, limits)
                if found:
                    problems += found
                    continue
                for info in archive.infolist():
                    if info.is_dir() or PurePosixPath(info.filename).name.startswith((".", "~$")):
                        continue
                    incoming, found = check_document(f"{path.name}: {info.filename}", archive.read(info), limits)
                    problems += found
                    accepted += [incoming] if incoming else []
        except zipfile.BadZipFile:
            problems.append(Problem("this ZIP file cannot be opened", file=path.name, fix="make the ZIP again"))
    return accepted, problems
