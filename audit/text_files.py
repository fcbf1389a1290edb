"""The one reader of text files people give us (CSV imports, mapping and rubric YAML): bytes to text, or one
clear message about the encoding.

A spreadsheet program offers several "CSV" and "text" formats. UTF-8 (with or without the byte-order mark
Excel adds) is the one we ask for; Excel's older Windows encoding (cp1252) is read too for CSV. Anything else,
UTF-16 ("Unicode Text"), UTF-32, a workbook renamed .csv, or binary data, is refused with one message that
says what the file is and how to save it, never decoded into garbage that then fails as "required column
missing".
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from audit.errors import InputRejected, Problem

CSV_ENCODINGS = ("utf-8-sig", "cp1252")  # Excel on Windows still saves "CSV" as cp1252
YAML_ENCODINGS = ("utf-8-sig",)
CSV_FIX = "save it as 'CSV UTF-8 (Comma delimited)' from your spreadsheet program"
TEXT_FIX = "save it as UTF-8 text"

_SAMPLE = 65_536  # bytes looked at to tell what a file is; a header and some rows
_BOMS = [  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"),
]
_SIGNATURES = [
    (b"PK\x03\x04", "an Excel workbook (or another zip file), not text"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel (.xls) or other Office file, not text"),
    (b"%PDF", "a PDF, not text"),
]
# C0 control bytes other than tab, line feed and carriage return: text has next to none of them.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def encoding_problem(data: bytes) -> str | None:
    """Why these bytes are not a text file we read, naming what they are instead; None when they may be text."""
    for mark, name in _BOMS:
        if data.startswith(mark):
            return f"the file is {name} text, not UTF-8"
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            return f"the file is {what}"
    head = data[:_SAMPLE]
    nuls = head.count(0)
    if nuls > 8 and nuls * 8 > len(head):
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if min(even, odd) * 10 <= nuls:  # nearly all on one side: every other byte, UTF-16 without a mark
            return "the file is UTF-16 text, not UTF-8"
    # Text has next to no control characters; a stray one in a cell is reported at its row and column instead.
    controls = len(_CONTROL.findall(head))
    if controls > 8 and controls * 20 > len(head):
        return "the file is not text (it holds binary data)"
    return None


def decode_text(data: bytes, name: str, what: str, *, encodings: tuple[str, ...] = CSV_ENCODINGS,
                fix: str = CSV_FIX) -> str:
    """The file's text; InputRejected (one problem naming the file) when it is not text in one of `encodings`."""

    def reject(message: str) -> InputRejected:
        return InputRejected(what, [Problem(message, file=name, fix=fix)])

    problem = encoding_problem(data)
    if problem:
        raise reject(problem)
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    shown = " or ".join({"utf-8-sig": "UTF-8", "cp1252": "Windows-1252"}.get(e, e) for e in encodings)
    raise reject(f"the file is not readable text: it is not {shown}")


def read_text(path: Path, what: str, *, encodings: tuple[str, ...] = CSV_ENCODINGS, fix: str = CSV_FIX) -> str:
    """`decode_text` of a file on disk; a missing or unreadable file is InputRejected too."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputRejected(what, [Problem("the file does not exist", file=path.name,
                                           fix="check the path and file name")]) from None
    except OSError as exc:
        raise InputRejected(what, [Problem(f"the file cannot be read ({exc.__class__.__name__})", file=path.name,
                                           fix="check the path, and that the file is not open elsewhere")]) from None
    return decode_text(data, path.name, what, encodings=encodings, fix=fix)
