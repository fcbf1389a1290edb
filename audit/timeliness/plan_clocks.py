"""One plan's statutory clocks, for the plan look-up: when each started, when it stopped, and whether it was met.

The register-wide measures (audit.timeliness.measures) count plans in a reporting window; a person looking one
plan up wants that plan's own story instead: "Final plan within 20 weeks: requested 3 March 2026, issued
1 July 2026, 17 weeks: met". The limits are the ones the measures use (docs/timeliness.md); a clock whose dates
are not recorded says so rather than guessing. Each clock names the service that answers for it, so a service
lead sees only their own (as in their board pack).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from audit.store.models import Plan
from audit.timeliness.clocks import SIX_WEEKS_DAYS, TWENTY_WEEKS_DAYS
from audit.vocabulary import AdviceType, Agency

# Which service answers for each piece of advice (educational psychology is the education service's).
ADVICE_SERVICE = {AdviceType.education: Agency.education, AdviceType.health: Agency.health,
                  AdviceType.social_care: Agency.social_care, AdviceType.educational_psychology: Agency.education}
ADVICE_WORDS = {AdviceType.education: "Education", AdviceType.health: "Health", AdviceType.social_care: "Social care",
                AdviceType.educational_psychology: "Educational psychology"}


@dataclass(frozen=True)
class PlanClock:
    """One clock of one plan; `state` is met, not_met, running, overdue or not_recorded."""

    label: str
    limit: str
    service: str
    started: date | None
    stopped: date | None
    deadline: date | None
    state: str
    exception: bool = False

    @property
    def days(self) -> int | None:
        if self.started is None or self.stopped is None:
            return None
        return (self.stopped - self.started).days


def _clock(label: str, limit: str, service: Agency, started: date | None, stopped: date | None,
           deadline: date | None, today: date, exception: bool = False) -> PlanClock:
    if started is None:
        state = "not_recorded"
    elif stopped is not None:
        state = "met" if started <= stopped <= deadline else "not_met"
    else:
        state = "running" if today <= deadline else "overdue"
    return PlanClock(label, limit, service.value, started, stopped, deadline, state, exception)


def plan_clocks(plan: Plan, today: date, service: str | None = None) -> list[PlanClock]:
    """The plan's clocks in the order the board pack reports them; with `service`, only those it answers for."""
    sen = Agency.sen_team
    start = plan.request_date or plan.area_started_date
    clocks = []
    if plan.request_date is not None or plan.decision_to_assess_date is not None:
        clocks.append(_clock("Decision whether to assess", "6 weeks from the request", sen, plan.request_date,
                             plan.decision_to_assess_date, _plus(plan.request_date, SIX_WEEKS_DAYS), today,
                             plan.decision_to_assess_exception))
    for advice in AdviceType:
        requested = getattr(plan, f"{advice.value}_advice_requested")
        if requested is None:
            continue
        clocks.append(_clock(f"{ADVICE_WORDS[advice]} advice", "6 weeks from the request for it",
                             ADVICE_SERVICE[advice], requested, getattr(plan, f"{advice.value}_advice_received"),
                             _plus(requested, SIX_WEEKS_DAYS), today,
                             bool(getattr(plan, f"{advice.value}_advice_exception"))))
    clocks.append(_clock("Final plan issued", "20 weeks from the request", sen, start, plan.final_issued_date,
                         _plus(start, TWENTY_WEEKS_DAYS), today, plan.timescale_exception))
    if plan.last_review_meeting_date is not None:
        meeting = plan.last_review_meeting_date
        clocks.append(_clock("Decision after the annual review", "4 weeks from the meeting", sen, meeting,
                             plan.review_decision_date, _plus(meeting, 28), today))
        clocks.append(_clock("Next annual review", "within 12 months of the last", sen, meeting, None,
                             meeting + relativedelta(months=12), today))
    if plan.amendment_notice_date is not None:
        clocks.append(_clock("Amended plan issued", "8 weeks from the amendment notice", sen,
                             plan.amendment_notice_date, plan.amendment_issued_date,
                             _plus(plan.amendment_notice_date, 56), today))
    return [c for c in clocks if service is None or c.service == service]


def _plus(start: date | None, days: int) -> date | None:
    return None if start is None else date.fromordinal(start.toordinal() + days)
