"""Steps for the statutory clocks feature: a few plans in, figures and open cases out."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from audit.timeliness.ageing import open_case_ageing
from audit.timeliness.measures import compute_timeliness
from tests.unit.test_timeliness_statutory import register

scenarios("timeliness/statutory_clocks.feature")


def long_date(text: str) -> date:
    return datetime.strptime(text, "%d %B %Y").date()


def iso(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@pytest.fixture
def rows() -> list[dict]:
    return []


@given("these children moved away:")
def moved_away(rows, datatable):
    for plan, aware, moved, sent in datatable[1:]:
        rows.append({"plan_ref": plan, "transfer_out_notified_date": iso(aware), "transfer_out_move_date": iso(moved),
                     "transfer_out_sent_date": iso(sent)})


@given("these children moved in:")
def moved_in(rows, datatable):
    for plan, aware, received, told, last, reviewed in datatable[1:]:
        rows.append({"plan_ref": plan, "transfer_in_notified_date": iso(aware), "transfer_in_received_date": iso(received),
                     "transfer_in_family_told_date": iso(told), "transfer_in_previous_review_date": iso(last),
                     "transfer_in_review_date": iso(reviewed)})


@given(parsers.parse("the area started an assessment itself on {started} and issued the plan on {issued}"))
def area_started(rows, started, issued):
    rows.append({"plan_ref": "LA1", "area_started_date": long_date(started), "final_issued_date": long_date(issued)})


@given(parsers.parse("a plan requested on {requested}, first issued on {issued} and amended after its review on "
                     "{amended}"))
def re_issued(rows, requested, issued, amended):
    amended_on = long_date(amended)
    rows.append({"plan_ref": "R1", "request_date": long_date(requested), "final_issued_date": long_date(issued),
                 "last_review_meeting_date": amended_on - timedelta(days=60),
                 "amendment_notice_date": amended_on - timedelta(days=40), "amendment_issued_date": amended_on})


@given(parsers.parse("health advice requested on {asked} arrived on {on_time} for one plan and on {late} for two, "
                     "one of them an exception"))
def health_advice(rows, asked, on_time, late):
    base = {"health_advice_requested": long_date(asked)}
    rows.append(base | {"health_advice_received": long_date(on_time)})
    rows.append(base | {"health_advice_received": long_date(late)})
    rows.append(base | {"health_advice_received": long_date(late), "health_advice_exception": True})


@given(parsers.parse("requests with no plan yet made {a:d}, {b:d} and {c:d} days before {as_of}"))
def open_requests(rows, a, b, c, as_of):
    for n in (a, b, c):
        rows.append({"plan_ref": f"D{n}", "request_date": long_date(as_of) - timedelta(days=n)})


@when(parsers.parse("the QA lead computes timeliness for the 12 months to {as_of}"), target_fixture="report")
def compute(rows, as_of):
    return compute_timeliness(register(*rows), long_date(as_of))


@when(parsers.parse("the QA lead looks at the cases still open on {as_of}"), target_fixture="ageing")
def look(rows, as_of):
    return next(a for a in open_case_ageing(register(*rows), long_date(as_of)) if a.key == "open_requests")


def find(report, label):
    [measure] = [m for m in report.measures if m.label == label and m.group is None]
    return measure


@then(parsers.re(r'"(?P<label>[^"]+)" is (?P<met>\d+) of (?P<total>\d+)$'))
def figure(report, label, met, total):
    measure = find(report, label)
    assert (measure.met, measure.total) == (int(met), int(total)), measure


@then(parsers.parse('the definition of "{label}" says "{words}"'))
def definition(report, label, words):
    assert words in find(report, label).definition


@then(parsers.parse("{n:d} requests are open and {late:d} are past 20 weeks"))
def open_counts(ageing, n, late):
    assert (ageing.open, ageing.past_limit) == (n, late)


@then(parsers.parse("the list starts with the request waiting {weeks}"))
def oldest_first(ageing, weeks):
    assert ageing.listed[0].weeks == weeks
