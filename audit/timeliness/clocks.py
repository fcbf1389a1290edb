"""The statutory clocks: for each measure, which plans are in its population and which of them met it.

This module holds the assessment's clocks (regs 5, 8, 10 and 13) and the order every clock is reported in;
reviews and phase transfers are in audit.timeliness.reviews, transfers between areas in
audit.timeliness.transfers. Every rule is vectorised over the register's day numbers (audit.timeliness.days);
docs/timeliness.md gives each definition and where it departs from a literal reading of the regulations.

An assessment the area started itself has no request date: its clocks run from `area_started_date` (the day
the area became responsible, regs 5(1)(b), 10(1) and 13(2)), never counted "not met" for the missing request.
"""

from __future__ import annotations

from collections.abc import Iterator

from audit.timeliness.days import RegisterDays, Window, day_text
from audit.timeliness.reviews import review_flags, year_before
from audit.timeliness.rules import (
    ClockSpec,
    Flags,
    only_if_recorded,
    stopped_or_overdue,
    unrecorded,
    with_exceptions,
    within_days,
)
from audit.timeliness.transfers import transfer_flags
from audit.vocabulary import AdviceType

TWENTY_WEEKS_DAYS = 140
SIXTEEN_WEEKS_DAYS = 112
SIX_WEEKS_DAYS = 42

_ADVICE_LABELS = {
    AdviceType.education: "Education",
    AdviceType.health: "Health",
    AdviceType.social_care: "Social care",
    AdviceType.educational_psychology: "Educational psychology",
}
START_WORDS = ("the request for assessment (or, for an assessment the area started itself with no request, the "
               "date it recorded as the area started date)")
REG_8_EXCEPTIONS = "reg 8(2): e.g. exceptional personal circumstances, or the family away or missing an appointment"
REG_5_EXCEPTIONS = "reg 5(4): e.g. a school closed for 4 weeks or more, or exceptional personal circumstances"
REG_10_EXCEPTIONS = "reg 10(4), recorded as the register's timescale exception"


def all_flags(register: RegisterDays, window: Window) -> Iterator[Flags]:
    """Every clock, in the order a QA lead reads them: the assessment, then reviews, then transfers."""
    yield from _decision_to_assess_flags(register, window)
    for advice in AdviceType:
        yield from _advice_flags(register, window, advice)
    yield from _not_to_issue_flags(register, window)
    yield from _final_plan_flags(register, window)
    yield from review_flags(register, window)
    yield from transfer_flags(register, window)


def _final_plan_flags(register: RegisterDays, window: Window) -> Iterator[Flags]:
    issued_on = register.days["final_issued_date"]
    issued = window.contains(issued_on)
    met = within_days(register.start, issued_on, TWENTY_WEEKS_DAYS)
    exception = register.exception
    clock = (
        f"Met when the final plan was first issued 0 to 140 days (20 weeks) after {START_WORDS}; a re-issue after "
        "a review or amendment never restarts this clock. A plan with neither date counts as not met."
    )
    period = window.text()
    yield (
        ClockSpec(
            "final_plan_20_weeks_including_exceptions",
            "Final plan issued within 20 weeks (including exception cases)",
            f"Every plan whose final plan was issued {period}, including exception cases (the DfE headline). "
            + clock,
            TWENTY_WEEKS_DAYS,
        ),
        issued,
        issued & met,
    )
    yield (
        ClockSpec(
            "final_plan_20_weeks_excluding_exceptions",
            "Final plan issued within 20 weeks (excluding exception cases)",
            f"Plans whose final plan was issued {period}, leaving out plans with a recorded timescale "
            "exception. " + clock,
            TWENTY_WEEKS_DAYS,
        ),
        issued & ~exception,
        issued & ~exception & met,
    )
    yield (
        ClockSpec(
            "final_plan_20_weeks_exception_cases",
            "Exception cases issued (of which within 20 weeks)",
            f"Plans with a recorded timescale exception whose final plan was issued {period}, counted "
            "here rather than dropped; met counts those still issued within 140 days of the request.",
            TWENTY_WEEKS_DAYS,
        ),
        issued & exception,
        issued & exception & met,
    )


def _advice_flags(register: RegisterDays, window: Window, advice: AdviceType) -> list[Flags]:
    requested = register.days[f"{advice.value}_advice_requested"]
    received = register.days[f"{advice.value}_advice_received"]
    population, met = stopped_or_overdue(requested, received, window, SIX_WEEKS_DAYS)
    label = _ADVICE_LABELS[advice]
    spec = ClockSpec(
        f"advice_6_weeks_{advice.value}",
        f"{label} advice received within 6 weeks",
        f"{label} advice requests received {window.text()}, plus requests not received by "
        f"{day_text(window.end)} that became overdue (day 43) in that period. Met when the advice was "
        "received 0 to 42 days (6 weeks) after the request.",
        SIX_WEEKS_DAYS,
    )
    column = f"{advice.value}_advice_exception"
    return with_exceptions(spec, population, met, register.flags[column], column in register.recorded,
                           REG_8_EXCEPTIONS)


def _decision_to_assess_flags(register: RegisterDays, window: Window) -> list[Flags]:
    start = register.start
    decision = register.days["decision_to_assess_date"]
    population, met = stopped_or_overdue(start, decision, window, SIX_WEEKS_DAYS)
    spec = ClockSpec(
        "decision_to_assess_6_weeks",
        "Decision whether to assess within 6 weeks of the request",
        f"Decisions whether to assess made {window.text()}, plus requests with no decision by "
        f"{day_text(window.end)} that became overdue (day 43) in that period. Met when the decision was made "
        f"0 to 42 days (6 weeks) after {START_WORDS}."
        + unrecorded(register, "decision_to_assess_date"),
        SIX_WEEKS_DAYS,
    )
    population, met = only_if_recorded(register, population, met, "decision_to_assess_date")
    return with_exceptions(spec, population, met, register.flags["decision_to_assess_exception"],
                           "decision_to_assess_exception" in register.recorded, REG_5_EXCEPTIONS)


def _not_to_issue_flags(register: RegisterDays, window: Window) -> list[Flags]:
    notice = register.days["decision_not_to_issue_date"]
    given = window.contains(notice)
    # Only notices actually given are counted: while an assessment runs, nobody knows it will end in one.
    met = given & within_days(register.start, notice, SIXTEEN_WEEKS_DAYS)
    spec = ClockSpec(
        "decision_not_to_issue_16_weeks",
        "Notice of a decision not to issue a plan within 16 weeks",
        f"Notices that a plan will not be issued after an assessment, given {window.text()}. Met when the notice "
        f"was given 0 to 112 days (16 weeks) after {START_WORDS}."
        + unrecorded(register, "decision_not_to_issue_date"),
        SIXTEEN_WEEKS_DAYS,
    )
    return with_exceptions(spec, given, met, register.exception, "timescale_exception" in register.recorded,
                           REG_10_EXCEPTIONS)


__all__ = [
    "SIXTEEN_WEEKS_DAYS",
    "SIX_WEEKS_DAYS",
    "TWENTY_WEEKS_DAYS",
    "ClockSpec",
    "Flags",
    "all_flags",
    "year_before",
]
