"""Property tests with hypothesis: generated register, mapping, rubric and scorecard files never raise anything
but InputRejected (naming the file, with a message and, where there is one, the row and column), or they
import correctly."""

from __future__ import annotations

import copy
from datetime import date, datetime
from pathlib import Path

import openpyxl
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlmodel import select

from audit.cycle.scorecard_files import COLUMNS, import_scorecard_file, write_template
from audit.errors import InputRejected
from audit.register.plans import REGISTER_COLUMNS, read_mapping, read_register
from audit.rubrics.loading import load_rubric_file
from audit.store.models import CriterionGrade, Scorecard
from tests.factories import ROOT
from tests.unit.test_scorecards import cycle, education_auditor  # noqa: F401  (cycle is a fixture)

FIXTURES_OK = settings(max_examples=40, deadline=None,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HOSTILE = st.sampled_from(["=1+1", "+cmd|x", "-2-3", "@SUM(A1)", "\t=x", "<script>", "a\x00b", "x" * 600, "",
                           "  ", "2024-02-30", "31/12/2024", "ASD", "primary", "yes", "7", "P-1", "North"])
CELLS = st.one_of(HOSTILE, st.text(max_size=30), st.integers(-10, 10**6), st.floats(allow_nan=True),
                  st.dates(min_value=date(1900, 1, 1)), st.booleans(), st.none())
WORKBOOK_CELLS = st.one_of(HOSTILE.filter(lambda s: "\x00" not in s), st.integers(-10, 10**6),
                           st.dates(min_value=date(1900, 1, 1)), st.none())


def assert_clear(rejection: InputRejected, file: str) -> None:
    assert rejection.problems, "a rejection says what is wrong"
    for problem in rejection.problems:
        assert problem.file == file and problem.message
    assert "nothing was saved" in rejection.summary()


@FIXTURES_OK
@given(st.binary(max_size=400), st.sampled_from(["register.csv", "register.xlsx"]))
def test_any_bytes_as_a_register_are_read_or_rejected_clearly(tmp_path, data, name):
    path = tmp_path / name
    path.write_bytes(data)
    try:
        parsed = read_register(path)
    except InputRejected as rejection:
        assert_clear(rejection, name)
    else:
        assert all(row["plan_ref"] for row in parsed.rows)


@FIXTURES_OK
@given(st.lists(st.sampled_from(REGISTER_COLUMNS), min_size=1, max_size=12, unique=True),
       st.lists(st.lists(WORKBOOK_CELLS, min_size=12, max_size=12), min_size=1, max_size=5))
def test_generated_register_workbooks_are_read_or_rejected_clearly(tmp_path, header, rows):
    path = tmp_path / "register.xlsx"
    book = openpyxl.Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row[: len(header)])
    book.save(path)
    try:
        parsed = read_register(path)
    except InputRejected as rejection:
        assert_clear(rejection, "register.xlsx")
    else:  # a correct import: every required value is there and typed
        for row in parsed.rows:
            assert row["plan_ref"] and isinstance(row["request_date"], date)
            assert not str(row["team"]).startswith(("=", "@", "+cmd"))


MAPPING_VALUES = st.recursive(st.one_of(st.text(max_size=12), st.integers(), st.none(), st.booleans()),
                              lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(st.text(max_size=12), inner, max_size=3)),
                              max_leaves=12)


@FIXTURES_OK
@given(st.dictionaries(st.sampled_from(["columns", "values", "other"]), MAPPING_VALUES, max_size=3),
       st.text(max_size=60))
def test_generated_mapping_files_are_read_or_rejected_clearly(tmp_path, content, garbage):
    for text in (yaml.safe_dump(content, allow_unicode=True), garbage):
        path = tmp_path / "mapping.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            read_mapping(path)
        except InputRejected as rejection:
            assert_clear(rejection, "mapping.yaml")


WHOLE_PLAN = yaml.safe_load((ROOT / "rubrics" / "whole-plan.yaml").read_text(encoding="utf-8"))
SCALARS = st.one_of(st.text(max_size=20), HOSTILE, st.integers(-5, 5), st.floats(allow_nan=True), st.none(),
                    st.booleans(), st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=5),
                                                                                       st.integers(), max_size=2))


def _paths(node, prefix=()):
    """Every (path, value) in a nested dict/list structure."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


RUBRIC_PATHS = [p for p, _ in _paths(WHOLE_PLAN) if p]


@FIXTURES_OK
@given(st.lists(st.tuples(st.sampled_from(RUBRIC_PATHS), SCALARS), min_size=1, max_size=4))
def test_mutated_rubrics_load_or_are_rejected_clearly(tmp_path, changes):
    content = copy.deepcopy(WHOLE_PLAN)
    for path, value in changes:
        node = content
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced a parent
    path = tmp_path / "rubric.yaml"
    path.write_text(yaml.safe_dump(content, allow_unicode=True), encoding="utf-8")
    try:
        rubric = load_rubric_file(path)
    except InputRejected as rejection:
        assert_clear(rejection, "rubric.yaml")
    else:
        assert rubric.sections and all(c.descriptors for s in rubric.sections for c in s.criteria)


GRADES = st.sampled_from(["Outstanding", "Good", "Requires Improvement", "Inadequate", "good", "RI", "4", "",
                          "Brilliant", "=1", None])
COMMENTS = st.one_of(st.text(max_size=40), HOSTILE)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_edited_scorecard_files_import_or_are_rejected_whole(session, cycle, tmp_path, data):
    suffix = data.draw(st.sampled_from([".csv", ".xlsx"]))
    path = tmp_path / f"card{suffix}"
    write_template(session, cycle, education_auditor(session), path)
    book = openpyxl.load_workbook(path) if suffix == ".xlsx" else None
    if book is not None:
        sheet = book["Scorecard"]
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
    else:
        import csv

        rows = list(csv.reader(path.open(encoding="utf-8")))
    for row in rows[1:]:
        row[COLUMNS.index("grade")] = data.draw(GRADES)
        row[COLUMNS.index("comment")] = data.draw(COMMENTS)
        if data.draw(st.booleans()):
            row[data.draw(st.integers(0, len(COLUMNS) - 1))] = data.draw(CELLS.filter(
                lambda v: not isinstance(v, float) and not (isinstance(v, str) and "\x00" in v)))
    if book is not None:
        fresh = openpyxl.Workbook()
        fresh.active.title = "Scorecard"
        for row in rows:  # a workbook cannot hold control characters at all: Excel would not save them
            fresh.active.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else
                                 v.isoformat() if isinstance(v, (date, datetime)) else v for v in row])
        fresh.save(path)
    else:
        import csv

        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(rows)
    before = len(session.exec(select(CriterionGrade)).all())
    try:
        result = import_scorecard_file(session, path, submit=data.draw(st.booleans()))
    except InputRejected as rejection:
        assert_clear(rejection, path.name)
        assert len(session.exec(select(CriterionGrade)).all()) == before  # all or nothing
    else:
        saved = result.submitted + result.drafts
        cards = session.exec(select(Scorecard).where(Scorecard.assignment_id.in_(saved))).all() if saved else []
        assert len(cards) == len(saved)
        for grade in session.exec(select(CriterionGrade)).all():
            assert not grade.comment.startswith(("=", "@")) and "<script" not in grade.comment


def test_the_strategies_reach_both_outcomes(tmp_path):
    """A guard against properties that pass because every example is rejected (or accepted)."""
    good = tmp_path / "register.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["plan_ref", "team", "phase", "year_group", "primary_need", "setting_type", "status",
                        "case_officer", "request_date"])
    book.active.append(["P-1", "North", "primary", 4, "ASD", "Mainstream", "active", "CO-1", date(2024, 1, 8)])
    book.save(good)
    assert read_register(good).rows[0]["request_date"] == date(2024, 1, 8)
    bad = Path(tmp_path / "bad.csv")
    bad.write_bytes(b"\xff\xfe\x00")
    try:
        read_register(bad)
    except InputRejected as rejection:
        assert_clear(rejection, "bad.csv")
    else:  # pragma: no cover - the point of the test
        raise AssertionError("garbage was accepted")
