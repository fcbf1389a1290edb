"""Rubric files: validation lists every problem, identity is the content hash, stored versions never change."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from audit.errors import InputRejected, NotFound
from audit.rubrics.loading import (
    describe,
    find_rubric,
    load_rubric_file,
    load_rubrics_dir,
    rubric_from_content,
    rubric_from_version,
    store_rubric,
    stored_rubric,
)
from audit.store.models import RubricVersion
from audit.vocabulary import Grade

RUBRICS = Path(__file__).resolve().parents[2] / "rubrics"
SHIPPED = ["whole-plan", "themed-education-advice", "themed-health-advice", "themed-social-care-advice", "joint-outcomes"]


def descriptors(tag: str = "") -> dict[str, str]:
    return {g.label: f"{g.label} looks like this{tag}." for g in Grade}


def small_rubric() -> dict:
    """A valid two-section rubric, as YAML would parse it."""
    return {
        "id": "small",
        "title": "Small rubric",
        "version": "1",
        "kind": "whole_plan",
        "theme": None,
        "rollup": {
            "section": "weighted",
            "plan": "best_fit",
            "caps": [{"sections": ["F"], "at_or_below": "Inadequate", "cap_at": "Requires Improvement"}],
        },
        "sections": [
            {
                "code": "B",
                "title": "Needs",
                "agency": "education",
                "weight": 1,
                "criteria": [{"id": "B1", "text": "Needs are clear.", "weight": 1, "descriptors": descriptors()}],
            },
            {
                "code": "F",
                "title": "Provision",
                "agency": "education",
                "weight": 2,
                "caps": [{"criteria": ["F1"], "at_or_below": "Inadequate", "cap_at": "Requires Improvement"}],
                "criteria": [
                    {"id": "F1", "text": "Provision is quantified.", "weight": 2, "descriptors": descriptors()},
                    {"id": "F2", "text": "Provision meets needs.", "weight": 1, "descriptors": descriptors()},
                ],
            },
            {
                "code": "C",
                "title": "Health needs",
                "agency": "health",
                "weight": 1,
                "applies_if_advice": "health",
                "criteria": [{"id": "C1", "text": "Health needs are clear.", "descriptors": descriptors()}],
            },
        ],
    }


def write(tmp_path: Path, content: dict | str, name: str = "small.yaml") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False), encoding="utf-8")
    return path


def rejected_problems(content: object) -> list[str]:
    with pytest.raises(InputRejected) as caught:
        rubric_from_content(content, "small.yaml")
    return [str(p) for p in caught.value.problems]


# -- the shipped rubrics --------------------------------------------------------------------------


@pytest.mark.parametrize("key", SHIPPED)
def test_shipped_rubrics_load(key):
    rubric = find_rubric(RUBRICS, key)
    assert rubric.key == key
    assert len(rubric.content_hash) == 64 and rubric.short_hash == rubric.content_hash[:12]
    for section in rubric.sections:
        for criterion in section.criteria:
            # Four distinct descriptors: a grade that reads like its neighbour cannot be applied consistently.
            assert set(criterion.descriptors) == set(Grade)
            assert len(set(criterion.descriptors.values())) == 4


def test_the_folder_holds_exactly_the_shipped_rubrics():
    assert sorted(load_rubrics_dir(RUBRICS)) == sorted(SHIPPED)


def test_whole_plan_sections_agencies_and_rules():
    rubric = find_rubric(RUBRICS, "whole-plan")
    assert rubric.kind == "whole_plan" and rubric.theme is None
    assert rubric.section_codes() == list("ABCDEFGHIJK")
    assert {s.code: s.graded_by() for s in rubric.sections} == {
        "A": ("sen_team", "parent_carer_forum"), "B": ("education",), "C": ("health",), "D": ("social_care",),
        "E": ("sen_team", "parent_carer_forum"), "F": ("education",), "G": ("health",), "H": ("social_care",),
        "I": ("sen_team",), "J": ("sen_team",), "K": ("sen_team",),
    }  # fmt: skip
    assert {s.code: s.applies_if_advice for s in rubric.sections if s.applies_if_advice} == {
        "C": "health", "G": "health", "D": "social_care", "H": "social_care",
    }  # fmt: skip
    assert all(1 <= len(u.criteria) <= 4 for u in rubric.units) and all(len(s.criteria) <= 5 for s in rubric.sections)
    assert rubric.rollup.section_method == "weighted" and rubric.rollup.plan_method == "best_fit"
    (cap,) = rubric.rollup.caps
    assert cap.targets == ("B", "F") and cap.at_or_below == Grade.INADEQUATE
    assert cap.cap_at == Grade.REQUIRES_IMPROVEMENT
    assert rubric.agencies() == ["sen_team", "parent_carer_forum", "education", "health", "social_care"]


def test_whole_plan_gives_the_parent_carer_forum_family_voice_and_co_production_in_a_and_e():
    """Issue 21: the forum's auditor grades its own part of A and E (the family's voice, co-production), the SEN
    team the rest; each part is scored on its own and the section combines them (mean, halves down)."""
    rubric = find_rubric(RUBRICS, "whole-plan")
    forum = rubric.units_for_agency("parent_carer_forum")
    assert [(u.code, u.criterion_ids()) for u in forum] == [("A:parent_carer_forum", ["A4", "A5"]),
                                                           ("E:parent_carer_forum", ["E4"])]
    assert "co-production" in rubric.criterion("A4")[1].text and "family" in rubric.criterion("E4")[1].text
    assert [u.code for u in rubric.units_for_agency("sen_team")] == ["A:sen_team", "E:sen_team", "I", "J", "K"]
    assert rubric.section("A:sen_team").criterion_ids() == ["A1", "A2", "A3"]
    assert rubric.section("A").combine == rubric.section("E").combine == "weighted"


@pytest.mark.parametrize("theme", ["education", "health", "social_care"])
def test_themed_rubrics_are_judged_by_their_own_agency(theme):
    rubric = find_rubric(RUBRICS, f"themed-{theme.replace('_', '-')}-advice")
    assert rubric.kind == "themed" and rubric.theme == theme
    assert rubric.agencies() == [theme]
    assert 3 <= len(rubric.sections) <= 5


# -- the model helpers -----------------------------------------------------------------------------


def test_helpers_find_sections_and_criteria():
    rubric = rubric_from_content(small_rubric(), "small.yaml")
    assert rubric.section("F").title == "Provision"
    section, criterion = rubric.criterion("F2")
    assert section.code == "F" and criterion.text == "Provision meets needs."
    assert [s.code for s in rubric.sections_for_agency("education")] == ["B", "F"]
    assert rubric.agencies() == ["education", "health"]
    assert rubric.section("C").criteria[0].weight == 1.0  # weight defaults to 1
    assert rubric.section("F").caps[0].targets == ("F1",)
    with pytest.raises(KeyError, match="no section 'Z'"):
        rubric.section("Z")
    with pytest.raises(KeyError, match="no criterion 'Z9'"):
        rubric.criterion("Z9")


def test_describe_names_sections_agencies_and_rule():
    text = describe(find_rubric(RUBRICS, "whole-plan"))
    assert "Multi-agency whole-plan audit" in text
    assert "Education: B, F" in text and "Health: C, G" in text
    assert "best fit" in text and "halves round down" in text
    assert "if section B or F is Inadequate or worse, the plan is at most Requires Improvement" in text
    assert "only if health advice was requested" in text


# -- validation ---------------------------------------------------------------------------------------


def test_every_kind_of_problem_is_listed_together():
    content = small_rubric()
    b1 = content["sections"][0]["criteria"][0]
    del b1["descriptors"]["Good"]  # missing descriptor
    b1["descriptors"]["Excellent"] = "Better than outstanding."  # unknown grade label
    content["sections"][1]["criteria"][1]["id"] = "F1"  # duplicate criterion id
    content["sections"][2]["code"] = "B"  # duplicate section code
    content["sections"][2]["agency"] = "police"  # unknown agency
    content["sections"][1]["weight"] = 0  # non-positive weight
    content["sections"][1]["criteria"][0]["weight"] = -1
    content["rollup"]["plan"] = "average"  # unknown method
    content["rollup"]["caps"][0]["sections"] = ["Q"]  # cap naming an unknown section

    problems = rejected_problems(content)
    expected = [
        "column 'sections[0].criteria[0].descriptors': no descriptor for 'Good'. Fix: add a 'Good:' line under descriptors",
        "column 'sections[0].criteria[0].descriptors': 'Excellent' is not a grade",
        "column 'sections[1].criteria[1].id': criterion id 'F1' is used twice (first at sections[1].criteria[0].id)",
        "column 'sections[2].code': section code 'B' is used twice",
        "column 'sections[2].agency': 'police' is not a known agency",
        "column 'sections[1].weight': weight 0 is not positive",
        "column 'sections[1].criteria[0].weight': weight -1 is not positive",
        "column 'rollup.plan': 'average' is not a known roll-up method. Fix: use one of weighted, best_fit, lowest",
        "column 'rollup.caps[0].sections': cap names 'Q', which is not a section",
    ]
    for text in expected:
        assert any(text in p for p in problems), f"{text!r} not in {problems}"
    assert all(p.startswith("small.yaml, ") for p in problems)


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda c: c.pop("rollup"), "the roll-up rule is missing"),
        (lambda c: c.update(kind="themed"), "a themed rubric needs a theme"),
        (lambda c: c.update(theme="health"), "a whole-plan rubric has no theme"),
        (lambda c: c.update(version=2026.10), 'put it in quotes: version: "2026.1"'),
        (lambda c: c.update(sections=[]), "'sections' is empty"),
        (lambda c: c["sections"][0].update(wieght=2), "'wieght' is not a known key of a section"),
        (lambda c: c["sections"][0].update(criteria=[]), "column 'sections[0].criteria': 'criteria' is empty"),
        (lambda c: c["sections"][0].update(applies_if_advice="housing"), "'housing' is not a known applies_if_advice"),
        (lambda c: c["sections"][0].update(weight="heavy"), "weight 'heavy' is not a number"),
        (lambda c: c["sections"][0].update(code="B 2"), "'B 2' is not a usable code"),
        (lambda c: c["sections"][0]["criteria"][0]["descriptors"].update(Good=""), "the descriptor for 'Good' is empty"),
        (lambda c: c["sections"][0]["criteria"][0]["descriptors"].update(RI="Again."), "'RI' describes Requires Improvement a second time"),
        (lambda c: c["sections"][1]["caps"][0].update(criteria=["B1"]), "cap names 'B1', which is not a criterion in this section"),
        (lambda c: c["rollup"]["caps"][0].update(cap_at="Outstanding"), "a cap at Outstanding never limits anything"),
        (lambda c: c["rollup"]["caps"][0].pop("at_or_below"), "'at_or_below' is missing"),
        (lambda c: c["rollup"]["caps"][0].update(at_or_below="Poor"), "'Poor' is not a grade"),
    ],
)
def test_each_problem_is_named_with_a_fix(edit, expected):
    content = small_rubric()
    edit(content)
    problems = rejected_problems(content)
    assert any(expected in p for p in problems), f"{expected!r} not in {problems}"
    assert all(". Fix: " in p for p in problems)


def test_content_that_is_not_a_mapping_is_rejected():
    assert "small.yaml: the rubric should be a block" in rejected_problems(["a", "list"])[0]


def test_bad_yaml_gives_the_line_and_no_traceback(tmp_path):
    path = write(tmp_path, "id: broken\ntitle: A title\nsections:\n  - code: A\n   title: misaligned\n")
    with pytest.raises(InputRejected) as caught:
        load_rubric_file(path)
    (problem,) = caught.value.problems
    assert problem.file == "small.yaml"
    assert "not valid YAML at line 5" in problem.message
    assert "nothing was saved" in str(caught.value)


def test_a_key_written_twice_is_rejected_with_its_line(tmp_path):
    text = yaml.safe_dump(small_rubric(), sort_keys=False).replace("id: small\n", "id: small\nid: other\n", 1)
    with pytest.raises(InputRejected) as caught:
        load_rubric_file(write(tmp_path, text))
    assert "'id' appears twice in the same block (first at line 1)" in caught.value.problems[0].message
    assert "line 2" in caught.value.problems[0].message


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(InputRejected, match="does not exist"):
        load_rubric_file(tmp_path / "nope.yaml")


def test_grade_labels_are_read_as_people_write_them():
    content = small_rubric()
    content["sections"][0]["criteria"][0]["descriptors"] = {
        "outstanding": "o.", "good": "g.", "RI": "ri.", "Inadequate": "i."
    }  # fmt: skip
    rubric = rubric_from_content(content, "small.yaml")
    assert rubric.criterion("B1")[1].descriptors[Grade.REQUIRES_IMPROVEMENT] == "ri."
    assert list(rubric.content["sections"][0]["criteria"][0]["descriptors"]) == [
        "Outstanding", "Good", "Requires Improvement", "Inadequate"
    ]  # fmt: skip


# -- identity: the content hash ----------------------------------------------------------------------

REFORMATTED = """\
# The same rubric written differently: comments, flow style, key order, folded text, 1.0 for 1.
title: Small rubric
id: small
version: '1'
kind: whole_plan
rollup: {plan: best_fit, section: weighted, caps: [{sections: F, at_or_below: I, cap_at: RI}]}
sections:
  - code: B
    title: Needs
    agency: education
    weight: 1.0
    criteria:
      - id: B1
        text: >
          Needs    are
          clear.
        descriptors: {Inadequate: Inadequate looks like this., Requires Improvement: Requires Improvement looks like this.,
                      Good: Good looks like this., Outstanding: Outstanding looks like this.}
  - code: F   # provision
    title: Provision
    agency: education
    weight: 2
    caps:
      - {criteria: [F1], at_or_below: 1, cap_at: 2}
    criteria:
      - {id: F1, text: Provision is quantified., weight: 2, descriptors: {Outstanding: Outstanding looks like this., Good: Good looks like this., Requires Improvement: Requires Improvement looks like this., Inadequate: Inadequate looks like this.}}
      - {id: F2, text: Provision meets needs., descriptors: {Outstanding: Outstanding looks like this., Good: Good looks like this., Requires Improvement: Requires Improvement looks like this., Inadequate: Inadequate looks like this.}}
  - code: C
    title: Health needs
    agency: health
    applies_if_advice: health
    criteria:
      - id: C1
        text: "Health needs are clear."
        descriptors: {Outstanding: Outstanding looks like this., Good: Good looks like this., Requires Improvement: Requires Improvement looks like this., Inadequate: Inadequate looks like this.}
"""


def test_hash_is_stable_across_reformatting(tmp_path):
    original = load_rubric_file(write(tmp_path, small_rubric(), "a.yaml"))
    reformatted = load_rubric_file(write(tmp_path, REFORMATTED, "b.yaml"))
    assert reformatted.content == original.content
    assert reformatted.content_hash == original.content_hash


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c.update(title="Small rubric (revised)"),
        lambda c: c.update(version="2"),
        lambda c: c["rollup"].update(section="lowest"),
        lambda c: c["rollup"]["caps"][0].update(cap_at="Good"),
        lambda c: c["rollup"]["caps"].clear(),
        lambda c: c["sections"][0].update(weight=3),
        lambda c: c["sections"][0].update(agency="sen_team"),
        lambda c: c["sections"][1]["criteria"][1].update(weight=1.5),
        lambda c: c["sections"][1]["criteria"][1].update(text="Provision meets every need."),
        lambda c: c["sections"][1]["criteria"][0]["descriptors"].update(Good="Nearly all provision is quantified."),
        lambda c: c["sections"][2].update(applies_if_advice=None),
        lambda c: c["sections"].reverse(),
    ],
)
def test_any_edit_changes_the_hash(edit):
    before = rubric_from_content(small_rubric(), "small.yaml")
    content = small_rubric()
    edit(content)
    assert rubric_from_content(content, "small.yaml").content_hash != before.content_hash


def test_normalised_content_rebuilds_to_the_same_hash():
    for key in SHIPPED:
        rubric = find_rubric(RUBRICS, key)
        again = rubric_from_content(copy.deepcopy(rubric.content), "stored")
        assert again.content == rubric.content and again.content_hash == rubric.content_hash


# -- storing and rebuilding versions --------------------------------------------------------------------


def test_store_rubric_is_idempotent_by_content_hash(session):
    rubric = find_rubric(RUBRICS, "whole-plan")
    first = store_rubric(session, rubric)
    assert first.id is not None  # flushed
    again = store_rubric(session, find_rubric(RUBRICS, "whole-plan"))
    assert again.id == first.id
    assert len(session.exec(select(RubricVersion)).all()) == 1
    assert (first.key, first.version_label, first.kind, first.theme) == ("whole-plan", "2026.2", "whole_plan", None)


def test_store_rubric_leaves_the_commit_to_the_caller(session):
    store_rubric(session, find_rubric(RUBRICS, "themed-health-advice"))
    session.rollback()
    assert session.exec(select(RubricVersion)).all() == []


def test_stored_version_is_unaffected_by_later_file_edits(session, tmp_path):
    path = write(tmp_path, small_rubric())
    original = load_rubric_file(path)
    version = store_rubric(session, original)
    session.commit()

    edited = small_rubric()
    edited["sections"][1]["criteria"][0]["descriptors"]["Good"] = "A new descriptor."
    edited["rollup"]["plan"] = "lowest"
    write(tmp_path, edited)
    newer = store_rubric(session, load_rubric_file(path))
    session.commit()

    assert newer.id != version.id
    stored = session.get(RubricVersion, version.id)
    rebuilt = rubric_from_version(stored)
    assert rebuilt.content_hash == original.content_hash == stored.content_hash
    assert rebuilt.rollup.plan_method == "best_fit"
    assert rebuilt.criterion("F1")[1].descriptors[Grade.GOOD] == "Good looks like this."
    assert rubric_from_version(newer).rollup.plan_method == "lowest"


def test_stored_rubric_is_built_once_per_version_and_each_version_keeps_its_own_content(session, tmp_path):
    path = write(tmp_path, small_rubric())
    version = store_rubric(session, load_rubric_file(path))
    edited = small_rubric()
    edited["rollup"]["plan"] = "lowest"
    write(tmp_path, edited)
    newer = store_rubric(session, load_rubric_file(path))
    session.commit()

    first = stored_rubric(session, version.id)
    assert stored_rubric(session, version.id) is first  # built once, then reused
    assert first.rollup.plan_method == "best_fit"
    assert stored_rubric(session, newer.id).rollup.plan_method == "lowest"


def test_stored_rubric_names_a_missing_version(session):
    with pytest.raises(NotFound, match="no stored rubric version 999"):
        stored_rubric(session, 999)


def test_mutating_a_rubric_after_storing_does_not_touch_the_stored_content(session):
    rubric = rubric_from_content(small_rubric(), "small.yaml")
    version = store_rubric(session, rubric)
    rubric.content["title"] = "tampered"
    assert version.content["title"] == "Small rubric"


# -- finding rubrics ----------------------------------------------------------------------------------------


def test_find_rubric_by_path_or_key(tmp_path):
    path = write(tmp_path, small_rubric(), "anything.yaml")
    assert find_rubric(RUBRICS, path).key == "small"
    assert find_rubric(tmp_path, "small").key == "small"  # found by scanning, not by file name
    with pytest.raises(NotFound, match=r"no rubric with id 'missing'.*found: small"):
        find_rubric(tmp_path, "missing")


def test_find_rubric_by_key_is_not_blocked_by_another_broken_file(tmp_path):
    write(tmp_path, small_rubric(), "small.yaml")
    write(tmp_path, "id: [unclosed\n", "broken.yaml")
    assert find_rubric(tmp_path, "small").key == "small"


def test_load_rubrics_dir_reports_problems_from_every_file_and_duplicate_ids(tmp_path):
    write(tmp_path, small_rubric(), "one.yaml")
    write(tmp_path, small_rubric(), "two.yaml")
    write(tmp_path, "id: [unclosed\n", "broken.yaml")
    with pytest.raises(InputRejected) as caught:
        load_rubrics_dir(tmp_path)
    text = str(caught.value)
    assert "broken.yaml: the file is not valid YAML" in text
    assert "two.yaml, column 'id': rubric id 'small' is also used by one.yaml" in text
