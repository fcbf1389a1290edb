"""Steps for inspection_pack.feature: the inspection pack built from the board's scored store."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import Session, create_engine, select

from audit.errors import AuditError, InputRejected
from audit.store.models import Cycle, Plan, TrailEntry
from reports.inspection import NO_FAMILY_VOICE, build_inspection
from reports.inspection_deep_dive import child_pages, deep_dive_sample
from reports.inspection_export import person_level_csv, pseudonym
from reports.inspection_files import inspection_workbook, write_inspection
from reports.inspection_map import DEFAULT_COLUMNS, DEFAULT_FRAMEWORK, load_columns, load_framework
from tests.databases import on_postgresql

scenarios("inspection/inspection_pack.feature")
HEADINGS = ["Needs are identified and assessed in a timely way",
            "Children, young people and families take part in decisions",
            "Children and young people get the right help at the right time",
            "Children and young people are well prepared for their next steps",
            "Children and young people are valued, visible and included"]
KEY = "test-pseudonym-key"


@given("three routine cycles and one themed cycle scored, the middle routine one on a changed rubric",
       target_fixture="store")
def store(board_store):
    return board_store


def _build(store, audience):
    engine = create_engine(store["url"])
    with Session(engine) as session:
        cycle = session.get(Cycle, store["cycles"][-1])
        pack = build_inspection(session, cycle, store["today"], 5, audience=audience)
        export = person_level_csv(session, cycle.area_id, load_columns(), KEY)
    engine.dispose()
    return pack, export


@pytest.fixture(scope="module")
def written(board_store, tmp_path_factory):
    pack, export = _build(board_store, "published")
    return pack, write_inspection(pack, tmp_path_factory.mktemp("inspection"), {"person-level.csv": export})


@when("the published inspection pack for the latest cycle is written", target_fixture="result")
def published(written):
    return written


@then("the pack has the five headings of the area SEND framework, each with a self-evaluation paragraph")
def five_headings(result):
    pack, _ = result
    assert [h["title"] for h in pack["headings"]] == HEADINGS
    for h in pack["headings"]:
        assert h["tables"] and len(h["paragraph"]) > 40 and h["figures"]
    assert "within 20 weeks" in pack["headings"][0]["paragraph"]


@then("the family voice evidence says no family survey responses are recorded")
def family_voice(result):
    pack, _ = result
    taking_part = pack["headings"][1]
    assert {"response_rates", "family_and_grade", "family_beside_grade"} <= set(taking_part["tables"])
    assert NO_FAMILY_VOICE.lower() in taking_part["paragraph"]


@then("the ZIP holds the PDF, the workbook, the person-level export and a README listing them")
def zip_index(result):
    _, files = result
    with zipfile.ZipFile(files["zip"]) as archive:
        names = archive.namelist()
        readme = archive.read("README.txt").decode("utf-8")
    assert names[0] == "README.txt"
    assert {Path(files["pdf"]).name, Path(files["xlsx"]).name, "person-level.csv"} <= set(names)
    for name in names[1:]:
        assert f"- {name}: " in readme
    for heading in HEADINGS:
        assert heading in readme


@then("the PDF is tagged and shows every heading")
def pdf_tagged(result):
    _, files = result
    reader = PdfReader(files["pdf"])
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    text = " ".join(page.extract_text() for page in reader.pages)
    text = " ".join(text.split())
    for heading in HEADINGS:
        assert heading in text
    assert "final_plan_20_weeks" not in text and "good_or_better" not in text  # words, not codes


@then("every figure a paragraph quotes is in the paragraph and in its sheet's cell or rows in the workbook")
def figures_traced(result):
    pack, files = result
    book = load_workbook(files["xlsx"])
    assert _traced(pack, book) >= 15
    # the self-evaluation sheet names each figure's source too
    sources = {(r[2], r[3], r[4]) for r in book["Self-evaluation"].iter_rows(min_row=2, values_only=True) if r[2]}
    assert ("43.3%", "Timeliness", pack["headings"][0]["figures"][0]["cell"]) in sources


@then("every paragraph and every figure it quotes is in the PDF's text, and each figure is its workbook cell")
def pdf_traced(result):
    pack, files = result
    raw = subprocess.run(["pdftotext", str(files["pdf"]), "-"], check=True, capture_output=True, text=True).stdout
    text = " ".join(raw.replace("-\n", "").replace("-", "").split())  # a hyphen at a line end joins the word
    book = load_workbook(files["xlsx"])
    traced = 0
    for heading in pack["headings"]:
        assert " ".join(heading["paragraph"].replace("-", "").split()) in text, heading["title"]  # as written
        for figure in heading["figures"]:
            assert figure["text"] in text
            if "cell" in figure:
                stored = book[figure["sheet"]][figure["cell"]].value
                assert stored == figure["text"] or (isinstance(stored, int | float) and f"{stored:g}" in figure["text"])
                traced += 1
    assert traced >= 15


def _traced(pack, book) -> int:
    """Check every figure of every paragraph against the workbook; how many were checked."""
    checked = 0
    for heading in pack["headings"]:
        for figure in heading["figures"]:
            assert figure["text"] in heading["paragraph"]
            sheet = book[figure["sheet"]]
            if "cell" in figure:
                stored = sheet[figure["cell"]].value
                if figure["value"] is None or isinstance(stored, str):
                    assert stored == figure["text"], (figure, stored)
                else:
                    assert f"{stored:g}" in figure["text"], (figure, stored)
            else:
                first, last = figure["rows"]
                filled = [r for r in range(first, sheet.max_row + 1) if sheet.cell(r, 1).value not in (None, "")]
                assert filled[: last - first + 1] == list(range(first, last + 1))
                assert sheet.cell(last + 1, 1).value is None  # the blank row before the footnote
            checked += 1
    return checked


@when("the published and internal inspection packs for the latest cycle are built", target_fixture="both")
def both(store):
    return _build(store, "published")[0], _build(store, "internal")[0]


def _suppressed(pack):
    return sum(t["suppressed_cells"] for t in pack["evidence"].values())


@then("the published pack suppresses small numbers and the internal pack suppresses none")
def audiences(both):
    published_, internal = both
    assert _suppressed(published_) > 0 and _suppressed(internal) == 0
    assert published_["headings"][0]["figures"] and internal["audience"] == "internal"
    # the internal paragraphs quote the figures the published ones suppress, and they too are their cells
    quoted = [f for h in internal["headings"] for f in h["figures"]]
    assert not [f for f in quoted if f["text"] in ("suppressed", "[c]") or f["text"].startswith("<")]
    assert any(f["text"] == "suppressed" for h in published_["headings"] for f in h["figures"])
    assert _traced(internal, load_workbook(io.BytesIO(inspection_workbook(internal)))) >= 15


# --- the person-level export ------------------------------------------------------------------------------


@given("a copy of the scored store", target_fixture="copy")
def copy(board_store, tmp_path):
    if on_postgresql():
        pytest.skip("runs in the SQLite pass: the scenario works on a copy of the scored SQLite store file")
    source = Path(board_store["url"].split("///", 1)[1])
    shutil.copy(source, tmp_path / "copy.db")
    engine = create_engine(f"sqlite:///{(tmp_path / 'copy.db').as_posix()}")
    yield {"engine": engine, "cycle": board_store["cycles"][-1], "outcome": {}}
    engine.dispose()


def _export(copy, identified=False, reason=None):
    with Session(copy["engine"]) as session:
        area = session.get(Cycle, copy["cycle"]).area_id
        try:
            copy["outcome"] = {"csv": person_level_csv(session, area, load_columns(), KEY, identified=identified,
                                                       reason=reason).decode("utf-8-sig")}
        except AuditError as exc:
            copy["outcome"] = {"error": str(exc)}
        copy["refs"] = session.exec(select(Plan.plan_ref).where(Plan.area_id == area)).all()
        copy["views"] = session.exec(select(TrailEntry).where(TrailEntry.action == "view")).all()


@when("the person-level export is made with the default mapping")
def default_export(copy):
    _export(copy)


@then("its columns are the mapping file's, in its order")
def mapped_columns(copy):
    header = copy["outcome"]["csv"].splitlines()[0].split(",")
    assert header == list(load_columns(DEFAULT_COLUMNS))
    assert len(copy["outcome"]["csv"].splitlines()) == len(copy["refs"]) + 1


@then("no child's register reference appears in it")
def pseudonymised(copy):
    text = copy["outcome"]["csv"]
    assert copy["refs"] and not any(ref in text for ref in copy["refs"])
    assert text.splitlines()[1].startswith("C-")


@then("nothing is added to the audit trail")
def not_trailed(copy):
    assert not [v for v in copy["views"] if "inspection" in str(v.after)]


@when("an identified person-level export is asked for without a reason")
def identified_without(copy):
    _export(copy, identified=True)


@then("it is refused, saying a reason is needed")
def refused(copy):
    assert "needs a reason" in copy["outcome"]["error"]
    assert not [v for v in copy["views"] if "inspection" in str(v.after)]


@when(parsers.parse('an identified person-level export is asked for with the reason "{reason}"'))
def identified_with(copy, reason):
    copy["reason"] = reason
    _export(copy, identified=True, reason=reason)


@then("the register's references are in it")
def identified_refs(copy):
    assert all(ref in copy["outcome"]["csv"] for ref in copy["refs"])


@then("the trail records the export with its reason")
def trailed(copy):
    views = [v for v in copy["views"] if "inspection" in str(v.after)]
    assert len(views) == 1
    assert views[0].after["reason"] == copy["reason"] and views[0].after["rows"] == len(copy["refs"])


# --- mapping and framework files ----------------------------------------------------------------------------


@given(parsers.parse('a column mapping file mapping "{column}" to "{field}"'), target_fixture="bad")
def bad_mapping(tmp_path, column, field):
    path = tmp_path / "mapping.yaml"
    path.write_text(f"key: test\ncolumns:\n  Child reference: plan_ref\n  \"{column}\": {field}\n", encoding="utf-8")
    return {"path": path}


@when("it is loaded")
def load_mapping(bad):
    with pytest.raises(InputRejected) as caught:
        load_columns(bad["path"])
    bad["error"] = str(caught.value)


@given(parsers.parse('a framework file whose second heading names the evidence kind "{kind}"'), target_fixture="bad")
def bad_framework(tmp_path, kind):
    assert len(load_framework().headings) == 5  # the default file loads
    source = DEFAULT_FRAMEWORK.read_text(encoding="utf-8")
    path = tmp_path / "framework.yaml"
    path.write_text(source.replace("evidence: [family_voice, grades, agreement]",
                                   f"evidence: [family_voice, {kind}, agreement]"), encoding="utf-8")
    return {"path": path}


@when("it is loaded as the framework")
def load_bad_framework(bad):
    with pytest.raises(InputRejected) as caught:
        load_framework(bad["path"])
    bad["error"] = str(caught.value)


@then(parsers.parse('it is refused naming the file, the key "{key}" and the fields that can be used'))
def refused_mapping(bad, key):
    assert str(bad["path"]) in bad["error"] and f"column '{key}'" in bad["error"]
    assert "child_name" in bad["error"] and "plan_ref" in bad["error"] and "nothing was saved" in bad["error"]


@then(parsers.parse('it is refused naming the file, the key "{key}" and the kinds that can be used'))
def refused_framework(bad, key):
    assert str(bad["path"]) in bad["error"] and f"column '{key}'" in bad["error"]
    assert "ofsted_grade" in bad["error"] and "family_voice" in bad["error"]


# --- the deep-dive sample ----------------------------------------------------------------------------------


@when(parsers.parse("a deep-dive sample of {n:d} children is drawn with draw number 1, twice, and once with draw "
                    "number 2"), target_fixture="dive")
def dive(store, tmp_path, n):
    engine = create_engine(store["url"])
    with Session(engine) as session:
        cycle = session.get(Cycle, store["cycles"][-1])
        draws = [deep_dive_sample(session, cycle, n, d) for d in (1, 1, 2)]
        pages = child_pages(session, draws[0], lambda ref: pseudonym(ref, KEY), cycle_id=cycle.id)
        refs = {pid: session.get(Plan, pid).plan_ref for pid in draws[0]}
        pack = build_inspection(session, cycle, store["today"], 5)
    engine.dispose()
    pack["deep_dive"] = pages
    files = write_inspection(pack, tmp_path)
    return {"n": n, "draws": draws, "pages": pages, "refs": refs, "pdf": files["pdf"]}


@then("the two draws numbered 1 are the same children and draw 2 differs")
def same_draw(dive):
    first, again, other = dive["draws"]
    assert len(first) == dive["n"] == len(set(first))
    assert first == again and first != other


@then(parsers.parse("the sample covers at least 2 phases, 2 primary needs, 2 settings and 2 teams"))
def spread(dive):
    for field in ("phase", "primary_need", "setting_type", "team"):
        assert len({p["spread"][field] for p in dive["pages"]}) >= 2, field


@then("the PDF has one page per child with its audit history, timeliness clocks, family view and amendment tasks")
def child_pages_in_pdf(dive):
    reader = PdfReader(dive["pdf"])
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    for page in dive["pages"]:
        assert page["tables"][0]["rows"]  # audited at least in this cycle
        starts = [t for t in texts if f"Deep dive: child {page['reference']}" in t]
        assert len(starts) == 1
        assert "Audit history" in starts[0] and "Timeliness clocks" in starts[0]
    children = " ".join(t for t in texts if "Deep dive: child" in t)
    assert "Amendment tasks and actions" in children and "Amend plan C-" in children
    # the family's view, from the cycle's survey (none in this store, and the page says so)
    assert children.count("Family view") == len(dive["pages"]) and "No family survey" in children
    assert not any(ref in children for ref in dive["refs"].values())  # pseudonymised, task titles too
