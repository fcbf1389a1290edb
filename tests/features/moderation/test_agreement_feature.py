"""Steps for the agreement feature: double-marked sections in, the agreement tables and their words out."""

from __future__ import annotations

import pandas as pd
import pytest
from pytest_bdd import given, parsers, scenarios, then, when

from audit.moderation.agreement import agreement_tables

scenarios("moderation/agreement.feature")


@pytest.fixture
def units() -> list[dict]:
    return []


def unit(plan: int, first: int, second: int, chosen: str, section: str = "B", first_auditor: str = "A",
         second_auditor: str = "B") -> dict:
    return {"sampled_plan_id": plan, "section": section, "agency": "education", "first_auditor": first_auditor,
            "second_auditor": second_auditor, "first_grade": first, "second_grade": second, "chosen_by": chosen}


@given(parsers.parse("{n:d} randomly chosen plans marked on everyday grades with one-grade slips"))
def everyday(units, n):
    for p in range(n):
        grade = 2 + p % 2
        units.append(unit(p, grade, grade if p % 3 else grade + 1, "random"))


@given(parsers.parse("{n:d} plans chosen by rule because they were graded Inadequate or Outstanding"))
def extremes(units, n):
    for p in range(1000, 1000 + n):
        grade = 1 if p % 2 else 4
        units.append(unit(p, grade, grade, "rule"))


@given(parsers.parse("{n:d} randomly chosen plans where both markers gave every section the same grade"))
def perfect(units, n):
    for p in range(n):
        for i, section in enumerate("ABCDE"):
            grade = 1 + (p + i) % 4
            units.append(unit(p, grade, grade, "random", section))


@given(parsers.parse("{n:d} randomly chosen plans of {k:d} sections each"))
def few_plans(units, n, k):
    for p in range(n):
        for i in range(k):
            units.append(unit(p, 1 + i % 4, 1 + (i + p) % 4, "random", f"S{i}"))


@given(parsers.parse("{n:d} randomly chosen plans where one auditor grades every section one grade higher than "
                     "the other marker"))
def generous(units, n):
    for p in range(n):
        grade = 1 + p % 3
        units.append(unit(p, grade + 1, grade, "random", first_auditor="GENEROUS", second_auditor="OTHER"))


@when("the QA lead reads the agreement statistics", target_fixture="tables")
def read(units):
    return agreement_tables(pd.DataFrame(units))


@then(parsers.parse('the {which} row is "{group}" with {plans:d} plans'))
def row_is(tables, which, group, plans):
    row = tables["cycle"].iloc[{"first": 0, "second": 1}[which]]
    assert (row["group"], row["plans"]) == (group, plans)


@then("alpha on all the plans is higher than on the randomly chosen plans alone")
def inflated(tables):
    cycle = tables["cycle"].set_index("group")
    assert cycle.loc["All double-marked plans", "alpha_ordinal"] > cycle.iloc[0]["alpha_ordinal"]


@then(parsers.parse('the headline says "{words}"'))
def headline_says(tables, words):
    assert words in tables["cycle"].iloc[0]["lead"]


@then(parsers.parse("the same-grade interval reaches below {pct:d}%"))
def honest(tables, pct):
    head = tables["cycle"].iloc[0]
    assert head["exact_pct"] == 100.0 and head["exact_ci_low"] < pct


@then("no coefficient has an interval from 1.0 to 1.0")
def not_degenerate(tables):
    for table in tables.values():
        for name in ("ac1", "ac2", "alpha"):
            lows, highs = table[f"{name}_ci_low"], table[f"{name}_ci_high"]
            assert not ((lows == 1.0) & (highs == 1.0)).any()


@then("the headline has no AC1, AC2 or alpha")
def no_coefficients(tables):
    head = tables["cycle"].iloc[0]
    assert head["ac1"] is None and head["ac2"] is None and head["alpha_ordinal"] is None


@then(parsers.parse('its note says "{words}"'))
def note_says(tables, words):
    assert words in tables["cycle"].iloc[0]["note"]


@then(parsers.parse('that auditor\'s row says "{words}"'))
def auditor_says(tables, words):
    row = tables["auditor"].set_index("group").loc["GENEROUS"]
    assert words in row["difference"], row["difference"]
