"""The family voice report's view-model (issue 21): one dict built from audit.family.views.FamilyView, with
small-number suppression applied once (reports/suppression.py), rendered as JSON, text or a web page.

Two readers: the QA lead sees every plan's family view beside its grade and the list of disagreements;
the board and the parent carer forum see only the suppressed tables, how many plans the two views disagree on,
and the themes. `family_summary` is what the board pack's "Family voice" section (`pack_section`) and the
inspection pack call.
"""

from __future__ import annotations

import json
from functools import lru_cache

from audit.family.links import AUDIENCE_LABELS, FAMILY, YOUNG_PERSON
from audit.family.surveys import load_surveys
from audit.family.views import AUDIT_HIGHER, FamilyView
from audit.vocabulary import Grade
from reports.suppression import COUNT, PERCENT, SECONDARY, TEXT, make_table, note

DIRECTIONS = {AUDIT_HIGHER: "Audit graded it well; the family rates it poorly",
              "family_higher": "Audit found it weak; the family rates it well"}
NOT_GRADED = "Not yet graded"


@lru_cache(maxsize=1)
def _scale_words() -> dict[int, str]:
    return {value: words["en"] for value, words in load_surveys()["family"].scale}


def rating_words(value: int | None) -> str:
    """A rating in the default survey's own words ('Disagree'), or 'No answer'."""
    return "No answer" if value is None else _scale_words()[value]


def _grade_words(grade: int | None) -> str:
    return Grade(grade).label if grade else NOT_GRADED


def _rates_table(view: FamilyView, threshold: int) -> dict:
    rows = []
    for audience in (FAMILY, YOUNG_PERSON):
        invited, answered = view.links.get(audience, 0), view.responses.get(audience, 0)
        small = 0 < answered < threshold
        rate = None if not invited or small else min(100.0, 100 * answered / invited)
        rows.append({"audience": AUDIENCE_LABELS[audience], "invited": invited, "answered": answered,
                     "rate": rate})
    columns = [("audience", "Who was asked", TEXT), ("invited", "Links made", COUNT),
               ("answered", "Answers received", COUNT), ("rate", "Response rate", PERCENT)]
    return make_table("response_rates", "Response rates", columns, rows, threshold=threshold, size="invited",
                      caption="Answers received include those imported from other survey tools.")


def _agreement_table(view: FamilyView, threshold: int) -> dict:
    rows = []
    for grade in [*sorted(Grade, reverse=True), None]:
        plans = [p for p in view.plans if p.grade == (int(grade) if grade else None) and p.family is not None]
        rows.append({"grade": _grade_words(grade), "plans": len(plans),
                     "well": sum(p.family >= 4 for p in plans), "neither": sum(p.family == 3 for p in plans),
                     "poorly": sum(p.family <= 2 for p in plans)})
    columns = [("grade", "Audit grade", TEXT), ("plans", "Plans with a family answer", COUNT),
               ("well", "Family rates it well", COUNT), ("neither", "Neither", COUNT),
               ("poorly", "Family rates it poorly", COUNT)]
    return make_table("family_and_grade", "The family's overall view beside the audit grade", columns, rows,
                      threshold=threshold, size="plans", parts=(("well", "neither", "poorly"),))


# Which cells of the family-and-grade table add up to each kind of disagreement.
_DISAGREEMENT_CELLS = {AUDIT_HIGHER: ((Grade.OUTSTANDING, Grade.GOOD), "poorly"),
                       "family_higher": ((Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE), "well")}


def _disagreement_table(view: FamilyView, agreement: dict, threshold: int) -> dict:
    """How many plans each way the family and the audit disagree: no plan references, so the board may see it.

    Each count is the sum of cells of the family-and-grade table. It is shown only when every one of those cells
    is shown (it then tells nothing new); when one is hidden the count is hidden too ("[c]", or "<5" when small),
    or the hidden cell could be worked out by subtraction."""
    rows = [{"direction": DIRECTIONS[d], "plans": sum(p.disagreement == d for p in view.plans)}
            for d in _DISAGREEMENT_CELLS]
    out = make_table("family_disagreements", "Plans where the family's view and the audit disagree",
                     [("direction", "Which way", TEXT), ("plans", "Plans", COUNT)], rows, threshold=0,
                     caption="The QA lead has the list of plans, to look at each again.")
    position = [c["key"] for c in agreement["columns"]]
    by_grade = {row["record"]["grade"]: row for row in agreement["rows"]}
    for row, (grades, column) in zip(out["rows"], _DISAGREEMENT_CELLS.values()):
        hidden = any(by_grade[g.label]["cells"][position.index(column)]["suppressed"] for g in grades)
        if hidden:
            n = row["cells"][1]["value"]
            text = f"<{threshold}" if 0 < n < threshold else SECONDARY
            row["cells"][1] = {"text": text, "value": None, "suppressed": True, "nodata": False}
            row["record"] |= {"plans": text, "suppressed": True}
            out["suppressed_cells"] += 1
    return out


def _themes_table(view: FamilyView, threshold: int) -> dict:
    # A phrase fewer than `threshold` families used could point to one family, so it is left out.
    rows = [{"phrase": phrase, "responses": n} for phrase, n in view.themes if n >= max(threshold, 2)]
    return make_table("family_themes", "Themes in what families wrote",
                      [("phrase", "Words or phrase", TEXT), ("responses", "Families who used it", COUNT)], rows,
                      threshold=threshold, caption=f"From {view.comments} written answers; each family counts once "
                                                   "per phrase.")


def build_family_report(view: FamilyView, threshold: int, *, for_qa_lead: bool) -> dict:
    """The report as data. Plan references and the disagreement list are for the QA lead only."""
    agreement = _agreement_table(view, threshold)
    themes = _themes_table(view, threshold)
    report = {
        "cycle": {"id": view.cycle_id, "name": view.cycle_name},
        "tables": [_rates_table(view, threshold), agreement, _disagreement_table(view, agreement, threshold),
                   themes],
        "themes": [{"phrase": row["record"]["phrase"], "responses": row["record"]["responses"]}
                   for row in themes["rows"]],
        "comments": view.comments,
        "invited": sum(view.links.values()),
        "answered": sum(view.responses.values()),
        "note": note(threshold),
    }
    if for_qa_lead:
        report["plans"] = [{"plan_ref": p.plan_ref, "grade": _grade_words(p.grade),
                            "family": rating_words(p.family), "young_person": rating_words(p.young_person),
                            "disagreement": DIRECTIONS.get(p.disagreement, "")} for p in view.plans]
        report["disagreements"] = [{"plan_ref": p.plan_ref, "grade": _grade_words(p.grade),
                                    "family": rating_words(p.family), "direction": p.disagreement,
                                    "words": DIRECTIONS[p.disagreement]} for p in view.disagreements]
    return report


def family_summary(session, cycle_id: int, threshold: int) -> dict:
    """For the board paper: the suppressed tables and themes of a cycle's family voice (no plan references)."""
    from audit.family.views import family_view

    return build_family_report(family_view(session, cycle_id), threshold, for_qa_lead=False)


def pack_section(session, cycle_id: int, threshold: int) -> dict | None:
    """The board pack's "Family voice" section (reports/pack.py), or None when the cycle surveyed no family."""
    summary = family_summary(session, cycle_id, threshold)
    if not summary["invited"] and not summary["answered"]:
        return None
    return {"id": "family", "title": "Family voice", "tables": summary["tables"], "charts": [],
            "intro": "What families and young people said of their plans in the cycle's survey, beside the audit "
                     "grade of the same plan. A family rates a plan well at 4 or 5 (agree) and poorly at 1 or 2. "
                     "No plan is named here."}


def render_json(report: dict) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def render_text(report: dict) -> str:
    lines = [f"Family voice: {report['cycle']['name']} (cycle {report['cycle']['id']})", ""]
    for table in report["tables"]:
        if table["key"] == "family_themes":
            continue  # printed below, as a list
        lines.append(table["title"])
        heads = [c["label"] for c in table["columns"]]
        lines.append("  " + " | ".join(heads))
        lines += ["  " + " | ".join(cell["text"] for cell in row["cells"]) for row in table["rows"]]
        lines.append("")
    lines.append("Themes in what families wrote")
    lines += [f"  {t['phrase']}: {t['responses']} responses" for t in report["themes"]] or ["  None to show."]
    lines.append("")
    if "disagreements" in report:
        lines.append("Where the family and the audit disagree")
        lines += [f"  {d['plan_ref']}: graded {d['grade']}, family says {d['family']}. {d['words']}"
                  for d in report["disagreements"]] or ["  None."]
        lines.append("")
    lines.append(report["note"])
    return "\n".join(lines) + "\n"
