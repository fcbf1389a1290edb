"""`ehcp-audit moderation stats`: agreement in words a QA lead reads, at 80 columns, the headline first."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from audit import clock
from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.moderation.marking import ModerationRules, double_marked, select_second_marking
from audit.register.auditors import import_auditors
from audit.register.plans import import_register
from audit.settings import get_settings
from audit.store.db import engine_from_settings, transaction
from audit.synthetic.area import write_synthetic_area
from audit.synthetic.submissions import submit_simulated
from tests.factories import whole_plan_rubric
from tests.unit.test_cli import cli_env, run  # noqa: F401  (cli_env is a fixture)


@pytest.fixture
def marked(cli_env, monkeypatch):
    """A synthetic cycle of 30 plans, first-marked, second-marked by every rule, both simulated."""
    monkeypatch.setenv("COLUMNS", "80")
    today = clock.today()
    files = write_synthetic_area(cli_env / "area", seed=7, n_plans=300, as_of=today)
    settings = get_settings()
    engine = engine_from_settings(settings)
    with transaction(engine) as session:
        area = get_area(session, settings.area_code, create=True)
        import_register(session, area, files["register"])
    with transaction(engine) as session:
        area = get_area(session, settings.area_code)
        import_auditors(session, area, files["auditors"])
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Agreement", sample_size=30,
                             due_date=today + timedelta(days=28), strata=["team"], seed=7)
        open_cycle(session, cycle)
        submit_simulated(session, cycle, 7)
        select_second_marking(session, cycle, ModerationRules(share=0.3), today=today)
        submit_simulated(session, cycle, 7)
        pieces = double_marked(session, cycle)
        return {"cycle": cycle.id, "two_apart": sum(any("grades apart" in r for r in p.disagreement) for p in pieces)}


def test_stats_read_as_words_at_80_columns_with_the_random_plans_first(marked):
    out = run("moderation", "stats", marked["cycle"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    text = out.output
    assert text.index("Randomly chosen plans (the headline)") < text.index("Plans chosen by rule") < text.index(
        "All double-marked plans")
    for words in ("Markers gave the same grade in", "95% interval", "Gwet's AC2, ordinal weights",
                  "Krippendorff's alpha, ordinal", "Landis and Koch", "By agency", "By auditor", "Education:",
                  "graded", "than the other marker on average"):
        assert words in text, words
    assert "sen_team" not in text  # agencies by their names


def test_the_simulated_second_marks_sometimes_disagree_by_two_grades(marked):
    assert marked["two_apart"] > 0  # so the moderation trigger is exercised


def test_stats_as_json_carry_every_figure_and_interval(marked):
    data = json.loads(run("moderation", "stats", marked["cycle"], "--by", "cycle", "--format", "json").output)
    headline = data["cycle"][0]
    assert headline["group"] == "Randomly chosen plans (the headline)"
    for key in ("exact_ci_low", "ac2", "ac2_ci_low", "alpha_ci_low", "mean_difference_ci_low", "lead", "ac1_band"):
        assert key in headline, key
    assert run("moderation", "stats", marked["cycle"], "--by", "nonsense").exit_code != 0
