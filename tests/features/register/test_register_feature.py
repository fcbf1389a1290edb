"""Steps for register/import.feature: a QA lead imports the plan register."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from audit.errors import InputRejected
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.store.models import Plan
from tests.store_dump import whole_dump

scenarios("register/import.feature")


def _write_table(path: Path, datatable: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(datatable)


@pytest.fixture
def outcome() -> dict:
    return {}


@given(parsers.parse('a register file "{name}" with these plans'))
def register_file(tmp_path, name, datatable):
    _write_table(tmp_path / name, datatable)


@given(parsers.parse('a mapping file "{name}"'))
def mapping_file(tmp_path, name, docstring):
    (tmp_path / name).write_text(docstring)


@given(parsers.parse('the area already holds plan "{ref}"'))
def existing_plan(session, area, tmp_path, ref):
    header = ["plan_ref", "team", "phase", "year_group", "primary_need", "setting_type", "status", "case_officer",
              "request_date"]  # fmt: skip
    _write_table(tmp_path / "existing.csv",
                 [header, [ref, "North", "primary", "4", "ASD", "Mainstream", "active", "CO-01", "2024-01-08"]])
    import_register(session, area, tmp_path / "existing.csv")


@given(parsers.parse('a register file "{name}" saved as UTF-16 with these plans'))
def register_file_utf16(tmp_path, name, datatable):
    """What Excel's "Unicode Text" and some exports write: UTF-16 with a byte-order mark."""
    with (tmp_path / name).open("w", newline="", encoding="utf-16") as handle:
        csv.writer(handle).writerows(datatable)


@given(parsers.parse('an auditors file "{name}" with these auditors'))
def auditors_file(tmp_path, name, datatable):
    _write_table(tmp_path / name, datatable)


def _attempt(session, outcome, load) -> None:
    """Import, keeping the report or the rejection, and the whole store as it was just before."""
    session.commit()
    outcome["before"] = whole_dump(session.get_bind())
    try:
        outcome["report"] = load()
    except InputRejected as rejection:
        session.rollback()
        outcome["rejected"] = rejection


@when(parsers.parse('the QA lead imports "{name}"'))
def import_file(session, area, tmp_path, outcome, name):
    _attempt(session, outcome, lambda: import_register(session, area, tmp_path / name))


@when(parsers.parse('the QA lead imports the auditors file "{name}"'))
def import_auditors_file(session, area, tmp_path, outcome, name):
    _attempt(session, outcome, lambda: import_auditors(session, area, tmp_path / name))


@when(parsers.parse('the QA lead imports "{name}" with the mapping "{mapping}"'))
def import_mapped(session, area, tmp_path, outcome, name, mapping):
    outcome["report"] = import_register(session, area, tmp_path / name, tmp_path / mapping)


@then(parsers.parse("the import reports {rows:d} rows: {created:d} created, {updated:d} updated, "
                    "{unchanged:d} unchanged"))
def report_counts(outcome, rows, created, updated, unchanged):
    report = outcome["report"]
    assert (report.rows, report.created, report.updated, report.unchanged) == (rows, created, updated, unchanged)


@then(parsers.parse('the import warns that column "{heading}" was ignored'))
def ignored_column(outcome, heading):
    assert any(f"'{heading}'" in w and "ignored" in w for w in outcome["report"].warnings)


@then(parsers.parse('plan "{ref}" is stored with primary need "{need}", status "{status}" and request date {day}'))
def stored_plan(session, ref, need, status, day):
    session.expire_all()
    plan = session.exec(select(Plan).where(Plan.plan_ref == ref)).one()
    assert (plan.primary_need, plan.status, plan.request_date) == (need, status, date.fromisoformat(day))


@then("the file is rejected with these problems")
def rejected_with(outcome, datatable):
    rejection = outcome.get("rejected")
    assert rejection is not None, "the file was imported, not rejected"
    expected = [(int(r[0]), r[1], r[2]) for r in datatable[1:]]
    assert [(p.row, p.column, p.message) for p in rejection.problems] == expected


@then(parsers.parse('the area still holds {count:d} plan, with plan "{ref}" in team "{team}"'))
def store_unchanged(session, count, ref, team):
    session.expire_all()
    stored = session.exec(select(Plan)).all()
    assert len(stored) == count
    assert [p.team for p in stored if p.plan_ref == ref] == [team]


@then(parsers.parse('the file is rejected with one problem: "{message}"'))
def rejected_with_one(outcome, message):
    rejection = outcome.get("rejected")
    assert rejection is not None, "the file was imported, not rejected"
    [problem] = rejection.problems
    assert problem.message == message and problem.file in rejection.what
    assert "missing" not in str(rejection)


@then(parsers.re(r'the fix is to [^"]*"(?P<wanted>[^"]+)"'))
def the_fix(outcome, wanted):
    assert all(wanted in (p.fix or "") for p in outcome["rejected"].problems), outcome["rejected"].summary()


@then(parsers.re(r'the fix on row (?P<row>\d+) is to [^"]*"(?P<wanted>[^"]+)"'))
def the_fix_on_row(outcome, row, wanted):
    [problem] = [p for p in outcome["rejected"].problems if p.row == int(row)]
    assert wanted in (problem.fix or ""), str(problem)


@then("the store is exactly as it was before the import")
def store_as_before(session, outcome):
    session.rollback()
    assert whole_dump(session.get_bind()) == outcome["before"]
