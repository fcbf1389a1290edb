"""Storing plan documents: an import is all or nothing, keeps the original for a re-split, and records the
pre-check's flags; a re-split reads the kept original again with a new heading mapping."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete
from sqlmodel import Session, select

from audit.documents.intake import Incoming, IntakeLimits, gather
from audit.documents.matching import load_mapping, match_reference
from audit.documents.parsing import ParsedDocument, parse
from audit.documents.precheck import check_sections
from audit.documents.rules import Rule
from audit.documents.sections import HeadingMap
from audit.errors import InputRejected, NotFound, Problem
from audit.store.models import DocumentSection, LocalArea, Plan, PlanDocument, PrecheckFlag


@dataclass
class DocumentImport:
    """What an import stored: one line per document (file, plan, sections found, flags raised)."""

    documents: list[tuple[str, str, list[str], int]] = field(default_factory=list)


class DocumentsRejected(InputRejected):
    """An import refused whole, with what was found of every file: `files` holds, per file as the user named
    it, the plan it matched (or None) and the sections found, so a page can say which files matched which
    plan and which did not."""

    def __init__(self, what: str, problems: list[Problem], files: list[dict]):
        super().__init__(what, problems)
        self.files = files


def _outcomes(matched: list[tuple[str, str | None, list[str]]], problems: list[Problem]) -> list[dict]:
    """Per file: its plan (None when unmatched), sections found and its problems, in the order found."""
    files: dict[str, dict] = {}
    for name, ref, letters in matched:
        files[name] = {"file": name, "plan_ref": ref, "sections": letters, "problems": []}
    for problem in problems:
        name = problem.file or ""
        files.setdefault(name, {"file": name, "plan_ref": None, "sections": [], "problems": []})
        files[name]["problems"].append(problem.sentence())
    return list(files.values())


def _store_sections(session: Session, document: PlanDocument, parsed: ParsedDocument, rules: list[Rule]) -> int:
    for section in parsed.sections.values():
        session.add(DocumentSection(document_id=document.id, letter=section.letter, heading=section.heading,
                                    text=section.text, items=section.items()))
    flags = check_sections(parsed.name, parsed.sections, rules)
    for flag in flags:
        session.add(PrecheckFlag(document_id=document.id, rule_id=flag.rule_id, section=flag.section,
                                 quote=flag.quote, explanation=flag.explanation))
    return len(flags)


def import_documents(session: Session, area: LocalArea, paths: list[Path], rules: list[Rule], *,
                     mapping_file: Path | None = None, headings: Path | None = None,
                     limits: IntakeLimits | None = None) -> DocumentImport:
    """Import plan documents (DOCX, PDF, ZIPs of them), all or nothing; the caller commits."""
    mapping, heading_map = load_mapping(mapping_file), HeadingMap.load(headings)
    accepted, problems = gather(paths, limits)
    refs = dict(session.exec(select(Plan.plan_ref, Plan.id).where(Plan.area_id == area.id)).all())
    ready: list[tuple[Incoming, ParsedDocument, str]] = []
    matched: list[tuple[str, str | None, list[str]]] = []
    for incoming in accepted:
        parsed, found = parse(incoming, heading_map)
        problems += found
        if parsed is None:
            continue
        ref = match_reference(incoming.name, parsed.stated_reference(), set(refs), mapping)
        matched.append((incoming.name, ref, list(parsed.sections)))
        if ref is None:
            problems.append(Problem(f"no plan in the {area.code} register matches it (reference "
                                    f"'{parsed.stated_reference() or 'none found'}')", file=incoming.name,
                                    fix="put the plan reference in the file name, or give a mapping file with "
                                        "columns file,plan_ref (--mapping on the command line)"))
            continue
        ready.append((incoming, parsed, ref))
    if not problems and not ready:
        problems.append(Problem("no plan documents were found", file=", ".join(str(p) for p in paths),
                                fix="give DOCX or PDF files, or a ZIP of them"))
    if problems:
        raise DocumentsRejected("The plan documents", problems, _outcomes(matched, problems))
    report = DocumentImport()
    for incoming, parsed, ref in ready:
        document = PlanDocument(area_id=area.id, plan_id=refs[ref], label=f"{ref}.{incoming.kind}", kind=incoming.kind,
                                sha256=hashlib.sha256(incoming.data).hexdigest(), original=incoming.data)
        session.add(document)
        session.flush()
        flags = _store_sections(session, document, parsed, rules)
        report.documents.append((incoming.name, ref, list(parsed.sections), flags))
    session.flush()
    return report


def import_summary(report: DocumentImport) -> dict:
    """What an import did, as plain data a page (or a flow's result) shows: each file, its plan, sections, flags."""
    files = [{"file": name, "plan_ref": ref, "sections": letters, "flags": flags, "problems": []}
             for name, ref, letters, flags in report.documents]
    return {"state": "done", "files": files, "plans": len({f["plan_ref"] for f in files}),
            "flags": sum(f["flags"] for f in files)}


def refusal_summary(exc: InputRejected) -> dict:
    """Why an import was refused, as plain data: every problem in words, and what was found of each file."""
    return {"state": "failed", "problems": [str(p) for p in exc.problems[:100]],
            "more": max(0, len(exc.problems) - 100), "files": getattr(exc, "files", [])}


def current_document(session: Session, plan_id: int) -> PlanDocument | None:
    """The plan's newest document still held (not purged)."""
    return session.exec(select(PlanDocument).where(PlanDocument.plan_id == plan_id,
                                                   PlanDocument.purged_at.is_(None))
                        .order_by(PlanDocument.imported_at.desc(), PlanDocument.id.desc())).first()


def resplit(session: Session, document: PlanDocument, rules: list[Rule], headings: Path | None = None) -> list[str]:
    """Split the kept original again (say, with the area's new heading mapping); open flags are raised anew,
    decided ones are kept. Returns the section letters found."""
    if document.original is None:
        raise NotFound(f"The original of {document.label} was purged under the retention policy.")
    parsed, problems = parse(Incoming(document.label, document.original, document.kind), HeadingMap.load(headings))
    if parsed is None:
        raise InputRejected(f"Re-splitting {document.label}", problems)
    session.execute(delete(DocumentSection).where(DocumentSection.document_id == document.id))
    session.execute(delete(PrecheckFlag).where(PrecheckFlag.document_id == document.id,
                                               PrecheckFlag.status == "open"))
    _store_sections(session, document, parsed, rules)
    session.flush()
    return list(parsed.sections)
