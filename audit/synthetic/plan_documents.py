"""Synthetic plan documents: the labelled plans of audit/synthetic/plan_text.py written as files an area's
case-management system might export, in several template styles. Never real plans.

- `section-colon`: "Section F: Special educational provision" in Heading 1 style, items as paragraphs;
- `letter-bold`: "F. Special educational provision" as a bold paragraph, items as list paragraphs;
- `titles-table`: title-only headings ("Special educational provision") in Heading 2, H1 and H2 split, and
  section F as a table (area of need | provision);
- `pdf`: HTML rendered by WeasyPrint, "Section F - ..." headings: a PDF with a text layer.
"""

from __future__ import annotations

import io
from html import escape
from pathlib import Path

import docx

from audit.synthetic.plan_text import LabelledPlan

TITLES = {"A": "Views, interests and aspirations", "B": "Special educational needs", "C": "Health needs",
          "D": "Social care needs", "E": "Outcomes", "F": "Special educational provision",
          "G": "Health provision", "H": "Social care provision", "I": "Placement",
          "J": "Personal budget", "K": "Advice and information"}
ORDER = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K")
THEME_LABELS = {"communication": "Communication and interaction", "literacy": "Cognition and learning",
                "numeracy": "Cognition and learning", "emotional": "Social, emotional and mental health",
                "social": "Social, emotional and mental health", "sensory": "Sensory and physical",
                "motor": "Sensory and physical", "attention": "Cognition and learning"}


def _cover(document, plan: LabelledPlan) -> None:
    document.add_heading("Education, Health and Care Plan", 0)
    document.add_paragraph(f"Plan reference: {plan.ref}")
    document.add_paragraph("This plan is synthetic test data.")


def _heading(document, plan: LabelledPlan, letter: str) -> None:
    if plan.style == "section-colon":
        document.add_heading(f"Section {letter}: {TITLES[letter]}", 1)
    elif plan.style == "letter-bold":
        document.add_paragraph().add_run(f"{letter}. {TITLES[letter]}").bold = True
    else:
        document.add_heading(TITLES[letter], 2)


def docx_bytes(plan: LabelledPlan) -> bytes:
    """The plan as a Word document in its template style."""
    document = docx.Document()
    _cover(document, plan)
    for letter in ORDER:
        _heading(document, plan, letter)
        paragraphs = plan.sections.get(letter, [])
        if letter == "F" and plan.style == "titles-table":
            table = document.add_table(rows=1, cols=2)
            table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Area of need", "Provision"
            for i, text in enumerate(paragraphs):
                row = table.add_row()
                row.cells[0].text, row.cells[1].text = THEME_LABELS[plan.themes_f[i]], text
            continue
        if letter == "H" and plan.style == "titles-table":
            document.add_heading("H1 Social care provision under section 2 of the CSDPA 1970", 3)
            for text in paragraphs:
                document.add_paragraph(text)
            document.add_heading("H2 Other social care provision", 3)
            document.add_paragraph(paragraphs[0] if paragraphs and len(paragraphs[0]) < 5 else
                                   "No other social care provision.")
            continue
        for text in paragraphs:
            if text:
                style = "List Bullet" if plan.style == "letter-bold" and letter in "BEF" else None
                document.add_paragraph(text, style=style)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def pdf_bytes(plan: LabelledPlan) -> bytes:
    """The plan as a PDF with a text layer (HTML through WeasyPrint)."""
    from weasyprint import HTML

    parts = ["<html><body style='font-family: sans-serif; font-size: 11pt'>",
             "<h1>Education, Health and Care Plan</h1>", f"<p>Plan reference: {escape(plan.ref)}</p>"]
    for letter in ORDER:
        parts.append(f"<h2>Section {letter} - {escape(TITLES[letter])}</h2>")
        parts += [f"<p>{escape(text)}</p>" for text in plan.sections.get(letter, []) if text]
    parts.append("</body></html>")
    return HTML(string="".join(parts)).write_pdf()


def write_plan(plan: LabelledPlan, folder: Path, name: str | None = None) -> Path:
    """Write one plan (DOCX, or PDF for the `pdf` style) into `folder`, named by its reference."""
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".pdf" if plan.style == "pdf" else ".docx"
    path = folder / f"{name or plan.ref}{suffix}"
    path.write_bytes(pdf_bytes(plan) if plan.style == "pdf" else docx_bytes(plan))
    return path
