"""The board view of an improvement plan: BRAG on a page, exceptions, counts by lead and area, HTML and Markdown."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from audit.improvement.files import import_plan
from audit.improvement.scales import load_scales
from audit.store.models import ImprovementAction
from reports.improvement import build_improvement_report, pack_section, render_improvement
from tests.factories import ROOT

SCALES = load_scales()


def imported(session, area):
    return import_plan(session, area, ROOT / "tests/fixtures/improvement/app-plan.csv", layout="app",
                       scale=SCALES["app"], name="APP 2021", by="QA-LEAD").plan


def test_brag_on_a_page_puts_every_action_in_its_status_column_grouped_by_area(session, area):
    report = build_improvement_report(session, imported(session, area), SCALES, date(2021, 11, 1))
    assert [c["label"] for c in report["columns"]] == ["Complete", "On track", "Minor delay", "Major delay",
                                                      "Not yet graded"]
    assert [(g["area_ref"], [a["reference"] for a in g["actions"]]) for g in report["grid"]] == [
        ("1", ["1.1", "1.2"]), ("2", ["2.1", "2.2"])]
    assert [(a["reference"], a["status"], a["tag"]) for a in report["actions"]] == [
        ("1.1", "On track", "green"), ("1.2", "Complete", "grey"), ("2.1", "Minor delay", "yellow"),
        ("2.2", "Not yet graded", "grey")]
    assert report["exceptions"] == []  # nothing red, regressed or past its milestone on 1 November 2021


def test_the_exception_report_lists_red_and_overdue_actions_and_counts_follow(session, area):
    plan = imported(session, area)
    action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "2.1")).one()
    action.status = "major-delay"
    session.add(action)
    report = build_improvement_report(session, plan, SCALES, date(2022, 4, 15))
    assert [(e["reference"], e["why"]) for e in report["exceptions"]] == [
        ("1.1", "overdue since 31 Mar 2022"), ("2.1", "red")]  # 2.1 is due by June 2022; 1.2 is Complete
    by_lead = {row["group"]: row for row in report["by_lead"]}
    # "DCO/ HoS-SEND" is two people: 1.1 counts once for each (issue 25), so DCO has both exceptions.
    assert (by_lead["DCO"]["Major delay"], by_lead["DCO"]["exceptions"], by_lead["QA-LEAD"]["Complete"]) == (1, 2, 1)
    assert by_lead["HoS-SEND"]["total"] == 1 and "DCO/ HoS-SEND" not in by_lead
    assert [(row["group"], row["total"]) for row in report["by_area"]] == [
        ("Poor quality of EHC plans", 2), ("Delays in health advice", 2)]


def test_the_report_renders_as_html_and_markdown_and_escapes_what_people_typed(session, area):
    plan = imported(session, area)
    action = session.exec(select(ImprovementAction).where(ImprovementAction.reference == "2.2")).one()
    action.action = "<script>alert(1)</script> | track weekly"
    session.add(action)
    report = build_improvement_report(session, plan, SCALES, date(2021, 11, 1))
    html = render_improvement(report, "html")
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "BRAG on a page" in html
    markdown = render_improvement(report, "md")
    assert "\\| track weekly | DCO/ LPT-lead |" in markdown  # a typed pipe does not break the table
    section = pack_section(session, area.id, SCALES, date(2021, 11, 1))
    assert [t["key"] for t in section["tables"]] == [
        f"improvement_{plan.id}_brag", f"improvement_{plan.id}_exceptions", f"improvement_{plan.id}_by_lead",
        f"improvement_{plan.id}_by_area", "reaudits"]


def test_an_area_with_no_plan_and_no_re_audit_has_no_pack_section(session, area):
    assert pack_section(session, area.id, SCALES, date(2026, 1, 1)) is None
