"""`ehcp-audit timeliness --open`: the cases still open, by weeks waited, and the list of those past the limit."""

from __future__ import annotations

from datetime import date

from rich.table import Table

from audit.timeliness.ageing import Ageing
from audit.words import day
from ehcp_audit_cli.common import console


def print_open_cases(ageing: list[Ageing], as_of: date) -> None:
    """Counts per band for each kind of open case, then every case past its limit, oldest first."""
    console.print(f"\nCases still open on {day(as_of)}", highlight=False)
    for a in ageing:
        if a.group is not None:
            continue
        limit = "20 weeks" if a.key == "open_requests" else "6 weeks"
        console.print(f"- {a.label}: {a.open} open, {a.past_limit} past {limit}", highlight=False)
        console.print("  " + "; ".join(f"{words}: {n}" for words, n in a.bands), highlight=False)
    listed = [c for a in ageing if a.group is None for c in a.listed]
    if not listed:
        console.print("No open case is past its limit.")
        return
    table = Table("plan", "team", "waiting for", "since", "waited", "exception",
                  title="Past the limit (20 weeks for a plan, 6 weeks for advice), oldest first")
    for case in listed:
        what = "final plan" if case.what == "assessment" else f"{case.what.replace('_', ' ')} advice"
        since = day(case.started) + (" (area started)" if case.started_by == "area" else "")
        table.add_row(case.plan_ref, case.team, what, since, case.weeks, "yes" if case.exception else "")
    console.print(table)
