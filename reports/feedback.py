"""A short feedback note for the case officer of each audited plan: grades, comments on weak criteria, the task.

Pseudonymised: the plan is named by its reference and people by codes. Comments come from the scorecard
that counts for each section (first marker, or the moderated source), as audit.moderation.marking decides.
"""

from __future__ import annotations

import pandas as pd
from sqlmodel import Session, select

from audit.moderation.marking import counted_sources
from audit.results import analysis
from audit.store.models import Action, CriterionGrade, GradeEvidence, Scorecard
from audit.vocabulary import ActionKind, Grade
from audit.words import day


def feedback_notes(session: Session, results: analysis.CycleResults) -> list[dict]:
    """One note per sampled plan of the cycle, ordered by plan reference."""
    cycle, rubric = results.cycle, results.rubric
    sources = counted_sources(session, cycle)
    cards = {c.scorecard_id for c in sources.values()}
    weak_rows = session.exec(
        select(CriterionGrade).where(CriterionGrade.scorecard_id.in_(cards),
                                     CriterionGrade.grade <= int(Grade.REQUIRES_IMPROVEMENT))
    ).all() if cards else []
    weak = {(r.scorecard_id, r.section): [] for r in weak_rows}
    for r in weak_rows:
        weak[(r.scorecard_id, r.section)].append(r)
    # The passage each counted marker kept as evidence for a grade (issue 20), by scorecard and criterion.
    card_assignment = dict(session.exec(select(Scorecard.id, Scorecard.assignment_id)
                                        .where(Scorecard.id.in_(cards))).all()) if cards else {}
    evidence = {(e.assignment_id, e.criterion_id): e.passage for e in session.exec(
        select(GradeEvidence).where(GradeEvidence.assignment_id.in_(list(card_assignment.values())))).all()
    } if card_assignment else {}
    tasks = {a.plan_id: a for a in session.exec(
        select(Action).where(Action.cycle_id == cycle.id, Action.kind == ActionKind.amendment.value)).all()}
    # One pass over the section rows: filtering the frame per plan and section cost seconds for 200 plans.
    by_plan: dict[tuple[int, str], dict] = {}
    for r in results.sections.to_dict("records"):
        by_plan.setdefault((r["sampled_plan_id"], r["section"]), r)
    notes = []
    for plan in results.plans.sort_values("plan_ref").itertuples():
        rows, comments = [], []
        for section in rubric.sections:
            r = by_plan.get((plan.sampled_plan_id, section.code))
            if r is None:
                continue
            grade = "not applicable" if r["status"] == "not_applicable" else (
                "not yet graded" if pd_na(r["grade"]) else Grade(int(r["grade"])).label)
            rows.append({"section": f"{section.code}: {section.title}", "grade": grade})
            source = sources.get((plan.sampled_plan_id, section.code))
            for c in weak.get((source.scorecard_id, section.code), []) if source else []:
                text = rubric.criterion(c.criterion_id)[1].text
                comments.append({"criterion": f"{c.criterion_id}: {text}", "grade": Grade(c.grade).label,
                                 "comment": c.comment or "(no comment recorded)",
                                 "evidence": evidence.get((card_assignment.get(c.scorecard_id), c.criterion_id), "")})
        task = tasks.get(plan.plan_id)
        notes.append({
            "plan_ref": plan.plan_ref, "case_officer": plan.case_officer, "cycle": cycle.name,
            "rubric": f"{rubric.title} ({rubric.short_hash})",
            "overall": "incomplete" if pd_na(plan.grade) else Grade(int(plan.grade)).label,
            "sections": rows, "weak_criteria": comments,
            "task": None if task is None else {"title": task.title, "detail": task.detail,
                                               "due": task.milestone.isoformat()},
        })
    return notes


def pd_na(value) -> bool:
    """True for a missing grade: None, NaN or pandas' NA (Int64 columns hold NA, which refuses `bool()`)."""
    return value is None or bool(pd.isna(value))


def render_note(note: dict) -> str:
    """The note as Markdown (short enough to paste into an email)."""
    lines = [f"# Audit feedback: plan {note['plan_ref']}", "",
             f"For case officer {note['case_officer']} · {note['cycle']} · rubric {note['rubric']}", "",
             f"**Overall grade: {note['overall']}**", "", "| Section | Grade |", "|---|---|"]
    lines += [f"| {r['section']} | {r['grade']} |" for r in note["sections"]]
    lines += ["", "## What the auditors said about the weak criteria", ""]
    lines += [f"- **{c['criterion']}** ({c['grade']}): {c['comment']}"
              + (f" The plan says: \"{c['evidence']}\"" if c.get("evidence") else "") for c in note["weak_criteria"]] or [
        "No criterion was graded Requires Improvement or Inadequate."]
    lines += ["", "## What happens next", ""]
    task = note["task"]
    lines.append(f"{task['title']}, by {day(task['due'])}. {task['detail']}" if task else "No amendment is needed.")
    return "\n".join(lines) + "\n"
