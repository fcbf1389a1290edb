"""Steps for the shared sections feature: an area's rubric loaded as written, assigned, graded and scored."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select

from audit.cycle.lifecycle import create_cycle, open_cycle
from audit.cycle.scorecards import GradeEntry, assigned_criteria, save_scorecard
from audit.errors import InputRejected
from audit.results.analysis import by_service, load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.rubrics.describe import describe
from audit.rubrics.loading import find_rubric, rubric_from_content
from audit.store.models import Assignment, Auditor, PlanResult, SectionResult
from audit.vocabulary import Agency, Grade
from tests.factories import make_auditor_pool, make_plan

scenarios("rubrics/shared_sections.feature")
RUBRICS = Path(__file__).resolve().parents[3] / "rubrics"
NOW = datetime(2026, 11, 1, tzinfo=UTC)
AGENCIES = {"the SEN team": "sen_team", "education": "education", "health": "health"}


@pytest.fixture
def ctx() -> dict:
    return {"rubric": find_rubric(RUBRICS, "joint-outcomes")}


@when("the QA lead validates the joint outcomes rubric")
def validate(ctx):
    ctx["text"] = describe(ctx["rubric"])


@then("it is valid and outcomes are graded by SEN team, Education, Health and Social care, combined by the lowest grade")
def read_as_written(ctx):
    outcomes = ctx["rubric"].section("E")
    assert [Agency(a).label for a in outcomes.graded_by()] == ["SEN team", "Education", "Health", "Social care"]
    assert outcomes.combine == "lowest" and "combined by lowest grade (limiting)" in ctx["text"]


@then("every criterion has the rubric's descriptors unless its section gives its own")
def inherited(ctx):
    rubric = ctx["rubric"]
    general = rubric.criterion("A1")[1].descriptors
    for section in rubric.sections:
        for criterion in section.criteria:
            assert (criterion.descriptors == general) == (section.code != "E"), criterion.id


@given(parsers.parse("a Year {year} plan with health advice but no social care advice is audited with the joint "
                     "outcomes rubric"))
def audited(ctx, session, area, year):
    make_auditor_pool(session, area, per_agency=2)
    make_plan(session, area, year_group=year, social_care_advice_requested=None)
    cycle = create_cycle(session, area, ctx["rubric"], name="joint", sample_size=1, due_date=date(2026, 12, 1),
                         created_at=NOW)
    open_cycle(session, cycle)
    ctx.update(session=session, cycle=cycle, pieces={a.agency: a for a in session.exec(
        select(Assignment).where(Assignment.cycle_id == cycle.id))})


@then(parsers.parse("the {who} auditor grades {criteria}"))
def grades(ctx, who, criteria):
    agency = {"SEN team": "sen_team", "health": "health"}[who]
    asked = [cid for _, cid in assigned_criteria(ctx["rubric"], ctx["pieces"][agency])]
    assert asked == criteria.replace(" and ", ", ").split(", ")


@then("nobody from social care is asked")
def nobody(ctx):
    assert "social_care" not in ctx["pieces"]


def _grade(text: str) -> Grade:
    return Grade.parse(text)


@when(parsers.re(r"(?P<who>the SEN team|education|health) gives? (?P<grades>.+?)"
                 r"( and (?P<na>\w+) not applicable because \"(?P<reason>[^\"]+)\")?$"))
def give(ctx, who, grades, na, reason):
    entries = {}
    for part in grades.replace(" and ", ", ").split(", "):
        cid, label = part.split(" ", 1)
        entries[cid] = GradeEntry(_grade(label), "needs work" if _grade(label).is_weak else "")
    if na:
        entries[na] = GradeEntry(None, reason, not_applicable=True)
    _save(ctx, AGENCIES[who], entries)


def _save(ctx, agency, entries):
    piece = ctx["pieces"][agency]
    save_scorecard(ctx["session"], piece, ctx["session"].get(Auditor, piece.auditor_id), ctx["rubric"], entries,
                   submit=True, source="test", now=NOW)


@when("the cycle is scored")
def scored(ctx):
    score_cycle(ctx["session"], ctx["cycle"])
    ctx["rows"] = {r.section: r for r in ctx["session"].exec(
        select(SectionResult).where(SectionResult.cycle_id == ctx["cycle"].id))}


@then(parsers.parse("the parts of outcomes are SEN team {sen}, Education {education} and Health {health}"))
def parts(ctx, sen, education, health):
    assert ctx["rows"]["E"].parts == {"sen_team": int(_grade(sen)), "education": int(_grade(education)),
                                      "health": int(_grade(health))}


@then(parsers.parse("outcomes are {grade}, the lowest of the three"))
def outcomes(ctx, grade):
    assert Grade(ctx["rows"]["E"].grade) == _grade(grade)


@then("personal budget is not applicable and left out")
def left_out(ctx):
    assert (ctx["rows"]["J"].status, ctx["rows"]["J"].grade) == ("not_applicable", None)


@then(parsers.parse("the plan is {grade}"))
def plan(ctx, grade):
    result = ctx["session"].exec(select(PlanResult).where(PlanResult.cycle_id == ctx["cycle"].id)).one()
    assert Grade(result.grade) == _grade(grade)


@then(parsers.parse("health's own grade is {grade}"))
def health(ctx, grade):
    services = by_service(load_cycle_results(ctx["session"], ctx["cycle"])).set_index("group")
    assert services.loc["Health", grade] == 1


@when("the SEN team marks J1 not applicable without a reason")
def no_reason(ctx):
    entries = {cid: GradeEntry(Grade.GOOD) for _, cid in assigned_criteria(ctx["rubric"], ctx["pieces"]["sen_team"])}
    entries["J1"] = GradeEntry(None, "", not_applicable=True)
    with pytest.raises(InputRejected) as caught:
        _save(ctx, "sen_team", entries)
    ctx["problems"] = [p.message for p in caught.value.problems]


@then(parsers.parse('the scorecard is refused with "{message}"'))
def refused(ctx, message):
    assert message in ctx["problems"]


@when('the QA lead validates a rubric whose shared section has no combining rule and whose condition reads '
      '"shoe_size"')
def broken(ctx):
    content = copy.deepcopy(ctx["rubric"].content)
    outcomes = next(s for s in content["sections"] if s["code"] == "E")
    del outcomes["combine"]
    outcomes["criteria"][2]["applies_if"] = {"shoe_size": "9"}
    with pytest.raises(InputRejected) as caught:
        rubric_from_content(content, "area.yaml")
    ctx["problems"] = [str(p) for p in caught.value.problems]


@then(parsers.parse('the problems name "{first}" and "{second}"'))
def named(ctx, first, second):
    assert any(first in p for p in ctx["problems"]) and any(second in p for p in ctx["problems"]), ctx["problems"]
