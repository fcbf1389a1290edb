"""Steps for the timeliness feature: a register table in, figures with their definitions out."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from audit.register.frames import PLAN_DATE_COLUMNS
from audit.timeliness.measures import TimelinessReport, compute_timeliness

scenarios("timeliness/timeliness.feature")


def long_date(text: str) -> date:
    return datetime.strptime(text, "%d %B %Y").date()


def frame_of(rows: list[dict]) -> pd.DataFrame:
    base = dict.fromkeys(PLAN_DATE_COLUMNS) | {"status": "active", "timescale_exception": False, "team": "North"}
    frame = pd.DataFrame([base | row for row in rows])
    for column in PLAN_DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


@pytest.fixture
def rows() -> list[dict]:
    return []


@given(parsers.parse("the register as at {day} holds these plans:"))
def register_table(rows, datatable):
    header, *body = datatable
    for values in body:
        row = {k: (v or None) for k, v in zip(header, values)}
        row["timescale_exception"] = row.get("timescale_exception") == "yes"
        rows.append(row)


@given(parsers.parse("an active plan in team {team} issued on {issued} last reviewed on {reviewed}"))
def reviewed_plan(rows, team, issued, reviewed):
    rows.append(
        {"plan": "R1", "team": team, "final_issued_date": long_date(issued), "last_review_meeting_date": long_date(reviewed)}
    )


@when(parsers.re(r"the QA lead computes timeliness for the 12 months to (?P<as_of>\d+ \w+ \d{4})(?P<by_team> by team)?"),
      target_fixture="report")
def compute(rows, as_of, by_team):
    return compute_timeliness(frame_of(rows), long_date(as_of), by="team" if by_team else None)


def find(report: TimelinessReport, label: str, team: str | None = None):
    matches = [m for m in report.measures if m.label == label and m.group == team]
    assert len(matches) == 1, f"no single figure '{label}' for {team!r}"
    return matches[0]


@then(parsers.re(r'"(?P<label>[^"]+)"( for team (?P<team>\w+))? is (?P<met>\d+) of (?P<total>\d+), shown as "(?P<shown>[^"]+)"'))
def figure(report, label, team, met, total, shown):
    measure = find(report, label, team)
    assert (measure.met, measure.total, measure.shown) == (int(met), int(total), shown)


@then(parsers.parse("every figure states its definition and the period {start} to {end}"))
def definitions(report, start, end):
    assert (report.period_start, report.period_end) == (long_date(start), long_date(end))
    for measure in report.measures:
        assert measure.definition and end in measure.definition, measure.key


@then("the JSON for team South's health advice has no percentage")
def json_no_data(report):
    [entry] = [m for m in report.to_dict()["measures"] if m["key"] == "advice_6_weeks_health" and m["group"] == "South"]
    assert entry["percent"] is None and entry["shown"] == "no data"
