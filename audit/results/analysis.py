"""Results as pandas tables: grade distributions per service, section, team, phase and need.

Every table lists every group a board would look for (all four services, every rubric section, every team
in the register ...). A group with no graded plan has `plans == 0` and `good_or_better_pct is None`, which
outputs show as "no data", never 0% or 100%.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlmodel import Session, select

from audit.cycle.assignment import cycle_rubric
from audit.moderation.marking import Marking, read_marking
from audit.results.cycle_scores import counted_grades
from audit.rubrics.loading import Rubric
from audit.rubrics.model import PART_SEPARATOR
from audit.rubrics.scoring import NOT_APPLICABLE, plan_grades, service_grade
from audit.store.models import Cycle, Plan, PlanResult, SampledPlan, SectionResult
from audit.timeliness.measures import within_20_weeks
from audit.vocabulary import LABELS, REAUDIT_STRATUM, SERVICES, Grade, Phase

GRADE_COLUMNS = [g.label for g in sorted(Grade, reverse=True)]  # best first, as boards read them


@dataclass
class CycleResults:
    cycle: Cycle
    rubric: Rubric
    plans: pd.DataFrame  # one row per active sampled plan: register fields, grade (Int64), status
    sections: pd.DataFrame  # one row per plan x section
    services: pd.DataFrame  # one row per plan x service that applies: grade or incomplete
    criteria: pd.DataFrame  # one row per plan x criterion graded
    register_teams: list[str]
    register_needs: list[str]
    marking: Marking | None = None  # the marking the criteria were counted from (for the moderation overview)


def has_reaudits(session: Session, cycle: Cycle) -> bool:
    """Whether plans were added to the cycle to be re-audited (on top of its random sample)."""
    query = select(SampledPlan.id).where(SampledPlan.cycle_id == cycle.id, SampledPlan.stratum == REAUDIT_STRATUM)
    return session.exec(query.limit(1)).first() is not None


def load_cycle_results(session: Session, cycle: Cycle, include_reaudits: bool = False,
                       criteria: bool = True) -> CycleResults:
    """Read the stored results of a scored cycle into frames.

    Plans added on top of the random sample to be re-audited (audit.cycle.amendments) are left out unless asked
    for, so every figure describes the random sample. `criteria=False` leaves the criteria frame empty:
    trends across cycles need only plan, section and service grades, and working out which scorecard
    counts for each criterion is most of the cost.
    """
    rubric = cycle_rubric(session, cycle)
    # Plain columns, not ORM objects and model_dump: a cycle has thousands of section rows, and trends read
    # every earlier cycle as well.
    query = (
        select(SampledPlan.id, Plan.id, Plan.plan_ref, Plan.team, Plan.phase, Plan.primary_need, Plan.setting_type,
               Plan.case_officer, PlanResult.grade, PlanResult.status, PlanResult.missing_sections,
               Plan.request_date, Plan.final_issued_date, Plan.timescale_exception, Plan.area_started_date)
        .join(SampledPlan, SampledPlan.id == PlanResult.sampled_plan_id)
        .join(Plan, Plan.id == SampledPlan.plan_id)
        .where(PlanResult.cycle_id == cycle.id)
    )
    if not include_reaudits:
        query = query.where(SampledPlan.stratum != REAUDIT_STRATUM)
    plans = pd.DataFrame.from_records([
        (*row[:10], ", ".join(row[10]), within_20_weeks(row[11], row[12], row[14]), row[13])
        for row in session.exec(query).all()
    ], columns=["sampled_plan_id", "plan_id", "plan_ref", "team", "phase", "primary_need", "setting_type", "case_officer",
                "grade", "status", "missing_sections", "within_20_weeks", "timescale_exception"])
    plans["grade"] = plans["grade"].astype("Int64")
    kept = set(plans["sampled_plan_id"])
    section_rows = session.exec(
        select(SectionResult.sampled_plan_id, SectionResult.section, SectionResult.agency, SectionResult.grade,
               SectionResult.status, SectionResult.parts).where(SectionResult.cycle_id == cycle.id)).all()
    sections = pd.DataFrame.from_records(section_rows,
                                         columns=["sampled_plan_id", "section", "agency", "grade", "status", "parts"])
    sections = sections[sections["sampled_plan_id"].isin(kept)].reset_index(drop=True)
    sections["grade"] = sections["grade"].astype("Int64")
    services = _service_frame(rubric, sections)
    marking = read_marking(session, cycle) if criteria else None
    crit = [
        {"sampled_plan_id": sp, "section": sec.split(PART_SEPARATOR)[0], "criterion_id": cid, "grade": int(g)}
        for (sp, sec), grades in (counted_grades(session, cycle, marking) if criteria else {}).items() if sp in kept
        for cid, g in grades.items() if g != NOT_APPLICABLE  # not applicable is not a grade
    ]
    criteria = pd.DataFrame(crit, columns=["sampled_plan_id", "section", "criterion_id", "grade"])
    teams = sorted(set(session.exec(select(Plan.team).where(Plan.area_id == cycle.area_id).distinct()).all()))
    needs = sorted(set(session.exec(select(Plan.primary_need).where(Plan.area_id == cycle.area_id).distinct()).all()))
    return CycleResults(cycle, rubric, plans, sections, services, criteria, teams, needs, marking)


def _service_frame(rubric: Rubric, sections: pd.DataFrame) -> pd.DataFrame:
    """A service's grade for a plan: its applicable sections rolled up by the plan rule."""
    # Plain Python over the records: a pandas group per plan and service cost seconds for a 200-plan cycle.
    pieces: dict[tuple[int, str], dict[str, Grade] | None] = {}
    applicable = sections[sections["status"] != "not_applicable"]
    parts = applicable["parts"].tolist() if "parts" in applicable.columns else [None] * len(applicable)
    for sp_id, agency, section, grade, status, shared in zip(
            applicable["sampled_plan_id"].tolist(), applicable["agency"].tolist(), applicable["section"].tolist(),
            applicable["grade"].tolist(), applicable["status"].tolist(), parts):
        # A shared section counts for each agency by that agency's own part ("E:health"), not the combined grade.
        units = ([(part_agency, f"{section}{PART_SEPARATOR}{part_agency}", part_grade,
                   "complete" if part_grade is not None else "incomplete")
                  for part_agency, part_grade in shared.items()] if isinstance(shared, dict)
                 else [(agency, section, grade, status)])
        for unit_agency, code, unit_grade_value, unit_status in units:
            key = (sp_id, unit_agency)
            grades = pieces.setdefault(key, {})
            if unit_status == "incomplete" or grades is None:
                pieces[key] = None
            else:
                grades[code] = Grade(int(unit_grade_value))
    rows = []
    for (sp_id, agency), grades in pieces.items():
        if grades is None:
            rows.append({"sampled_plan_id": sp_id, "agency": agency, "grade": None, "status": "incomplete"})
            continue
        g = service_grade(rubric, grades, agency)
        rows.append({"sampled_plan_id": sp_id, "agency": agency, "grade": int(g) if g else None, "status": "complete"})
    frame = pd.DataFrame(rows, columns=["sampled_plan_id", "agency", "grade", "status"])
    frame["grade"] = frame["grade"].astype("Int64")
    return frame


def distribution(frame: pd.DataFrame, by: str, groups: list[str], labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Counts per grade, incomplete count and % Good or better for each group, in the order given."""
    out = []
    for group in groups:
        sub = frame[frame[by] == group]
        graded = sub["grade"].dropna().astype(int)
        counts = {g.label: int((graded == int(g)).sum()) for g in Grade}
        n = len(graded)
        good = counts["Outstanding"] + counts["Good"]
        out.append({
            "group": (labels or {}).get(group, group),
            "plans": n,
            **{label: counts[label] for label in GRADE_COLUMNS},
            "incomplete": int((sub["status"] == "incomplete").sum()),
            "good_or_better_pct": round(100 * good / n, 1) if n else None,
        })
    return pd.DataFrame(out, columns=["group", "plans", *GRADE_COLUMNS, "incomplete", "good_or_better_pct"])


def overall(results: CycleResults) -> pd.DataFrame:
    frame = results.plans.assign(all="All sampled plans")
    return distribution(frame, "all", ["All sampled plans"])


def by_service(results: CycleResults) -> pd.DataFrame:
    return distribution(results.services, "agency", [s.value for s in SERVICES], {s.value: s.label for s in SERVICES})


def by_section(results: CycleResults) -> pd.DataFrame:
    codes = [s.code for s in results.rubric.sections]
    labels = {s.code: f"{s.code}: {s.title}" for s in results.rubric.sections}
    return distribution(results.sections, "section", codes, labels)


# Plan fields whose values are codes: their groups are named in words (audit.vocabulary).
FIELD_FAMILIES = {"phase": "phase", "primary_need": "need"}


def by_plan_field(results: CycleResults, field: str) -> pd.DataFrame:
    groups = {"team": results.register_teams, "phase": Phase.values(), "primary_need": results.register_needs}.get(
        field, sorted(results.plans[field].dropna().unique()))
    family = FIELD_FAMILIES.get(field)
    return distribution(results.plans, field, list(groups), LABELS[family] if family else None)


def grade_by_timeliness(results: CycleResults) -> pd.DataFrame:
    """Cross-tab of plan grade against whether the plan was issued within 20 weeks."""
    frame = results.plans.copy()
    frame["issued"] = frame["within_20_weeks"].map({True: "within_20_weeks", False: "over_20_weeks"}).fillna("not_issued")
    return distribution(frame, "issued", ["within_20_weeks", "over_20_weeks"], LABELS["timeliness_group"])


def criterion_stats(results: CycleResults) -> pd.DataFrame:
    """Per criterion: plans graded on it, how many RI or Inadequate, and that share in percent."""
    crit = results.criteria
    stats = crit.assign(weak=crit["grade"] <= int(Grade.REQUIRES_IMPROVEMENT)).groupby(
        ["criterion_id", "section"], as_index=False).agg(plans=("grade", "size"), weak=("weak", "sum"))
    stats["weak_pct"] = (100 * stats["weak"] / stats["plans"]).round(1)
    return stats


def weak_by(results: CycleResults, level: str) -> pd.DataFrame:
    """Per criterion, section or service: plans graded on it, how many RI or Inadequate, and which plans those were.

    Sections and services count only plans with that part complete; "not applicable" is not a grade.
    """
    if level == "criterion":
        frame = results.criteria.rename(columns={"criterion_id": "target"})
    elif level == "section":
        frame = results.sections[results.sections["status"] == "complete"].rename(columns={"section": "target"})
    elif level == "service":
        frame = results.services[results.services["status"] == "complete"].rename(columns={"agency": "target"})
    else:
        raise ValueError(f"unknown level {level}")
    frame = frame[frame["grade"].notna()]
    frame = frame.assign(weak=frame["grade"].astype(int) <= int(Grade.REQUIRES_IMPROVEMENT))
    refs = results.plans.set_index("sampled_plan_id")["plan_ref"]
    rows = [{"target": target, "plans": len(group), "weak": int(group["weak"].sum()),
             "plan_refs": sorted(refs.reindex(group.loc[group["weak"], "sampled_plan_id"]).dropna().tolist())}
            for target, group in frame.groupby("target", sort=True)]
    out = pd.DataFrame(rows, columns=["target", "plans", "weak", "plan_refs"])
    out["share"] = out["weak"] / out["plans"]
    return out


def weak_criteria(results: CycleResults, top: int = 10) -> pd.DataFrame:
    """Criteria most often graded Requires Improvement or Inadequate, with the share of plans graded on each."""
    cols = ["criterion_id", "section", "criterion", "plans", "weak", "weak_pct"]
    if results.criteria.empty:
        return pd.DataFrame(columns=cols)
    stats = criterion_stats(results)
    stats["criterion"] = stats["criterion_id"].map(lambda cid: results.rubric.criterion(cid)[1].text)
    stats = stats[stats["weak"] > 0].sort_values(["weak_pct", "weak", "criterion_id"], ascending=[False, False, True])
    return stats[cols].head(top).reset_index(drop=True)


def incomplete_plans(results: CycleResults) -> pd.DataFrame:
    frame = results.plans[results.plans["status"] == "incomplete"]
    return frame[["plan_ref", "team", "missing_sections"]].sort_values("plan_ref").reset_index(drop=True)


def cap_effects(results: CycleResults) -> dict:
    """How many graded plans a limiting rule (a plan cap) lowered, and from what to what, from the stored sections."""
    caps = results.rubric.rollup.caps
    sections = results.sections[results.sections["status"] == "complete"]
    graded = set(results.plans.loc[results.plans["grade"].notna(), "sampled_plan_id"])
    moves: dict[tuple[str, str], int] = {}
    for sp_id, rows in sections.groupby("sampled_plan_id"):
        if sp_id not in graded or not caps:
            continue
        before, after = plan_grades(results.rubric, {r.section: Grade(int(r.grade)) for r in rows.itertuples()})
        if after < before:
            moves[(before.label, after.label)] = moves.get((before.label, after.label), 0) + 1
    order = {g.label: i for i, g in enumerate(sorted(Grade, reverse=True))}
    lowered = [{"from": a, "to": b, "plans": n} for (a, b), n in sorted(moves.items(), key=lambda m: (order[m[0][0]],
                                                                                                       order[m[0][1]]))]
    return {"plans_graded": len(graded), "lowered": sum(m["plans"] for m in lowered), "moves": lowered,
            "rules": [f"if section {' or '.join(c.targets)} is {c.at_or_below.label} or worse, the plan is at most "
                      f"{c.cap_at.label}" for c in caps]}
