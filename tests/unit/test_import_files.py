"""Rules every file import keeps (issue 15): one message about a file's encoding instead of "required column missing",
and a column given twice is refused instead of one copy silently winning. For the register (plain and mapped),
auditors, scorecards and improvement plans, CSV and XLSX; mapping and rubric YAML too. The store is unchanged
after every refused file.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from audit import clock
from audit.cycle.lifecycle import create_cycle, open_cycle
from audit.cycle.scorecard_files import import_scorecard_file, write_template
from audit.errors import InputRejected
from audit.improvement.files import import_plan
from audit.improvement.scales import load_scales
from audit.register.auditors import import_auditors
from audit.register.plans import import_register, read_mapping
from audit.rubrics.loading import load_rubric_file
from tests.factories import ROOT, make_auditor_pool, make_plan, whole_plan_rubric
from tests.store_dump import whole_dump
from tests.unit.test_register import plan_row

FIXTURES = ROOT / "tests" / "fixtures" / "improvement"
MAPPING = 'columns:\n  "EHCP Ref": plan_ref\n  "Locality": team\n'


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def _register_text() -> str:
    rows = [plan_row("P-001"), plan_row("P-002", team="South")]
    return _csv([list(rows[0]), *[list(r.values()) for r in rows]])


def _mapped_text() -> str:
    rows = [plan_row("E-1"), plan_row("E-2")]
    header = ["EHCP Ref" if h == "plan_ref" else "Locality" if h == "team" else h for h in rows[0]]
    return _csv([header, *[list(r.values()) for r in rows]])


@pytest.fixture
def scorecard_text(session, area, tmp_path) -> str:
    """A graded scorecard for the education auditor of an open cycle, as the CSV the auditor returns."""
    from sqlmodel import select

    from audit.store.models import Auditor

    make_auditor_pool(session, area, per_agency=1)
    for _ in range(2):
        make_plan(session, area)
    cycle = create_cycle(session, area, whole_plan_rubric(), name="Files", sample_size=2,
                         due_date=clock.today() + timedelta(days=21))
    open_cycle(session, cycle)
    auditor = session.exec(select(Auditor).where(Auditor.code == "AUD-ED-01")).one()
    path = tmp_path / "template.csv"
    write_template(session, cycle, auditor, path)
    session.commit()
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    grade = rows[0].index("grade")
    for row in rows[1:]:
        row[grade] = "Good"
    return _csv(rows)


def _importer(kind: str, session, area, tmp_path):
    """(file name, good content, import call) for one kind of import."""
    if kind == "register":
        return "register.csv", _register_text(), lambda path: import_register(session, area, path)
    if kind == "mapped register":
        mapping = tmp_path / "mapping.yaml"
        mapping.write_text(MAPPING, encoding="utf-8")
        return "export.csv", _mapped_text(), lambda path: import_register(session, area, path, mapping)
    if kind == "auditors":
        return ("auditors.csv", "code,agency\nAUD-HE-01,health\nAUD-ED-01,education\n",
                lambda path: import_auditors(session, area, path))
    if kind == "improvement":
        return ("app-plan.csv", (FIXTURES / "app-plan.csv").read_text(encoding="utf-8"),
                lambda path: import_plan(session, area, path, layout="app", scale=load_scales()["app"],
                                         name="APP", by="QA-LEAD"))
    raise ValueError(kind)


KINDS = ["register", "mapped register", "auditors", "improvement", "scorecard"]


@pytest.fixture
def importer(request, session, area, tmp_path):
    kind = request.param
    if kind == "scorecard":
        text = request.getfixturevalue("scorecard_text")
        return "card.csv", text, lambda path: import_scorecard_file(session, path)
    return _importer(kind, session, area, tmp_path)


def _refused(session, call, path: Path) -> InputRejected:
    session.commit()
    before = whole_dump(session.get_bind())
    with pytest.raises(InputRejected) as caught:
        call(path)
    session.rollback()
    assert whole_dump(session.get_bind()) == before, "nothing is stored from a refused file"
    return caught.value


# --- encodings ----------------------------------------------------------------------------------------------


def _encoded(text: str, encoding: str) -> bytes:
    if encoding == "binary":
        return random.Random(15).randbytes(3000)
    if encoding == "workbook":
        book = openpyxl.Workbook()
        for row in csv.reader(io.StringIO(text)):
            book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    return text.encode(encoding)


@pytest.mark.parametrize("importer", KINDS, indirect=True)
@pytest.mark.parametrize("encoding,says", [
    ("utf-16", "is UTF-16 text, not UTF-8"),  # Excel's "Unicode Text": with a byte-order mark
    ("utf-16-le", "is UTF-16 text, not UTF-8"),  # no mark
    ("utf-16-be", "is UTF-16 text, not UTF-8"),
    ("utf-32", "is UTF-32 text, not UTF-8"),
    ("binary", "is not text"),
    ("workbook", "is an Excel workbook"),  # a workbook saved with a .csv name
])  # fmt: skip
def test_a_file_in_another_encoding_gets_one_message_about_it(session, tmp_path, importer, encoding, says):
    name, text, call = importer
    path = tmp_path / name
    path.write_bytes(_encoded(text, encoding))
    rejection = _refused(session, call, path)
    [problem] = rejection.problems
    assert problem.file == name and says in problem.message, str(problem)
    assert "CSV UTF-8" in problem.fix
    assert "missing" not in str(rejection)


@pytest.mark.parametrize("importer", KINDS, indirect=True)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_utf8_with_or_without_a_mark_and_excels_windows_encoding_are_read(session, tmp_path, importer, encoding):
    name, text, call = importer
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    call(path)


def test_a_stray_nul_is_still_reported_at_its_cell(session, area, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(_register_text().replace("South", "So\x00uth"), encoding="utf-8")
    [problem] = _refused(session, lambda p: import_register(session, area, p), path).problems
    assert (problem.row, problem.column) == (3, "team") and "control characters" in problem.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_yaml_files_in_utf16_are_named_as_such(tmp_path, encoding):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_bytes(MAPPING.encode(encoding))
    with pytest.raises(InputRejected) as caught:
        read_mapping(mapping)
    [problem] = caught.value.problems
    assert problem.file == "mapping.yaml" and "UTF-16" in problem.message and "UTF-8" in problem.fix
    rubric = tmp_path / "rubric.yaml"
    rubric.write_bytes((ROOT / "rubrics" / "whole-plan.yaml").read_text(encoding="utf-8").encode(encoding))
    with pytest.raises(InputRejected) as caught:
        load_rubric_file(rubric)
    [problem] = caught.value.problems
    assert problem.file == "rubric.yaml" and "UTF-16" in problem.message


# --- a column given twice -----------------------------------------------------------------------------------


def _twice(text: str, heading: str, value: str) -> str:
    """The CSV with a second column headed `heading` (as written) at the end, every data row holding `value`."""
    rows = list(csv.reader(io.StringIO(text)))
    return _csv([rows[0] + [heading], *[r + [value if any(r) else ""] for r in rows[1:]]])


@pytest.mark.parametrize("importer,heading,value", [
    ("register", "Team", "East"),
    ("mapped register", "Locality", "East"),
    ("auditors", "agency", "social_care"),
    ("scorecard", "grade", "Inadequate"),
    ("improvement", "Action", "Another action"),
], indirect=["importer"])  # fmt: skip
def test_a_column_given_twice_is_refused_naming_it_and_the_fix(session, tmp_path, importer, heading, value):
    name, text, call = importer
    path = tmp_path / name
    path.write_text(_twice(text, heading, value), encoding="utf-8")
    problems = _refused(session, call, path).problems
    twice = [p for p in problems if "twice" in p.message]
    assert len(twice) == 1, [str(p) for p in problems]
    [problem] = twice
    assert problem.file == name and problem.column == heading and problem.row == 1
    assert f"the column '{heading}' appears twice (columns " in problem.message
    assert problem.fix.startswith(f"keep one '{heading}' column and delete the other")


def test_a_scorecard_workbook_with_two_grade_columns_is_refused(session, tmp_path, scorecard_text):
    path = tmp_path / "card.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Scorecard"
    for row in csv.reader(io.StringIO(_twice(scorecard_text, "Grade", "Inadequate"))):
        sheet.append(row)
    book.save(path)
    [problem] = _refused(session, lambda p: import_scorecard_file(session, p), path).problems
    assert (problem.row, problem.column) == (1, "Grade") and "'Grade' appears twice" in problem.message


def test_two_headings_that_mean_one_column_are_refused_too(session, area, tmp_path):
    path = tmp_path / "register.csv"
    path.write_text(_twice(_register_text(), "Plan_Ref ", "P-9"), encoding="utf-8")
    [problem] = _refused(session, lambda p: import_register(session, area, p), path).problems
    assert problem.column == "Plan_Ref" and "appears twice" in problem.message


def test_a_wsoa_review_month_given_twice_is_refused(session, area, tmp_path):
    text = (FIXTURES / "wsoa-plan.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        row.append("Dec 2018" if row[:1] == ["Sub finding"] else "")
    path = tmp_path / "wsoa.csv"
    path.write_text(_csv(rows), encoding="utf-8")
    def call(p):
        return import_plan(session, area, p, layout="wsoa", scale=load_scales()["brag"], name="W", by="QA-LEAD")

    problems = _refused(session, call, path).problems
    assert [(p.row, p.column) for p in problems] == [(2, "Dec 2018")]
    assert "'Dec 2018' appears twice (columns H and I)" in problems[0].message


def test_a_mapping_file_listing_a_heading_twice_is_refused(tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text('columns:\n  "EHCP Ref": plan_ref\n  "EHCP Ref": team\n', encoding="utf-8")
    with pytest.raises(InputRejected) as caught:
        read_mapping(mapping)
    [problem] = caught.value.problems
    assert "'EHCP Ref' appears twice" in problem.message and "line 3" in problem.message
