"""Hostile input: formulas, markup, control characters and oversized files are refused with file, row, field, fix;
every export escapes formula cells through the one helper."""

from __future__ import annotations

import ast
import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlmodel import select

from audit.cells import escape_formula, formula_problem, text_problem, unescape_formula
from audit.cycle.lifecycle import create_cycle, withdraw_plan
from audit.cycle.scorecard_files import COLUMNS, import_scorecard_file, write_template
from audit.errors import AuditError, InputRejected
from audit.limits import Limits
from audit.register.auditors import read_auditors
from audit.register.plans import read_mapping, read_register, write_register
from audit.rubrics.loading import load_rubric_file
from audit.store.models import CriterionGrade, Scorecard
from tests.factories import ROOT, make_plan
from tests.unit.test_register import plan_row, write_csv
from tests.unit.test_scorecards import RUBRIC, cycle, education_auditor, fill_csv  # noqa: F401  (cycle: fixture)


def problems_of(call, *args, **kwargs) -> list:
    with pytest.raises(InputRejected) as caught:
        call(*args, **kwargs)
    return caught.value.problems


# --- the one helper ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value,escaped", [
    ("=1+1", "'=1+1"), ("+44", "'+44"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=x", "'\t=x"),
    ("\r=x", "'\r=x"), ("North", "North"), ("<5", "<5"), ("", ""), (7, 7), (None, None),
])  # fmt: skip
def test_every_formula_start_is_escaped_and_read_back(value, escaped):
    assert escape_formula(value) == escaped
    if isinstance(value, str):
        assert unescape_formula(escape_formula(value)) == value
    assert unescape_formula("'quoted") == "'quoted"  # only our own escape is undone


@pytest.mark.parametrize("text,refused", [
    ("=HYPERLINK(\"http://x\",\"y\")", True), ("@SUM(A1)", True), ("+cmd|' /C calc'!A0", True),
    ("-2+3", True), ("--1", True), ("- outcomes are vague", False), ("-", False), ("-3", False),
    ("+44", False), ("Outstanding", False), ("", False),
])  # fmt: skip
def test_what_counts_as_a_formula(text, refused):
    assert (formula_problem(text) is not None) is refused


def test_free_text_checks_name_the_problem_and_the_fix():
    assert text_problem("x" * 11, 10)[0] == "is 11 characters long, more than the 10 allowed"
    assert "control characters" in text_problem("a\x00b", 10)[0]
    assert "markup" in text_problem("<script>alert(1)</script>", 100)[0]
    assert "markup" in text_problem("see <img src=x onerror=y>", 100)[0]
    assert text_problem("fewer than <5 plans; a < b", 100) is None
    assert text_problem("two\nlines", 100) is None and text_problem("two\nlines", 100, allow_newlines=False)
    assert text_problem("  =1+1", 100)[1].startswith("remove the leading character")


# --- imports ----------------------------------------------------------------------------------------------


def test_a_register_with_formula_or_markup_cells_is_rejected_naming_row_column_and_fix(tmp_path):
    path = write_csv(tmp_path / "register.csv", [
        plan_row("P-1", team='=HYPERLINK("http://evil.example","North")'),
        plan_row("P-2", setting_type="<script>alert(1)</script>"),
        plan_row("P-3", case_officer="CO\x07-1"),
        plan_row("@P-4"),
        plan_row("P-5", team="- North"),  # a bullet, not a formula
    ])
    problems = problems_of(read_register, path)
    assert [(p.row, p.column) for p in problems] == [(2, "team"), (3, "setting_type"), (4, "case_officer"),
                                                     (5, "plan_ref")]
    assert all(p.file == "register.csv" and p.fix for p in problems)
    assert "formula" in problems[0].message and "markup" in problems[1].message


def test_people_are_codes_so_a_name_or_email_in_a_person_column_is_rejected(tmp_path):
    path = write_csv(tmp_path / "register.csv", [
        plan_row("P-1", case_officer="Jane Smith"), plan_row("P-2", education_advice_author="ed@school.example"),
        plan_row("P-3", case_officer="CO-07", team="North East"),  # a team may have a space
    ])
    problems = problems_of(read_register, path)
    assert [(p.row, p.column) for p in problems] == [(2, "case_officer"), (3, "education_advice_author")]
    assert "known by codes only" in problems[0].message and "never their name" in problems[0].fix
    auditors = tmp_path / "auditors.csv"
    auditors.write_text("code,agency\nJohn Brown,health\n", encoding="utf-8")
    assert [(p.row, p.column) for p in problems_of(read_auditors, auditors)] == [(2, "code")]


def test_a_register_workbook_with_a_real_formula_is_rejected(tmp_path):
    path = tmp_path / "register.xlsx"
    write_register([plan_row("P-1")], path)
    book = openpyxl.load_workbook(path)
    book.active["B2"] = "=CONCATENATE(\"Nor\",\"th\")"  # team, as a formula a person typed
    book.active["I2"] = "=DATE(2024,1,8)"  # request_date, computed
    book.save(path)
    problems = problems_of(read_register, path)
    assert [(p.row, p.column) for p in problems] == [(2, "team"), (2, "request_date")]
    assert "formula" in problems[0].message and "not a date" in problems[1].message


def test_oversized_registers_are_refused_before_they_are_read(tmp_path):
    path = write_csv(tmp_path / "register.csv", [plan_row(f"P-{i}") for i in range(5)])
    [too_big] = problems_of(read_register, path, limits=Limits(file_bytes=100))
    assert "more than the 100 allowed" in too_big.message and "EHCP_AUDIT_MAX_IMPORT_BYTES" in too_big.fix
    [too_many] = problems_of(read_register, path, limits=Limits(rows=4))
    assert "5 data rows, more than the 4 allowed" in too_many.message
    long_cell = write_csv(tmp_path / "long.csv", [plan_row("P-1", setting_type="x" * 600)])
    [too_long] = problems_of(read_register, long_cell)
    assert (too_long.row, too_long.column) == (2, "setting_type") and "600 characters" in too_long.message


def test_a_workbook_that_unpacks_to_too_much_is_refused_unopened(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * 5_000_000 + b">")
    assert path.stat().st_size < 100_000
    [problem] = problems_of(read_register, path, limits=Limits(file_bytes=1_000_000))
    assert "unpacks to" in problem.message


def test_auditors_with_formulas_are_rejected(tmp_path):
    path = tmp_path / "auditors.csv"
    path.write_text("code,agency,email\n=AUD-1,health,a@example.org\nAUD-2,health,=x@example.org\n", encoding="utf-8")
    problems = problems_of(read_auditors, path)
    assert [(p.row, p.column) for p in problems] == [(2, "code"), (3, "email")]


def test_yaml_files_with_aliases_or_too_many_bytes_are_refused(tmp_path):
    bomb = tmp_path / "mapping.yaml"
    bomb.write_text('a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n'
                    'columns: {Team: team}\n', encoding="utf-8")
    [problem] = problems_of(read_mapping, bomb)
    assert "aliases" in problem.message and problem.file == "mapping.yaml"
    big = tmp_path / "big.yaml"
    big.write_text("columns:\n" + "".join(f"  h{i}: team\n" for i in range(50)), encoding="utf-8")
    [problem] = problems_of(read_mapping, big, Limits(yaml_bytes=200))
    assert "EHCP_AUDIT_MAX_YAML_BYTES" in problem.fix
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text((ROOT / "rubrics" / "whole-plan.yaml").read_text(encoding="utf-8")
                      + "\nextra: &x [1]\nmore: *x\n", encoding="utf-8")
    assert "aliases" in str(problems_of(load_rubric_file, rubric)[0])


def test_rubric_text_with_a_formula_or_markup_is_refused(tmp_path):
    text = (ROOT / "rubrics" / "whole-plan.yaml").read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(text.replace(title, 'title: "=HYPERLINK(\\"http://x\\")"', 1), encoding="utf-8")
    [problem] = problems_of(load_rubric_file, hostile)
    assert problem.column == "title" and "formula" in problem.message
    hostile.write_text(text.replace(title, "title: Whole plan <b>audit</b>", 1), encoding="utf-8")
    assert "markup" in problems_of(load_rubric_file, hostile)[0].message


def test_scorecard_comments_are_checked_and_escaped_comments_round_trip(session, cycle, tmp_path):
    path = tmp_path / "card.csv"
    write_template(session, cycle, education_auditor(session), path)
    fill_csv(path, overrides={0: {"comment": "=1+1"}, 1: {"comment": "<iframe src=x>"}, 2: {"comment": "y" * 5001}})
    problems = problems_of(import_scorecard_file, session, path)
    assert [(p.row, p.column) for p in problems] == [(2, "comment"), (3, "comment"), (4, "comment")]
    assert session.exec(select(Scorecard)).all() == []
    fill_csv(path, grade="Requires Improvement", comment="- outcomes are not measurable")
    assert import_scorecard_file(session, path, submit=False).drafts
    write_template(session, cycle, education_auditor(session), path)  # the draft, exported again
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows[0]["comment"] == "'- outcomes are not measurable"  # escaped for the spreadsheet...
    import_scorecard_file(session, path, submit=True)
    assert {g.comment for g in session.exec(select(CriterionGrade))} == {"- outcomes are not measurable"}  # ...and back


def test_free_text_in_forms_is_checked_by_the_domain(session, area, cycle):
    with pytest.raises(AuditError, match="markup"):
        create_cycle(session, area, RUBRIC, name="Q4 <script>", sample_size=1, due_date=cycle.due_date,
                     created_at=cycle.created_at)
    with pytest.raises(AuditError, match="formula"):
        withdraw_plan(session, cycle, "T-000001", "=cmd|' /C calc'!A0")


# --- exports ----------------------------------------------------------------------------------------------


def test_register_and_template_exports_escape_hostile_stored_text(session, area, cycle, tmp_path):
    make_plan(session, area, plan_ref="X-1", team="=HYPERLINK(\"http://x\")")  # stored before checks existed
    for suffix in (".csv", ".xlsx"):
        write_register([{"plan_ref": "X-1", "team": "=HYPERLINK(\"http://x\")"}], tmp_path / f"out{suffix}")
    assert next(iter(csv.DictReader((tmp_path / "out.csv").open())))["team"].startswith("'=")
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    assert sheet["B2"].data_type == "s" and sheet["B2"].value.startswith("'=")
    path = tmp_path / "card.xlsx"
    write_template(session, cycle, education_auditor(session), path)
    assert all(c.data_type != "f" for row in openpyxl.load_workbook(path)["Scorecard"].iter_rows() for c in row)


EXPORT_MODULES = ["audit/register/table_files.py", "audit/improvement/files.py", "audit/cycle/scorecard_files.py",
                  "audit/protection/trail_search.py", "reports/xlsx.py", "ehcp_audit_cli/family_cmds.py",
                  "reports/inspection_export.py", "reports/inspection_files.py"]


@pytest.mark.parametrize("module", EXPORT_MODULES)
def test_every_module_that_writes_csv_or_xlsx_uses_the_escape(module):
    source = (ROOT / module).read_text(encoding="utf-8")
    names = {n.id if isinstance(n, ast.Name) else n.attr for n in ast.walk(ast.parse(source))
             if isinstance(n, (ast.Name, ast.Attribute))}
    assert "escape_formula" in names or "safe_text" in names


def test_no_other_module_writes_spreadsheets_without_the_escape():
    writers = set()
    for package in ("audit", "flows", "reports", "web", "ehcp_audit_cli"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text(encoding="utf-8")
            if "csv.writer" in source or "csv.DictWriter" in source or "Workbook(" in source:
                writers.add(str(path.relative_to(ROOT)))
    assert writers <= set(EXPORT_MODULES), f"a new export must use audit.cells.escape_formula: {writers}"


def test_columns_constant_is_unchanged():
    assert COLUMNS[-2:] == ["grade", "comment"] and Path(ROOT / "audit" / "cells.py").exists()
