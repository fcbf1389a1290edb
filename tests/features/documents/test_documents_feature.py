"""Steps for documents/documents.feature: importing plan documents, the pre-check, who may read them."""

from __future__ import annotations

import json
import shutil

import docx
import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from audit.documents.access import read_document
from audit.documents.review import decide_flag, rule_precision
from audit.documents.rules import load_rules
from audit.documents.storage import import_documents, resplit
from audit.errors import InputRejected, NotFound
from audit.store.models import (
    Assignment,
    Cycle,
    DocumentSection,
    PlanDocument,
    PrecheckFlag,
    RubricVersion,
    SampledPlan,
    TrailEntry,
    User,
)
from audit.synthetic.plan_documents import write_plan
from audit.synthetic.plan_text import labelled_plans
from tests.documents_data import bad_file, zip_of
from tests.factories import make_auditor, make_plan
from tests.unit.test_documents import RULES_DIR

scenarios("documents/documents.feature")
ALL = {"A", "B", "C", "D", "E", "F", "G", "I", "J", "K"}


@pytest.fixture
def docs(tmp_path) -> dict:
    folder = tmp_path / "in"
    folder.mkdir()
    return {"folder": folder, "files": [], "rules": load_rules(RULES_DIR)}


@given("the register holds 4 synthetic plans written in every template style")
def four_plans(session, area, docs):
    docs["plans"] = labelled_plans(20, 4, area_code="TEST")
    docs["rows"] = [make_plan(session, area, plan_ref=p.ref) for p in docs["plans"]]
    session.commit()


@given(parsers.parse('the first plan\'s document names its case officer "{line}"'))
def officer_named(docs, line):
    docs["plans"][0].sections["K"].append(line)


def _write_all(docs):
    if not docs["files"]:
        docs["files"] = [write_plan(p, docs["folder"]) for p in docs["plans"]]
    return docs["files"]


@given(parsers.parse('the documents are in a ZIP "{name}"'))
def in_a_zip(docs, name):
    files = _write_all(docs)
    path = docs["folder"].parent / name
    path.write_bytes(zip_of({f.name: f.read_bytes() for f in files}))
    docs["zip"] = path


@given(parsers.parse("a {kind} beside them"))
def bad_beside(docs, kind):
    files = _write_all(docs)
    if kind == "unmatched reference":
        shutil.copy(files[0], docs["folder"] / "NOPLAN-1.docx")
        document = docx.Document(docs["folder"] / "NOPLAN-1.docx")
        for paragraph in document.paragraphs:
            if "Plan reference" in paragraph.text:
                paragraph.text = "Plan reference: NOPLAN-1"
        document.save(docs["folder"] / "NOPLAN-1.docx")
        docs["files"].append(docs["folder"] / "NOPLAN-1.docx")
    elif kind == "headingless document":
        document = docx.Document()
        document.add_paragraph("Notes from a meeting about transport. Nothing here is a plan.")
        document.save(docs["folder"] / "notes.docx")
        docs["files"].append(docs["folder"] / "notes.docx")
    else:
        docs["files"].append(bad_file(kind, docs["folder"]))


def _import(session, area, docs, paths):
    try:
        docs["report"] = import_documents(session, area, paths, docs["rules"])
        session.commit()
    except InputRejected as rejected:
        session.rollback()
        docs["rejected"] = rejected


@when(parsers.parse('the QA lead imports "{name}"'))
@given(parsers.parse('the QA lead has imported "{name}"'))
def import_zip(session, area, docs, name):
    _import(session, area, docs, [docs["zip"]])


@when("the QA lead imports every file")
@given("the QA lead has imported every file")
def import_every(session, area, docs):
    _import(session, area, docs, _write_all(docs))


@then("4 documents are stored, each matched to its plan with sections A to K")
def four_stored(session, docs):
    stored = session.exec(select(PlanDocument)).all()
    assert {d.plan_id for d in stored} == {p.id for p in docs["rows"]}
    for document in stored:
        letters = set(session.exec(select(DocumentSection.letter).where(DocumentSection.document_id == document.id)))
        assert letters >= ALL, (document.label, letters)


@then("each original is kept, so a re-split finds the same sections")
def resplit_same(session, docs):
    for document in session.exec(select(PlanDocument)).all():
        before = set(session.exec(select(DocumentSection.letter).where(DocumentSection.document_id == document.id)))
        assert document.original and set(resplit(session, document, docs["rules"])) == before


@then("the pre-check's flags are stored with each document")
def flags_stored(session, docs):
    expected = sum(len(p.labels) for p in docs["plans"])
    assert len(session.exec(select(PrecheckFlag)).all()) >= expected > 0


@then(parsers.parse('the import is refused naming "{file}" with "{message}"'))
def refused(docs, file, message):
    problems = [str(p) for p in docs["rejected"].problems]
    assert any(file in p and message in p for p in problems), problems


@then("no plan document is stored")
def nothing_stored(session):
    assert session.exec(select(PlanDocument)).all() == [] and session.exec(select(DocumentSection)).all() == []


@given(parsers.parse('a plan document "{name}" whose section F reads'))
def plan_with_f(docs, name, datatable):
    plan = labelled_plans(21, 1, styles=("section-colon",))[0]
    plan.sections["F"] = [row[0] for row in datatable[1:]]
    plan.themes_f = {}
    docs["path"] = write_plan(plan, docs["folder"], name=name.removesuffix(".docx"))
    docs["ref"] = plan.ref


@when(parsers.parse('the pre-check runs on "{name}" with --format json'))
def run_precheck(docs, name, capsys):
    from ehcp_audit_cli.document_cmds import precheck

    precheck([docs["folder"] / name], format="json", headings=None, area=None, workers=1)
    docs["json"] = json.loads(capsys.readouterr().out)


@then(parsers.parse('it prints a flag of rule "{rule}" in section "{letter}" quoting "{quote}"'))
def printed_flag(docs, rule, letter, quote):
    assert any(f["rule_id"] == rule and f["section"] == letter and f["quote"] == quote and f["plan"] == docs["ref"]
               for f in docs["json"]), docs["json"]


@then(parsers.parse('no flag quotes "{text}"'))
def no_flag_quotes(docs, text):
    assert not any(text in f["quote"] for f in docs["json"] if f["rule_id"] == "f-unquantified")


@then("every flag has a plan, a rule id, a section letter, a quote and an explanation")
def flag_fields(docs):
    assert docs["json"] and all(set(f) == {"plan", "rule_id", "section", "quote", "explanation"} and all(f.values())
                                for f in docs["json"])


def _assign(session, area, docs, code, plan_index, role):
    if "cycle" not in docs:
        version = RubricVersion(key="whole-plan", version_label="1", content_hash="x" * 64, title="Whole plan",
                                kind="whole_plan")
        session.add(version)
        session.flush()
        docs["cycle"] = Cycle(area_id=area.id, name="Autumn", rubric_version_id=version.id, sample_size=4, seed=1,
                              due_date=docs["rows"][0].request_date)
        session.add(docs["cycle"])
        session.flush()
    auditor = make_auditor(session, area, code, "education")
    sampled = SampledPlan(cycle_id=docs["cycle"].id, plan_id=docs["rows"][plan_index].id, stratum="all")
    session.add(sampled)
    session.flush()
    session.add(Assignment(cycle_id=docs["cycle"].id, sampled_plan_id=sampled.id, agency="education",
                           sections=["B", "F"], auditor_id=auditor.id, due_date=docs["rows"][0].request_date))
    session.add(User(username=code.lower(), password_hash="-", role=role, auditor_id=auditor.id))
    session.commit()


@given(parsers.parse('auditor "{one}" is assigned the first plan and auditor "{two}" another plan'))
def assign_two(session, area, docs, one, two):
    _assign(session, area, docs, one, 0, "auditor")
    _assign(session, area, docs, two, 1, "auditor")


@given(parsers.parse('parent carer auditor "{code}" is assigned the first plan'))
def assign_parent(session, area, docs, code):
    _assign(session, area, docs, code, 0, "parent_carer_auditor")


def _first_document(session, docs):
    return session.exec(select(PlanDocument).where(PlanDocument.plan_id == docs["rows"][0].id)).one()


@when(parsers.parse('auditor "{code}" opens the first plan\'s document'))
@when(parsers.parse('parent carer auditor "{code}" opens the first plan\'s document'))
def open_first(session, docs, code):
    user = session.exec(select(User).where(User.username == code.lower())).one()
    try:
        docs["view"] = read_document(session, _first_document(session, docs).id, user)
        session.commit()
    except NotFound as missing:
        docs["missing"] = missing


@then("the auditor sees section F's text and the pre-check's flags")
def sees_text(docs):
    f = next(s for s in docs["view"]["sections"] if s["letter"] == "F")
    assert docs["plans"][0].sections["F"][0][:30] in f["text"]
    assert docs["view"]["flags"] and all(flag["explanation"] for flag in docs["view"]["flags"])


@then(parsers.parse('the audit trail records that "{username}" viewed the document'))
def trail_has_view(session, username):
    entries = session.exec(select(TrailEntry).where(TrailEntry.table_name == "documentview")).all()
    assert any(e.after and e.after.get("viewer") == username for e in entries)


@then(parsers.parse('the document is not found for "{code}"'))
def not_found(docs, code):
    assert "missing" in docs and "no plan document" in str(docs["missing"])


@when(parsers.parse('auditor "{code}" confirms one flag and dismisses another with the reason "{reason}"'))
def decide(session, docs, code, reason):
    user = session.exec(select(User).where(User.username == code.lower())).one()
    flags = session.exec(select(PrecheckFlag).where(PrecheckFlag.document_id == _first_document(session, docs).id)).all()
    decide_flag(session, flags[0].id, user, "confirmed", "", cycle_id=docs["cycle"].id)
    decide_flag(session, flags[1].id, user, "dismissed", reason, cycle_id=docs["cycle"].id)
    with pytest.raises(Exception, match="Say why"):
        decide_flag(session, flags[1].id, user, "dismissed", " ")
    session.commit()


@then("the rule precision counts 1 confirmed and 1 dismissed")
def precision_counts(session, docs):
    rows = rule_precision(session, docs["cycle"].id)
    assert sum(r["confirmed"] for r in rows) == 1 and sum(r["dismissed"] for r in rows) == 1


@then(parsers.parse('the text shows "{shown}" and not "{hidden}"'))
def redacted(docs, shown, hidden):
    text = " ".join(s["text"] for s in docs["view"]["sections"])
    assert shown in text and hidden not in text
