"""Improvement plans in and out: WSoA and APP layouts, CSV and XLSX, round trips, and rejected files."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlmodel import select

from audit.errors import Conflict, InputRejected
from audit.improvement.files import export_plan, import_plan
from audit.improvement.milestones import impossible_dates, milestone_dates
from audit.improvement.plans import set_status
from audit.improvement.scales import load_scales
from audit.register.table_files import cell_text, read_grid
from audit.store.models import ActionStatusChange, ImprovementAction, ImprovementPlan, WeaknessArea
from tests.factories import ROOT
from tests.store_dump import whole_dump

FIXTURES = ROOT / "tests" / "fixtures" / "improvement"
SCALES = load_scales()
LAYOUTS = {"wsoa": ("wsoa-plan.csv", "brag"), "app": ("app-plan.csv", "app")}
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def grid(path: Path) -> list[list[str]]:
    """A file's cells as text with trailing blanks dropped: what a reader sees, whatever the format."""
    out = []
    for row in read_grid(path, "test"):
        cells = [cell_text(c) for c in row]
        while cells and not cells[-1]:
            cells.pop()
        out.append(cells)
    while out and not out[-1]:
        out.pop()
    return out


def xlsx_fixture(layout: str, folder: Path) -> Path:
    """The CSV fixture as an area's own workbook would hold it: plain text cells, SENDIB merged over two columns."""
    source = FIXTURES / LAYOUTS[layout][0]
    book = Workbook()
    sheet = book.active
    with source.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            sheet.append([c[1:] if c.startswith("'-") else (c or None) for c in row])
    if layout == "app":
        sheet.merge_cells(start_row=1, start_column=10, end_row=1, end_column=11)
    path = folder / source.with_suffix(".xlsx").name
    book.save(path)
    return path


def import_fixture(session, area, layout: str, path: Path | None = None, name: str | None = None):
    file, scale = LAYOUTS[layout]
    return import_plan(session, area, path or FIXTURES / file, layout=layout, scale=SCALES[scale],
                       name=name or f"{layout} plan", by="QA-LEAD", now=NOW)


@pytest.mark.parametrize("layout", ["wsoa", "app"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_import_then_export_gives_back_the_same_rows_and_columns(session, area, tmp_path, layout, fmt):
    source = FIXTURES / LAYOUTS[layout][0] if fmt == "csv" else xlsx_fixture(layout, tmp_path)
    imported = import_fixture(session, area, layout, source)
    out = export_plan(session, imported.plan, SCALES[LAYOUTS[layout][1]], tmp_path / f"out.{fmt}")
    assert grid(out) == grid(source)


def test_the_xlsx_export_is_text_with_sendib_spanning_status_and_rag(session, area, tmp_path):
    imported = import_fixture(session, area, "app")
    out = export_plan(session, imported.plan, SCALES["app"], tmp_path / "app.xlsx")
    sheet = load_workbook(out).active
    assert [str(r) for r in sheet.merged_cells.ranges] == ["J1:K1"]
    assert (sheet["J2"].value, sheet["K2"].value, sheet["K3"].value) == ("Status", "RAG rating", "Green")
    assert sheet["K3"].fill.fgColor.rgb.endswith("00703C")  # the GOV.UK green of "On track"


def test_a_wsoa_is_stored_with_areas_references_milestones_and_its_status_history(session, area):
    imported = import_fixture(session, area, "wsoa")
    assert (imported.areas, imported.actions, imported.statuses) == (2, 5, 7)
    areas = session.exec(select(WeaknessArea).order_by(WeaknessArea.position)).all()
    assert [(a.reference, a.title) for a in areas] == [
        ("1", "The poor quality of EHC plans"),
        ("2", "The assessment of children and young people's social care needs")]
    actions = session.exec(select(ImprovementAction).order_by(ImprovementAction.position)).all()
    assert [a.reference for a in actions] == ["1.1.i", "1.1.ii", "1.2.i", "2.1.i", "2.1.ii"]
    first, second, third = actions[:3]
    assert first.finding == second.finding == "1. Outcomes in EHC plans are not SMART."
    assert first.lead == "HoS-SEND" and first.output_evidence.startswith("All case officers trained.\nAudit")
    assert second.progress == "- Checklist in the case system"  # the CSV's formula guard is removed
    assert third.action_due == date(2019, 4, 30)  # "Jan 2019 Apr 2019": the last month, to its last day
    assert (first.status, second.status, actions[4].status) == ("completed", "completed-and-embedded", None)
    history = session.exec(select(ActionStatusChange).where(ActionStatusChange.action_id == first.id)
                           .order_by(ActionStatusChange.id)).all()
    assert [(h.period, h.status, h.previous, h.source, h.changed_by) for h in history] == [
        ("Sept 2018", "progressing", None, "import", "QA-LEAD"),
        ("Dec 2018", "completed", "progressing", "import", "QA-LEAD")]
    assert history[1].reason == "imported from wsoa-plan.csv row 3, column 'Dec 2018'"


def test_an_app_keeps_its_refs_statuses_and_free_text_milestones(session, area):
    import_fixture(session, area, "app")
    actions = session.exec(select(ImprovementAction).order_by(ImprovementAction.position)).all()
    assert [(a.reference, a.status) for a in actions] == [
        ("1.1", "on-track"), ("1.2", "complete"), ("2.1", "minor-delay"), ("2.2", None)]
    assert actions[0].impact_milestone == "Dec 21 Mar 22" and actions[0].impact_due == date(2022, 3, 31)
    assert actions[3].action_milestone == "See above" and actions[3].action_due is None


def test_a_status_accepted_later_becomes_a_new_review_column_in_the_wsoa(session, area, tmp_path):
    imported = import_fixture(session, area, "wsoa")
    action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "2.1.ii")).one()
    set_status(session, action, SCALES["brag"], "Progressing", "QA-LEAD", "escalation log in use", now=NOW)
    rows = grid(export_plan(session, imported.plan, SCALES["brag"], tmp_path / "later.csv"))
    assert rows[1][-3:] == ["Sept 2018", "Dec 2018", "Nov 2026"]
    assert rows[-1][-1] == "Progressing" and rows[-1][1].startswith("ii. Escalate")


def test_a_csv_cell_a_spreadsheet_would_run_is_guarded_on_export_and_refused_on_import(session, area, tmp_path):
    imported = import_fixture(session, area, "app")
    action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "2.2")).one()
    action.progress = "=HYPERLINK(\"http://example.invalid\")"  # stored by some other route than an import
    session.add(action)
    out = export_plan(session, imported.plan, SCALES["app"], tmp_path / "guarded.csv")
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8")
    xlsx = export_plan(session, imported.plan, SCALES["app"], tmp_path / "guarded.xlsx")
    cell = next(c for row in load_workbook(xlsx).active.iter_rows() for c in row if c.value and "HYPERLINK" in c.value)
    assert cell.data_type == "s"  # text, not a formula
    session.commit()
    # Our apostrophe comes off on the way back in, and the cell is then checked like any other import's: refused.
    for path in (out, xlsx):
        before = whole_dump(session.get_bind())
        with pytest.raises(InputRejected) as caught:
            import_plan(session, area, path, layout="app", scale=SCALES["app"], name="again", by="QA-LEAD")
        [problem] = caught.value.problems
        progress = "Progress Indicate if Complete & signed off by the SENDIB"
        assert (problem.file, problem.row, problem.column) == (path.name, 6, progress)
        assert "formula" in problem.message
        session.rollback()
        assert whole_dump(session.get_bind()) == before


def test_a_bullet_makes_the_round_trip_through_the_apostrophe(session, area, tmp_path):
    imported = import_fixture(session, area, "app")
    action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "2.2")).one()
    action.progress = "- providers agreed\n- audit booked"
    session.add(action)
    out = export_plan(session, imported.plan, SCALES["app"], tmp_path / "bullets.csv")
    assert "'- providers agreed" in out.read_text(encoding="utf-8")
    again = import_plan(session, area, out, layout="app", scale=SCALES["app"], name="again", by="QA-LEAD")
    copy = session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == again.plan.id,
                                                        ImprovementAction.reference == "2.2")).one()
    assert copy.progress == action.progress


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _app_rows() -> list[list[str]]:
    with (FIXTURES / "app-plan.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _rejected(session, area, path: Path, layout: str = "app") -> InputRejected:
    with pytest.raises(InputRejected) as caught:
        import_fixture(session, area, layout, path, name="bad")
    assert session.exec(select(ImprovementPlan)).all() == [], "nothing is written from a rejected file"
    assert session.exec(select(ImprovementAction)).all() == []
    return caught.value


def test_a_bad_app_is_rejected_whole_naming_row_column_and_fix(session, area, tmp_path):
    rows = _app_rows()
    rows[2][9] = "Nearly there"  # not on the scale
    rows[3][10] = "Green"  # Complete is grey
    rows[4][2] = ""  # no action
    rows[5][0] = rows[5][1] = ""  # a continuation row: allowed
    error = _rejected(session, area, _write(tmp_path / "bad.csv", rows))
    text = [str(p) for p in error.problems]
    assert text == [
        "bad.csv, row 3, column 'Status': 'Nearly there' is not a status on the Accelerated Progress Plan (complete / "
        "on track / minor delay / major delay) scale. Fix: write one of Complete, On track, Minor delay, Major delay, a "
        "word such as 'on track', 'complete' or 'delayed', or a colour on the scale (green, grey, red, yellow)",
        "bad.csv, row 4, column 'RAG rating': the RAG rating 'Green' does not match the status 'Complete'. "
        "Fix: write Grey, the colour of that status",
        "bad.csv, row 5, column 'Action': the action is empty. Fix: write the action, or delete the row",
    ]


def test_a_file_with_a_missing_or_unknown_column_is_rejected(session, area, tmp_path):
    rows = [r[:6] + r[7:] + ["x"] for r in _app_rows()]  # no Action Milestone; an extra column
    rows[0][-1] = "Comments"
    error = _rejected(session, area, _write(tmp_path / "cols.csv", rows))
    messages = [p.message for p in error.problems]
    assert "the heading 'Comments' is not a column of this layout" in messages
    assert "the APP column for 'action milestone' is missing" in messages
    fixes = {p.fix for p in error.problems}
    assert "add the column headed as in the source document, e.g. 'Action Milestone'" in fixes


def test_a_wsoa_action_needs_an_area_above_it_and_unique_references(session, area, tmp_path):
    with (FIXTURES / "wsoa-plan.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[3][1] = rows[2][1]  # the same numeral "i." twice under one sub finding
    error = _rejected(session, area, _write(tmp_path / "dup.csv", rows), "wsoa")
    assert [str(p) for p in error.problems] == [
        "dup.csv, row 4, column 'Action to address finding': this action's reference 1.1.i is the same as row 3's. "
        "Fix: number each action once within its sub finding"]
    no_area = _rejected(session, area, _write(tmp_path / "noarea.csv", rows[1:3]), "wsoa")
    assert "put a row such as 'Area 1: The poor quality of EHC plans'" in no_area.problems[0].fix


def test_a_plan_name_is_used_once_and_an_unreadable_file_says_why(session, area, tmp_path):
    import_fixture(session, area, "app", name="APP 2021")
    with pytest.raises(Conflict, match="already exists"):
        import_fixture(session, area, "app", name="APP 2021")
    (tmp_path / "plan.txt").write_text("x")
    with pytest.raises(InputRejected, match="save the file as CSV"):
        import_fixture(session, area, "app", tmp_path / "plan.txt", name="other")


def test_milestones_are_read_as_people_write_them():
    assert milestone_dates("Dec 21 Mar 22 Mar 22") == [date(2021, 12, 31), date(2022, 3, 31), date(2022, 3, 31)]
    assert milestone_dates("Sept 2019") == [date(2019, 9, 30)]
    assert milestone_dates("by 2026-12-01 or 15/01/2027") == [date(2026, 12, 1), date(2027, 1, 15)]
    assert milestone_dates("See above") == []


def test_a_wsoa_with_one_header_on_top_and_an_app_with_repeated_headers_read_the_same(session, area, tmp_path):
    with (FIXTURES / "wsoa-plan.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    once = [rows[1], rows[0]] + rows[2:6] + rows[7:]  # the header once at the top, not under each area
    imported = import_plan(session, area, _write(tmp_path / "once.csv", once), layout="wsoa", scale=SCALES["brag"],
                           name="once", by="QA-LEAD")
    assert (imported.areas, imported.actions) == (2, 5)
    assert grid(export_plan(session, imported.plan, SCALES["brag"], tmp_path / "once-out.csv")) == grid(
        tmp_path / "once.csv")
    app = _app_rows()
    repeated = app[:4] + app[:2] + app[4:]  # the two header rows again, as on a printed page
    again = import_plan(session, area, _write(tmp_path / "pages.csv", repeated), layout="app", scale=SCALES["app"],
                        name="pages", by="QA-LEAD")
    assert again.actions == 4


# --- the cell checks every import makes, and dates that are not dates (issue 15) ----------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cells_a_spreadsheet_would_run_are_refused_like_every_other_import(session, area, tmp_path, fmt):
    rows = _app_rows()
    rows[2][4] = '=HYPERLINK("http://example.invalid","progress")'  # Progress
    rows[3][3] = "@SUM(A1:A9)"  # Lead
    rows[4][5] = "+cmd|' /C calc'!A0"  # Evidence – Output
    rows[5][7] = "-2+3"  # Evidence – Impact
    rows[2][2] = "- Review the framework with partners"  # a bullet, as other imports read it: text
    rows[3][4] = "-3"  # a number, as other imports read it: text ("-3 plans" is refused everywhere)
    path = _write(tmp_path / "formulas.csv", rows)
    if fmt == "xlsx":
        book = Workbook()
        for row in rows:
            book.active.append([c or None for c in row])
        book.active["E3"] = rows[2][4]  # a real formula cell in the workbook
        path = tmp_path / "formulas.xlsx"
        book.save(path)
    session.commit()
    before = whole_dump(session.get_bind())
    error = _rejected(session, area, path)
    assert [(p.row, p.column[:12]) for p in error.problems] == [
        (3, "Progress Ind"), (4, "Lead (Govern"), (5, "Evidence – O"), (6, "Evidence – I")]
    assert all("formula" in p.message and p.file == path.name and p.fix for p in error.problems)
    session.rollback()
    assert whole_dump(session.get_bind()) == before


def test_markup_and_control_characters_are_refused_too(session, area, tmp_path):
    rows = _app_rows()
    rows[2][4] = "<script>alert(1)</script>"
    rows[3][4] = "bell\x07"
    error = _rejected(session, area, _write(tmp_path / "markup.csv", rows))
    assert [(p.row, "markup" in p.message or "control" in p.message) for p in error.problems] == [(3, True),
                                                                                                 (4, True)]


@pytest.mark.parametrize("milestone", ["31/02/2027", "2027-02-31", "29/02/2027", "32/01/2027", "01/13/2027",
                                       "by 30/04/2027 or 31/04/2027", "30 Feb 2027", "31st April 2027"])
def test_an_impossible_date_in_a_milestone_is_refused_naming_the_cell(session, area, tmp_path, milestone):
    rows = _app_rows()
    rows[2][6] = milestone  # Action Milestone, row 3
    rows[3][8] = "Mar 22"  # an ordinary month stays fine
    session.commit()
    before = whole_dump(session.get_bind())
    error = _rejected(session, area, _write(tmp_path / "dates.csv", rows))
    [problem] = error.problems
    assert (problem.file, problem.row, problem.column) == ("dates.csv", 3, "Action Milestone")
    assert problem.message.endswith("is not a date") and milestone.split(" or ")[-1] in problem.message
    assert "DD/MM/YYYY" in problem.fix
    session.rollback()
    assert whole_dump(session.get_bind()) == before


def test_an_impossible_target_date_in_a_wsoa_is_refused_too(session, area, tmp_path):
    with (FIXTURES / "wsoa-plan.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[2][4] = "31/02/2019"  # Target date
    error = _rejected(session, area, _write(tmp_path / "wsoa.csv", rows), "wsoa")
    assert [(p.row, p.column, p.message) for p in error.problems] == [(3, "Target date", "'31/02/2019' is not a date")]


def test_impossible_dates_are_found_where_people_write_dates():
    assert impossible_dates("Dec 21 Mar 22, Sept 2019, 28/02/2027, 2028-02-29, 29 Feb 2028, See above") == []
    assert impossible_dates("31/02/2027 then 2027-13-01 then 31 Sept 2019") == ["31/02/2027", "2027-13-01",
                                                                                "31 Sept 2019"]


def test_a_real_date_gives_the_due_date(session, area, tmp_path):
    rows = _app_rows()
    rows[2][6] = "28/02/2027"
    imported = import_fixture(session, area, "app", _write(tmp_path / "ok.csv", rows))
    first = session.exec(select(ImprovementAction).where(ImprovementAction.plan_id == imported.plan.id,
                                                         ImprovementAction.reference == "1.1")).one()
    assert first.action_due == date(2027, 2, 28)
