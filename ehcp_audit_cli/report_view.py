"""`ehcp-audit report` on the terminal: the board summary (reports/summary.py, the same figures as every other
format) as tables that wrap to the terminal's width, headings and codes in words."""

from __future__ import annotations

from audit.vocabulary import label
from audit.words import day, moment
from ehcp_audit_cli.common import console
from ehcp_audit_cli.tables import words_table


def _pct(value, suppressed: bool = False) -> str:
    return ("suppressed" if suppressed else "no data") if value is None else f"{value:.1f}%"


def _grades(title: str, first: str, rows: list[dict], grades: list[str]) -> None:
    if not rows:
        return
    short = {"Requires Improvement": "RI"}  # the board's own abbreviation, explained under the table
    table = words_table(first, "Plans#", *(short.get(g, g) + "#" for g in grades), "Incomplete#", "Good or better#",
                        title=title)
    for r in rows:
        counts = ["–" if r["plans"] == 0 else str(r[g]) for g in grades]
        table.add_row(str(r["group"]), str(r["plans"]), *counts, str(r["incomplete"]),
                      _pct(r["good_or_better_pct"], r["suppressed"]))
    console.print(table)


def print_summary(s: dict) -> None:
    """Print the summary's headline and tables; the HTML, Markdown and JSON formats carry the rest."""
    h = s["headline"]
    scope = f" ({s['service']['label']} only)" if s["service"] else ""
    console.print(f"[bold]{s['cycle']['name']}[/]{scope}: {s['area']['name']}, board summary", highlight=False)
    console.print(f"Cycle {s['cycle']['id']}, {label(s['cycle']['status'], 'cycle_status').lower()}, due "
                  f"{day(s['cycle']['due_date'])}; rubric {s['rubric']['title']} {s['rubric']['version']}; "
                  f"generated {moment(s['generated_at'])}.", highlight=False)
    for line in s["headline_lines"]:
        console.print(f"- {line}", highlight=False)
    console.print(f"- Most common grade: {h['most_common_grade'] or 'no data'}; {h['scorecards_submitted']} of "
                  f"{h['scorecards_expected']} scorecards submitted, {h['scorecards_late']} late.", highlight=False)
    grades = s["grades"]
    _grades("Grades per service", "Service", s["by_service"], grades)
    _grades("Grades per plan section", "Section", s["by_section"], grades)
    _grades("Grades per team", "Team", s["by_team"], grades)
    _grades("Grades per phase", "Phase", s["by_phase"], grades)
    _grades("Grades per primary need", "Primary need", s["by_primary_need"], grades)
    t = s["timeliness"]
    table = words_table("Measure", "Met#", "Total#", "Percent#",
                        title=f"Timeliness, {day(t['period_start'])} to {day(t['period_end'])}")
    for m in t["measures"]:
        table.add_row(m["label"], str(m["met"]), str(m["total"]), m["shown"])
    console.print(table)
    if s["actions"]:
        table = words_table("Action", "Kind", "Lead", "Milestone", "Status", title="Actions raised")
        for a in s["actions"]:
            table.add_row(a["title"], label(a["kind"], "action_kind"), a["lead"] or "", day(a["milestone"]),
                          a["status_label"] or "")
        console.print(table)
    console.print("RI: Requires Improvement. " + s["suppression_note"], highlight=False)
    console.print("Every table, with definitions and moderation: --format html, md or json (--out FILE).",
                  highlight=False)
