"""A new version of a plan imported onto the same plan: actions matched by reference, then by the likeness of
their text, the changes shown (added, removed, reworded, re-dated, status changed, renumbered) for
confirmation before anything is stored, then applied keeping every action's links, evidence, proposals and
history. A removed action is kept, marked with the revision that removed it; the plan keeps its version
control (version, date, owner) and one PlanRevision per import.

Likeness is rapidfuzz's ratio when it is installed, else difflib's (the standard library); two actions are the
same when their text is at least MATCH_RATIO alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, func, select

from audit.improvement.layouts import WSOA, ActionRow, PlanTable
from audit.improvement.plans import add_action, add_event, ensure_area, set_milestones
from audit.improvement.scales import StatusScale
from audit.store.models import ActionStatusChange, ImprovementAction, ImprovementPlan, PlanRevision, utcnow

MATCH_RATIO = 0.75
_NUMBER = re.compile(r"^\s*(\d+|[ivxlc]+|[a-z])[.)]\s", re.I)
TEXT = ("finding", "action")
DATES = ("action_milestone", "impact_milestone")
OTHER = ("lead", "progress", "output_evidence", "impact_evidence")


def _words(text: str) -> str:
    """The text without its leading number ("2. ", "ii. "), which a renumbering changes."""
    return " ".join(_NUMBER.sub("", text or "", count=1).split())


def likeness(a: str, b: str) -> float:
    """How alike two texts are, 0 to 1, ignoring case and spacing."""
    a, b = " ".join(a.split()).casefold(), " ".join(b.split()).casefold()
    try:
        from rapidfuzz import fuzz
    except ImportError:
        from difflib import SequenceMatcher

        return SequenceMatcher(None, a, b).ratio()
    return fuzz.ratio(a, b) / 100


@dataclass
class Changes:
    """What a revision changes, before anything is stored."""

    matches: dict[int, ImprovementAction] = field(default_factory=dict)  # index in table.rows -> action
    added: list[str] = field(default_factory=list)
    removed: list[ImprovementAction] = field(default_factory=list)
    reworded: list[str] = field(default_factory=list)
    redated: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    renumbered: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Added: {ref}" for ref in self.added]
        out += [f"Removed: {a.reference} ({a.action[:60]})" for a in self.removed]
        out += [f"Renumbered: {text}" for text in self.renumbered]
        out += [f"Reworded: {text}" for text in self.reworded]
        out += [f"Re-dated: {text}" for text in self.redated]
        out += [f"Status changed: {text}" for text in self.status]
        out += [f"Updated: {text}" for text in self.updated]
        return out or ["No action changes."]

    def summary(self) -> dict:
        return {"added": self.added, "removed": [a.reference for a in self.removed], "renumbered": self.renumbered,
                "reworded": self.reworded, "redated": self.redated, "status": self.status, "updated": self.updated}


def _period_statuses(session: Session, action_id: int) -> dict[str, str]:
    changes = session.exec(select(ActionStatusChange).where(ActionStatusChange.action_id == action_id)
                           .order_by(ActionStatusChange.changed_at, ActionStatusChange.id)).all()
    return {c.period: c.status for c in changes if c.period}


def _status_changes(session: Session, action: ImprovementAction, row: ActionRow, layout: str) -> list[tuple]:
    """(period or None, new status key) the row gives that the action's history does not have yet."""
    if layout == WSOA:
        known = _period_statuses(session, action.id)
        return [(period, key) for period, key in row.periods.items() if known.get(period) != key]
    return [(None, row.status)] if row.status and row.status != action.status else []


def compare(session: Session, plan: ImprovementPlan, table: PlanTable, scale: StatusScale) -> Changes:
    """Match the file's actions to the plan's, by reference then by text, and list what would change."""
    changes = Changes()
    old = list(session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == plan.id)
                            .order_by(ImprovementAction.position)).all())
    by_ref = {a.reference: a for a in old}
    for i, row in enumerate(table.rows):
        if row.reference in by_ref:
            changes.matches[i] = by_ref[row.reference]
    left = [a for a in old if a.id not in {m.id for m in changes.matches.values()}]
    pairs = sorted(((likeness(_words(row.values["action"]), _words(a.action)), i, a) for i, row in enumerate(table.rows)
                    if i not in changes.matches for a in left), key=lambda p: -p[0])
    for ratio, i, action in pairs:
        if ratio >= MATCH_RATIO and i not in changes.matches and action in left:
            changes.matches[i] = action
            left.remove(action)
            changes.renumbered.append(f"{action.reference} is now {table.rows[i].reference} (the same action, "
                                      f"{100 * ratio:.0f}% alike)")
    changes.removed = [a for a in left if a.removed_in is None]
    for i, row in enumerate(table.rows):
        action = changes.matches.get(i)
        if action is None or action.removed_in is not None:
            changes.added.append(f"{row.reference} ({row.values['action'][:60]})" +
                                 (" (back in the plan)" if action is not None else ""))
            continue
        ref = row.reference
        if any(_words(getattr(action, f)) != _words(row.values[f]) for f in TEXT):
            changes.reworded.append(f"{ref}: '{action.action[:50]}' -> '{row.values['action'][:50]}'")
        for f in DATES:
            if getattr(action, f) != row.values[f]:
                changes.redated.append(f"{ref}: '{getattr(action, f)}' -> '{row.values[f]}'")
        for period, key in _status_changes(session, action, row, table.layout):
            before = scale.status(action.status)
            changes.status.append(f"{ref}: {before.label if before else 'not graded'} -> {scale.status(key).label}"
                                  + (f" [{period}]" if period else ""))
        moved = [f for f in OTHER if getattr(action, f) != row.values[f]]
        if moved:
            changes.updated.append(f"{ref}: {', '.join(f.replace('_', ' ') for f in moved)}")
    return changes


@dataclass
class Version:
    """A plan's version control as its document writes it."""

    version: str = ""
    date: date | None = None
    owner: str = ""


def record_revision(session: Session, plan: ImprovementPlan, version: Version, file: str, changes: dict, by: str,
                    now: datetime) -> PlanRevision:
    latest = session.exec(select(func.max(PlanRevision.number)).where(PlanRevision.plan_id == plan.id)).one()
    number = (latest or (1 if changes else 0)) + 1  # a plan imported before revisions were kept was number 1
    row = PlanRevision(plan_id=plan.id, number=number, version=version.version or str(number),
                       version_date=version.date or now.date(), version_owner=version.owner or by, source_file=file,
                       changes=changes, imported_at=now, imported_by=by)
    plan.version, plan.version_date, plan.version_owner = row.version, row.version_date, row.version_owner
    session.add(row)
    session.add(plan)
    session.flush()
    return row


def apply_revision(session: Session, plan: ImprovementPlan, table: PlanTable, changes: Changes, scale: StatusScale,
                   *, by: str, file: str, version: Version, now: datetime | None = None) -> PlanRevision:
    """Store a compared revision: update matched actions, add new ones, mark removed ones; history kept."""
    now = now or utcnow()
    revision = record_revision(session, plan, version, file, changes.summary(), by, now)
    why = f"revision {revision.number} ({file})"
    areas = {}
    for position, (ref, title) in enumerate(table.areas, start=1):
        area = ensure_area(session, plan, ref, title)
        area.title, area.position = title or area.title, position
        session.add(area)
        areas[ref] = area
    for position, row in enumerate(table.rows, start=1):
        action = changes.matches.get(position - 1)
        if action is None:
            action = add_action(session, plan, areas[row.area_ref], reference=row.reference, by=by, now=now,
                                reason=f"added in {why} row {row.row}", **dict(row.values.items()))
        else:
            before = {f: getattr(action, f) for f in (*TEXT, *DATES, *OTHER)}
            detail = {f: [before[f], row.values[f]] for f in before if before[f] != row.values[f]}
            if action.reference != row.reference:
                detail["reference"] = [action.reference, row.reference]
            if action.removed_in is not None:
                detail["removed_in"] = [action.removed_in, None]
            for f, value in row.values.items():
                setattr(action, f, value)
            action.reference, action.weakness_id, action.removed_in = row.reference, areas[row.area_ref].id, None
            set_milestones(action)
            if detail:
                add_event(session, action, "revised", by, f"{why} row {row.row}", detail, now=now)
        action.position = position
        for period, key in _status_changes(session, action, row, table.layout):
            session.add(ActionStatusChange(
                action_id=action.id, status=key, previous=action.status, period=period, source="import",
                changed_by=by, changed_at=now,
                reason=f"{why} row {row.row}" + (f", column '{period}'" if period else "")))
            action.status = key
        session.add(action)
    for action in changes.removed:
        action.removed_in = revision.number
        session.add(action)
        add_event(session, action, "removed", by, f"not in {why}; kept with its links, evidence and history", now=now)
    plan.layout_options = dict(table.options)
    plan.people = {**plan.people, **table.people}
    plan.source_file = file
    session.add(plan)
    session.flush()
    return revision


def revisions_of(session: Session, plan_id: int) -> list[PlanRevision]:
    """The plan's version control, newest first."""
    return list(session.exec(select(PlanRevision).where(PlanRevision.plan_id == plan_id)
                             .order_by(PlanRevision.number.desc())).all())


def revision_summary(changes: dict) -> str:
    """'2 added, 1 removed, 1 re-dated' from a revision's recorded changes."""
    words = {"added": "added", "removed": "removed", "renumbered": "renumbered", "reworded": "reworded",
             "redated": "re-dated", "status": "status changed", "updated": "updated"}
    said = [f"{len(changes[k])} {w}" for k, w in words.items() if changes.get(k)]
    return ", ".join(said) or "No action changes"
