"""The clocks added in issue 22, every boundary worked out by hand: transfers both ways (reg 15), notices not to
issue (reg 10), amended plans (reg 22), post-16 moves (reg 18), area-started assessments, exceptions for regs 5
and 8, and the first issue date. Bank holidays, leap years and missing dates at each edge."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from audit.register.frames import PLAN_DATE_COLUMNS
from audit.timeliness.measures import compute_timeliness, within_20_weeks
from audit.timeliness.rules import add_months, period_last_day
from audit.timeliness.transfers import new_area_review_deadlines, transfer_deadlines

AS_OF = date(2025, 12, 31)  # the period is calendar 2025


def register(*rows: dict) -> pd.DataFrame:
    base = dict.fromkeys(PLAN_DATE_COLUMNS) | {"status": "active", "timescale_exception": False,
                                                    "team": "North", "phase_transfer_to": None}
    columns = list(dict.fromkeys([*base, *(k for r in rows for k in r)]))
    frame = pd.DataFrame([base | r for r in rows], columns=columns)
    for column in PLAN_DATE_COLUMNS:
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame


def counts(frame, key, as_of=AS_OF):
    m = compute_timeliness(frame, as_of).get(key)
    return m.met, m.total


def day(d: date) -> np.ndarray:
    return np.array([float((d - date(1970, 1, 1)).days)])


def as_date(days: np.ndarray) -> date | None:
    return None if np.isnan(days[0]) else date(1970, 1, 1) + pd.Timedelta(days=int(days[0]))


# --- calendar months over day numbers ----------------------------------------------------------------

@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
    (date(2025, 7, 31), -5, date(2025, 2, 28)),
    (date(2024, 7, 31), -5, date(2024, 2, 29)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2025, 12, 15), 3, date(2026, 3, 15)),
])
def test_add_months_clamps_to_the_end_of_a_short_month(start, months, expected):
    assert as_date(add_months(day(start), months)) == expected


@pytest.mark.parametrize(("start", "months", "last"), [
    (date(2024, 3, 10), 12, date(2025, 3, 9)),  # ends the day before the same date
    (date(2025, 1, 31), 3, date(2025, 4, 30)),  # no 31 April: the month's last day
    (date(2023, 11, 30), 3, date(2024, 2, 29)),  # no 30 February: 29th in a leap year
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 3, 1), 12, date(2025, 2, 28)),
])
def test_a_period_beginning_with_a_day_ends_the_day_before_the_same_date(start, months, last):
    assert as_date(period_last_day(day(start), months)) == last


def test_missing_dates_stay_missing():
    assert np.isnan(add_months(np.array([np.nan]), 3)[0]) and np.isnan(period_last_day(np.array([np.nan]), 3)[0])


# --- transfers out (this area is the old authority) ---------------------------------------------------

@pytest.mark.parametrize(("aware", "move", "deadline"), [
    # Told on 1 April, moving 1 September: told 15+ working days before, so the plan goes on the day of the move.
    (date(2025, 4, 1), date(2025, 9, 1), date(2025, 9, 1)),
    # Told on 20 August: 15 working days beginning 20 Aug, over the August bank holiday (25th), end 10 September.
    (date(2025, 8, 20), date(2025, 9, 1), date(2025, 9, 10)),
    # 15 working days beginning 14 April, over Easter (18 and 21 April) and May Day (5 May): 7 May.
    (date(2025, 4, 14), None, date(2025, 5, 7)),
    # Told on a Friday 12 days before: the 15th working day (over 26 December 2025 and 1 January 2026) is later.
    (date(2025, 12, 19), date(2025, 12, 31), date(2026, 1, 13)),
    # Told exactly 15 working days before the move (Mon 1 to Fri 19 September): the move day.
    (date(2025, 9, 1), date(2025, 9, 22), date(2025, 9, 22)),
    (None, date(2025, 9, 1), None),  # never told: no deadline to measure
])
def test_the_old_areas_deadline(aware, move, deadline):
    got = transfer_deadlines(day(aware) if aware else np.array([np.nan]), day(move) if move else np.array([np.nan]))
    assert as_date(got) == deadline


@pytest.mark.parametrize(("sent", "met"), [(date(2025, 9, 10), True), (date(2025, 9, 11), False),
                                           (date(2025, 8, 19), False)])  # sent before it knew: a recording error
def test_transfer_out_sent_by_the_deadline(sent, met):
    frame = register({"transfer_out_notified_date": date(2025, 8, 20), "transfer_out_move_date": date(2025, 9, 1),
                      "transfer_out_sent_date": sent})
    assert counts(frame, "transfer_out_15_working_days") == (int(met), 1)


def test_an_unsent_transfer_out_is_late_the_day_after_its_deadline():
    frame = register({"transfer_out_notified_date": date(2025, 8, 20), "transfer_out_move_date": date(2025, 9, 1)})
    assert counts(frame, "transfer_out_15_working_days", as_of=date(2025, 9, 10)) == (0, 0)
    assert counts(frame, "transfer_out_15_working_days", as_of=date(2025, 9, 11)) == (0, 1)


def test_the_old_areas_duty_on_plans_received_uses_the_move_date_too():
    # Told on 1 April of a 1 September move and sent on the day of the move: on time, though 15 working days
    # from 1 April had long passed.
    frame = register({"transfer_in_notified_date": date(2025, 4, 1), "transfer_in_move_date": date(2025, 9, 1),
                      "transfer_in_received_date": date(2025, 9, 1)})
    assert counts(frame, "transfer_in_15_working_days") == (1, 1)
    label = compute_timeliness(frame, AS_OF).get("transfer_in_15_working_days").label
    assert "old area's duty" in label


# --- transfers in (this area is the new authority) ----------------------------------------------------

@pytest.mark.parametrize(("told", "met"), [(date(2024, 4, 12), True), (date(2024, 4, 13), False)])
def test_family_told_within_6_weeks_of_the_transfer_in_a_leap_year(told, met):
    # 1 March 2024 + 42 days = 12 April 2024.
    frame = register({"transfer_in_received_date": date(2024, 3, 1), "transfer_in_family_told_date": told})
    assert counts(frame, "transfer_in_family_told_6_weeks", as_of=date(2024, 12, 31)) == (int(met), 1)


def test_family_not_told_is_late_from_day_43_and_no_data_when_never_recorded():
    frame = register({"transfer_in_received_date": date(2025, 11, 1)},
                     {"transfer_in_received_date": date(2025, 1, 6), "transfer_in_family_told_date": date(2025, 2, 1)})
    assert counts(frame, "transfer_in_family_told_6_weeks", as_of=date(2025, 12, 13)) == (1, 1)  # day 42
    assert counts(frame, "transfer_in_family_told_6_weeks", as_of=date(2025, 12, 14)) == (1, 2)  # day 43
    unrecorded = register({"transfer_in_received_date": date(2025, 1, 6)})
    measure = compute_timeliness(unrecorded, AS_OF).get("transfer_in_family_told_6_weeks")
    assert (measure.total, measure.shown) == (0, "no data") and "records no" in measure.definition


@pytest.mark.parametrize(("previous", "received", "deadline"), [
    (date(2024, 3, 10), date(2024, 6, 1), date(2025, 3, 9)),  # 12 months from the last review is later
    (date(2024, 1, 1), date(2024, 12, 1), date(2025, 2, 28)),  # 3 months from the transfer is later
    (date(2023, 1, 1), date(2023, 11, 30), date(2024, 2, 29)),  # 3 months ends on a leap day
    (None, date(2025, 1, 31), date(2025, 4, 30)),  # nothing to count 12 months from: 3 months only
])
def test_the_new_areas_review_deadline(previous, received, deadline):
    got = new_area_review_deadlines(day(received), day(previous) if previous else np.array([np.nan]))
    assert as_date(got) == deadline


@pytest.mark.parametrize(("review", "met"), [(date(2025, 3, 9), True), (date(2025, 3, 10), False),
                                             (date(2024, 5, 31), False)])  # before the transfer: the old area's
def test_transfer_in_reviewed_by_the_later_deadline(review, met):
    frame = register({"transfer_in_received_date": date(2024, 6, 1),
                      "transfer_in_previous_review_date": date(2024, 3, 10), "transfer_in_review_date": review})
    as_of = date(2025, 12, 31) if review.year == 2025 else date(2024, 12, 31)
    assert counts(frame, "transfer_in_reviewed_by_deadline", as_of=as_of) == (int(met), 1)


def test_a_never_reviewed_transfer_counts_from_the_date_the_plan_was_made():
    # Made 15 May 2024, transferred 1 February 2025: 12 months beginning 15 May 2024 end 14 May 2025, later
    # than 30 April 2025 (3 months beginning 1 February). Unreviewed: late from 15 May 2025.
    frame = register({"final_issued_date": date(2024, 5, 15), "transfer_in_received_date": date(2025, 2, 1)},
                     {"transfer_in_received_date": date(2025, 1, 1), "transfer_in_review_date": date(2025, 3, 1)})
    assert counts(frame, "transfer_in_reviewed_by_deadline", as_of=date(2025, 5, 14)) == (1, 1)
    assert counts(frame, "transfer_in_reviewed_by_deadline", as_of=date(2025, 5, 15)) == (1, 2)


# --- reg 10, reg 22, reg 18 -----------------------------------------------------------------------------

@pytest.mark.parametrize(("notice", "met"), [(date(2024, 4, 22), True), (date(2024, 4, 23), False)])
def test_notice_not_to_issue_within_16_weeks(notice, met):
    # 1 January 2024 + 112 days = 22 April 2024 (a leap year: 31 + 29 + 31 + 21).
    frame = register({"request_date": date(2024, 1, 1), "decision_not_to_issue_date": notice})
    assert counts(frame, "decision_not_to_issue_16_weeks", as_of=date(2024, 12, 31)) == (int(met), 1)


def test_notices_not_to_issue_are_counted_once_given_and_split_by_exception():
    frame = register(
        {"request_date": date(2025, 1, 6), "decision_not_to_issue_date": date(2025, 4, 1)},
        {"request_date": date(2025, 1, 6), "decision_not_to_issue_date": date(2025, 7, 1), "timescale_exception": True},
        {"request_date": date(2025, 1, 6)},  # still being assessed: not counted
    )
    report = compute_timeliness(frame, AS_OF)
    assert (report.get("decision_not_to_issue_16_weeks").met, report.get("decision_not_to_issue_16_weeks").total) == (1, 2)
    assert counts(frame, "decision_not_to_issue_16_weeks_excluding_exceptions") == (1, 1)
    assert counts(frame, "decision_not_to_issue_16_weeks_exception_cases") == (0, 1)


@pytest.mark.parametrize(("issued", "met"), [(date(2024, 3, 28), True), (date(2024, 3, 29), False)])
def test_amended_plan_within_8_weeks_of_the_notice(issued, met):
    # 1 February 2024 + 56 days = 28 March 2024 (29 days in February).
    frame = register({"amendment_notice_date": date(2024, 2, 1), "amendment_issued_date": issued})
    assert counts(frame, "amended_plan_8_weeks", as_of=date(2024, 12, 31)) == (int(met), 1)


def test_an_amendment_still_awaited_is_late_from_day_57():
    frame = register({"amendment_notice_date": date(2025, 11, 1)})
    assert counts(frame, "amended_plan_8_weeks", as_of=date(2025, 12, 27)) == (0, 0)  # day 56
    assert counts(frame, "amended_plan_8_weeks", as_of=date(2025, 12, 28)) == (0, 1)  # day 57


@pytest.mark.parametrize(("move", "amended", "met", "as_of"), [
    (date(2025, 7, 31), date(2025, 2, 28), True, AS_OF),  # 5 months before 31 July is 28 February
    (date(2025, 7, 31), date(2025, 3, 1), False, AS_OF),
    (date(2024, 7, 31), date(2024, 2, 29), True, date(2024, 12, 31)),  # leap year
    (date(2026, 1, 15), date(2025, 8, 15), True, AS_OF),  # a January move: deadline in August
    (date(2026, 1, 15), None, False, AS_OF),
])
def test_a_move_between_post_16_institutions_is_amended_5_months_before(move, amended, met, as_of):
    frame = register({"phase_transfer_date": move, "phase_transfer_to": "post_16", "post_16_move": True,
                      "phase_transfer_amended_date": amended})
    assert counts(frame, "post_16_move_5_months", as_of=as_of) == (int(met), 1)
    assert counts(frame, "phase_transfer_amended_by_deadline", as_of=as_of) == (0, 0)  # not a phase transfer


# --- area-started assessments, the first issue date -------------------------------------------------

def test_an_area_started_assessment_is_timed_from_the_date_the_area_recorded():
    # Started 1 February 2024, issued 20 June 2024: day 140 in a leap year.
    started = {"area_started_date": date(2024, 2, 1), "final_issued_date": date(2024, 6, 20),
               "decision_to_assess_date": date(2024, 2, 1)}
    nothing = {"final_issued_date": date(2024, 6, 20)}  # no request and no start: cannot be shown to be met
    frame = register(started, nothing)
    as_of = date(2024, 12, 31)
    assert counts(frame, "final_plan_20_weeks_including_exceptions", as_of) == (1, 2)
    assert counts(frame, "decision_to_assess_6_weeks", as_of) == (1, 1)
    assert within_20_weeks(None, date(2024, 6, 20), date(2024, 2, 1)) is True
    assert within_20_weeks(None, date(2024, 6, 21), date(2024, 2, 1)) is False


def test_a_request_date_wins_over_an_area_start_date():
    frame = register({"request_date": date(2024, 1, 1), "area_started_date": date(2024, 3, 1),
                      "final_issued_date": date(2024, 6, 20)})  # day 171 from the request
    assert counts(frame, "final_plan_20_weeks_including_exceptions", date(2024, 12, 31)) == (0, 1)


def test_the_20_weeks_count_the_first_issue_never_a_re_issue():
    # Issued on day 121 in 2024; amended and re-issued in 2025. 2025 has no new plan; 2024 has one, on time.
    frame = register({"request_date": date(2024, 1, 1), "final_issued_date": date(2024, 5, 1),
                      "last_review_meeting_date": date(2025, 3, 1), "amendment_notice_date": date(2025, 3, 20),
                      "amendment_issued_date": date(2025, 5, 1)})
    assert counts(frame, "final_plan_20_weeks_including_exceptions", AS_OF) == (0, 0)
    assert counts(frame, "final_plan_20_weeks_including_exceptions", date(2024, 12, 31)) == (1, 1)
    assert counts(frame, "amended_plan_8_weeks", AS_OF) == (1, 1)


# --- exceptions for regs 5 and 8 ---------------------------------------------------------------------

def test_advice_is_reported_with_and_without_exceptions_once_any_is_recorded():
    on_time = {"health_advice_requested": date(2025, 3, 3), "health_advice_received": date(2025, 4, 14)}  # day 42
    late = {"health_advice_requested": date(2025, 3, 3), "health_advice_received": date(2025, 5, 1)}
    frame = register(on_time, late, late | {"health_advice_exception": True})
    report = compute_timeliness(frame, AS_OF)
    including = report.get("advice_6_weeks_health")
    assert (including.met, including.total) == (1, 3) and "(including exception cases)" in including.label
    assert counts(frame, "advice_6_weeks_health_excluding_exceptions") == (1, 2)
    assert counts(frame, "advice_6_weeks_health_exception_cases") == (0, 1)
    # Education advice has no exception recorded anywhere: still three figures, and they say why they agree.
    education = report.get("advice_6_weeks_education")
    assert "records no exception for this clock" in education.definition
    assert report.get("advice_6_weeks_education_exception_cases").shown == "no data"


def test_the_decision_to_assess_is_reported_with_and_without_exceptions():
    frame = register({"request_date": date(2025, 3, 3), "decision_to_assess_date": date(2025, 4, 14)},
                     {"request_date": date(2025, 3, 3), "decision_to_assess_date": date(2025, 5, 1),
                      "decision_to_assess_exception": True})
    assert counts(frame, "decision_to_assess_6_weeks") == (1, 2)
    assert counts(frame, "decision_to_assess_6_weeks_excluding_exceptions") == (1, 1)
    assert counts(frame, "decision_to_assess_6_weeks_exception_cases") == (0, 1)


def test_every_new_measure_says_no_data_on_an_old_register():
    report = compute_timeliness(register({"request_date": date(2025, 1, 6)}), AS_OF)
    for key in ("decision_not_to_issue_16_weeks", "amended_plan_8_weeks", "post_16_move_5_months",
                "transfer_out_15_working_days", "transfer_in_family_told_6_weeks", "transfer_in_reviewed_by_deadline"):
        measure = report.get(key)
        assert (measure.total, measure.shown) == (0, "no data") and "31 December 2025" in measure.definition, key


# --- open-case ageing ----------------------------------------------------------------------------------

def test_open_requests_by_weeks_since_the_request_with_those_past_20_weeks_listed():
    from audit.timeliness.ageing import open_case_ageing

    as_of = date(2025, 6, 30)
    frame = register(
        {"plan_ref": "D140", "request_date": as_of - pd.Timedelta(days=140)},  # still within 20 weeks
        {"plan_ref": "D141", "request_date": as_of - pd.Timedelta(days=141), "timescale_exception": True},
        {"plan_ref": "LA", "area_started_date": as_of - pd.Timedelta(days=400), "team": "South"},
        {"plan_ref": "D0", "request_date": as_of},
        {"plan_ref": "ISSUED", "request_date": date(2024, 1, 1), "final_issued_date": date(2024, 6, 1)},
        {"plan_ref": "REFUSED", "request_date": date(2025, 1, 1), "decision_to_assess_date": date(2025, 2, 1),
         "decision_to_assess_outcome": "not_assess"},
        {"plan_ref": "NOT-ISSUED", "request_date": date(2024, 9, 1), "decision_not_to_issue_date": date(2024, 12, 1)},
        {"plan_ref": "CEASED", "request_date": date(2024, 9, 1), "status": "ceased"},
        {"plan_ref": "LATER", "request_date": date(2025, 7, 1)},  # after as_of: not yet a request
        {"plan_ref": "ISSUED-LATER", "request_date": date(2025, 3, 1), "final_issued_date": date(2025, 7, 15),
         "health_advice_requested": date(2025, 5, 19), "health_advice_received": date(2025, 7, 1)},
    )
    ageing = {(a.key, a.group): a for a in open_case_ageing(frame, as_of, by="team")}
    requests = ageing[("open_requests", None)]
    assert dict(requests.bands) == {"up to 6 weeks": 1, "over 6, up to 16 weeks": 0, "over 16, up to 20 weeks": 2,
                                    "over 20, up to 26 weeks": 1, "over 26, up to 52 weeks": 0, "over 52 weeks": 1}
    assert (requests.open, requests.past_limit) == (5, 2)
    assert [(c.plan_ref, c.days, c.started_by, c.exception) for c in requests.listed] == [
        ("LA", 400, "area", False), ("D141", 141, "request", True)]
    assert (requests.listed[1].weeks, requests.listed[0].weeks) == ("20 weeks 1 day", "57 weeks 1 day")
    # Health advice asked 42 days before as_of and received the next day: still within 6 weeks, and open.
    health = ageing[("advice_outstanding_health", None)]
    assert (health.open, health.past_limit, dict(health.bands)["up to 6 weeks"]) == (1, 0, 1)
    assert ageing[("open_requests", "South")].open == 1 and ageing[("open_requests", "South")].listed == ()
    data = requests.to_dict()
    assert data["past_limit"] == 2 and data["listed"][0]["started"] == "2024-05-26"


def test_an_empty_register_has_no_open_cases():
    from audit.timeliness.ageing import open_case_ageing

    ageing = open_case_ageing(register(), AS_OF)
    assert len(ageing) == 5 and all(a.open == 0 and a.listed == () for a in ageing)


def test_areas_side_by_side_each_answer_for_their_own_register():
    # Area A records when families were told; area B never does. B's transfer is not "late" in a comparison,
    # it is "no data", as in B's own report. Teams of one area are not separate: there it is late.
    frame = register({"team": "A", "transfer_in_received_date": date(2025, 3, 3),
                      "transfer_in_family_told_date": date(2025, 3, 10)},
                     {"team": "B", "transfer_in_received_date": date(2025, 3, 3)})
    separate = compute_timeliness(frame, AS_OF, by="team", separate=True)
    together = compute_timeliness(frame, AS_OF, by="team")
    key = "transfer_in_family_told_6_weeks"
    assert [(separate.get(key, g).met, separate.get(key, g).total) for g in (None, "A", "B")] == [(1, 1), (1, 1), (0, 0)]
    assert [(together.get(key, g).met, together.get(key, g).total) for g in (None, "A", "B")] == [(1, 2), (1, 1), (0, 1)]
