"""Rules as data: validation, defaults from the settings, the three levels, linked actions and rescoring."""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import select

from audit.errors import InputRejected
from audit.improvement.files import import_plan
from audit.improvement.plans import history, link_action, set_status
from audit.improvement.rules import apply_rules, load_rules, rules_from_content
from audit.improvement.scales import load_scales
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.settings import Settings
from audit.store.models import ActionEvidence, ActionLink, CriterionGrade, Cycle, ImprovementAction, LocalArea
from audit.vocabulary import Grade
from tests.factories import ROOT, whole_plan_rubric
from tests.improvement_data import LoopArea

SCALES = load_scales()


@pytest.fixture
def loop(tmp_path):
    area = LoopArea(tmp_path)
    yield area
    area.close()


def rules(text: str, settings: Settings | None = None):
    return rules_from_content(yaml.safe_load(text), "rules.yaml", settings or Settings())


def test_the_shipped_rules_take_their_missing_thresholds_from_the_settings():
    shipped = load_rules(Settings(weak_criterion_share=0.5, weak_criterion_min_plans=3))
    by_id = {r.id: r for r in shipped.rules}
    assert (by_id["weak-criterion"].weak_share, by_id["weak-criterion"].min_weak) == (0.5, 3)
    assert (by_id["weak-section"].weak_share, by_id["weak-service"].weak_share) == (0.8, 0.9)
    assert (shipped.plan, shipped.scale, shipped.layout) == ("Audit findings", "brag", "app")
    assert (shipped.evidence.held_cycles, shipped.evidence.margin, shipped.evidence.min_plans) == (2, 0.1, 5)
    assert by_id["weak-criterion"].lead == "QA-LEAD" and by_id["weak-criterion"].milestone_days == 90


def test_every_problem_in_a_rules_file_is_named_with_its_field_and_fix():
    with pytest.raises(InputRejected) as caught:
        rules("""
layout: word
status_from_evidence: {held_cycles: 0, margin: 2}
rules:
  - {id: a, level: criterion, weak_share: 1.5, colour: red}
  - {id: a, level: plan, min_weak: 2.5}
  - {id: svc, level: service, targets: [police]}
""")
    assert [str(p) for p in caught.value.problems] == [
        "rules.yaml, column 'layout': 'word' is not a layout. Fix: use one of wsoa, app",
        "rules.yaml, column 'status_from_evidence.held_cycles': '0' is not a usable held_cycles. "
        "Fix: use a whole number of 1 or more",
        "rules.yaml, column 'status_from_evidence.margin': '2' is not a usable margin. Fix: use a number from 0.0 to 0.99",
        "rules.yaml, column 'rules[1].colour': 'colour' is not a known key of a rule. Fix: use only id, level, "
        "weak_share, min_weak, targets, rubrics, area, lead, milestone_days, impact_days, enabled",
        "rules.yaml, column 'rules[1].weak_share': '1.5' is not a usable weak_share. Fix: use a number from 0.01 to 1.0",
        "rules.yaml, column 'rules[2].id': rule id 'a' is used twice. Fix: give each rule its own id",
        "rules.yaml, column 'rules[2].level': 'plan' is not a level. Fix: use one of criterion, section, service",
        "rules.yaml, column 'rules[2].min_weak': '2.5' is not a usable min_weak. Fix: use a whole number of 1 or more",
        "rules.yaml, column 'rules[3].targets': 'police' is not a service. Fix: use sen_team, education, health, "
        "social_care, parent_carer_forum",
    ]


def test_an_area_rules_file_is_read_from_the_settings(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text("plan: Our WSoA\nscale: app\nrules:\n  - {id: f-only, level: criterion, targets: [F1, F2]}\n")
    ours = load_rules(Settings(improvement_rules_file=path))
    assert ours.plan == "Our WSoA" and ours.rules[0].targets == ("F1", "F2") and ours.source == "ours.yaml"
    path.write_text("rules: [\n")
    with pytest.raises(InputRejected, match="not valid YAML"):
        load_rules(Settings(improvement_rules_file=path))


def test_section_and_service_rules_raise_actions_linked_to_the_section_and_the_service(loop):
    # Section F's three criteria all Inadequate in every plan: section F and the education service are weak.
    cycle_id = loop.new_cycle()
    loop.grade(cycle_id, lambda ref, rank, cid: Grade.INADEQUATE if cid.startswith("F") else Grade.GOOD)
    ruleset = rules("""
rules:
  - {id: sections, level: section, weak_share: 0.9, min_weak: 5}
  - {id: services, level: service, weak_share: 0.9, min_weak: 5, targets: [education, health]}
  - {id: themed-only, level: criterion, rubrics: [themed-health-advice]}
""")
    with loop.store() as session:
        results = load_cycle_results(session, session.get(Cycle, cycle_id))
        applied = apply_rules(session, results, ruleset, SCALES, loop.due(cycle_id))
        links = {(link.level, link.target) for link in session.exec(select(ActionLink)).all()}
        actions = session.exec(select(ImprovementAction).order_by(ImprovementAction.id)).all()
        assert links == {("section", "F"), ("service", "education")}
        assert [(a.reference, a.action) for a in actions] == [
            ("Q.1", "Improve Section F (Special educational provision)"), ("S.1", "Improve Service: Education")]
        assert [e.weak for e in applied.evidence] == [6, 6]


def test_a_finding_evidences_the_open_action_linked_to_it_instead_of_raising_one(loop):
    with loop.store() as session:
        area = session.get(LocalArea, loop.area_id)
        plan = import_plan(session, area, ROOT / "tests/fixtures/improvement/app-plan.csv", layout="app",
                           scale=SCALES["app"], name="APP", by="QA-LEAD").plan
        action = session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == plan.id,
                                                              ImprovementAction.reference == "1.1")).one()
        link_action(session, action, "criterion", "F2", "QA-LEAD", "the framework covers provision",
                    whole_plan_rubric())
        closed = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "1.2")).one()
        link_action(session, closed, "criterion", "F2", "QA-LEAD", "audits check provision")  # Complete: closed
    loop.cycle_weak("F2", 5)
    loop.run_step(loop.cycles[-1])
    with loop.store() as session:
        evidence = session.exec(select(ActionEvidence)).all()
        assert [(e.action_id, e.weak) for e in evidence] == [(action.id, 5)]
        assert len(session.exec(select(ImprovementAction)).all()) == 4, "no new action: 1.1 is open and linked"
        set_status(session, session.get(ImprovementAction, action.id), SCALES["app"], "Complete", "QA-LEAD",
                   "signed off by the SENDIB")
    loop.cycle_weak("F2", 6)
    loop.run_step(loop.cycles[-1])
    with loop.store() as session:
        raised = session.exec(select(ImprovementAction).where(ImprovementAction.raised_key.is_not(None))).one()
        assert raised.raised_cycle_id == loop.cycles[-1] and raised.reference == "Q.1"


def test_rescoring_updates_the_evidence_and_says_so_in_the_history(loop):
    cycle_id = loop.cycle_weak("F2", 6)
    loop.run_step(cycle_id)
    with loop.store() as session:
        # Moderation can change the counted grades after the step ran; here one plan's F2 becomes Good.
        row = session.exec(select(CriterionGrade).where(CriterionGrade.criterion_id == "F2",
                                                        CriterionGrade.grade == int(Grade.REQUIRES_IMPROVEMENT))).first()
        row.grade = int(Grade.GOOD)
        session.add(row)
        score_cycle(session, session.get(Cycle, cycle_id))
    actions, _ = loop.run_step(cycle_id)
    assert (actions["count"], actions["evidence"]) == (0, 1)
    with loop.store() as session:
        (evidence,) = session.exec(select(ActionEvidence)).all()
        assert (evidence.weak, len(evidence.plan_refs)) == (5, 5)
        kinds = [i["kind"] for i in history(session, evidence.action_id)]
        assert kinds.count("evidence") == 1 and kinds.count("evidence-updated") == 1
