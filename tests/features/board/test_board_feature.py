"""Steps for board_pack.feature: the view-model the pack's formats are rendered from."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, scenario, scenarios, then, when
from sqlmodel import Session, create_engine, select

from audit.store.models import Cycle
from reports.pack import build_pack
from tests.smtp_server import smtp  # noqa: F401  (a fixture: a mail server on loopback)


@pytest.mark.prefect
@pytest.mark.xdist_group("prefect")
@pytest.mark.usefixtures("prefect_harness")
@scenario("board/board_pack.feature",
          "The board pack goes out for a cycle closed with a health auditor's scorecards missing")
def test_the_board_pack_goes_out_for_a_cycle_closed_with_scorecards_missing():
    pass


scenarios("board/board_pack.feature")
ROOT = Path(__file__).resolve().parents[3]


def tables(pack):
    return {t["key"]: t for s in pack["sections"] for t in s["tables"]}


@given("three routine cycles and one themed cycle scored, the middle routine one on a changed rubric",
       target_fixture="store")
def store(board_store):
    return board_store


def _build(store, service=None):
    engine = create_engine(store["url"])
    with Session(engine) as session:
        pack = build_pack(session, session.get(Cycle, store["cycles"][-1]), store["today"], 5, service=service)
    engine.dispose()
    return pack


@when("the board pack for the latest cycle is built", target_fixture="pack")
def whole_pack(store):
    return _build(store)


@when(parsers.parse("the service pack for {service} is built"), target_fixture="pack")
def service_pack(store, service):
    return _build(store, service)


def overall_trend(pack):
    table = tables(pack)["trend_routine"]
    keys = [c["key"] for c in table["columns"]]
    rows = [dict(zip(keys, (c["text"] for c in r["cells"]))) for r in table["rows"]]
    return [r for r in rows if r["group"] == "All sampled plans"]


@then(parsers.parse("the routine trend lists {n:d} cycles with the rubric change marked on the second and third"))
def breaks(pack, n):
    rows = overall_trend(pack)
    assert [r["cycle"] for r in rows] == ["Cycle May", "Cycle Aug", "Cycle Nov"][:n]
    assert [r["break"] for r in rows] == ["", "rubric changed", "rubric changed"]
    assert "trend_good_or_better" in pack["charts"]


@then("the themed cycle is reported apart from the routine trend")
def themed_apart(pack):
    assert {r["cycle"] for r in overall_trend(pack)} == {"Cycle May", "Cycle Aug", "Cycle Nov"}
    themed = tables(pack)["trend_themed"]
    assert themed["rows"] and all(r["cells"][2]["text"] == "Health advice themed" for r in themed["rows"])


@then("every trend percentage comes with its sample size and a 95% interval")
def intervals(pack):
    rows = overall_trend(pack)
    assert any(row["pct"] != "suppressed" for row in rows)
    for row in rows:
        if row["pct"] == "suppressed":  # the share would give a small count away (issue 19): its interval goes too
            assert row["ci"] == "suppressed" and "<5" in (row["good"], row["below"])
            continue
        assert re.fullmatch(r"\d+\.\d%", row["pct"]) and re.fullmatch(r"\d+–\d+%", row["ci"]) and int(row["plans"]) > 0


@then("no table cell shows a count from 1 to 4")
def no_small_counts(pack):
    for table in tables(pack).values():
        for row in table["rows"]:
            for cell, column in zip(row["cells"], table["columns"]):
                if column["kind"] == "count":
                    assert cell["text"] not in {"1", "2", "3", "4"}, (table["key"], column["key"])
                    assert cell["value"] is None or not 0 < cell["value"] < 5


@then("the pack says how small numbers are suppressed")
def says_so(pack):
    assert "fewer than 5 plans" in pack["suppression_note"]


@then("its service table has only the Health row")
def only_health(pack):
    assert [r["cells"][0]["text"] for r in tables(pack)["by_service"]["rows"]] == ["Health"]
    assert pack["service_label"] == "Health"


@then("its timeliness table has only health advice")
def only_health_timeliness(pack):
    assert [r["cells"][0]["text"] for r in tables(pack)["timeliness"]["rows"]] == [
        "Health advice received within 6 weeks (including exception cases)",
        "Health advice received within 6 weeks (excluding exception cases)",
        "Health advice received within 6 weeks: exception cases (of which in time)"]


# Improvement actions in a service's pack (issue 15) --------------------------------------------------------


def _expected_improvements(store, agency: str) -> tuple[set[str], set[str]]:
    """Titles of the latest cycle's improvement actions evidenced on `agency` (its service, a section it judges
    or a criterion in one), and of those evidenced on other services only; worked out from the evidence rows."""
    from audit.rubrics.loading import find_rubric
    from audit.store.models import ActionEvidence, ImprovementAction

    rubric = find_rubric(ROOT / "rubrics", "whole-plan")
    sections = {s.code for s in rubric.sections if s.agency == agency}
    criteria = {c.id for s in rubric.sections if s.agency == agency for c in s.criteria}
    engine = create_engine(store["url"])
    with Session(engine) as session:
        rows = session.exec(select(ImprovementAction, ActionEvidence)
                            .join(ActionEvidence, ActionEvidence.action_id == ImprovementAction.id)
                            .where(ActionEvidence.cycle_id == store["cycles"][-1])).all()
    engine.dispose()
    mine, others = set(), set()
    for action, evidence in rows:
        title = f"{action.reference} {action.action}"
        ours = ((evidence.level == "service" and evidence.target == agency)
                or (evidence.level == "section" and evidence.target in sections)
                or (evidence.level == "criterion" and evidence.target in criteria))
        (mine if ours else others).add(title)
    return mine, others - mine


def _listed_actions(pack) -> set[str]:
    return {row["cells"][0]["text"] for row in tables(pack)["actions"]["rows"]}


@then("its actions are the improvement actions evidenced on health, its sections or its criteria")
def health_improvements_listed(store, pack):
    mine, _ = _expected_improvements(store, "health")
    assert mine, "the store's latest cycle evidences improvement actions on health"
    assert mine <= _listed_actions(pack)


@then("no action evidenced only on another service is listed")
def others_not_listed(store, pack):
    _, others = _expected_improvements(store, "health")
    assert others, "the store's latest cycle evidences improvement actions on other services too"
    assert not others & _listed_actions(pack)


# The board pack for a cycle with incomplete audits, through the board-pack flow (issue 15) -------------------


@given("a cycle closed early with one health auditor's scorecards missing, scored", target_fixture="closed")
def closed_cycle_with_missing_scorecards(tmp_path, database_url):
    from audit import clock
    from audit.cycle.lifecycle import get_cycle
    from audit.improvement.actions import raise_actions
    from audit.results.analysis import load_cycle_results
    from audit.store.db import engine_from_settings, transaction
    from audit.store.models import PlanResult
    from tests.factories import cycle_with_a_late_health_auditor

    settings, cycle_id, _, _ = cycle_with_a_late_health_auditor(tmp_path, database_url, close=True)
    with transaction(engine_from_settings(settings)) as session:
        cycle = get_cycle(session, cycle_id)
        raise_actions(session, load_cycle_results(session, cycle), settings, clock.today())
    with transaction(engine_from_settings(settings)) as session:
        results = session.exec(select(PlanResult).where(PlanResult.cycle_id == cycle_id)).all()
        incomplete = {r.sampled_plan_id for r in results if r.status == "incomplete"}
    assert incomplete and len(incomplete) < len(results)
    return {"settings": settings, "cycle_id": cycle_id, "plans": len(results)}


@when("the board pack is sent to the board's mail server", target_fixture="sent")
def send_the_pack(closed, smtp, monkeypatch):
    import flows.board_pack as module
    from audit import clock

    controller, inbox = smtp
    settings = closed["settings"].model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": controller.port, "board_recipients": ["board@example.org"],
        "smtp_from": "qa@example.org"})
    monkeypatch.setattr(module, "get_settings", lambda: settings)
    outcome = module.board_pack(cycle_id=closed["cycle_id"], as_of=clock.today())
    return {"outcome": outcome, "inbox": inbox, "folder": Path(outcome["folder"])}


@then("the board receives the pack as PDF and workbook")
def board_receives(sent):
    assert sent["outcome"]["delivery"] == "sent"
    [(recipients, message)] = sent["inbox"].messages
    assert recipients == ["board@example.org"]
    assert {Path(p.get_filename()).suffix for p in message.iter_attachments()} == {".pdf", ".xlsx"}


@then("the attached PDF opens with the cover paper, provisional with the scorecards outstanding")
def attached_paper(sent, tmp_path):
    import shutil
    import subprocess

    assert shutil.which("pdftotext"), "pdftotext is missing: `make pdf-tools` installs poppler-utils"
    [(_, message)] = sent["inbox"].messages
    [pdf] = [p for p in message.iter_attachments() if p.get_filename().endswith(".pdf")]
    path = tmp_path / pdf.get_filename()
    path.write_bytes(pdf.get_content())
    pages = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:-1]
    cover = " ".join(" ".join(pages[:2]).split())
    assert "The board is asked to" in cover and "Headline: how good are our plans" in cover
    assert all("Provisional:" in page and "outstanding" in page for page in pages)
    assert "Provisional:" in message.get_body(("plain",)).get_content()


@then("every audited plan has a feedback note for its case officer")
def a_note_per_plan(closed, sent):
    notes = sorted((sent["folder"] / "feedback").glob("*.md"))
    assert len(notes) == closed["plans"] == sent["outcome"]["feedback_notes"]
    assert all("For case officer " in note.read_text(encoding="utf-8") for note in notes)


@then("the notes of the plans not fully graded say so, section by section")
def incomplete_notes(sent):
    texts = [note.read_text(encoding="utf-8") for note in (sent["folder"] / "feedback").glob("*.md")]
    incomplete = [t for t in texts if "**Overall grade: incomplete**" in t]
    assert incomplete and len(incomplete) < len(texts)
    assert all("| not yet graded |" in t for t in incomplete)
    assert not any("| not yet graded |" in t for t in texts if t not in incomplete)
