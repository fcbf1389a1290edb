"""Writing the inspection pack: a tagged PDF (reports/pdf.py, PDF/UA), a workbook with one sheet per evidence
table and a sheet of the self-evaluation with each figure's source, and a ZIP of both with README.txt listing
the files. Each file is written whole or not at all."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from audit.cells import escape_formula as safe_text
from audit.words import day, moment
from reports.pack_files import _atomic
from reports.templating import env
from reports.xlsx import _table_sheet

SELF_EVALUATION = "Self-evaluation"


def render_inspection_html(pack: dict) -> str:
    return env.get_template("inspection.html.jinja").render(p=pack)


def inspection_workbook(pack: dict) -> bytes:
    """Contents, the self-evaluation (heading, paragraph, each figure's sheet and cell), then the evidence."""
    book = Workbook()
    contents = book.active
    contents.title = "Contents"
    contents.append([safe_text(pack["title"])])
    contents["A1"].font = Font(bold=True, size=14)
    contents.append([safe_text(f"{pack['framework']['title']} · as of {day(pack['as_of'])} · generated "
                               f"{moment(pack['generated_at'])}")])
    contents.append([safe_text(pack["suppression_note"])])
    contents.append([])
    contents.append(["Sheet", "Table"])
    contents.append([SELF_EVALUATION, "The draft self-evaluation, heading by heading, with each figure's source"])
    evaluation = book.create_sheet(SELF_EVALUATION)
    evaluation.append(["Heading", "Draft paragraph", "Figure", "Sheet", "Cell or rows", "Version"])
    for h in pack["headings"]:
        v = h.get("version")
        version = f"Version {v['number']}, edited by {v['by']}, {v['at']}" if v else "Generated from the data"
        evaluation.append([safe_text(h["title"]), safe_text(h["paragraph"]), None, None, None, safe_text(version)])
        evaluation.cell(evaluation.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
        for f in h["figures"]:
            where = f.get("cell") or f"rows {f['rows'][0]} to {f['rows'][1]}"
            evaluation.append(["", "", safe_text(f["text"]), f["sheet"], where])
    evaluation.column_dimensions["A"].width = 40
    evaluation.column_dimensions["B"].width = 90
    for table in pack["evidence"].values():
        _table_sheet(book.create_sheet(table["sheet"]), table, pack["suppression_note"])
        contents.append([table["sheet"], safe_text(table["title"])])
    contents.column_dimensions["A"].width = 28
    contents.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_inspection(pack: dict, folder: Path, extra: dict[str, bytes] | None = None) -> dict[str, Path]:
    """PDF, XLSX and a ZIP holding them (and `extra` files, such as the person-level export) with README.txt."""
    from reports.pdf import html_to_pdf

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"inspection-{pack['area']['code'].lower()}-cycle-{pack['cycle']['id']}-{pack['audience']}"
    files = {f"{stem}.pdf": html_to_pdf(render_inspection_html(pack)), f"{stem}.xlsx": inspection_workbook(pack),
             **(extra or {})}
    readme = readme_text(pack, files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", readme)
        for name, data in files.items():
            archive.writestr(name, data)
    written = {name.rsplit(".", 1)[-1] if name.startswith(stem) else name: _atomic(folder / name, data)
               for name, data in files.items()}
    written["zip"] = _atomic(folder / f"{stem}.zip", buffer.getvalue())
    return written


def readme_text(pack: dict, files: dict[str, bytes]) -> str:
    lines = [pack["title"], "", f"{pack['framework']['title']}. Figures as of {day(pack['as_of'])}; generated "
             f"{moment(pack['generated_at'])}.", pack["suppression_note"], "", "Files in this pack:"]
    describe = {".pdf": "the evidence pack: the five headings, the draft self-evaluation and the evidence tables",
                ".xlsx": "the workbook: one sheet per evidence table; the sheet 'Self-evaluation' gives each "
                         "figure's sheet and cell",
                ".csv": "the person-level export, laid out by the column mapping file"}
    for name in ["README.txt", *files]:
        what = "this index" if name == "README.txt" else describe.get(Path(name).suffix, "")
        lines.append(f"- {name}: {what}")
    lines += ["", "Headings:", *[f"{i}. {h['title']}" for i, h in enumerate(pack["headings"], start=1)]]
    return "\n".join(lines) + "\n"
