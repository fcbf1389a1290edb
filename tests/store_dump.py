"""A canonical dump of an audit store: every row that matters, by natural keys (no ids, no timestamps).

Two stores that went through the same work, in any number of runs and interruptions, dump equal; a
duplicate row shows as a repeated entry.
"""

from __future__ import annotations

from sqlmodel import Session, select

from audit.store.models import (
    Action,
    Assignment,
    Auditor,
    ChaseDelivery,
    CriterionGrade,
    Cycle,
    CycleModeration,
    Plan,
    PlanResult,
    SampledPlan,
    Scorecard,
    SectionResult,
)


def canonical_dump(engine) -> dict[str, list[tuple]]:
    with Session(engine) as s:
        plan_ref = dict(s.exec(select(Plan.id, Plan.plan_ref)).all())
        code = dict(s.exec(select(Auditor.id, Auditor.code)).all())
        sampled = {row.id: plan_ref[row.plan_id] for row in s.exec(select(SampledPlan)).all()}
        piece = {a.id: (sampled[a.sampled_plan_id], a.agency, a.marker_role) for a in s.exec(select(Assignment)).all()}
        card = {c.id: piece[c.assignment_id] for c in s.exec(select(Scorecard)).all()}
        rows = {
            "cycles": [(c.name, c.status, c.sample_size, c.due_date) for c in s.exec(select(Cycle)).all()],
            "samples": [(sampled[r.id], r.stratum, r.status, sampled.get(r.replacement_for_id))
                        for r in s.exec(select(SampledPlan)).all()],
            "assignments": [(*piece[a.id], code[a.auditor_id], tuple(a.sections), a.due_date, a.active)
                            for a in s.exec(select(Assignment)).all()],
            "scorecards": [(*card[c.id], code[c.auditor_id], c.status, c.source, c.late)
                           for c in s.exec(select(Scorecard)).all()],
            "grades": [(*card[g.scorecard_id], g.section, g.criterion_id, g.grade, g.comment)
                       for g in s.exec(select(CriterionGrade)).all()],
            "moderation": [(str(sorted(m.rules.items())),) for m in s.exec(select(CycleModeration)).all()],
            "section_results": [(sampled[r.sampled_plan_id], r.section, r.agency, r.grade, r.status)
                                for r in s.exec(select(SectionResult)).all()],
            "plan_results": [(sampled[r.sampled_plan_id], r.grade, r.status, tuple(r.missing_sections))
                             for r in s.exec(select(PlanResult)).all()],
            "actions": [(a.key, a.kind, plan_ref.get(a.plan_id), a.section, a.criterion_id, a.title, a.lead, a.milestone,
                         a.status) for a in s.exec(select(Action)).all()],
            "chases": [(d.rule, d.subject_type, piece.get(d.subject_id), d.recipient, d.status)
                       for d in s.exec(select(ChaseDelivery)).all()],
        }
    return {table: sorted(values, key=repr) for table, values in rows.items()}


def duplicates(dump: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Entries that appear more than once, per table (there should be none)."""
    found = {}
    for table, values in dump.items():
        seen, repeated = set(), []
        for value in values:
            (repeated.append(value) if value in seen else seen.add(value))
        if repeated:
            found[table] = repeated
    return found


def whole_dump(engine) -> dict[str, list[tuple]]:
    """Every row of every table, every column as stored (ids and timestamps included), in a stable order.

    For "the store is unchanged": take it before a refused file or request and compare after. Nothing written
    and rolled back leaves it equal; any row added, changed or removed anywhere (the trail included) does not.
    """
    from sqlalchemy import select as core_select
    from sqlmodel import SQLModel

    with engine.connect() as connection:
        return {table.name: sorted((tuple(row) for row in connection.execute(core_select(table))), key=repr)
                for table in SQLModel.metadata.sorted_tables}
