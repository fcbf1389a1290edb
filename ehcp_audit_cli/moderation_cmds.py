"""Commands for moderation (second marking, the moderation queue, agreement) and calibration exercises."""

from __future__ import annotations

import json
import sys

import typer

from audit.errors import NotFound
from audit.protection.permissions import Permission
from audit.vocabulary import Agency, Grade, check_auditor_code, label
from ehcp_audit_cli.common import console, friendly, needs, settings, store
from ehcp_audit_cli.tables import words_table

# Each command imports the domain modules it uses: agreement statistics load scipy.stats (about a second),
# which `ehcp-audit --help` and every other command should not pay for.

moderation_app = typer.Typer(help="Second marking: the moderation queue, agreed grades and agreement statistics.",
                             no_args_is_help=True)
calibration_app = typer.Typer(help="Calibration exercises: every auditor grades one reference plan.",
                              no_args_is_help=True)


def _pairs(values: list[str], what: str) -> dict[str, str]:
    """SECTION=VALUE options into a dict."""
    out = {}
    for item in values:
        if "=" not in item:
            raise typer.BadParameter(f"'{item}' should be SECTION=VALUE, e.g. F=\"Requires Improvement\"", param_hint=what)
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _grades(values: list[str]) -> dict[str, Grade]:
    try:
        return {k: Grade.parse(v) for k, v in _pairs(values, "--grade").items()}
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--grade") from None


# Column headings in words (number columns end in "#", see ehcp_audit_cli.tables) and the family of codes a column
# holds, for the tables these commands print.
HEADINGS = {"group": "Group", "plans": "Plans#", "units": "Sections#", "exact_pct": "Exact %#",
            "within_one_pct": "Within one %#", "alpha_ordinal": "Alpha#", "ac1": "AC1#", "ac1_ci_low": "AC1 low#",
            "ac1_ci_high": "AC1 high#", "mean_difference": "Mean difference#", "note": "Note", "plan_ref": "Plan",
            "section": "Section", "role": "Score", "by": "By", "grade": "Grade", "counts": "Counts", "basis": "Basis"}
FAMILIES = {"role": "marker_role"}


def _print_frame(frame, title: str, families: dict[str, str] | None = None) -> None:
    families = {**FAMILIES, **(families or {})}
    table = words_table(*[HEADINGS.get(str(c), str(c).replace("_", " ").capitalize()) for c in frame.columns],
                        title=title)
    for row in frame.itertuples(index=False):
        table.add_row(*[_cell(column, v, families) for column, v in zip(frame.columns, row)])
    console.print(table)


def _cell(column: str, value, families: dict[str, str]) -> str:
    if value is None or value != value:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return label(value, families[column]) if column in families else str(value)


@moderation_app.command("queue")
@friendly
@needs(Permission.moderate)
def queue(
    cycle_id: int = typer.Argument(..., help="Cycle number."),
    plan: str | None = typer.Option(None, "--plan", help="Show this plan's two scorecards side by side."),
) -> None:
    """Plans whose two markers disagree beyond the rule, waiting for a moderator."""
    from audit.cycle.lifecycle import get_cycle
    from audit.moderation.marking import moderation_queue
    from audit.moderation.views import side_by_side

    with store() as session:
        items = moderation_queue(session, get_cycle(session, cycle_id))
        if not items:
            console.print(f"Nothing awaits moderation in cycle {cycle_id}.")
            return
        table = words_table("Plan", "Agency", "First marker", "Second marker", "Sections (first / second)", "Why",
                            title=f"Moderation queue, cycle {cycle_id}")
        for p in items:
            grades = ", ".join(f"{c}: {p.first.sections.get(c).label if c in p.first.sections else '–'} / "
                               f"{p.second.sections.get(c).label if c in p.second.sections else '–'}"
                               for c in p.first.assignment.sections)
            table.add_row(p.plan_ref, label(p.agency, "agency"), p.first.auditor.code, p.second.auditor.code, grades,
                          "; ".join(p.disagreement))
        console.print(table)
        for p in items:
            if plan == p.plan_ref:
                _print_frame(side_by_side(p, session), f"{p.plan_ref} ({p.agency}): first and second scorecards")


@moderation_app.command("agree")
@friendly
@needs(Permission.moderate)
def agree(
    cycle_id: int = typer.Argument(..., help="Cycle number."),
    plan: str = typer.Argument(..., help="Plan reference."),
    agency: str = typer.Option(..., "--agency", help="Whose sections: sen_team, education, health or social_care."),
    moderator: str = typer.Option(..., "--moderator", help="The moderator's code (not one of the two markers)."),
    grade: list[str] = typer.Option(..., "--grade", help="SECTION=GRADE, once per section, e.g. F=RI."),
    rationale: list[str] = typer.Option(..., "--rationale", help="SECTION=why, once per section."),
) -> None:
    """Record the agreed grade and rationale per section; the two original scorecards are kept."""
    from audit.cycle.lifecycle import get_cycle
    from audit.moderation.marking import moderate

    grades, reasons = _grades(grade), _pairs(rationale, "--rationale")
    with store() as session:
        rows = moderate(session, get_cycle(session, cycle_id), plan, agency, moderator,
                        {code: (g, reasons.get(code, "")) for code, g in grades.items()})
    console.print(f"Agreed {len(rows)} section grade(s) for {plan}. Rerun the cycle to rescore: "
                  f"ehcp-audit cycle run {cycle_id}")


@moderation_app.command("scores")
@friendly
@needs(Permission.moderate)
def scores(cycle_id: int = typer.Argument(..., help="Cycle number.")) -> None:
    """Every section score labelled first, second or moderated, and which one counts."""
    from audit.cycle.lifecycle import get_cycle
    from audit.moderation.views import score_labels

    with store() as session:
        frame = score_labels(session, get_cycle(session, cycle_id))
    _print_frame(frame, f"Scores, cycle {cycle_id}")


@moderation_app.command("stats")
@friendly
@needs(Permission.moderate)
def stats(
    cycle_id: int = typer.Argument(..., help="Cycle number."),
    by: str = typer.Option("all", "--by", help="cycle, agency, section, auditor or all."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
) -> None:
    """Agreement between first and second markers in words: the randomly chosen plans first, the rule-chosen beside
    them, then per agency, section and auditor; raw agreement beside AC1, AC2 and alpha, each with its interval."""
    from audit.cycle.assignment import cycle_rubric
    from audit.cycle.lifecycle import get_cycle
    from audit.moderation.agreement import agreement_tables
    from audit.moderation.views import agreement_units
    from ehcp_audit_cli.agreement_text import agreement_text

    with store() as session:
        cycle = get_cycle(session, cycle_id)
        rubric = cycle_rubric(session, cycle)
        tables = agreement_tables(agreement_units(session, cycle),
                                  {s.code: f"{s.code}: {s.title}" for s in rubric.sections})
    keys = list(tables) if by == "all" else [by]
    if any(k not in tables for k in keys):
        raise typer.BadParameter("use cycle, agency, section, auditor or all", param_hint="--by")
    if fmt == "json":
        sys.stdout.write(json.dumps({k: json.loads(tables[k].to_json(orient="records")) for k in keys}, indent=2) + "\n")
        return
    if "agency" in tables:
        tables["agency"]["group"] = tables["agency"]["group"].map(lambda a: Agency(a).label if a in Agency.values() else a)
    title = f"Agreement between first and second markers, cycle {cycle_id}"
    console.print(agreement_text(tables, title, keys), highlight=False, markup=False, soft_wrap=True)


@calibration_app.command("create")
@friendly
@needs(Permission.moderate)
def calibration_create(
    plan: str = typer.Option(..., "--plan", help="Reference plan's reference in the register."),
    name: str = typer.Option(..., "--name", help="e.g. 'Calibration, spring term'."),
    rubric: str = typer.Option("whole-plan", "--rubric", help="Rubric id or path."),
    area: str | None = typer.Option(None, "--area", help="Local area code."),
) -> None:
    """The QA lead picks a reference plan for every auditor to grade."""
    from audit.cycle.lifecycle import get_area
    from audit.moderation.calibration import create_exercise
    from audit.rubrics.loading import find_rubric

    chosen = find_rubric(settings().rubrics_dir, rubric)
    with store() as session:
        ex = create_exercise(session, get_area(session, area or settings().area_code), chosen, plan, name)
        console.print(f"Created calibration exercise {ex.id} on plan {plan}.")


@calibration_app.command("grade")
@friendly
@needs(Permission.moderate)
def calibration_grade(
    exercise: int = typer.Argument(..., help="Exercise number."),
    auditor: str = typer.Option(..., "--auditor", help="Auditor code."),
    grade: list[str] = typer.Option(..., "--grade", help="SECTION=GRADE, once per section graded."),
) -> None:
    """Record one auditor's section grades for the reference plan."""
    from sqlmodel import select

    from audit.moderation.calibration import get_exercise, record_grades
    from audit.store.models import Auditor

    check_auditor_code(auditor)
    with store() as session:
        ex = get_exercise(session, exercise)
        who = session.exec(select(Auditor).where(Auditor.area_id == ex.area_id, Auditor.code == auditor)).first()
        if who is None:
            raise NotFound(f"No auditor {auditor} in this area.")
        record_grades(session, ex, who, _grades(grade))
    console.print(f"Recorded {auditor}'s grades for exercise {exercise}.")


@calibration_app.command("reference")
@friendly
@needs(Permission.moderate)
def calibration_reference(
    exercise: int = typer.Argument(..., help="Exercise number."),
    moderator: str = typer.Option(..., "--moderator", help="Moderator's code."),
    grade: list[str] = typer.Option(..., "--grade", help="SECTION=GRADE, the moderated reference grade."),
    rationale: list[str] = typer.Option(..., "--rationale", help="SECTION=why."),
) -> None:
    """Record the moderated reference grade per section."""
    from audit.moderation.calibration import get_exercise, set_reference

    reasons = _pairs(rationale, "--rationale")
    with store() as session:
        set_reference(session, get_exercise(session, exercise), moderator,
                      {c: (g, reasons.get(c, "")) for c, g in _grades(grade).items()})
    console.print(f"Reference grades recorded for exercise {exercise}.")


@calibration_app.command("report")
@friendly
@needs(Permission.moderate)
def calibration_report(exercise: int = typer.Argument(..., help="Exercise number.")) -> None:
    """Each auditor's distance from the reference grade per section (+ = more generous than the reference)."""
    from audit.moderation.calibration import distance_by_auditor, distance_report, get_exercise

    with store() as session:
        report = distance_report(session, get_exercise(session, exercise))
    _print_frame(report, f"Calibration exercise {exercise}: distance from the reference per section")
    _print_frame(distance_by_auditor(report), "Per auditor")
