"""Steps for rubrics/rollup.feature: roll-up rules, caps and rubric versions as a QA lead sees them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from audit.errors import InputRejected
from audit.rubrics.loading import find_rubric, load_rubric_file, rubric_from_version, store_rubric
from audit.rubrics.model import Criterion, Section
from audit.rubrics.scoring import plan_grade, section_grade, service_grade
from audit.store.models import RubricVersion
from audit.vocabulary import AdviceType, Grade

RUBRICS = Path(__file__).resolve().parents[3] / "rubrics"

scenarios("rubrics/rollup.feature")


@pytest.fixture
def ctx() -> dict:
    return {"advice": set(AdviceType.values())}


def _rows(datatable: list[list[str]]) -> list[dict[str, str]]:
    header, *rows = datatable
    return [dict(zip(header, (cell.strip() for cell in row))) for row in rows]


# -- criterion -> section --------------------------------------------------------------------------


@given("a section whose criteria are graded:")
def graded_section(ctx, datatable):
    rows = _rows(datatable)
    criteria = tuple(Criterion(r["criterion"], "", float(r["weight"]), {}) for r in rows)
    ctx["section"] = Section("X", "A section", "education", 1, None, criteria)
    ctx["criterion_grades"] = {r["criterion"]: Grade.parse(r["grade"]) if r["grade"] else None for r in rows}


@when(parsers.parse('the section is rolled up by the "{rule}" rule'))
def roll_up_section(ctx, rule):
    ctx["section_grade"] = section_grade(ctx["section"], ctx["criterion_grades"], rule)


@then(parsers.parse('the section grade is "{grade}"'))
def section_grade_is(ctx, grade):
    assert ctx["section_grade"] == Grade.parse(grade)


@then("the section has no grade yet")
def section_has_no_grade(ctx):
    assert ctx["section_grade"] is None


# -- section -> plan and service -----------------------------------------------------------------------


@given("the shipped whole-plan rubric", target_fixture="rubric")
def shipped_whole_plan():
    return find_rubric(RUBRICS, "whole-plan")


@given(parsers.parse("the plan had no {advice} advice requested"))
def no_advice(ctx, advice):
    ctx["advice"].discard(advice.replace(" ", "_"))


@when("a plan's sections are graded:")
def grade_sections(ctx, rubric, datatable):
    applicable = {s.code for s in rubric.sections if s.applies_if_advice in (None, *ctx["advice"])}
    ctx["applicable"] = applicable
    grades = {r["section"]: Grade.parse(r["grade"]) for r in _rows(datatable)}
    assert set(grades) == applicable, "the table should grade exactly the sections that apply"
    ctx["section_grades"] = grades


@then(parsers.parse("sections {first} and {second} are not applicable"))
def not_applicable(ctx, rubric, first, second):
    assert set(rubric.section_codes()) - ctx["applicable"] == {first, second}


@then(parsers.parse('the plan grade is "{grade}"'))
def plan_grade_is(ctx, rubric, grade):
    assert plan_grade(rubric, ctx["section_grades"]) == Grade.parse(grade)


@then(parsers.parse('the "{agency}" service grade is "{grade}"'))
def service_grade_is(ctx, rubric, agency, grade):
    assert service_grade(rubric, ctx["section_grades"], agency) == Grade.parse(grade)


@then(parsers.parse('the "{agency}" service has no grade'))
def service_has_no_grade(ctx, rubric, agency):
    assert service_grade(rubric, ctx["section_grades"], agency) is None


# -- versions -------------------------------------------------------------------------------------------


@given("a copy of the whole-plan rubric file", target_fixture="rubric_file")
def copy_of_rubric_file(tmp_path):
    return Path(shutil.copy(RUBRICS / "whole-plan.yaml", tmp_path / "whole-plan.yaml"))


@given("the whole-plan rubric file is stored as a version", target_fixture="rubric_file")
def stored_rubric_file(ctx, session, tmp_path):
    path = copy_of_rubric_file(tmp_path)
    ctx["first"] = store_rubric(session, load_rubric_file(path))
    ctx["original_f1_good"] = load_rubric_file(path).criterion("F1")[1].descriptors[Grade.GOOD]
    session.commit()
    return path


def _edit(path: Path, change) -> None:
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(yaml.safe_dump(content, sort_keys=False, width=200), encoding="utf-8")


def _criterion(content: dict, criterion_id: str) -> dict:
    return next(c for s in content["sections"] for c in s["criteria"] if c["id"] == criterion_id)


@when(parsers.parse('the QA lead rewrites the "{label}" descriptor of criterion {criterion_id} as "{text}"'))
def rewrite_descriptor(rubric_file, label, criterion_id, text):
    _edit(rubric_file, lambda c: _criterion(c, criterion_id)["descriptors"].update({label: text}))


@when("the QA lead adds a comment and re-indents the file")
def reformat(rubric_file):
    content = yaml.safe_load(rubric_file.read_text(encoding="utf-8"))
    # Narrow width folds every long descriptor over several lines; indent 4 moves every key.
    body = yaml.safe_dump(content, sort_keys=True, indent=4, width=50)
    rubric_file.write_text("# Reviewed by the QA lead, no changes of substance.\n" + body, encoding="utf-8")


@when("the rubric file is stored again")
def store_again(ctx, session, rubric_file):
    ctx["new"] = store_rubric(session, load_rubric_file(rubric_file))
    session.commit()


@then(parsers.re(r'there (?:are|is) (?P<count>\d+) stored versions? of the "(?P<key>[^"]+)" rubric'))
def stored_versions(session, count, key):
    versions = session.exec(select(RubricVersion).where(RubricVersion.key == key)).all()
    assert len(versions) == int(count)


@then(parsers.parse('the first version still describes "{label}" for {criterion_id} as it did before the edit'))
def first_version_unchanged(ctx, session, label, criterion_id):
    stored = session.get(RubricVersion, ctx["first"].id)
    rebuilt = rubric_from_version(stored)
    assert rebuilt.criterion(criterion_id)[1].descriptors[Grade.parse(label)] == ctx["original_f1_good"]
    assert rebuilt.content_hash == ctx["first"].content_hash


@then(parsers.parse('the new version describes "{label}" for {criterion_id} as "{text}"'))
def new_version_changed(ctx, label, criterion_id, text):
    assert ctx["new"].id != ctx["first"].id
    assert rubric_from_version(ctx["new"]).criterion(criterion_id)[1].descriptors[Grade.parse(label)] == text


# -- rejection -----------------------------------------------------------------------------------------------


@given(parsers.parse('criterion {criterion_id} has no "{label}" descriptor'))
def drop_descriptor(rubric_file, criterion_id, label):
    _edit(rubric_file, lambda c: _criterion(c, criterion_id)["descriptors"].pop(label))


@given(parsers.parse('section {code} is judged by "{agency}"'))
def set_agency(rubric_file, code, agency):
    _edit(rubric_file, lambda c: next(s for s in c["sections"] if s["code"] == code).update(agency=agency))


@given(parsers.parse('the plan rule is "{method}"'))
def set_plan_rule(rubric_file, method):
    _edit(rubric_file, lambda c: c["rollup"].update(plan=method))


@when("the QA lead checks the file")
def check_file(ctx, session, rubric_file):
    try:
        store_rubric(session, load_rubric_file(rubric_file))
    except InputRejected as rejected:
        ctx["rejected"] = rejected


@then("the file is rejected and nothing is stored")
def rejected_nothing_stored(ctx, session):
    assert "rejected" in ctx
    assert session.exec(select(RubricVersion)).all() == []


@then("the problems listed are:")
def problems_listed(ctx, datatable):
    found = [(p.column, p.message) for p in ctx["rejected"].problems]
    expected = _rows(datatable)
    assert len(found) == len(expected), found
    for row in expected:
        assert any(col == row["where"] and row["problem"] in msg for col, msg in found), (row, found)
    assert all(p.file == "whole-plan.yaml" and p.fix for p in ctx["rejected"].problems)
