"""Stores for the crawl (tests/web/test_crawl.py): empty, and one with a cycle in every state; accounts for every role.

Built with the domain functions the flows and the pages use, in the order the cycle flow runs them, and
dated from the product's clock (audit.clock), so they are the same whichever day the suite runs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from audit import clock
from audit.cycle.amendments import record_reaudits
from audit.cycle.assignment import cycle_rubric
from audit.cycle.lifecycle import close_cycle, create_cycle, get_area, open_cycle
from audit.cycle.reminders import record_reminders
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.documents.rules import load_rules as load_precheck_rules
from audit.documents.storage import import_documents
from audit.improvement.actions import raise_actions
from audit.improvement.files import import_plan
from audit.improvement.plans import link_action
from audit.improvement.proposals import propose_statuses
from audit.improvement.rules import load_rules
from audit.improvement.scales import load_scales
from audit.moderation.calibration import create_exercise, record_grades, set_reference
from audit.moderation.marking import ModerationRules, moderate, moderation_queue, select_second_marking
from audit.protection.permissions import Role
from audit.protection.safeguarding import add_note, close_flag, raise_flag
from audit.protection.users import DEMO_PASSWORD, create_user
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.results.self_evaluation import save_version
from audit.store.db import engine_from_settings, forget_engine, transaction
from audit.store.models import Assignment, Auditor, ImprovementAction, Plan, PrecheckFlag, SampledPlan
from audit.synthetic.area import write_synthetic_area
from audit.synthetic.plan_documents import write_plan
from audit.synthetic.plan_text import labelled_plans
from audit.synthetic.submissions import submit_simulated
from audit.vocabulary import Agency, CycleStatus, Grade, MarkerRole
from tests.databases import copy_store, new_store_url
from tests.factories import ROOT, whole_plan_rubric
from tests.web.conftest import web_settings

AGENCIES = [Agency.sen_team.value, Agency.education.value, Agency.health.value, Agency.social_care.value]
SERVICE_LEADS = [Agency.health.value, Agency.sen_team.value]
# Who the crawl signs in as: a role, or an auditor of one agency, or a service lead of one service.
NO_AUDITOR_NEEDED = (["qa_lead", "moderator", "board_member", "admin", "send_strategic_lead"]
                     + [f"service_lead-{s}" for s in SERVICE_LEADS])
EVERYONE = NO_AUDITOR_NEEDED + [f"auditor-{a}" for a in AGENCIES] + ["parent_carer_auditor"]


def username(who: str) -> str:
    return "crawl-" + who.replace("_", "-")


def role_of(who: str) -> str:
    return who.split("-")[0]


def add_accounts(session, area=None) -> dict[str, str]:
    """An account for every `who` the store can have (auditors need an auditor of their agency); {who: username}."""
    accounts = {}
    for who in EVERYONE:
        role, _, detail = who.partition("-")
        code, service = None, None
        if role == Role.service_lead.value:
            service = detail
        if role in (Role.auditor.value, Role.parent_carer_auditor.value):
            agency = detail or Agency.parent_carer_forum.value
            if area is None:
                continue
            auditor = _busiest_auditor(session, area.id, agency)
            if auditor is None:
                continue
            code = auditor.code
        create_user(session, username(who), DEMO_PASSWORD, role, code, service)
        accounts[who] = username(who)
    return accounts


def _busiest_auditor(session, area_id: int, agency: str) -> Auditor | None:
    """The auditor of the agency with the most assignments (so their pages have something on them)."""
    auditors = session.exec(select(Auditor).where(Auditor.area_id == area_id, Auditor.agency == agency)
                            .order_by(Auditor.code)).all()
    counts = {a.id: len(session.exec(select(Assignment.id).where(Assignment.auditor_id == a.id)).all())
              for a in auditors}
    return max(auditors, key=lambda a: (counts[a.id], -a.id), default=None)


def build_empty_store(settings) -> dict[str, str]:
    """A new store with accounts only: no area, no register, no auditors, no cycle (a fresh install)."""
    engine = engine_from_settings(settings)
    with transaction(engine) as session:
        accounts = add_accounts(session)
    forget_engine(settings.resolved_database_url)
    return accounts


def add_accounts_to(settings) -> dict[str, str]:
    """Crawl accounts in an existing store (the web tests' template)."""
    engine = engine_from_settings(settings)
    with transaction(engine) as session:
        accounts = add_accounts(session, get_area(session, settings.area_code))
    forget_engine(settings.resolved_database_url)
    return accounts


def build_lifecycle_store(settings, folder: Path) -> dict[str, str]:
    """An area with a scored cycle (second-marked, moderated in part, actions, an improvement plan with a
    proposal, amendment tasks), a cycle closed early (scored with what was in), an open cycle (drafts, a
    submission, reminders, safeguarding flags) and a calibration exercise."""
    today = clock.today()
    engine = engine_from_settings(settings)
    files = write_synthetic_area(folder / "area", seed=5, n_plans=160, as_of=today)
    with transaction(engine) as session:
        area = get_area(session, settings.area_code, create=True, name="Crawl area (synthetic)")
        import_register(session, area, files["register"])
    with transaction(engine) as session:
        import_auditors(session, get_area(session, settings.area_code), files["auditors"])
    rubric = whole_plan_rubric()
    scales, rules = load_scales(settings.scales_dir), load_rules(settings)

    # 1. Scored: every scorecard in but one auditor's, second-marked, one piece moderated, actions raised.
    with transaction(engine) as session:
        area = get_area(session, settings.area_code)
        scored = create_cycle(session, area, rubric, name="Scored cycle", sample_size=8,
                              due_date=today - timedelta(days=20), strata=["team"], seed=2,
                              created_at=clock.now() - timedelta(days=60))
        open_cycle(session, scored)
        late = session.exec(select(Auditor.code).join(Assignment, Assignment.auditor_id == Auditor.id)
                            .where(Assignment.cycle_id == scored.id, Auditor.agency == Agency.health.value)).first()
        submit_simulated(session, scored, seed=2, skip_auditors={late} if late else set())
        select_second_marking(session, scored, ModerationRules(share=0.5), today=today - timedelta(days=30))
        submit_simulated(session, scored, seed=3, skip_auditors={late} if late else set())
        queue = moderation_queue(session, scored)
        if len(queue) > 1:  # one piece moderated, the rest still queued
            piece = queue[0]
            agreed = dict.fromkeys(piece.first.assignment.sections, (Grade.GOOD, "Agreed at moderation"))
            moderate(session, scored, piece.plan_ref, piece.agency, "MOD-01", agreed)
        score_cycle(session, scored)
        scored.status = CycleStatus.scored.value
        session.add(scored)
        imported = import_plan(session, area, ROOT / "tests/fixtures/improvement/app-plan.csv", layout="app",
                               scale=scales["app"], name="APP 2021", by="QA-LEAD")
        action = session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == imported.plan.id)
                              .order_by(ImprovementAction.id)).first()
        link_action(session, action, "criterion", "F2", "QA-LEAD", "provision quantified", rubric)
        link_action(session, action, "section", "E", "QA-LEAD", "health advice", rubric)
        raise_actions(session, load_cycle_results(session, scored), settings, today)
        record_reaudits(session, scored)
        propose_statuses(session, scored, rules.evidence, scales, today)
        # Issue 23: an edited self-evaluation heading, so its versions' pages are crawled too.
        save_version(session, scored.id, "taking_part", "Edited: {overall.plans} plans and {nope.figure}.",
                     "crawl-qa-lead", "Generated: {overall.plans} plans.")
        scored_id = scored.id

    # 1b. Family voice (issue 21) for the scored cycle: links and answers, so the crawl reads the family section of
    #     the results page and the family voice pages with tables in them.
    with transaction(engine) as session:
        from audit.family.links import make_links
        from audit.family.responses import open_link, submit
        from audit.family.surveys import load_surveys

        surveys = load_surveys()
        issued = make_links(session, scored_id, surveys, days=42, young_person_from_year=7)
        comments = ["Speech therapy has not started yet", "The school listened to us and speech therapy is weekly"]
        for n, link in enumerate(issued[:6]):
            survey = surveys["family" if link.audience == "family" else "young-person"]
            answers = {q.key: 1 + (n * 2) % 5 for q in survey.scale_questions}
            submit(session, open_link(session, link.token, clock.now()), survey, answers, comments[n % 2], "en",
                   clock.now())

    # 2. Closed early: a few scorecards in, then closed and scored with what was in.
    with transaction(engine) as session:
        area = get_area(session, settings.area_code)
        closed = create_cycle(session, area, rubric, name="Closed early", sample_size=5,
                              due_date=today + timedelta(days=10), seed=4, created_at=clock.now() - timedelta(days=20))
        open_cycle(session, closed)
        codes = sorted(set(session.exec(select(Auditor.code).join(Assignment, Assignment.auditor_id == Auditor.id)
                                        .where(Assignment.cycle_id == closed.id)).all()))
        submit_simulated(session, closed, seed=4, skip_auditors=set(codes[::2]))
        close_cycle(session, closed)
        score_cycle(session, closed)
        raise_actions(session, load_cycle_results(session, closed), settings, today)

    # 3. Open: a draft, a submission, reminders recorded, safeguarding flags (one closed).
    with transaction(engine) as session:
        area = get_area(session, settings.area_code)
        open_ = create_cycle(session, area, rubric, name="Open cycle", sample_size=6,
                             due_date=today + timedelta(days=21), strata=["team", "plan_stage"], seed=6)
        open_cycle(session, open_)
        cycle_rubric_ = cycle_rubric(session, open_)
        rows = session.exec(select(Assignment, Auditor).join(Auditor, Auditor.id == Assignment.auditor_id)
                            .where(Assignment.cycle_id == open_.id).order_by(Assignment.id)).all()
        for n, (assignment, auditor) in enumerate(rows[:2]):
            entries = {cid: GradeEntry(Grade.GOOD if n == 0 else None, "")
                       for _, cid in assigned_criteria(cycle_rubric_, assignment)}
            save_scorecard(session, assignment, auditor, cycle_rubric_, entries, submit=n == 0, source="test",
                           now=clock.now())
        record_reminders(session, open_, today=today, now=clock.now())
        for n, (assignment, auditor) in enumerate(rows[2:4]):
            flag = raise_flag(session, assignment, auditor, "The plan mentions a recent injury not followed up.",
                              now=clock.now())
            add_note(session, flag, "Passed to the designated lead.", "QA-LEAD", now=clock.now())
            if n:
                close_flag(session, flag, "Followed up by the school.", "QA-LEAD", now=clock.now())

    # 5. Plan documents (issue 20) for the open cycle's plans and two of the scored cycle's (so the results
    # pages show the pre-check's flags beside the grades), one flag decided, so the crawl reads them.
    with transaction(engine) as session:
        area = get_area(session, settings.area_code)
        refs = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                            .where(SampledPlan.cycle_id == open_.id).order_by(Plan.plan_ref)).all()[:3]
        refs += [r for r in session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                                         .where(SampledPlan.cycle_id == scored.id).order_by(Plan.plan_ref)).all()
                 if r not in refs][:2]
        labelled = labelled_plans(9, len(refs), styles=("section-colon", "titles-table", "letter-bold"))
        for plan, ref in zip(labelled, refs, strict=True):
            plan.ref = ref
        import_documents(session, area, [write_plan(p, folder / "documents") for p in labelled],
                         load_precheck_rules(ROOT / "rubrics" / "precheck"))
        flag = session.exec(select(PrecheckFlag).order_by(PrecheckFlag.id)).first()
        flag.status, flag.reason, flag.decided_by, flag.cycle_id = "dismissed", "Quantified elsewhere", "QA-LEAD", open_.id
        session.add(flag)

    # 4. Calibration: a reference plan graded by two auditors against the moderated reference.
    with transaction(engine) as session:
        area = get_area(session, settings.area_code)
        plan_ref = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                                .order_by(Plan.plan_ref)).first()
        exercise = create_exercise(session, area, rubric, plan_ref, "Calibration autumn")
        for auditor in session.exec(select(Auditor).where(Auditor.area_id == area.id).order_by(Auditor.code)).all()[:2]:
            record_grades(session, exercise, auditor, {s.code: Grade.GOOD for s in rubric.sections})
        set_reference(session, exercise, "MOD-01", {s.code: (Grade.REQUIRES_IMPROVEMENT, "Agreed reference")
                                                    for s in rubric.sections})
        assert session.exec(select(Assignment).where(Assignment.marker_role == MarkerRole.second.value)).first()
        # 5. An audit programme, one active and one paused (issue 17's programme pages).
        from audit.cycle.programmes import ProgrammeSpec, set_programme

        set_programme(session, area, ProgrammeSpec(name="Termly audit", cadence="termly", rubric=rubric, sample_size=5))
        set_programme(session, area, ProgrammeSpec(name="Monthly audit", cadence="monthly", rubric=rubric,
                                                   sample_size=5, active=False))
        accounts = add_accounts(session, area)
    forget_engine(settings.resolved_database_url)
    return accounts


# --- the stores as fixtures, built once per test process (import them where they are used) ---------------


@pytest.fixture(scope="session")
def crawl_template(template_db, tmp_path_factory):
    """The web tests' demo-like store (tests/web/conftest.py) with the crawl's accounts added."""
    folder = tmp_path_factory.mktemp("crawl-template")
    settings = web_settings(folder, copy_store(template_db, folder))
    return settings, add_accounts_to(settings)


@pytest.fixture(scope="session")
def crawl_empty(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crawl-empty")
    settings = web_settings(folder, new_store_url(folder))
    return settings, build_empty_store(settings)


@pytest.fixture(scope="session")
def crawl_lifecycle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("crawl-lifecycle")
    settings = web_settings(folder, new_store_url(folder))
    return settings, build_lifecycle_store(settings, folder)
