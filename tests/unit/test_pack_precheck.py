"""The pre-check beside the grades (issue 20): flags per section and per service in the board pack's results, the
board summary read from them, small numbers suppressed as every board table; none without plan documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from audit.documents.rules import load_rules
from audit.documents.storage import import_documents
from audit.store.models import Cycle, LocalArea, Plan, PlanDocument, PrecheckFlag, SampledPlan
from audit.synthetic.plan_documents import write_plan
from audit.synthetic.plan_text import labelled_plans
from reports.pack import build_pack, table
from reports.summary import summary_from_pack
from tests.databases import copy_store

RULES = Path(__file__).resolve().parents[2] / "rubrics" / "precheck"


@pytest.fixture
def store(board_store, tmp_path):
    """A copy of the board store (the shared one is never changed) and its latest routine cycle."""
    engine = create_engine(copy_store(board_store["url"], tmp_path))
    with Session(engine, expire_on_commit=False) as session:
        yield session, session.get(Cycle, board_store["cycles"][3]), board_store["today"], tmp_path
    engine.dispose()


def _documents(session, cycle, folder, n: int) -> list[int]:
    """Documents for the first n plans of the cycle's sample; one flag confirmed and one dismissed."""
    refs = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                        .where(SampledPlan.cycle_id == cycle.id).order_by(SampledPlan.id)).all()[:n]
    labelled = labelled_plans(33, n)
    for plan, ref in zip(labelled, refs, strict=True):
        plan.ref = ref
    area = session.exec(select(LocalArea)).one()
    import_documents(session, area, [write_plan(p, folder) for p in labelled], load_rules(RULES))
    flags = session.exec(select(PrecheckFlag).where(PrecheckFlag.section == "F").order_by(PrecheckFlag.id)).all()
    flags[0].status, flags[1].status = "confirmed", "dismissed"
    session.add_all(flags[:2])
    session.commit()
    return list(session.exec(select(PlanDocument.plan_id)).all())


def _expected(session, letters: set[str]) -> dict:
    rows = session.exec(select(PlanDocument.plan_id, PrecheckFlag.section, PrecheckFlag.status)
                        .join(PlanDocument, PlanDocument.id == PrecheckFlag.document_id)).all()
    mine = [r for r in rows if ("H" if r[1] in ("H1", "H2") else r[1]) in letters]
    return {"flagged": len({r[0] for r in mine}), "flags": len(mine),
            "confirmed": sum(r[2] == "confirmed" for r in mine), "dismissed": sum(r[2] == "dismissed" for r in mine)}


def test_without_plan_documents_the_pack_has_no_precheck_tables(store):
    session, cycle, today, _ = store
    pack = build_pack(session, cycle, today, audience="internal")
    assert table(pack, "precheck_by_section") is None and summary_from_pack(pack)["precheck_by_section"] == []


def test_flags_per_section_and_service_sit_beside_the_grades_counted_in_full_for_the_qa_group(store):
    session, cycle, today, folder = store
    _documents(session, cycle, folder, 6)
    pack = build_pack(session, cycle, today, audience="internal")
    results = next(s for s in pack["sections"] if s["id"] == "results")
    keys = [t["key"] for t in results["tables"]]
    assert keys.index("precheck_by_section") == keys.index("by_section") + 1, "beside the grades"
    by_section = {r["record"]["group"].split(":")[0]: r["record"] for r in table(pack, "precheck_by_section")["rows"]}
    assert set(by_section) == set("ABCDEFGHIJK")
    for letter in ("B", "E", "F"):
        assert by_section[letter]["plans"] == 6
        assert {k: by_section[letter][k] for k in ("flagged", "flags", "confirmed", "dismissed")} == \
            _expected(session, {letter})
    assert by_section["F"]["confirmed"] == 1 and by_section["F"]["dismissed"] == 1
    by_service = {r["record"]["group"]: r["record"] for r in table(pack, "precheck_by_service")["rows"]}
    health = {s.code for s in cycle_rubric_sections(session, cycle) if "health" in s.graded_by()}
    assert by_service["Health"]["flags"] == _expected(session, health)["flags"]
    summary = summary_from_pack(pack)
    assert summary["precheck_by_section"][5]["flags"] == by_section["F"]["flags"]
    from reports.render import render

    md, page = render(summary, "md"), render(summary, "html")
    f_row = f"| F: {by_section['F']['group'].split(': ', 1)[1]} | 6 | {by_section['F']['flagged']} |"
    assert "## The pre-check beside the grades" in md and f_row in md
    assert 'id="precheck-by-service"' in page and "<th scope=\"row\">Health</th>" in page


def test_the_published_pack_hides_small_numbers_of_flagged_plans(store):
    session, cycle, today, folder = store
    _documents(session, cycle, folder, 6)
    pack = build_pack(session, cycle, today, threshold=5, audience="published")
    rows = {r["record"]["group"].split(":")[0]: r["record"] for r in table(pack, "precheck_by_section")["rows"]}
    small = [letter for letter in rows if 1 <= _expected(session, {letter})["flagged"] <= 4]
    assert small, "some section has 1 to 4 plans flagged"
    for letter in small:
        assert rows[letter]["flagged"] == "<5" and rows[letter]["flagged_pct"] is None, rows[letter]
    with_few = build_pack(session, cycle, today, threshold=7, audience="published")
    assert all(r["record"]["plans"] == "<7" for r in table(with_few, "precheck_by_service")["rows"]), \
        "6 plans with a document is a small group: every count hidden"


def test_a_service_s_pack_shows_only_its_own_sections_and_row(store):
    session, cycle, today, folder = store
    _documents(session, cycle, folder, 6)
    pack = build_pack(session, cycle, today, service="health", audience="internal")
    assert [r["record"]["group"] for r in table(pack, "precheck_by_service")["rows"]] == ["Health"]
    health = {s.code for s in cycle_rubric_sections(session, cycle) if "health" in s.graded_by()}
    assert {r["record"]["group"].split(":")[0] for r in table(pack, "precheck_by_section")["rows"]} == health


def cycle_rubric_sections(session, cycle):
    from audit.results.analysis import load_cycle_results

    return load_cycle_results(session, cycle, criteria=False).rubric.sections


def test_the_cover_paper_names_the_section_flagged_most_often_from_the_table(store):
    session, cycle, today, folder = store
    _documents(session, cycle, folder, 6)
    pack = build_pack(session, cycle, today, audience="internal")
    rows = [r["record"] for r in table(pack, "precheck_by_section")["rows"]]
    top = max(rows, key=lambda r: r["flagged_pct"] or 0)
    [line] = [line for line in pack["cover"]["where"]["lines"] if "pre-check" in line]
    assert line.startswith(f"The text pre-check flagged {top['group']} most often: in ") and "of 6 plans" in line
    quoted = [q for q in pack["cover"]["figures"] if q["table"] == "precheck_by_section"]
    assert {q["column"] for q in quoted} == {"group", "flagged_pct", "plans", "confirmed", "dismissed"}
