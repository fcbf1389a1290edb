"""What the board reads about a cycle, read once and cut once: the figures behind the board pack and the board
summary (reports/pack.py builds the one view-model from these; reports/summary.py is a documented subset of it).

`board_data` reads the store (results, progress, timeliness, moderation, and for the pack the trend and the
monthly clocks); the functions below turn it into suppressed tables and the headline, and cut them to one
service the same way for every surface: its grade row, its sections and criteria, the clocks it answers for,
its incomplete plans, its actions and its auditors' agreement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from dateutil.relativedelta import relativedelta
from sqlmodel import Session, select

from audit.cycle.lifecycle import Progress, cycle_progress
from audit.improvement.actions import action_services, cycle_actions, cycle_improvement_actions
from audit.improvement.scales import StatusScale, load_scales
from audit.moderation.views import moderation_overview
from audit.register.frames import plans_frame
from audit.results import analysis
from audit.store.models import Auditor, Cycle, LocalArea, RubricVersion
from audit.timeliness.ageing import ADVICE_BANDS, REQUEST_BANDS, Ageing, open_case_ageing
from audit.timeliness.measures import Measure, TimelinessReport, compute_timeliness
from audit.vocabulary import SERVICES, Agency, label
from audit.words import day
from reports.suppression import COUNT, INTERVAL, PERCENT, TEXT, make_table
from reports.trends import Trends, cycle_trends, wilson_interval

GRADES = analysis.GRADE_COLUMNS
# Good or better and below Good add up to figures the table shows (the % and the total), so each pair is a set.
GRADE_SETS = (tuple(GRADES[:2]), tuple(GRADES[2:]))
# The measures each service answers for in its own pack and summary; the SEN team owns the plan-making clocks.
SPLITS = ("", "_excluding_exceptions", "_exception_cases")  # a clock reported with and without exceptions
SERVICE_MEASURES = {
    Agency.sen_team.value: [*(f"decision_to_assess_6_weeks{s}" for s in SPLITS),
                            *(f"decision_not_to_issue_16_weeks{s}" for s in SPLITS),
                            "final_plan_20_weeks_including_exceptions",
                            "final_plan_20_weeks_excluding_exceptions", "final_plan_20_weeks_exception_cases",
                            "annual_review_12_months", "review_decision_4_weeks", "amended_plan_8_weeks",
                            "phase_transfer_amended_by_deadline", "post_16_move_5_months",
                            "transfer_out_15_working_days", "transfer_in_15_working_days",
                            "transfer_in_family_told_6_weeks", "transfer_in_reviewed_by_deadline", "open_requests"],
    Agency.education.value: [*(f"advice_6_weeks_{a}{s}" for a in ("education", "educational_psychology")
                               for s in SPLITS),
                             "advice_outstanding_education", "advice_outstanding_educational_psychology"],
    Agency.health.value: [*(f"advice_6_weeks_health{s}" for s in SPLITS), "advice_outstanding_health"],
    Agency.social_care.value: [*(f"advice_6_weeks_social_care{s}" for s in SPLITS), "advice_outstanding_social_care"],
}  # with each service's open cases (audit.timeliness.ageing keys)
MONTHLY_KEYS = ["final_plan_20_weeks_including_exceptions", "decision_to_assess_6_weeks",
                "advice_6_weeks_health", "annual_review_12_months"]
MEASURE_KEEP = ("key", "definition", "target_days", "group")


@dataclass(frozen=True)
class BoardData:
    """What every board output of one cycle is built from, read once (the board's and each service's).

    `trends`, `by_team` and `monthly` are read for the pack only (`full=True`); the summary leaves them out."""

    results: analysis.CycleResults
    area: LocalArea
    version: RubricVersion
    progress: Progress
    timeliness: TimelinessReport
    moderation: dict
    scales: dict[str, StatusScale]
    trends: Trends | None = None
    by_team: TimelinessReport | None = None
    monthly: list[tuple[str, TimelinessReport]] | None = None
    open_cases: tuple[Ageing, ...] = ()  # open requests and advice awaited on as_of (audit.timeliness.ageing)


def board_data(session: Session, cycle: Cycle, as_of: date, *, full: bool = True,
               results: analysis.CycleResults | None = None, scales: dict[str, StatusScale] | None = None,
               scales_dir: Path | None = None) -> BoardData:
    """Read a cycle's results, progress, moderation and the register's timeliness as of a date; with `full`,
    also the trend up to the cycle and the timeliness per team and per month (what only the pack shows)."""
    results = results or analysis.load_cycle_results(session, cycle)
    register = plans_frame(session, cycle.area_id)
    overview = moderation_overview(session, cycle, results.marking)  # the marking read with the results, if any
    overview["agreement"] = {k: records(v) for k, v in overview["agreement"].items()}
    return BoardData(
        results=results,
        area=session.get(LocalArea, cycle.area_id),
        version=session.get(RubricVersion, cycle.rubric_version_id),
        progress=cycle_progress(session, cycle, today=as_of),
        timeliness=compute_timeliness(register, as_of),
        open_cases=tuple(open_case_ageing(register, as_of)),
        moderation=overview,
        scales=scales if scales is not None else load_scales(scales_dir),
        trends=cycle_trends(session, cycle.area_id, upto=cycle, loaded={cycle.id: results}) if full else None,
        by_team=compute_timeliness(register, as_of, by="team") if full else None,
        monthly=monthly_timeliness(register, as_of) if full else None,
    )


def monthly_timeliness(plans: pd.DataFrame, as_of: date, months: int = 12) -> list[tuple[str, TimelinessReport]]:
    """Each measure per calendar month, oldest first: the last `months` months, the current one up to as_of."""
    first = as_of.replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        start = first - relativedelta(months=back)
        end = min(start + relativedelta(months=1) - timedelta(days=1), as_of)
        out.append((f"{start:%b %Y}", compute_timeliness(plans, end, period_start=start)))
    return out


def records(frame: pd.DataFrame) -> list[dict]:
    """DataFrame rows as plain dicts; pandas' JSON writer turns NaN/NA into None and numpy types into Python."""
    return json.loads(frame.to_json(orient="records", date_format="iso"))


# --- one service's part ------------------------------------------------------------------------------------


def service_filter(results: analysis.CycleResults, service: str | None) -> dict:
    """What a service's outputs keep: its sections, its service label and the clocks it answers for."""
    if service is not None and service not in SERVICE_MEASURES:
        raise ValueError(f"Unknown service '{service}'; use one of {', '.join(SERVICE_MEASURES)}")
    sections = [s.code for s in results.rubric.sections if service is None or service in s.graded_by()]
    services = [a.label for a in SERVICES if service is None or a.value == service]
    measures = SERVICE_MEASURES.get(service) if service else None
    labels = {s.code: f"{s.code}: {s.title}" for s in results.rubric.sections if s.code in sections}
    return {"service": service, "sections": sections, "section_labels": set(labels.values()),
            "services": services, "measures": measures}


# --- tables --------------------------------------------------------------------------------------------------


def grade_table(key: str, title: str, frame: pd.DataFrame, first: str, threshold: int) -> dict:
    """A grade distribution (audit.results.analysis.distribution) with its Wilson interval, suppressed."""
    rows = []
    for r in records(frame):
        good = r["Outstanding"] + r["Good"]
        interval = wilson_interval(good, r["plans"])
        rows.append(r | {"ci": None if interval is None else (100 * interval[0], 100 * interval[1])})
    columns = [("group", first, TEXT), ("plans", "Plans graded", COUNT), *[(g, g, COUNT) for g in GRADES],
               ("incomplete", "Incomplete", COUNT), ("good_or_better_pct", "Good or better", PERCENT),
               ("ci", "95% interval", INTERVAL)]
    return make_table(key, title, columns, rows, threshold=threshold, size="plans", parts=GRADE_SETS,
                      shares={"good_or_better_pct": GRADE_SETS[0]})


def measure_table(key: str, title: str, measures: list[Measure], threshold: int, group_heading: str | None = None,
                  definitions: bool = True) -> dict:
    rows = []
    for m in measures:
        interval = wilson_interval(m.met, m.total)
        rows.append({"key": m.key, "label": m.label, "group": m.group or "All", "met": m.met, "not_met": m.not_met,
                     "total": m.total, "percent": m.percent, "definition": m.definition,
                     "target_days": m.target_days,
                     "ci": None if interval is None else (100 * interval[0], 100 * interval[1])})
    columns = [("label", "Measure", TEXT)] + ([("group", group_heading, TEXT)] if group_heading else []) + [
        ("met", "Met", COUNT), ("not_met", "Not met", COUNT), ("total", "Total", COUNT),
        ("percent", "Percent", PERCENT), ("ci", "95% interval", INTERVAL)]
    if definitions:
        columns.append(("definition", "Definition", TEXT))
    return make_table(key, title, columns, rows, threshold=threshold, size="total", keep=MEASURE_KEEP,
                      parts=(("met", "not_met"),), shares={"percent": ("met",)})


def open_case_tables(data: BoardData, keep: dict, t: int) -> list[dict]:
    """Open requests and advice still awaited on as_of, by weeks waited, as suppressed counts (never the list of
    plans: that is for the QA lead, `ehcp-audit timeliness --open`); a service sees the ones it answers for."""
    wanted = keep["measures"]
    out = []
    for key, title, heading, bands, kinds in (
            ("open_requests", "Requests with no final plan yet, by weeks since the request", "Requests",
             REQUEST_BANDS, [a for a in data.open_cases if a.key == "open_requests"]),
            ("open_advice", "Advice still awaited, by weeks since it was requested", "Advice", ADVICE_BANDS,
             [a for a in data.open_cases if a.key != "open_requests"])):
        kinds = [a for a in kinds if wanted is None or a.key in wanted]
        if not kinds:
            continue
        bands_ = [f"band_{i}" for i in range(len(bands))]
        rows = [{"key": a.key, "label": a.label, "definition": a.definition, "open": a.open,
                 **{k: n for k, (_, n) in zip(bands_, a.bands)}} for a in kinds]
        columns = [("label", heading, TEXT), ("open", "Open", COUNT),
                   *[(k, words, COUNT) for k, (_, _, words) in zip(bands_, bands)]]
        out.append(make_table(key, title, columns, rows, threshold=t, size="open", parts=(tuple(bands_),),
                              keep=("key", "definition")))
    return out


def capped(effects: dict, threshold: int) -> dict:
    """How many plans a limiting rule lowered, and from what, in a sentence. A count under the threshold is "<5";
    the from-to breakdown is given only when none of its counts is small (so none can be worked out)."""
    lowered = effects["lowered"]
    small = 0 < lowered < threshold
    moves = effects["moves"] if not small and all(m["plans"] >= threshold for m in effects["moves"]) else []
    shown = f"<{threshold}" if small else str(lowered)
    if not effects["rules"]:
        sentence = "The rubric has no limiting rule (cap) on the plan grade."
    elif lowered == 0:
        sentence = "No plan's grade was lowered by a limiting rule (cap)."
    else:
        detail = ": " + "; ".join(f"{m['plans']} from {m['from']} to {m['to']}" for m in moves) if moves else ""
        sentence = (f"A limiting rule (cap) lowered {shown} of {effects['plans_graded']} graded plans{detail}. "
                    f"Without it they would have been graded higher; the rule: {'; '.join(effects['rules'])}.")
    return {**effects, "lowered": shown if small else lowered, "moves": moves, "sentence": sentence}


def weak_table(results: analysis.CycleResults, keep: dict, t: int) -> dict:
    """The ten criteria most often weak among the service's own criteria (all criteria for the board)."""
    weak = analysis.weak_criteria(results, top=len(results.criteria) + 1)
    weak = weak[weak["section"].isin(keep["sections"])].head(10)
    return _criteria_table("weak_criteria", "Most frequent weak criteria (Requires Improvement or Inadequate)",
                           records(weak), ("weak", "Weak"), ("weak_pct", "Share weak"), t)


def strong_table(results: analysis.CycleResults, keep: dict, t: int, top: int = 5) -> dict:
    """The criteria most often Good or better (strengths), among the service's own criteria: the best share first,
    then the most plans."""
    if results.criteria.empty:
        rows = []
    else:
        stats = analysis.criterion_stats(results)
        stats = stats[stats["section"].isin(keep["sections"]) & (stats["weak"] < stats["plans"])]
        stats = stats.assign(strong=stats["plans"] - stats["weak"])
        stats["strong_pct"] = (100 * stats["strong"] / stats["plans"]).round(1)
        stats = stats.sort_values(["strong_pct", "strong", "criterion_id"], ascending=[False, False, True]).head(top)
        rows = [r | {"criterion": results.rubric.criterion(r["criterion_id"])[1].text} for r in records(stats)]
    return _criteria_table("strong_criteria", "Strengths: criteria most often Good or better", rows,
                           ("strong", "Good or better"), ("strong_pct", "Share Good or better"), t)


def _criteria_table(key: str, title: str, rows: list[dict], count: tuple[str, str], share: tuple[str, str],
                    t: int) -> dict:
    """Criteria with how many plans were weak and how many Good or better, and the share of `count`."""
    rows = [r | {"criterion_label": f"{r['criterion_id']}: {r['criterion']}", "strong": r["plans"] - r["weak"]}
            for r in rows]
    return make_table(key, title, [
        ("criterion_label", "Criterion", TEXT), ("section", "Section", TEXT), ("weak", "Weak", COUNT),
        ("strong", "Good or better", COUNT), ("plans", "Of plans", COUNT), (share[0], share[1], PERCENT)],
        rows, threshold=t, size="plans", keep=("criterion_id", "criterion"), parts=(("weak", "strong"),),
        shares={share[0]: (count[0],)})


def incomplete_table(results: analysis.CycleResults, keep: dict, t: int) -> dict:
    """Plans without every section in; a service sees those missing one of its own sections."""
    rows = [r for r in records(analysis.incomplete_plans(results))
            if keep["service"] is None
            or set(keep["sections"]) & {code.strip() for code in str(r["missing_sections"]).split(",")}]
    return make_table("incomplete", "Plans without every section graded (no overall grade given)", [
        ("plan_ref", "Plan", TEXT), ("team", "Team", TEXT), ("missing_sections", "Sections not yet in", TEXT)],
        rows, threshold=t)


def action_rows(session: Session, data: BoardData, keep: dict) -> list[dict]:
    """The cycle's amendment tasks, then the improvement actions it raised or evidenced, each with `services`:
    an amendment task is its section's service (the SEN team's when it names none, as the case officer's); an
    improvement action concerns the services this cycle evidenced it on (audit.improvement.actions)."""
    results = data.results
    agencies = {section.code: list(section.graded_by()) for section in results.rubric.sections}
    rows = [{"kind": a.kind, "title": a.title, "lead": a.lead, "milestone": a.milestone.isoformat(),
             "status": a.status, "status_label": label(a.status, "task_status"), "detail": a.detail,
             "section": a.section, "services": agencies.get(a.section, [Agency.sen_team.value])}
            for a in cycle_actions(session, results.cycle.id)]
    rows += [{**{k: row[k] for k in ("kind", "title", "lead", "milestone", "status", "detail")},
              "status_label": row["status"], "services": action_services(row["targets"], results.rubric)}
             for row in cycle_improvement_actions(session, results.cycle.id, data.scales)]
    return [r for r in rows if keep["service"] is None or keep["service"] in r["services"]]


def actions_table(rows: list[dict], t: int) -> dict:
    return make_table("actions", "Amendment tasks and improvement actions from this cycle", [
        ("title", "Action", TEXT), ("kind", "Kind", TEXT, lambda v: label(v, "action_kind")), ("lead", "Lead", TEXT),
        ("milestone", "Milestone", TEXT, day), ("status_label", "Status", TEXT)],
        rows, threshold=t, keep=("status", "detail", "section", "services"))


def off_track(row: dict, as_of: date) -> bool:
    """An action not done whose milestone has passed (a milestone in words, not a date, is never overdue)."""
    done = row["status"] in ("done", "reaudited") or str(row["status_label"]).lower().startswith("complete")
    try:
        milestone = date.fromisoformat(str(row["milestone"]))
    except ValueError:
        return False
    return not done and milestone < as_of


def actions_summary_table(rows: list[dict], as_of: date) -> dict:
    """The cycle's actions counted by kind and status, with how many are overdue: the PDF's view of the actions
    table (whose rows, one per action, are in the workbook). Actions are not plans: nothing is suppressed."""
    counts: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        tally = counts.setdefault((row["kind"], row["status_label"]), [0, 0])
        tally[0] += 1
        tally[1] += off_track(row, as_of)
    summary = [{"kind": kind, "status": status, "actions": n, "overdue": late}
               for (kind, status), (n, late) in counts.items()]
    return make_table("actions_summary", f"Actions from this cycle by status, and how many are overdue on {day(as_of)}", [
        ("kind", "Kind", TEXT, lambda v: label(v, "action_kind")), ("status", "Status", TEXT),
        ("actions", "Actions", COUNT), ("overdue", "Overdue", COUNT)], summary, threshold=0,
        caption="Every action, with its lead and milestone, is listed in the workbook (sheet \"Actions\").")


# --- the headline and moderation ---------------------------------------------------------------------------


def headline(data: BoardData, head: dict, head_row: dict, keep: dict, t: int) -> dict:
    """The headline figures: `head` is the unsuppressed grade row (the sample's, or the service's), `head_row`
    its suppressed record. Counts under the threshold are "<5" and a percentage of a small group is None."""
    progress = data.progress
    counts = progress.by_agency.get(keep["service"], {}) if keep["service"] else {
        "submitted": progress.submitted, "total": progress.total, "late": progress.late}
    small = 0 < head["plans"] < t
    most_common = max(GRADES, key=lambda g: head[g]) if head["plans"] and not small else None
    return {
        "plans_sampled": len(data.results.plans),
        "plans_graded": head_row["plans"],
        "plans_incomplete": head_row["incomplete"],
        "good_or_better_pct": head_row["good_or_better_pct"],
        "most_common_grade": most_common,
        "scorecards_submitted": counts.get("submitted", 0),
        "scorecards_expected": counts.get("total", 0),
        "scorecards_late": counts.get("late", 0),
        "withdrawn": [{"plan_ref": ref, "reason": reason} for ref, reason in progress.withdrawn],
    }


def headline_lines(figures: dict) -> list[str]:
    """The headline as the pack prints it."""
    pct = figures["good_or_better_pct"]
    good = "no data" if figures["plans_graded"] == 0 else ("suppressed" if pct is None else f"{pct:.1f}%")
    return [f"{good} of graded plans were Good or better",
            f"{figures['plans_graded']} of {figures['plans_sampled']} sampled plans fully graded",
            f"{figures['plans_incomplete']} incomplete audits"]


def moderation(session: Session, data: BoardData, keep: dict) -> dict:
    """Second marking and agreement; a service sees its own queue, sections and auditors."""
    overview = data.moderation
    if keep["service"] is None:
        return overview
    agency = Agency(keep["service"])
    agreement = overview["agreement"]
    auditors = set(session.exec(select(Auditor.code).where(Auditor.agency == agency.value)).all())
    return {**overview,
            "awaiting_moderation": [r for r in overview["awaiting_moderation"] if r["agency"] == agency.label],
            "agreement": {"cycle": agreement["cycle"],
                          "agency": [r for r in agreement["agency"] if r["group"] == agency.label],
                          "section": [r for r in agreement["section"] if r["group"] in keep["section_labels"]],
                          "auditor": [r for r in agreement["auditor"] if r["group"] in auditors]}}
