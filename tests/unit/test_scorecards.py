"""Scorecards: the shared save path and the spreadsheet round trip, successes and every rejection."""

from __future__ import annotations

import csv
import threading
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from audit.cycle.lifecycle import create_cycle, open_cycle, withdraw_plan
from audit.cycle.scorecard_files import COLUMNS, import_scorecard_file, write_template
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.errors import Conflict, InputRejected, NotFound
from audit.store.db import init_db, make_engine
from audit.store.models import Assignment, Auditor, CriterionGrade, LocalArea, Plan, SampledPlan, Scorecard
from audit.vocabulary import Grade
from tests.factories import make_auditor_pool, make_plan, whole_plan_rubric

NOW = datetime(2026, 11, 1, tzinfo=UTC)
RUBRIC = whole_plan_rubric()


@pytest.fixture
def cycle(session, area, clock):
    clock.set(NOW)  # submissions are judged late against the product's clock: keep it inside the cycle
    make_auditor_pool(session, area, per_agency=1)
    for _ in range(2):
        make_plan(session, area)
    cycle = create_cycle(session, area, RUBRIC, name="c", sample_size=2, due_date=date(2026, 12, 1), created_at=NOW)
    open_cycle(session, cycle)
    session.commit()
    return cycle


def education_assignments(session, cycle):
    return session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id, Assignment.agency == "education")
                        .order_by(Assignment.id)).all()


def all_good(assignment):
    return {cid: GradeEntry(Grade.GOOD) for _, cid in assigned_criteria(RUBRIC, assignment)}


def test_draft_then_submit(session, cycle):
    a = education_assignments(session, cycle)[0]
    auditor = session.get(Auditor, a.auditor_id)
    partial = dict(list(all_good(a).items())[:1])
    card = save_scorecard(session, a, auditor, RUBRIC, partial, submit=False, source="web", now=NOW)
    assert card.status == "draft"
    card = save_scorecard(session, a, auditor, RUBRIC, all_good(a), submit=True, source="web", now=NOW)
    assert (card.status, card.late, card.rubric_version_id) == ("submitted", False, cycle.rubric_version_id)
    assert len(session.exec(select(CriterionGrade).where(CriterionGrade.scorecard_id == card.id)).all()) == len(all_good(a))


def test_submission_rules(session, cycle):
    a = education_assignments(session, cycle)[0]
    auditor = session.get(Auditor, a.auditor_id)
    entries = all_good(a)
    first, second = list(entries)[:2]
    entries[first] = GradeEntry(None)
    entries[second] = GradeEntry(Grade.INADEQUATE, "  ")
    with pytest.raises(InputRejected) as err:
        save_scorecard(session, a, auditor, RUBRIC, entries, submit=True, source="web", now=NOW)
    messages = [p.message for p in err.value.problems]
    assert messages == [f"criterion {first} has no grade", f"criterion {second} is graded Inadequate without a comment"]
    assert session.exec(select(Scorecard)).all() == []


def test_only_the_assigned_auditor_and_never_after_submission(session, cycle):
    a, other = education_assignments(session, cycle)[0], session.exec(select(Auditor).where(Auditor.agency == "health")).first()
    with pytest.raises(NotFound, match="not assigned to AUD-HE-01"):
        save_scorecard(session, a, other, RUBRIC, all_good(a), submit=True, source="web", now=NOW)
    auditor = session.get(Auditor, a.auditor_id)
    save_scorecard(session, a, auditor, RUBRIC, all_good(a), submit=True, source="web", now=NOW)
    changed = {cid: GradeEntry(Grade.OUTSTANDING) for cid in all_good(a)}
    with pytest.raises(Conflict, match="already submitted"):
        save_scorecard(session, a, auditor, RUBRIC, changed, submit=True, source="web", now=NOW)
    assert {g.grade for g in session.exec(select(CriterionGrade))} == {int(Grade.GOOD)}


def test_late_submissions_are_accepted_and_flagged(session, cycle):
    a = education_assignments(session, cycle)[0]
    card = save_scorecard(session, a, session.get(Auditor, a.auditor_id), RUBRIC, all_good(a), submit=True,
                          source="file", now=datetime(2026, 12, 2, tzinfo=UTC))
    assert card.late is True


def test_withdrawn_assignment_takes_no_grades(session, cycle):
    a = education_assignments(session, cycle)[0]
    plan = session.get(Plan, session.get(SampledPlan, a.sampled_plan_id).plan_id)
    withdraw_plan(session, cycle, plan.plan_ref, "ceased", replace=False)
    with pytest.raises(Conflict, match="withdrawn"):
        save_scorecard(session, a, session.get(Auditor, a.auditor_id), RUBRIC, all_good(a), submit=True, source="web")


def test_two_simultaneous_first_saves_store_one_scorecard(database_url):
    # A real file database (or PostgreSQL): each session gets its own connection, as two web requests would.
    engine = make_engine(database_url)
    init_db(engine)
    with Session(engine, expire_on_commit=False) as s:
        area = LocalArea(code="RACE", name="Race")
        s.add(area)
        s.flush()
        make_auditor_pool(s, area, per_agency=1)
        make_plan(s, area)
        cycle = create_cycle(s, area, RUBRIC, name="c", sample_size=1, due_date=date(2026, 12, 1), created_at=NOW)
        open_cycle(s, cycle)
        s.commit()
    with Session(engine) as s:
        a = education_assignments(s, cycle)[0]
        auditor_id = a.auditor_id
    outcomes = []
    barrier = threading.Barrier(2)

    def submit():
        with Session(engine, expire_on_commit=False) as s:
            a = education_assignments(s, cycle)[0]
            barrier.wait()
            try:
                save_scorecard(s, a, s.get(Auditor, auditor_id), RUBRIC, all_good(a), submit=True, source="api")
                s.commit()
                outcomes.append("ok")
            except Conflict as exc:
                s.rollback()
                outcomes.append(str(exc))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    with Session(engine) as s:
        assert len(s.exec(select(Scorecard)).all()) == 1
    assert outcomes.count("ok") == 1
    assert any("already submitted" in o or "same moment" in o for o in outcomes)


# Files ---------------------------------------------------------------------------------------------------

def education_auditor(session):
    return session.exec(select(Auditor).where(Auditor.agency == "education")).first()


def fill_csv(path, grade="Good", comment="", overrides=None):
    rows = list(csv.DictReader(path.open()))
    for i, row in enumerate(rows):
        row["grade"], row["comment"] = grade, comment
        row.update((overrides or {}).get(i, {}))
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return rows


def test_template_includes_descriptors_and_round_trips_from_xlsx(session, cycle, tmp_path):
    auditor = education_auditor(session)
    path = tmp_path / "card.xlsx"
    n = write_template(session, cycle, auditor, path)
    wb = load_workbook(path)
    ws = wb["Scorecard"]
    header = [c.value for c in ws[1]]
    assert header == COLUMNS and ws.max_row == n + 1 == 2 * len(RUBRIC.section("B").criteria + RUBRIC.section("F").criteria) + 1
    first = dict(zip(header, [c.value for c in ws[2]]))
    crit = RUBRIC.criterion(first["criterion_id"])[1]
    assert first["good"] == crit.descriptors[Grade.GOOD] and first["inadequate"] == crit.descriptors[Grade.INADEQUATE]
    assert ws.data_validations.dataValidation, "the grade column offers the four grades as a list"
    for row in ws.iter_rows(min_row=2):
        row[COLUMNS.index("grade")].value = "Requires Improvement"
        row[COLUMNS.index("comment")].value = "Provision is described but not quantified."
    wb.save(path)
    result = import_scorecard_file(session, path)
    assert len(result.submitted) == 2 and result.late == []
    assert {g.grade for g in session.exec(select(CriterionGrade))} == {int(Grade.REQUIRES_IMPROVEMENT)}


def test_bad_file_is_rejected_whole_naming_rows_and_columns(session, cycle, tmp_path):
    path = tmp_path / "card.csv"
    write_template(session, cycle, education_auditor(session), path)
    fill_csv(path, overrides={0: {"grade": "Brilliant"}, 1: {"grade": "Inadequate", "comment": ""},
                              5: {"grade": ""}})
    with pytest.raises(InputRejected) as err:
        import_scorecard_file(session, path)
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(2, "grade"), (3, "comment"), (7, "grade")}
    assert all(p.file == "card.csv" and p.fix for p in err.value.problems)
    assert session.exec(select(Scorecard)).all() == []  # the good plan in the same file was not saved either


def test_blank_plans_are_skipped_and_partial_plans_need_draft(session, cycle, tmp_path):
    path = tmp_path / "card.csv"
    write_template(session, cycle, education_auditor(session), path)
    rows = fill_csv(path)
    per_plan = len(rows) // 2
    fill_csv(path, overrides={i: {"grade": ""} for i in range(per_plan, len(rows))})
    result = import_scorecard_file(session, path)
    assert len(result.submitted) == 1 and len(result.skipped) == 1
    fill_csv(path, grade="", overrides={per_plan: {"grade": "Good"}})
    with pytest.raises(InputRejected, match="has no grade"):
        import_scorecard_file(session, path)
    assert len(import_scorecard_file(session, path, submit=False).drafts) == 1


def test_wrong_auditor_duplicate_import_and_unreadable_files(session, cycle, tmp_path):
    path = tmp_path / "card.csv"
    write_template(session, cycle, education_auditor(session), path)
    fill_csv(path)
    with pytest.raises(InputRejected, match="not assigned to AUD-HE-01"):
        import_scorecard_file(session, path, auditor_code="AUD-HE-01")
    fill_csv(path, overrides={i: {"auditor": "AUD-HE-01"} for i in range(100)})
    with pytest.raises(InputRejected, match="only the assigned auditor"):
        import_scorecard_file(session, path)
    fill_csv(path, overrides={i: {"auditor": "AUD-ED-01"} for i in range(100)})
    import_scorecard_file(session, path)
    with pytest.raises(InputRejected, match="already submitted"):
        import_scorecard_file(session, path)
    bad = tmp_path / "card.pdf"
    bad.write_text("x")
    with pytest.raises(InputRejected, match="not scorecards"):
        import_scorecard_file(session, bad)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(InputRejected, match="cannot be read"):
        import_scorecard_file(session, broken)
    headless = tmp_path / "headless.csv"
    headless.write_text("plan_ref,grade\nX,Good\n")
    with pytest.raises(InputRejected) as err:
        import_scorecard_file(session, headless)
    assert {p.column for p in err.value.problems} == {"assignment_id", "auditor", "criterion_id", "comment"}


def test_cycle_complete_agrees_with_progress_as_scorecards_come_in(session, cycle):
    from audit.cycle.lifecycle import cycle_complete, cycle_progress

    def both():
        return cycle_complete(session, cycle), cycle_progress(session, cycle).complete

    assert both() == (False, False)
    pending = session.exec(select(Assignment).where(Assignment.cycle_id == cycle.id).order_by(Assignment.id)).all()
    for i, a in enumerate(pending):
        last = i == len(pending) - 1
        save_scorecard(session, a, session.get(Auditor, a.auditor_id), RUBRIC, all_good(a), submit=not last,
                       source="web", now=NOW)
        assert both() == (False, False)  # the last one is only a draft so far
    save_scorecard(session, pending[-1], session.get(Auditor, pending[-1].auditor_id), RUBRIC, all_good(pending[-1]),
                   submit=True, source="web", now=NOW)
    assert both() == (True, True)
