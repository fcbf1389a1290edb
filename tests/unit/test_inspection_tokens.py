"""Figures as tokens in the self-evaluation (reports/inspection_tokens.py): an edit changes words, never a figure."""

from __future__ import annotations

import pytest

from audit.errors import AuditError
from audit.results.self_evaluation import GENERATED, latest_versions, save_version, versions
from reports.inspection_figures import cell_figure, rows_figure
from reports.inspection_tokens import check_edit, resolve, tokenise
from reports.suppression import COUNT, PERCENT, TEXT, make_table
from tests.unit.test_scorecards import cycle  # noqa: F401  (fixture)


def _evidence(plans=12, pct=41.7):
    overall = make_table("overall", "Overall", [("group", "Group", TEXT), ("plans", "Plans", COUNT),
                                                ("pct", "Good or better", PERCENT)],
                         [{"group": "All", "plans": plans, "pct": pct}, {"group": "Health", "plans": 3, "pct": 50.0}],
                         threshold=5, size="plans")
    return {"overall": overall | {"sheet": "Overall"}}


def test_a_generated_paragraph_becomes_tokens_and_back():
    ev = _evidence()
    figs = [cell_figure(ev["overall"], 0, "plans"), cell_figure(ev["overall"], 0, "pct"),
            rows_figure(ev["overall"])]
    paragraph = "Of 12 plans audited within 20 weeks, 41.7% were Good or better, across 2 groups."
    template = tokenise(paragraph, figs)
    assert template == ("Of {overall.plans} plans audited within 20 weeks, {overall.pct} were Good or better, "
                        "across {overall.rows} groups.")
    again, figures, missing = resolve(template, ev)
    assert again == paragraph and not missing
    assert [(f["sheet"], f.get("cell")) for f in figures] == [("Overall", "B3"), ("Overall", "C3"), ("Overall", None)]


def test_the_figure_is_read_from_the_data_so_new_data_changes_it_and_suppression_holds():
    template = "We audited {overall.plans} plans; the second group had {overall.plans.2}."
    assert resolve(template, _evidence(plans=30))[0] == "We audited 30 plans; the second group had <5."


def test_an_edit_may_not_type_a_figure_or_name_a_missing_one():
    ev = _evidence()
    generated = "Of {overall.plans} plans audited within 20 weeks, {overall.pct} were Good or better."
    assert check_edit("Within 20 weeks we audited {overall.plans} plans: {overall.pct} Good.", generated, ev) == []
    typed = check_edit("We audited 12 plans; {overall.pct} were Good or better.", generated, ev)
    assert len(typed) == 1 and "replace 12 with" in typed[0]
    missing = check_edit("We audited {overall.nonsense} and {other.plans}.", generated, ev)
    assert len(missing) == 2 and "{overall.nonsense} is not a figure" in missing[0]
    assert "{overall.plans.9}" in check_edit("{overall.plans.9}", generated, ev)[0]
    assert check_edit("   ", generated, ev)[0].startswith("Enter the paragraph")
    text, _, gone = resolve("Kept {overall.gone}.", ev)
    assert gone == ["{overall.gone}"] and "no longer in the evidence" in text


def test_a_saved_version_is_refused_when_it_is_markup_or_a_formula_and_versions_only_grow(session, cycle):
    for hostile in ("=HYPERLINK(\"http://x\")", "Our view <script>x</script>", "  "):
        with pytest.raises(AuditError):
            save_version(session, cycle.id, "taking_part", hostile, "qa", "Generated {overall.plans}.")
    assert versions(session, cycle.id, "taking_part") == []
    save_version(session, cycle.id, "taking_part", "Ours {overall.plans}.", "qa", "Generated {overall.plans}.")
    again = save_version(session, cycle.id, "taking_part", "Ours {overall.plans}.", "lead", "Generated.")
    third = save_version(session, cycle.id, "taking_part", "Ours again {overall.plans}.", "lead", "Generated.")
    kept = versions(session, cycle.id, "taking_part")
    assert [(v.number, v.made_by) for v in kept] == [(1, GENERATED), (2, "qa"), (3, "lead")]
    assert again.number == 2 and third.number == 3
    assert kept[0].text == "Generated {overall.plans}."
    assert latest_versions(session, cycle.id)["taking_part"].text == "Ours again {overall.plans}."
