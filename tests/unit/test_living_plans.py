"""Issue 25 in small pieces: milestones as boards write them, statuses from words, colours and shading, people
lists and shared leads, revisions matched by reference then text, evidence in and out of the progress column."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill
from sqlmodel import select

from audit.errors import Conflict, InputRejected, NotFound
from audit.improvement.evidence_out import EVIDENCE_MARK, with_evidence, without_evidence
from audit.improvement.files import export_plan, import_plan, preview_import
from audit.improvement.milestones import read_milestone
from audit.improvement.people import lead_names, people_start, read_people, split_leads
from audit.improvement.revisions import likeness
from audit.improvement.scales import load_scales
from audit.improvement.status_words import by_word, fill_colour
from audit.store.models import ActionEvent, ImprovementAction, ImprovementPlan, PlanRevision
from tests.factories import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "improvement"
SCALES = load_scales()
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "kind", "due"), [
    ("Ongoing", "recurring", None),
    ("Termly", "recurring", None),
    ("Sept 2018 – ongoing", "recurring", None),
    ("TBC", "none", None),
    ("See above", "none", None),
    ("", "none", None),
    ("Spring term 2019", "range", date(2019, 3, 31)),
    ("Autumn term 2018/19", "range", date(2018, 12, 31)),
    ("Summer 2018/19", "range", date(2019, 7, 31)),
    ("Q3 2018/19", "range", date(2018, 12, 31)),
    ("Q4 2018/19", "range", date(2019, 3, 31)),
    ("Q3 2019", "range", date(2019, 9, 30)),
    ("2018/19", "range", date(2019, 3, 31)),
    ("academic year 2018/19", "range", date(2019, 8, 31)),
    ("Sept 2018 – Mar 2019", "range", date(2019, 3, 31)),
    ("Apr 2019, Jan 2019", "date", date(2019, 1, 31)),  # the last written, not the latest
    ("Dec 21 Mar 22", "date", date(2022, 3, 31)),
    ("2026-12-01", "date", date(2026, 12, 1)),
    ("01/12/2026", "date", date(2026, 12, 1)),
])
def test_milestones_as_boards_write_them(text, kind, due):
    assert (read_milestone(text).kind, read_milestone(text).due) == (kind, due)


@pytest.mark.parametrize(("text", "brag", "app"), [
    ("Green", "Completed", "On track"), ("G", "Completed", "On track"), ("amber", "Progressing", "Minor delay"),
    ("R", "Little or no progress", "Major delay"), ("B", "Completed and embedded", None),
    ("on track", "Progressing", "On track"), ("complete", "Completed", "Complete"),
    ("delayed", "Little or no progress", "Minor delay"), ("Amber (progressing)", "Progressing", None),
    ("Green - on track", None, "On track"), ("purple", None, None), ("Nearly there", None, None),
])
def test_statuses_from_words_and_colour_names_go_through_the_scale(text, brag, app):
    assert [getattr(by_word(SCALES[k], text), "label", None) for k in ("brag", "app")] == [brag, app]


def test_fill_colours_are_named_and_an_odd_one_is_not():
    assert [fill_colour(c) for c in ("FF00B050", "FFC000", "0070C0", "FF0000", "BFBFBF", "7030A0")] == [
        "green", "amber", "blue", "red", "grey", "purple"]
    assert fill_colour("123456") is None and fill_colour("not a colour") is None


def test_shared_leads_split_and_resolve_through_the_list():
    assert split_leads("JD/ DCO") == ["JD", "DCO"]
    assert split_leads("PT/ CT/ MT") == ["PT", "CT", "MT"]
    assert split_leads("JD and SB, JD") == ["JD", "SB"]
    grid = [["Plan", "x"], [], ["Initials", "Designation"], ["JD", "Head of SEND"], ["", "Orphan role"], ["SB", ""]]
    assert people_start(grid) == 2
    people, problems = read_people(grid, 2, "plan.csv")
    assert people == {"JD": "Head of SEND"}
    assert [(p.row, p.column) for p in problems] == [(5, "Initials"), (6, "Designation")]
    assert lead_names("jd/ XY", people) == ["JD (Head of SEND)", "XY"]


def test_likeness_ignores_case_and_spacing():
    assert likeness("Train  officers", "train officers") == 1.0
    assert likeness("Train officers to write outcomes", "Audit social care advice") < 0.5


def test_evidence_block_comes_off_again_on_import():
    text = with_evidence("Board wrote this.", ["- Quarter 1: Criterion F2, 5 of 6 plans"])
    assert text.startswith("Board wrote this.\n\n" + EVIDENCE_MARK)
    assert without_evidence(text) == "Board wrote this."
    assert without_evidence(with_evidence("", ["- x"])) == ""
    assert with_evidence("as written", []) == "as written"


def _app_rows() -> list[list[str]]:
    with (FIXTURES / "app-plan.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_an_app_status_comes_from_its_rag_rating_or_its_shading(session, area, tmp_path):
    rows = _app_rows()
    rows[2][9], rows[2][10] = "", "Amber"  # RAG only: yellow on this scale
    rows[3][9], rows[3][10] = "complete", ""  # a word, with the RAG cell shaded grey
    book = Workbook()
    for row in rows:
        book.active.append([c or None for c in row])
    book.active["K4"].fill = PatternFill("solid", fgColor="FFBFBFBF")
    book.active["K5"].fill = PatternFill("solid", fgColor="FF123456")  # a colour nobody can name
    book.active["J5"] = None
    book.active["K5"] = None
    path = tmp_path / "app.xlsx"
    book.save(path)
    with pytest.raises(InputRejected) as caught:
        import_plan(session, area, path, layout="app", scale=SCALES["app"], name="APP", by="QA-LEAD")
    assert [(p.row, p.column) for p in caught.value.problems] == [(5, "RAG rating")]
    assert caught.value.problems[0].message.startswith("the cell is shaded #123456, which is not a colour")
    book.active["K5"].fill = PatternFill(fill_type=None)
    book.save(path)
    import_plan(session, area, path, layout="app", scale=SCALES["app"], name="APP", by="QA-LEAD")
    statuses = [a.status for a in session.exec(select(ImprovementAction).order_by(ImprovementAction.position))]
    assert statuses == ["minor-delay", "complete", None, None]


def test_headers_with_other_footnote_marks_are_the_same_header_and_another_column_is_named(session, area, tmp_path):
    with (FIXTURES / "wsoa-plan.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[6][3] = "Evidence of success [2]"  # area 2's header: another mark
    rows[6][4] = "Target\ndate*"
    imported = import_plan(session, area, _write(tmp_path / "marks.csv", rows), layout="wsoa",
                           scale=SCALES["brag"], name="marks", by="QA-LEAD")
    assert imported.actions == 5
    rows[6][5] = "Comments"
    with pytest.raises(InputRejected) as caught:
        import_plan(session, area, _write(tmp_path / "other.csv", rows), layout="wsoa", scale=SCALES["brag"],
                    name="other", by="QA-LEAD")
    assert [(p.row, p.column) for p in caught.value.problems] == [(7, "Comments")]


def test_a_revision_matches_by_reference_then_by_text_and_keeps_history(session, area, tmp_path):
    first = import_plan(session, area, FIXTURES / "app-plan.csv", layout="app", scale=SCALES["app"], name="APP",
                        by="QA-LEAD", now=NOW)
    moved = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "2.2")).one()
    rows = _app_rows()
    rows[5][2] = "3" + rows[5][2][1:]  # 2.2 renumbered 2.3, same words
    with pytest.raises(Conflict, match="--revision"):
        preview_import(session, area, _write(tmp_path / "v2.csv", rows), layout="app", scale=SCALES["app"],
                       name="APP")
    with pytest.raises(NotFound):
        preview_import(session, area, tmp_path / "v2.csv", layout="app", scale=SCALES["app"], name="nope",
                       revision=True)
    preview = preview_import(session, area, tmp_path / "v2.csv", layout="app", scale=SCALES["app"], name="APP",
                             revision=True)
    assert [line[:28] for line in preview.changes.lines()] == ["Renumbered: 2.2 is now 2.3 ("]
    assert session.exec(select(PlanRevision)).all()[-1].number == 1, "the preview stored nothing"
    second = import_plan(session, area, tmp_path / "v2.csv", layout="app", scale=SCALES["app"], name="APP",
                         by="QA-LEAD", revision=True)
    assert second.plan.id == first.plan.id and second.revision == 2
    session.refresh(moved)
    assert moved.reference == "2.3"
    events = session.exec(select(ActionEvent).where(ActionEvent.action_id == moved.id,
                                                    ActionEvent.kind == "revised")).all()
    assert events[0].detail["reference"] == ["2.2", "2.3"] and events[0].detail["action"][1].startswith("3. ")
    assert len(session.exec(select(ImprovementPlan)).all()) == 1


def test_an_unchanged_plan_exports_byte_identical_and_re_imports_with_no_changes(session, area, tmp_path):
    imported = import_plan(session, area, FIXTURES / "wsoa-plan.csv", layout="wsoa", scale=SCALES["brag"],
                           name="WSoA", by="QA-LEAD")
    out = export_plan(session, imported.plan, SCALES["brag"], tmp_path / "out.csv")
    assert out.read_bytes() == (FIXTURES / "wsoa-plan.csv").read_bytes()
    preview = preview_import(session, area, out, layout="wsoa", scale=SCALES["brag"], name="WSoA", revision=True)
    assert preview.changes.lines() == ["No action changes."]


def test_an_app_status_with_a_blank_rag_rating_takes_its_colour(session, area, tmp_path):
    rows = _app_rows()
    rows[2][10] = ""  # "On track" with no RAG rating written
    rows[3][9], rows[3][10] = "Complete", "Red"  # both written and disagreeing: refused
    with pytest.raises(InputRejected) as caught:
        import_plan(session, area, _write(tmp_path / "rag.csv", rows), layout="app", scale=SCALES["app"],
                    name="APP", by="QA-LEAD")
    assert [(p.row, p.column, p.message) for p in caught.value.problems] == [
        (4, "RAG rating", "the RAG rating 'Red' does not match the status 'Complete'")]
    rows[3][10] = "Grey"
    import_plan(session, area, _write(tmp_path / "rag.csv", rows), layout="app", scale=SCALES["app"], name="APP",
                by="QA-LEAD")
    first = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "1.1")).one()
    assert first.status == "on-track"


def test_a_people_list_under_the_plan_or_in_its_own_file_resolves_the_leads(session, area, tmp_path):
    from reports.improvement import build_improvement_report

    rows = _app_rows()
    rows[2][3] = "JD/ DCO"
    rows += [[], ["Initials", "Designation"], ["JD", "Head of SEND"], ["DCO", "Designated Clinical Officer"]]
    imported = import_plan(session, area, _write(tmp_path / "with-list.csv", rows), layout="app",
                           scale=SCALES["app"], name="APP", by="QA-LEAD")
    assert imported.plan.people == {"JD": "Head of SEND", "DCO": "Designated Clinical Officer"}
    report = build_improvement_report(session, imported.plan, SCALES, date(2021, 1, 1))
    counts = {r["group"]: r["total"] for r in report["by_lead"]}
    # "JD/ DCO", "QA-LEAD", "DCO", "DCO/ LPT-lead": DCO leads three actions, JD one, each counted once.
    assert counts == {"DCO (Designated Clinical Officer)": 3, "JD (Head of SEND)": 1, "QA-LEAD": 1, "LPT-lead": 1}
    people = _write(tmp_path / "people.csv", [["Abbreviation", "Role"], ["HoS-SEND", "Head of Service"]])
    preview = preview_import(session, area, FIXTURES / "app-plan.csv", layout="app", scale=SCALES["app"],
                             name="APP two", people_file=people)
    assert preview.table.people == {"HoS-SEND": "Head of Service"}
    # DCO is in the list kept with the first plan of the area, so only these are unknown.
    assert any("not in the initials and designation list: QA-LEAD, LPT-lead" in n for n in preview.warnings())
    nothing = _write(tmp_path / "nothing.csv", [["Who", "What"]])
    with pytest.raises(InputRejected) as caught:
        preview_import(session, area, FIXTURES / "app-plan.csv", layout="app", scale=SCALES["app"], name="x",
                       people_file=nothing)
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [("nothing.csv", 1, "A")]


def test_a_revised_action_says_what_changed_in_its_history(session, area, tmp_path):
    from audit.improvement.plans import history

    import_plan(session, area, FIXTURES / "app-plan.csv", layout="app", scale=SCALES["app"], name="APP", by="QA-LEAD")
    rows = _app_rows()
    rows[2][6] = "Mar 2022"
    import_plan(session, area, _write(tmp_path / "v2.csv", rows), layout="app", scale=SCALES["app"], name="APP",
                by="QA-LEAD", revision=True)
    action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "1.1")).one()
    revised = [h for h in history(session, action.id) if h["kind"] == "revised"]
    assert revised[0]["what"].startswith("action milestone '") and revised[0]["what"].endswith("' -> 'Mar 2022'")
    assert revised[0]["reason"] == "revision 2 (v2.csv) row 3"


def test_a_label_spread_over_the_review_months_in_a_two_row_header_is_read(session, area, tmp_path):
    with (FIXTURES / "wsoa-plan.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for at in (6, 1):  # each area's header over two rows (bottom first): "BRAG rating" above the review months
        header = rows[at]
        rows[at] = header[:6] + ["BRAG rating", ""]
        rows.insert(at + 1, [""] * 6 + header[6:])
    preview = preview_import(session, area, _write(tmp_path / "brag.csv", rows), layout="wsoa",
                             scale=SCALES["brag"], name="BRAG")
    assert [r.reference for r in preview.table.rows] == ["1.1.i", "1.1.ii", "1.2.i", "2.1.i", "2.1.ii"]
    assert preview.table.rows[0].periods == {"Sept 2018": "progressing", "Dec 2018": "completed"}
    assert sum("one header written over two rows" in n for n in preview.table.notes) == 2


def test_a_list_kept_with_one_plan_of_the_area_resolves_another_plans_leads(session, area, tmp_path):
    from reports.improvement import build_improvement_report

    people = _write(tmp_path / "people.csv", [["Initials", "Designation"], ["DCO", "Designated Clinical Officer"]])
    import_plan(session, area, FIXTURES / "app-plan.csv", layout="app", scale=SCALES["app"], name="with list",
                by="QA-LEAD", people_file=people)
    other = import_plan(session, area, FIXTURES / "wsoa-plan.csv", layout="wsoa", scale=SCALES["brag"],
                        name="without", by="QA-LEAD")
    assert other.plan.people == {}
    rows = _app_rows()
    rows[2][3] = "DCO/ XY"
    preview = preview_import(session, area, _write(tmp_path / "third.csv", rows), layout="app",
                             scale=SCALES["app"], name="third")
    assert any(n.startswith("Leads not in the initials and designation list: XY, QA-LEAD, LPT-lead")
               for n in preview.warnings()), preview.warnings()
    third = import_plan(session, area, tmp_path / "third.csv", layout="app", scale=SCALES["app"], name="third",
                        by="QA-LEAD")
    assert third.plan.people == {}, "the list stays with the plan it came with"
    report = build_improvement_report(session, third.plan, SCALES, date(2018, 1, 1))
    assert {r["group"] for r in report["by_lead"]} == {"DCO (Designated Clinical Officer)", "XY", "QA-LEAD",
                                                       "LPT-lead"}
