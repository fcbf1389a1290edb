"""Plan-document files for the tests: labelled synthetic plans written to disk, and hostile inputs."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from pypdf import PdfWriter

from audit.synthetic.plan_documents import docx_bytes
from audit.synthetic.plan_text import labelled_plans


def blank_pdf(encrypted: bool = False) -> bytes:
    """A page with no text layer (what a scanner makes), optionally password protected."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if encrypted:
        writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def zip_of(entries: dict[str, bytes], compress: bool = True) -> bytes:
    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx_with_macros(plan_bytes: bytes) -> bytes:
    """A .docx that carries a VBA project (what a macro-enabled document holds)."""
    source = zipfile.ZipFile(io.BytesIO(plan_bytes))
    entries = {info.filename: source.read(info) for info in source.infolist()}
    entries["word/vbaProject.bin"] = b"\x00" * 64
    return zip_of(entries)


def bad_file(kind: str, folder: Path) -> Path:
    """A hostile or unusable input of the named kind, written into `folder`."""
    plan = labelled_plans(5, 1, styles=("section-colon",))[0]
    good = docx_bytes(plan)
    files = {
        "image-only PDF": ("scan.pdf", lambda: blank_pdf()),
        "encrypted PDF": ("locked.pdf", lambda: blank_pdf(encrypted=True)),
        "macro-enabled .docm": ("plan.docm", lambda: good),
        "docx with macros": (f"{plan.ref}.docx", lambda: docx_with_macros(good)),
        "ZIP bomb": ("bomb.zip", lambda: zip_of({"big.docx": b"\x00" * 30_000_000})),
        "ZIP entry ../x": ("escape.zip", lambda: zip_of({"../x.docx": good})),
    }
    name, make = files[kind]
    path = folder / name
    path.write_bytes(make())
    return path
