"""Family voice in the inspection pack: the family voice report's suppressed tables (reports/family.py,
`family_summary`) and a one-row table of the family's view beside the grade, where the two disagree, and the
heading's sentences; and, for a deep-dive child, what their family and they said."""

from __future__ import annotations

from audit.family.views import family_view
from audit.vocabulary import Grade
from reports.family import DIRECTIONS, NOT_GRADED, family_summary, rating_words
from reports.inspection_figures import cell_figure
from reports.suppression import COUNT, TEXT, make_table

NO_FAMILY_VOICE = "No family survey responses recorded"
GOOD = {g.label for g in Grade if g.is_good_or_better}
WEAK = {g.label for g in Grade if g.is_weak}


def family_tables(session, cycle_id: int, t: int) -> dict[str, dict]:
    """Response rates and the family's view beside the grade (suppressed for the audience's threshold `t`),
    and the overall counts with disagreements (suppressed the same way)."""
    shown = family_summary(session, cycle_id, t)
    raw = family_summary(session, cycle_id, 0)["tables"][1]["rows"]
    records = [r["record"] for r in raw]
    row = {"plans": sum(r["plans"] for r in records), "well": sum(r["well"] for r in records),
           "poorly": sum(r["poorly"] for r in records),
           "audit_higher": sum(r["poorly"] for r in records if r["grade"] in GOOD),
           "family_higher": sum(r["well"] for r in records if r["grade"] in WEAK)}
    beside = make_table("family_beside_grade", "Where the family and the audit agree and disagree", [
        ("plans", "Plans with a family answer", COUNT), ("well", "Family rates it well", COUNT),
        ("poorly", "Family rates it poorly", COUNT), ("audit_higher", DIRECTIONS["audit_higher"], COUNT),
        ("family_higher", DIRECTIONS["family_higher"], COUNT)], [row], threshold=t, size="plans")
    tables = {tb["key"]: tb for tb in shown["tables"]}
    return {"response_rates": tables["response_rates"], "family_and_grade": tables["family_and_grade"],
            "family_beside_grade": beside}


def family_sentences(ev: dict, figs: list, quote) -> list[str]:
    rates, beside = ev["response_rates"], ev["family_beside_grade"]
    if not any(r["record"].get("invited") or r["record"].get("answered") for r in rates["rows"]):
        return [f"Family voice: {NO_FAMILY_VOICE.lower()} this cycle."]
    out = []
    for i, who in enumerate(("families", "children and young people")):
        answered, invited = cell_figure(rates, i, "answered"), cell_figure(rates, i, "invited")
        rate = cell_figure(rates, i, "rate")
        out.append(f"Of {quote(figs, invited)} {who} asked about their plan, {quote(figs, answered)} answered "
                   f"(response rate {quote(figs, rate)}).")
    plans, well = cell_figure(beside, 0, "plans"), cell_figure(beside, 0, "well")
    out.append(f"Of {quote(figs, plans)} plans with a family answer, the family rated {quote(figs, well)} "
               f"well and {quote(figs, cell_figure(beside, 0, 'poorly'))} poorly. The family and the audit "
               f"disagreed on {quote(figs, cell_figure(beside, 0, 'audit_higher'))} plans the audit graded Good or "
               f"better that the family rated poorly, and on {quote(figs, cell_figure(beside, 0, 'family_higher'))} "
               "plans the audit found weak that the family rated well.")
    return out


def family_pages(session, cycle_id: int) -> dict[str, dict]:
    """Plan reference -> the family's and the young person's answers and any disagreement, in words (plans
    nobody answered about are left out: their page says no response was recorded)."""
    return {p.plan_ref: {"family": rating_words(p.family), "young_person": rating_words(p.young_person),
                         "grade": Grade(p.grade).label if p.grade else NOT_GRADED,
                         "disagreement": DIRECTIONS.get(p.disagreement, "They agree, or there is no answer yet")}
            for p in family_view(session, cycle_id).plans if p.family is not None or p.young_person is not None}


def family_page_table(key: str, view: dict | None) -> dict:
    """A deep-dive child's family view as a table (no answers: a row saying so)."""
    rows = ([{"what": "The family's overall view", "said": view["family"]},
             {"what": "The young person's overall view", "said": view["young_person"]},
             {"what": "Beside the audit grade", "said": view["disagreement"]}] if view else
            [{"what": "Family survey", "said": "No family survey response recorded for this plan this cycle"}])
    return make_table(f"{key}_family", "Family view", [("what", "Question", TEXT), ("said", "What they said", TEXT)],
                      rows, threshold=0)
