"""The QA lead's page helpers: the sample preview (audit.cycle.preview), each plan's state with filters, sorting
and pages, the cycles list (audit.cycle.tracking), and the counts an upload is confirmed with (register.previews)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dateutil.relativedelta import relativedelta
from sqlmodel import select

from audit.cycle.lifecycle import close_cycle, create_cycle, open_cycle, withdraw_plan
from audit.cycle.preview import draw_again, preview_sample
from audit.cycle.sampling import Exclusions
from audit.cycle.tracking import PlanFilter, cycle_rows, has_results, plan_page
from audit.errors import AuditError, InputRejected
from audit.register.previews import preview_auditors, preview_register
from audit.store.models import Assignment, Plan, PlanResult, SampledPlan, Scorecard
from tests.factories import make_auditor_pool, make_plan, whole_plan_rubric

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def cycle_for(session, area, size, strata=(), created=NOW, months=12):
    return create_cycle(session, area, whole_plan_rubric(), name="c", sample_size=size,
                        due_date=created.date() + relativedelta(weeks=4), strata=list(strata), seed=1,
                        exclusions=Exclusions(audited_within_months=months), created_at=created)


def sampled_refs(session, cycle) -> list[str]:
    return sorted(session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                               .where(SampledPlan.cycle_id == cycle.id)).all())


@pytest.fixture
def register(session, area):
    for team, n in (("North", 30), ("South", 10)):
        for _ in range(n):
            make_plan(session, area, team=team)
    make_plan(session, area, status="ceased")
    make_plan(session, area, final_issued_date=None)
    make_auditor_pool(session, area)
    return area


def test_the_preview_counts_each_group_and_is_what_starting_samples(session, register):
    cycle = cycle_for(session, register, 8, ["team"])
    preview = preview_sample(session, cycle)
    assert preview.register == 42 and preview.eligible == 40 and preview.drawn == 8 and preview.problem is None
    assert [(s.key, s.eligible, s.drawn) for s in preview.strata] == [("team=North", 30, 6), ("team=South", 10, 2)]
    left_out = dict(preview.left_out)
    assert left_out["Plans that are no longer active (ceased or transferred out)"] == 1
    assert left_out["Plans with no final plan issued yet"] == 1
    assert left_out["Plans audited in another cycle in the last 12 months"] == 0
    assert session.exec(select(SampledPlan).where(SampledPlan.cycle_id == cycle.id)).first() is None
    open_cycle(session, cycle)
    assert sampled_refs(session, cycle) == preview.plan_refs


def test_drawing_again_gives_another_sample_of_the_same_shape_and_only_before_starting(session, register):
    cycle = cycle_for(session, register, 8, ["team"])
    first = preview_sample(session, cycle)
    draw_again(session, cycle)
    second = preview_sample(session, cycle)
    assert second.plan_refs != first.plan_refs
    assert [(s.key, s.drawn) for s in second.strata] == [(s.key, s.drawn) for s in first.strata]
    open_cycle(session, cycle)
    assert sampled_refs(session, cycle) == second.plan_refs
    with pytest.raises(AuditError, match="has been started"):
        draw_again(session, cycle)


def test_recently_audited_plans_are_counted_as_left_out_and_nothing_left_is_a_problem(session, register):
    first = cycle_for(session, register, 40)
    open_cycle(session, first)
    later = cycle_for(session, register, 5, created=NOW + relativedelta(months=2))
    preview = preview_sample(session, later)
    assert dict(preview.left_out)["Plans audited in another cycle in the last 12 months"] == 40
    assert preview.drawn == 0 and "No plan can be sampled" in preview.problem and "12 months" in preview.problem
    relaxed = cycle_for(session, register, 5, created=NOW + relativedelta(months=2), months=1)
    assert preview_sample(session, relaxed).drawn == 5


def _scorecards(session, cycle, sp: SampledPlan, statuses: list[str]) -> None:
    pieces = session.exec(select(Assignment).where(Assignment.sampled_plan_id == sp.id)
                          .order_by(Assignment.id)).all()
    for piece, status in zip(pieces, statuses):
        session.add(Scorecard(assignment_id=piece.id, rubric_version_id=cycle.rubric_version_id,
                              auditor_id=piece.auditor_id, status=status))
    session.flush()


def test_each_plan_shows_its_real_state_filtered_sorted_and_paged(session, register):
    cycle = cycle_for(session, register, 12)
    open_cycle(session, cycle)
    rows = session.exec(select(SampledPlan).where(SampledPlan.cycle_id == cycle.id).order_by(SampledPlan.id)).all()
    pieces = len(session.exec(select(Assignment).where(Assignment.sampled_plan_id == rows[0].id)).all())
    _scorecards(session, cycle, rows[0], ["draft"])  # in progress
    _scorecards(session, cycle, rows[1], ["submitted"] * pieces)  # every scorecard in
    _scorecards(session, cycle, rows[2], ["submitted"] * pieces)
    session.add(PlanResult(cycle_id=cycle.id, sampled_plan_id=rows[2].id, rubric_version_id=cycle.rubric_version_id,
                           grade=3))
    ref3 = session.get(Plan, rows[3].plan_id).plan_ref
    withdraw_plan(session, cycle, ref3, "ceased", replace=False)
    page = plan_page(session, cycle, PlanFilter())
    assert page.by_state == {"in_progress": 1, "submitted": 1, "graded": 1, "withdrawn": 1, "not_started": 8}
    assert page.matching == 12 and len(page.rows) == 12 and page.pages == 1
    assert [r.plan_ref for r in page.rows] == sorted(r.plan_ref for r in page.rows)
    graded = plan_page(session, cycle, PlanFilter(state="graded")).rows
    assert [(r.sampled_plan_id, r.grade) for r in graded] == [(rows[2].id, 3)]
    (withdrawn,) = plan_page(session, cycle, PlanFilter(state="withdrawn")).rows
    assert withdrawn.plan_ref == ref3 and withdrawn.withdrawn_reason == "ceased"
    by_state = plan_page(session, cycle, PlanFilter(sort="state")).rows
    assert [r.state for r in by_state][:4] == ["not_started"] * 4 and by_state[-1].state == "withdrawn"
    paged = plan_page(session, cycle, PlanFilter(page=3), page_size=5)
    assert paged.pages == 3 and paged.page == 3 and len(paged.rows) == 2
    assert plan_page(session, cycle, PlanFilter(page=99), page_size=5).page == 3  # past the end: the last page
    part = ref3[-4:]
    assert [r.plan_ref for r in plan_page(session, cycle, PlanFilter(ref=part.lower())).rows] == [ref3]
    assert plan_page(session, cycle, PlanFilter(ref="%")).matching == 0  # a wildcard is only a character
    close_cycle(session, cycle)
    closed = plan_page(session, cycle, PlanFilter()).by_state
    assert closed == {"incomplete": 9, "submitted": 1, "graded": 1, "withdrawn": 1}


def test_the_cycles_list_counts_scorecards_and_knows_which_have_results(session, register):
    draft = cycle_for(session, register, 5)
    started = cycle_for(session, register, 4, created=NOW + relativedelta(days=1), months=0)
    open_cycle(session, started)
    sp = session.exec(select(SampledPlan).where(SampledPlan.cycle_id == started.id)).first()
    pieces = session.exec(select(Assignment).where(Assignment.sampled_plan_id == sp.id)).all()
    _scorecards(session, started, sp, ["submitted"] * len(pieces))
    session.add(PlanResult(cycle_id=started.id, sampled_plan_id=sp.id, rubric_version_id=started.rubric_version_id,
                           status="incomplete"))
    rows = {r.cycle.id: r for r in cycle_rows(session, register.id)}
    assert [r.cycle.id for r in cycle_rows(session, register.id)] == [started.id, draft.id]
    assert (rows[draft.id].submitted, rows[draft.id].total, rows[draft.id].has_results) == (0, 0, False)
    total = len(session.exec(select(Assignment).where(Assignment.cycle_id == started.id)).all())
    assert (rows[started.id].submitted, rows[started.id].total) == (len(pieces), total)
    assert rows[started.id].has_results and has_results(session, started) and not has_results(session, draft)


def test_an_upload_is_counted_before_it_is_stored_and_refused_whole(session, area, tmp_path):
    make_plan(session, area, plan_ref="KEEP-1")
    good = tmp_path / "register.csv"
    good.write_text("plan_ref,team,phase,year_group,primary_need,setting_type,status,case_officer,request_date\n"
                    "KEEP-1,North,primary,3,ASD,mainstream,active,CO-01,2025-01-10\n"
                    "NEW-1,North,primary,3,ASD,mainstream,active,CO-01,2025-01-10\n", encoding="utf-8")
    preview = preview_register(session, area, good)
    assert (preview.file, preview.rows, preview.new, preview.stored) == ("register.csv", 2, 1, 1)
    assert preview_register(session, None, good).new == 2  # a fresh install: no area yet
    bad = tmp_path / "auditors.csv"
    bad.write_text("code,agency\nAUD-HE-01,health\nAUD-HE-01,health\n", encoding="utf-8")
    with pytest.raises(InputRejected, match="row 3"):
        preview_auditors(session, area, bad)
    assert len(session.exec(select(Plan)).all()) == 1


def test_scorecard_counts_agree_with_the_cycle_progress_in_one_query(session, register):
    from audit.cycle.lifecycle import cycle_progress
    from audit.cycle.tracking import scorecard_counts

    cycle = cycle_for(session, register, 6)
    open_cycle(session, cycle)
    assignments = session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id)
                               .order_by(Assignment.id)).all()
    submitted, draft = assignments[0], assignments[1]
    for a, status in ((submitted, "submitted"), (draft, "draft")):
        session.add(Scorecard(assignment_id=a.id, rubric_version_id=cycle.rubric_version_id, auditor_id=a.auditor_id,
                              status=status))
    submitted.due_date = draft.due_date = assignments[2].due_date = NOW.date() - relativedelta(days=1)
    session.commit()
    statements = []
    from sqlalchemy import event

    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", listen)
    counts = scorecard_counts(session, [cycle.id, 999], NOW.date())
    event.remove(session.get_bind(), "before_cursor_execute", listen)
    progress = cycle_progress(session, cycle, NOW.date())
    assert counts == {cycle.id: (progress.total, progress.submitted, progress.late)} and len(statements) == 1
    assert progress.submitted == 1 and progress.late == 2, "an overdue submitted scorecard is not late"
    assert scorecard_counts(session, [], NOW.date()) == {}
