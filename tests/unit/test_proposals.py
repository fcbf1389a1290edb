"""Status from evidence: delays by the milestone on the APP scale, decisions, and reruns after rescoring."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlmodel import select

from audit.errors import AuditError, Conflict
from audit.improvement.files import export_plan, import_plan
from audit.improvement.milestones import last_date
from audit.improvement.plans import link_action
from audit.improvement.proposals import decide, get_proposal, latest_proposal, open_proposals, propose_statuses
from audit.improvement.rules import EvidenceRules
from audit.improvement.scales import load_scales
from audit.results.cycle_scores import score_cycle
from audit.store.models import (
    Assignment,
    CriterionGrade,
    Cycle,
    ImprovementAction,
    ImprovementPlan,
    LocalArea,
    Scorecard,
    StatusProposal,
)
from audit.vocabulary import Grade
from tests.factories import ROOT, whole_plan_rubric
from tests.improvement_data import LoopArea

SCALES = load_scales()
QUIET_RULES = "rules:\n  - {id: quiet, level: criterion, min_weak: 99}\n"  # only hand-made links in these tests


@pytest.fixture
def loop(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(QUIET_RULES)
    area = LoopArea(tmp_path, improvement_rules_file=rules)
    yield area
    area.close()


def app_action_linked_after(loop, cycle_id: int, impact_milestone: str) -> int:
    """The APP fixture imported, and its action 1.1 linked to F2 the day after the cycle's due date."""
    when = datetime.combine(loop.due(cycle_id) + timedelta(days=1), time(9), tzinfo=UTC)
    with loop.store() as session:
        plan = import_plan(session, session.get(LocalArea, loop.area_id), ROOT / "tests/fixtures/improvement/app-plan.csv",
                           layout="app", scale=SCALES["app"], name="APP", by="QA-LEAD", now=when).plan
        action = session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == plan.id,
                                                              ImprovementAction.reference == "1.1")).one()
        action.impact_milestone = impact_milestone
        action.impact_due = last_date(impact_milestone)
        session.add(action)
        link_action(session, action, "criterion", "F2", "QA-LEAD", "provision is part of the QA framework",
                    whole_plan_rubric(), now=when)
        return action.id


def proposal_for(loop, action_id: int) -> StatusProposal:
    with loop.store() as session:
        return latest_proposal(session, action_id)


def test_no_improvement_is_on_track_before_the_milestone_then_a_minor_then_a_major_delay(loop):
    first = loop.cycle_weak("F2", 5)
    action_id = app_action_linked_after(loop, first, "May 2026")  # between the second and third quarter
    loop.run_step(loop.cycle_weak("F2", 5))
    early = proposal_for(loop, action_id)
    assert SCALES["app"].status(early.proposed).label == "On track"
    assert early.basis.startswith("No improvement yet (milestone 31 May 2026 not reached): Criterion F2 83% weak")
    loop.run_step(loop.cycle_weak("F2", 5))
    minor = proposal_for(loop, action_id)
    assert (SCALES["app"].status(minor.proposed).label, minor.regressed) == ("Minor delay", False)
    assert minor.basis.startswith("No improvement by the milestone 31 May 2026 (1 cycle(s) since)")
    loop.run_step(loop.cycle_weak("F2", 5))
    assert SCALES["app"].status(proposal_for(loop, action_id).proposed).label == "Major delay"


def test_an_accepted_proposal_becomes_the_status_the_app_export_shows(loop, tmp_path):
    first = loop.cycle_weak("F2", 5)
    action_id = app_action_linked_after(loop, first, "Dec 2026")
    loop.run_step(loop.cycle_weak("F2", 0))
    loop.run_step(loop.cycle_weak("F2", 0))
    with loop.store() as session:
        proposal = latest_proposal(session, action_id)
        assert SCALES["app"].status(proposal.proposed).label == "Complete"
        action = session.get(ImprovementAction, action_id)
        # Both quarters' proposals await a decision, newest first (the earlier one said "On track").
        assert [p.cycle_id for p, _ in open_proposals(session, action.plan_id)] == loop.cycles[:0:-1]
        decide(session, get_proposal(session, proposal.id, loop.area_id), SCALES["app"], "QA-LEAD",
               "two quarters of audits agree")
        out = export_plan(session, session.get(ImprovementPlan, action.plan_id), SCALES["app"], tmp_path / "app.csv")
    with out.open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.reader(handle) if r[0] == "1" and r[2].startswith("1. Review"))
    assert row[-2:] == ["Complete", "Grey"]
    # The plan's own progress column carries the audit evidence and the decision with its reason (issue 25).
    assert row[4].startswith("Framework drafted;") and "\n\nAudit evidence (ehcp-audit):\n" in row[4]
    assert "proposed 'Complete'; accepted by QA-LEAD" in row[4] and "two quarters of audits agree" in row[4]


def test_a_decision_needs_a_reason_a_real_status_and_is_made_once(loop):
    first = loop.cycle_weak("F2", 5)
    action_id = app_action_linked_after(loop, first, "Dec 2026")
    loop.run_step(loop.cycle_weak("F2", 0))
    with loop.store() as session:
        proposal = latest_proposal(session, action_id)
        with pytest.raises(AuditError, match="Give a reason"):
            decide(session, proposal, SCALES["app"], "QA-LEAD", "  ")
        with pytest.raises(AuditError, match="use one of Complete, On track, Minor delay, Major delay"):
            decide(session, proposal, SCALES["app"], "QA-LEAD", "not yet", override="Amber")
        decide(session, proposal, SCALES["app"], "QA-LEAD", "one quarter is not enough", override="Minor delay")
        with pytest.raises(Conflict, match="already overridden by QA-LEAD"):
            decide(session, proposal, SCALES["app"], "QA-LEAD", "again")
        assert session.get(ImprovementAction, action_id).status == "minor-delay"


def test_a_rerun_after_rescoring_updates_an_open_proposal_but_never_a_decided_one(loop):
    first = loop.cycle_weak("F2", 5)
    action_id = app_action_linked_after(loop, first, "Dec 2026")
    second = loop.cycle_weak("F2", 0)
    loop.run_step(second)
    assert loop.run_step(second)[1] == {"proposals": 0, "regressions": 0}, "a plain rerun changes nothing"

    def rescore_with_f2_weak(n: int) -> None:
        with loop.store() as session:
            cycle = session.get(Cycle, second)
            grades = session.exec(select(CriterionGrade).where(CriterionGrade.criterion_id == "F2")).all()
            for row in [g for g in grades if g.scorecard_id in _cards(session, cycle)][:n]:
                row.grade = int(Grade.INADEQUATE)
                session.add(row)
            score_cycle(session, cycle)

    rescore_with_f2_weak(6)
    assert loop.run_step(second)[1] == {"proposals": 1, "regressions": 1}
    with loop.store() as session:
        proposal = latest_proposal(session, action_id)
        assert proposal.regressed
        decide(session, proposal, SCALES["app"], "QA-LEAD", "seen; guidance being rewritten")
    assert loop.run_step(second)[1]["proposals"] == 0
    assert len(_all_proposals(loop)) == 1


def _cards(session, cycle):
    return set(session.exec(select(Scorecard.id).join(Assignment, Assignment.id == Scorecard.assignment_id)
                            .where(Assignment.cycle_id == cycle.id)).all())


def _all_proposals(loop):
    with loop.store() as session:
        return session.exec(select(StatusProposal)).all()


def test_a_cycle_without_figures_for_the_target_proposes_nothing(loop):
    first = loop.cycle_weak("F2", 5)
    action_id = app_action_linked_after(loop, first, "Dec 2026")
    with loop.store() as session:
        cycle = session.get(Cycle, first)
        assert propose_statuses(session, cycle, EvidenceRules(), SCALES, loop.due(first)) == []
    third = loop.new_cycle(size=4)  # four plans graded on F2: under min_plans (5), so no figure
    loop.grade(third, lambda ref, rank, cid: Grade.GOOD)
    loop.run_step(third)
    assert proposal_for(loop, action_id) is None
