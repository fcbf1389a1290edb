"""An audit cycle's life: create, open (sample and assign), follow progress, withdraw and replace, close."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, func, select

from audit.cells import text_problem
from audit.errors import AuditError, NotFound
from audit.limits import DEFAULT_TEXT_CHARS
from audit.store.models import Assignment, Auditor, Cycle, LocalArea, Plan, SampledPlan, Scorecard, utcnow
from audit.vocabulary import CycleStatus, SampleStatus, ScorecardStatus

if TYPE_CHECKING:
    from audit.cycle.sampling import Exclusions
    from audit.rubrics.loading import Rubric

# Sampling, assignment and re-audits (numpy, the working-day calendar) are imported by the functions that open
# or change a cycle, not by the many callers that only read one (cycle status, the web app's pages).


CYCLE_NAME_CHARS = 200  # shown in page titles, email subjects and board pack headings


def _check_text(what: str, text: str, max_chars: int, one_line: bool = False) -> None:
    """Refuse free text that is too long or would act as markup or a spreadsheet formula (audit.cells)."""
    bad = text_problem(text, max_chars, allow_newlines=not one_line)
    if bad is not None:
        raise AuditError(f"{what} {bad[0]}: {bad[1]}.")


def find_area(session: Session, code: str) -> LocalArea | None:
    """The area, or None before anything was imported for it (a fresh install: pages show empty lists)."""
    return session.exec(select(LocalArea).where(LocalArea.code == code)).first()


def get_area(session: Session, code: str, create: bool = False, name: str | None = None) -> LocalArea:
    area = find_area(session, code)
    if area is None:
        if not create:
            raise NotFound(f"No local area '{code}'. Import a register with --area {code} first.")
        area = LocalArea(code=code, name=name or code)
        session.add(area)
        session.flush()
    return area


def get_cycle(session: Session, cycle_id: int, lock: bool = False) -> Cycle:
    """The cycle, or NotFound. `lock` holds its row until commit, so two runs of one step on one cycle queue
    rather than collide (PostgreSQL; SQLite lets one writer in at a time anyway). The lock is FOR NO KEY UPDATE:
    rows that merely refer to the cycle (new assignments, reminders) can still be written meanwhile."""
    if lock:
        cycle = session.exec(select(Cycle).where(Cycle.id == cycle_id).with_for_update(key_share=True)
                             .execution_options(populate_existing=True)).first()
    else:
        cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound(f"No cycle {cycle_id}. 'ehcp-audit cycle status' lists the cycles.")
    return cycle


def create_cycle(
    session: Session,
    area: LocalArea,
    rubric: Rubric,
    *,
    name: str,
    sample_size: int,
    due_date: date,
    strata: list[str] | None = None,
    seed: int = 1,
    exclusions: Exclusions | None = None,
    created_at: datetime | None = None,
) -> Cycle:
    """Record a cycle against an immutable rubric version; nothing is sampled yet."""
    if sample_size < 1:
        raise AuditError("Sample size must be at least 1.")
    _check_text("The cycle name", name, CYCLE_NAME_CHARS, one_line=True)
    strata = list(strata or [])
    from audit.cycle.sampling import Exclusions, validate_strata
    from audit.rubrics.loading import store_rubric

    validate_strata(strata)
    version = store_rubric(session, rubric)
    created = created_at or utcnow()
    if due_date <= created.date():
        raise AuditError(f"The due date {due_date.isoformat()} must be after today ({created.date().isoformat()}).")
    cycle = Cycle(
        area_id=area.id,
        name=name,
        rubric_version_id=version.id,
        sample_size=sample_size,
        strata=strata,
        exclusions=(exclusions or Exclusions()).to_dict(),
        seed=seed,
        due_date=due_date,
        status=CycleStatus.draft.value,
        created_at=created,
    )
    session.add(cycle)
    session.flush()
    return cycle


def open_cycle(session: Session, cycle: Cycle) -> tuple[list[SampledPlan], list[Assignment]]:
    """Sample and assign; safe to rerun (only what is missing is added)."""
    from audit.cycle.amendments import schedule_reaudits
    from audit.cycle.assignment import assign_cycle
    from audit.cycle.sampling import sample_cycle

    if cycle.status == CycleStatus.closed.value:
        raise AuditError(f"Cycle {cycle.id} is closed; create a new cycle instead.")
    sampled = list(sample_cycle(session, cycle))
    # Plans whose amendment task is done are re-audited by the next whole-plan cycle (audit.cycle.amendments).
    sampled += [row for row in schedule_reaudits(session, cycle) if row not in sampled]
    new_assignments = assign_cycle(session, cycle)
    if cycle.status == CycleStatus.draft.value:
        cycle.status = CycleStatus.open.value
        cycle.opened_at = utcnow()
        session.add(cycle)
    session.flush()
    return sampled, new_assignments


def withdraw_plan(
    session: Session, cycle: Cycle, plan_ref: str, reason: str, replace: bool = True
) -> SampledPlan | None:
    """Withdraw a sampled plan with a reason (kept), optionally replacing it from the same stratum."""
    from audit.cycle.assignment import assign_cycle
    from audit.cycle.sampling import draw_replacement

    if not reason.strip():
        raise AuditError("Give a reason for withdrawing the plan (for example 'ceased', 'moved to another area').")
    _check_text("The reason for withdrawing", reason, DEFAULT_TEXT_CHARS)
    row = session.exec(
        select(SampledPlan)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .where(SampledPlan.cycle_id == cycle.id, Plan.plan_ref == plan_ref)
    ).first()
    if row is None:
        raise NotFound(f"Plan {plan_ref} is not in cycle {cycle.id}'s sample.")
    if row.status == SampleStatus.withdrawn.value:
        raise AuditError(f"Plan {plan_ref} was already withdrawn from cycle {cycle.id}: {row.withdrawn_reason}.")
    row.status = SampleStatus.withdrawn.value
    row.withdrawn_reason = reason.strip()
    row.withdrawn_at = utcnow()
    session.add(row)
    for assignment in session.exec(select(Assignment).where(Assignment.sampled_plan_id == row.id)).all():
        assignment.active = False
        session.add(assignment)
    session.flush()
    if not replace:
        return None
    plan = draw_replacement(session, cycle, row)
    if plan is None:
        return None
    replacement = SampledPlan(cycle_id=cycle.id, plan_id=plan.id, stratum=row.stratum, replacement_for_id=row.id)
    session.add(replacement)
    session.flush()
    if cycle.status != CycleStatus.draft.value:
        assign_cycle(session, cycle)
    return replacement


@dataclass
class Progress:
    """Who has done what, for the QA lead: counts per agency and per auditor."""

    cycle: Cycle
    total: int = 0
    submitted: int = 0
    draft: int = 0
    not_started: int = 0
    late: int = 0
    by_agency: dict[str, dict[str, int]] = field(default_factory=dict)
    by_auditor: dict[str, dict[str, int]] = field(default_factory=dict)
    withdrawn: list[tuple[str, str]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.submitted == self.total


def assignment_state(scorecard: Scorecard | None, assignment: Assignment, today: date) -> str:
    if scorecard is not None and scorecard.status == ScorecardStatus.submitted.value:
        return "submitted"
    overdue = today > assignment.due_date
    if overdue:
        return "late"
    return "draft" if scorecard is not None else "not_started"


def cycle_progress(session: Session, cycle: Cycle, today: date | None = None) -> Progress:
    today = today or utcnow().date()
    rows = session.exec(
        select(Assignment, Auditor, Scorecard)
        .join(Auditor, Auditor.id == Assignment.auditor_id)
        .join(Scorecard, col(Scorecard.assignment_id) == Assignment.id, isouter=True)
        .where(Assignment.cycle_id == cycle.id, Assignment.active == True)  # noqa: E712
    ).all()
    progress = Progress(cycle=cycle)
    for assignment, auditor, scorecard in rows:
        state = assignment_state(scorecard, assignment, today)
        progress.total += 1
        setattr(progress, state, getattr(progress, state) + 1)
        for bucket, key in ((progress.by_agency, assignment.agency), (progress.by_auditor, auditor.code)):
            counts = bucket.setdefault(key, {"submitted": 0, "draft": 0, "not_started": 0, "late": 0, "total": 0})
            counts[state] += 1
            counts["total"] += 1
    progress.withdrawn = [
        (ref, reason or "")
        for ref, reason in session.exec(
            select(Plan.plan_ref, SampledPlan.withdrawn_reason)
            .join(Plan, Plan.id == SampledPlan.plan_id)
            .where(SampledPlan.cycle_id == cycle.id, SampledPlan.status == SampleStatus.withdrawn.value)
        ).all()
    ]
    return progress


def cycle_complete(session: Session, cycle: Cycle) -> bool:
    """`cycle_progress(...).complete` in one counting query: checked after every submission, so kept cheap."""
    submitted = (col(Scorecard.assignment_id) == Assignment.id) & (Scorecard.status == ScorecardStatus.submitted.value)
    total, done = session.exec(
        select(func.count(Assignment.id), func.count(Scorecard.id))
        .select_from(Assignment).join(Scorecard, submitted, isouter=True)
        .where(Assignment.cycle_id == cycle.id, Assignment.active == True)  # noqa: E712
    ).one()
    return total > 0 and done == total


def close_cycle(session: Session, cycle: Cycle) -> Cycle:
    """Close a cycle; unfinished audits stay recorded and are reported as incomplete."""
    cycle.status = CycleStatus.closed.value
    cycle.closed_at = utcnow()
    session.add(cycle)
    session.flush()
    return cycle
