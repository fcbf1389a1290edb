"""The text pre-check beside the grades (issue 20): its flags per plan section and per service, for the plans of a
cycle's random sample that have a plan document, in the board pack's results (the board's one view-model, and so
the board summary and the results page), small numbers suppressed like every board table.

A plan's flags are those on its current document (the newest not purged). A flag is a suggestion an auditor
confirms or dismisses; the tables count flags raised, confirmed and dismissed, and the plans flagged (a plan
counts once per section or service however many flags it has). A service's row reads the sections it grades
(the rubric's graded_by), as its grades do. With no plan document in the sample there are no tables.
"""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, select

from audit.results import analysis
from audit.store.models import PlanDocument, PrecheckFlag
from audit.vocabulary import SERVICES
from reports.suppression import COUNT, PERCENT, TEXT, make_table

ROW = ("group", "plans", "flagged", "flagged_pct", "flags", "confirmed", "dismissed", "suppressed")
COLUMNS = [("plans", "Plans with a document", COUNT), ("flagged", "Plans flagged", COUNT),
           ("flagged_pct", "Share flagged", PERCENT), ("flags", "Flags raised", COUNT),
           ("confirmed", "Confirmed by auditors", COUNT), ("dismissed", "Dismissed by auditors", COUNT)]


def _flags(session: Session, plan_ids: set[int]) -> tuple[int, list[tuple[int, str, str]]]:
    """How many of the plans have a current document, and each of its flags as (plan, section letter, status)."""
    if not plan_ids:
        return 0, []
    current: dict[int, int] = {}
    for document_id, plan_id, _ in sorted(session.exec(
            select(PlanDocument.id, PlanDocument.plan_id, PlanDocument.imported_at)
            .where(PlanDocument.plan_id.in_(sorted(plan_ids)), PlanDocument.purged_at.is_(None))).all(),
            key=lambda r: (r[2], r[0])):
        current[plan_id] = document_id  # the newest wins
    if not current:
        return 0, []
    plan_of = {d: p for p, d in current.items()}
    rows = session.exec(select(PrecheckFlag.document_id, PrecheckFlag.section, PrecheckFlag.status)
                        .where(PrecheckFlag.document_id.in_(sorted(plan_of)))).all()
    return len(current), [(plan_of[d], "H" if s in ("H1", "H2") else s, status) for d, s, status in rows]


def _row(group: str, documents: int, flags: list[tuple[int, str, str]]) -> dict:
    flagged = len({plan for plan, _, _ in flags})
    return {"group": group, "plans": documents, "flagged": flagged,
            "flagged_pct": 100 * flagged / documents if documents else None, "flags": len(flags),
            "confirmed": sum(s == "confirmed" for _, _, s in flags),
            "dismissed": sum(s == "dismissed" for _, _, s in flags)}


def precheck_tables(session: Session, results: analysis.CycleResults, keep: dict, threshold: int) -> list[dict]:
    """The two tables (per section, per service) for the pack's results; none when no sampled plan has a document."""
    documents, flags = _flags(session, {int(p) for p in results.plans["plan_id"]})
    if not documents:
        return []
    by_section: dict[str, list] = defaultdict(list)
    for flag in flags:
        by_section[flag[1]].append(flag)
    sections = [s for s in results.rubric.sections if s.code in keep["sections"]]
    section_rows = [_row(f"{s.code}: {s.title}", documents, by_section.get(s.code, [])) for s in sections]
    service_rows = []
    for agency in SERVICES:
        if agency.label not in keep["services"]:
            continue
        codes = {s.code for s in results.rubric.sections if agency.value in s.graded_by()}
        if codes:
            service_rows.append(_row(agency.label, documents, [f for c in sorted(codes) for f in by_section.get(c, [])]))
    shares = {"flagged_pct": ("flagged",)}
    return [
        make_table("precheck_by_section", "Pre-check flags per plan section", [("group", "Section", TEXT), *COLUMNS],
                   section_rows, threshold=threshold, size="plans", shares=shares),
        make_table("precheck_by_service", "Pre-check flags per service", [("group", "Service", TEXT), *COLUMNS],
                   service_rows, threshold=threshold, size="plans", shares=shares),
    ]
