"""Status from evidence: after each cycle, each action linked to criteria, sections or services gets a
proposed status from the audits, which the lead or QA lead accepts or overrides with a reason.

For each linked target, the baseline is its weak share (Requires Improvement or Inadequate) in the cycle
that first evidenced the action (or, for an action linked by hand, the last cycle before the link). Later
cycles of the same rubric are compared with it, `margin` (default 10 points) being the smallest change
that counts:

- **improvement held** in the last `held_cycles` cycles (default 2) on every target: the scale's
  `embedded` status ("Completed and embedded", "Complete");
- **improvement** this cycle, not yet held: `on_track` ("Progressing", "On track");
- **no improvement** this cycle: `on_track` before the action's milestone; after it, `minor_delay` for
  the first cycle past the milestone and `major_delay` from the second (a scale without a minor delay
  uses its major delay);
- **regression** (a target at least `margin` worse than its best so far, baseline included): an exception,
  proposing `major_delay`.

Cycles with fewer than `min_plans` plans graded on a target give no figure for it. Proposals are unique
per action and cycle; a rerun updates an undecided proposal (recording why) and never touches a decided one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from audit.errors import AuditError, Conflict, NotFound
from audit.improvement.plans import SYSTEM, add_event, evidence_of, links_of, plans_of, set_status
from audit.improvement.rules import EvidenceRules, describe_target
from audit.improvement.scales import StatusScale
from audit.results.analysis import load_cycle_results, weak_by
from audit.store.models import (
    ActionLink,
    Cycle,
    ImprovementAction,
    ImprovementPlan,
    PlanResult,
    RubricVersion,
    StatusProposal,
    utcnow,
)


@dataclass(frozen=True)
class Point:
    cycle_id: int
    name: str
    due: date
    plans: int
    weak: int

    @property
    def share(self) -> float:
        return self.weak / self.plans

    def to_dict(self) -> dict:
        return {"cycle_id": self.cycle_id, "name": self.name, "plans": self.plans, "weak": self.weak,
                "share": round(self.share, 4)}


class _Series:
    """Weak shares per cycle, read once per cycle and level however many actions ask."""

    def __init__(self, session: Session, area_id: int, upto: Cycle, min_plans: int):
        self.session, self.min_plans = session, min_plans
        rows = session.exec(
            select(Cycle, RubricVersion.key).join(RubricVersion, RubricVersion.id == Cycle.rubric_version_id)
            .where(Cycle.area_id == area_id, Cycle.id.in_(select(PlanResult.cycle_id)))
            .order_by(Cycle.created_at, Cycle.id)).all()
        order = [(c.created_at, c.id) for c, _ in rows]
        limit = (upto.created_at, upto.id)
        self.cycles = [(c, key) for (c, key), o in zip(rows, order) if o <= limit]
        self._frames: dict[tuple[int, str], dict] = {}

    def rubric_of(self, cycle_id: int) -> str | None:
        return next((key for c, key in self.cycles if c.id == cycle_id), None)

    def points(self, level: str, target: str, rubric: str) -> list[Point]:
        out = []
        for cycle, key in self.cycles:
            if key != rubric:
                continue
            stats = self._stats(cycle, level)
            row = stats.get(target)
            if row and row[0] >= self.min_plans:
                out.append(Point(cycle.id, cycle.name, cycle.due_date, row[0], row[1]))
        return out

    def _stats(self, cycle: Cycle, level: str) -> dict[str, tuple[int, int]]:
        if (cycle.id, level) not in self._frames:
            frame = weak_by(load_cycle_results(self.session, cycle), level)
            self._frames[(cycle.id, level)] = {r.target: (r.plans, r.weak) for r in frame.itertuples()}
        return self._frames[(cycle.id, level)]


def propose_statuses(session: Session, cycle: Cycle, evidence_rules: EvidenceRules, scales: dict[str, StatusScale],
                     today: date, now: datetime | None = None) -> list[StatusProposal]:
    """Propose a status for every linked action of the area the cycle has figures for; returns new or changed ones."""
    series = _Series(session, cycle.area_id, cycle, evidence_rules.min_plans)
    changed = []
    for plan in plans_of(session, cycle.area_id):
        scale = scales.get(plan.scale)
        if scale is None:
            continue
        actions = session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == plan.id,
                                                               col(ImprovementAction.removed_in).is_(None))
                               .order_by(ImprovementAction.position)).all()
        for action in actions:
            proposal = _propose(session, action, cycle, series, evidence_rules, scale, today)
            stored = _store(session, action, cycle, proposal, now) if proposal is not None else None
            if stored is not None:
                changed.append(stored)
    return changed


def _propose(session: Session, action: ImprovementAction, cycle: Cycle, series: _Series, rules: EvidenceRules,
             scale: StatusScale, today: date) -> dict | None:
    links = links_of(session, action.id)
    current_rubric = series.rubric_of(cycle.id)
    evidence = evidence_of(session, action.id)
    reads = []
    for link in links:
        rubric = link.rubric or current_rubric
        points = series.points(link.level, link.target, rubric)
        base = _baseline(link, points, evidence)
        later = [p for p in points if base is not None and _after(p, base, series)]
        if base is None or not later or later[-1].cycle_id != cycle.id:
            continue  # no figure this cycle, or nothing yet to compare with
        reads.append(_read(link, base, later, rules))
    if not reads:
        return None
    basis = "; ".join(r["text"] for r in reads)
    if any(r["regressed"] for r in reads):
        return _result(scale.proposal("major_delay"), True, "Regression: " + basis, reads)
    if all(r["held"] >= rules.held_cycles for r in reads):
        return _result(scale.proposal("embedded"), False,
                       f"Improvement held for {rules.held_cycles} cycles: " + basis, reads)
    if all(r["improved"] for r in reads):
        return _result(scale.proposal("on_track"), False, "Improving, not yet held: " + basis, reads)
    due = action.impact_due or action.action_due
    if due is None or today <= due:
        when = f"milestone {due:%d %B %Y} not reached" if due else "no dated milestone"
        return _result(scale.proposal("on_track"), False, f"No improvement yet ({when}): " + basis, reads)
    past = sum(1 for r in reads for p in r["later"] if p.due > due)
    role = "minor_delay" if past <= 1 else "major_delay"
    return _result(scale.proposal(role), False,
                   f"No improvement by the milestone {due:%d %B %Y} ({past} cycle(s) since): " + basis, reads)


def _baseline(link: ActionLink, points: list[Point], evidence) -> Point | None:
    """The action's first evidence on this target, or the last figure before the link was made."""
    first = next((e for e in evidence if e.level == link.level and e.target == link.target), None)
    if first is not None:
        return next((p for p in points if p.cycle_id == first.cycle_id), None)
    before = [p for p in points if p.due <= link.created_at.date()]
    return before[-1] if before else (points[0] if points else None)


def _after(point: Point, base: Point, series: _Series) -> bool:
    ids = [c.id for c, _ in series.cycles]
    return ids.index(point.cycle_id) > ids.index(base.cycle_id)


def _read(link: ActionLink, base: Point, later: list[Point], rules: EvidenceRules) -> dict:
    improved = [p.share <= base.share - rules.margin for p in later]
    held = 0
    for ok in reversed(improved):
        if not ok:
            break
        held += 1
    best_before = min([base.share] + [p.share for p in later[:-1]])
    regressed = later[-1].share >= best_before + rules.margin
    trail = " -> ".join(f"{100 * p.share:.0f}% ({p.name})" for p in later)
    text = (f"{describe_target(link.level, link.target)} {100 * base.share:.0f}% weak at the start ({base.name}) -> "
            f"{trail}")
    return {"link": link, "base": base, "later": later, "improved": improved[-1], "held": held,
            "regressed": regressed, "text": text}


def _result(status, regressed: bool, basis: str, reads: list[dict]) -> dict:
    series = {f"{r['link'].level}:{r['link'].target}": {"baseline": r["base"].to_dict(),
                                                         "points": [p.to_dict() for p in r["later"]]} for r in reads}
    return {"proposed": status.key, "regressed": regressed, "basis": basis, "series": series}


def _store(session: Session, action: ImprovementAction, cycle: Cycle, proposal: dict,
           now: datetime | None) -> StatusProposal | None:
    """Save the proposal unless the same one is there (None); a decided proposal is never changed."""
    row = session.exec(select(StatusProposal).where(StatusProposal.action_id == action.id,
                                                    StatusProposal.cycle_id == cycle.id)).first()
    detail = {"cycle_id": cycle.id, "proposed": proposal["proposed"], "regressed": proposal["regressed"]}
    if row is None:
        row = StatusProposal(action_id=action.id, cycle_id=cycle.id, created_at=now or utcnow(), **proposal)
        session.add(row)
        session.flush()
        add_event(session, action, "proposal", SYSTEM, proposal["basis"], detail, now=now)
    elif row.decision is None and (row.proposed, row.regressed, row.basis) != (
            proposal["proposed"], proposal["regressed"], proposal["basis"]):
        row.proposed, row.regressed, row.basis, row.series = (proposal["proposed"], proposal["regressed"],
                                                              proposal["basis"], proposal["series"])
        session.add(row)
        session.flush()
        add_event(session, action, "proposal-updated", SYSTEM, f"cycle {cycle.id} was rescored; " + proposal["basis"],
                  detail, now=now)
    else:
        return None
    return row


def get_proposal(session: Session, proposal_id: int, area_id: int | None = None) -> StatusProposal:
    proposal = session.get(StatusProposal, proposal_id)
    if proposal is not None and area_id is not None:
        plan = session.get(ImprovementPlan, session.get(ImprovementAction, proposal.action_id).plan_id)
        proposal = proposal if plan.area_id == area_id else None
    if proposal is None:
        raise NotFound(f"No status proposal {proposal_id}. 'ehcp-audit improvement status' lists the open ones.")
    return proposal


def decide(session: Session, proposal: StatusProposal, scale: StatusScale, by: str, reason: str,
           override: str | None = None, now: datetime | None = None) -> StatusProposal:
    """Accept the proposal, or override it with another status; the reason is required and both are kept."""
    if proposal.decision is not None:
        raise Conflict(f"Proposal {proposal.id} was already {proposal.decision} by {proposal.decided_by}.")
    if not reason.strip():
        raise AuditError("Give a reason for accepting or overriding the proposed status.")
    action = session.get(ImprovementAction, proposal.action_id)
    chosen = proposal.proposed
    if override:
        status = scale.status(override) or scale.by_label(override)
        if status is None:
            raise AuditError(f"'{override}' is not a status on the {scale.title} scale; use one of "
                             f"{', '.join(scale.labels())}.")
        chosen = status.key
    source = "accepted" if override is None else "overridden"
    now = now or utcnow()
    set_status(session, action, scale, chosen, by, reason, source=source, proposal_id=proposal.id, now=now)
    proposal.decision, proposal.decided_status, proposal.decided_by = source, chosen, by.strip()
    proposal.decided_at, proposal.decision_reason = now, reason.strip()
    session.add(proposal)
    session.flush()
    return proposal


def open_proposals(session: Session, plan_id: int) -> list[tuple[StatusProposal, ImprovementAction]]:
    """Proposals awaiting a decision, newest cycle first."""
    return list(session.exec(
        select(StatusProposal, ImprovementAction).join(ImprovementAction,
                                                       ImprovementAction.id == StatusProposal.action_id)
        .where(ImprovementAction.plan_id == plan_id, col(StatusProposal.decision).is_(None))
        .order_by(StatusProposal.cycle_id.desc(), ImprovementAction.position)).all())


def proposals_of(session: Session, action_id: int) -> list[StatusProposal]:
    return list(session.exec(select(StatusProposal).where(StatusProposal.action_id == action_id)
                             .order_by(StatusProposal.cycle_id)).all())


def latest_proposal(session: Session, action_id: int) -> StatusProposal | None:
    found = proposals_of(session, action_id)
    return found[-1] if found else None
