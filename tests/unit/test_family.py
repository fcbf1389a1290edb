"""Family voice units: survey files checked whole, tokens, refusals alike, key phrases, retention of what families wrote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from audit.errors import InputRejected
from audit.family.links import is_old_enough, make_links, new_token, normalise_token, short_code, token_hash
from audit.family.responses import open_link, submit
from audit.family.surveys import load_survey_file, load_surveys, survey_from_content
from audit.family.views import key_phrases
from audit.protection.retention import FAMILY_WORDS, RetentionPolicy, purge_expired
from audit.store.models import SurveyResponse
from tests.family_data import family_cycle, family_settings

NOW = datetime(2026, 11, 20, 9, tzinfo=UTC)


def test_the_shipped_surveys_load_with_their_hashes_and_welsh_where_given():
    surveys = load_surveys()
    assert set(surveys) == {"family", "young-person"}
    family, young = surveys["family"], surveys["young-person"]
    assert family.languages == ["en", "cy"] and young.easy_read and young.audience == "young_person"
    assert [q.key for q in family.scale_questions] == ["reflects_child", "listened_to", "provision_happening",
                                                       "outcomes_right", "overall"]
    assert family.text("title", "cy").startswith("Dywedwch") and family.text("purpose", "cy") == family.text("purpose")
    assert len(family.content_hash) == 64 and family.content_hash != young.content_hash


def test_a_bad_survey_file_lists_every_problem(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("key: bad\nversion: 0\naudience: teachers\ntitle: {cy: Teitl}\nscale: [1, 2]\n"
                    "questions:\n  - {key: a, kind: scale, text: One}\n  - {key: a, kind: rating}\n", encoding="utf-8")
    with pytest.raises(InputRejected) as caught:
        load_survey_file(path)
    columns = [p.column for p in caught.value.problems]
    for column in ("version", "audience", "title", "purpose", "scale", "questions[2]", "overall"):
        assert column in columns, column
    assert all(p.file == "bad.yaml" and p.fix for p in caught.value.problems)


def test_content_changes_change_the_hash():
    base = load_surveys()["family"]
    import yaml

    from audit.family.surveys import SHIPPED

    content = yaml.safe_load((SHIPPED / "family.yaml").read_text(encoding="utf-8"))
    assert survey_from_content(content, "x").content_hash == base.content_hash
    content["questions"][0]["text"]["en"] = "Changed"
    assert survey_from_content(content, "x").content_hash != base.content_hash


def test_tokens_are_long_random_and_typed_back_from_letters():
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200 and all(len(t) == 32 for t in tokens)  # 32 base32 characters: 160 bits
    token = next(iter(tokens))
    assert normalise_token(f"  {short_code(token)} ") == token
    assert normalise_token(short_code(token).replace("-", " ").lower()) == token
    assert normalise_token("../../etc") == "" and normalise_token("a" * 500) == ""
    assert token_hash(token) != token and len(token_hash(token)) == 64


@pytest.mark.parametrize(("year", "old_enough"), [("N1", False), ("R", False), ("6", False), ("7", True),
                                                  ("14", True)])
def test_young_people_from_year_7_get_their_own_link(year, old_enough):
    assert is_old_enough(year, 7) is old_enough


def test_phrases_are_counted_once_per_response_and_common_words_left_out():
    texts = ["Speech therapy has not started. Speech therapy!", "We waited for speech therapy", "The school is kind"]
    phrases = dict(key_phrases(texts))
    assert phrases["speech therapy"] == 2 and "the" not in phrases and "school" not in phrases


def test_what_families_wrote_is_purged_after_the_period_and_their_ratings_kept(tmp_path, database_url):
    from audit.store.db import engine_from_settings, transaction

    settings = family_settings(tmp_path, database_url)
    cycle_id = family_cycle(settings, [{"plan_ref": "U-1", "year_group": "3", "grade": "Good"}])
    surveys = load_surveys()
    with transaction(engine_from_settings(settings)) as session:
        (issued,) = make_links(session, cycle_id, surveys, days=42, young_person_from_year=7, now=NOW)
    with transaction(engine_from_settings(settings)) as session:
        link = open_link(session, issued.token, NOW + timedelta(days=1))
        assert submit(session, link, surveys["family"], {"overall": 2}, "Nobody called back", "en",
                      NOW + timedelta(days=1))
        assert open_link(session, issued.token, NOW + timedelta(days=1)) is None  # spent
    with transaction(engine_from_settings(settings)) as session:
        policy = RetentionPolicy(comment_days=730, safeguarding_days=365)
        assert purge_expired(session, policy, now=NOW + timedelta(days=700)).counts[FAMILY_WORDS] == 0
        assert purge_expired(session, policy, now=NOW + timedelta(days=732)).counts[FAMILY_WORDS] == 1
    with transaction(engine_from_settings(settings)) as session:
        (response,) = session.exec(select(SurveyResponse)).all()
        assert response.comment == "" and response.answers == {"overall": 2}


def test_an_expired_link_is_refused(tmp_path, database_url):
    from audit.store.db import engine_from_settings, transaction

    settings = family_settings(tmp_path, database_url)
    cycle_id = family_cycle(settings, [{"plan_ref": "U-2", "year_group": "8", "grade": ""}])
    with transaction(engine_from_settings(settings)) as session:
        issued = make_links(session, cycle_id, load_surveys(), days=42, young_person_from_year=7, now=NOW)
        assert [i.audience for i in issued] == ["family", "young_person"]
        assert open_link(session, issued[1].token, NOW + timedelta(days=41)) is not None
        assert open_link(session, issued[1].token, NOW + timedelta(days=42)) is None


def test_a_disagreement_count_is_shown_only_when_every_cell_it_adds_up_from_is_shown():
    """The board sees how many plans each way; a count that would give a hidden cell of the family-and-grade
    table away (by subtraction) is hidden with it."""
    from audit.family.views import FamilyView, PlanView
    from reports.family import build_family_report

    plans = ([PlanView(f"G-{i}", 3, family=1) for i in range(3)]          # Good, rated poorly: 3 (shown)
             + [PlanView(f"G-{i}", 3, family=5) for i in range(3, 6)]     # so Good has 6 answers
             + [PlanView("R-1", 2, family=5)] + [PlanView(f"R-{i}", 2, family=3) for i in range(2, 6)]  # RI well: 1
             + [PlanView(f"I-{i}", 1, family=4) for i in range(3)]        # Inadequate, rated well: 3
             + [PlanView(f"I-{i}", 1, family=3) for i in range(3, 6)])
    view = FamilyView(1, "Cycle", links={"family": 30, "young_person": 0},
                      responses={"family": len(plans), "young_person": 0}, plans=plans)
    report = build_family_report(view, 2, for_qa_lead=False)
    table = next(t for t in report["tables"] if t["key"] == "family_disagreements")
    audit_higher, family_higher = (row["cells"][1] for row in table["rows"])
    assert (audit_higher["text"], audit_higher["value"]) == ("3", 3)
    # RI's one "rated well" is hidden ("<2"), so the 4 plans family-higher would give it away: hidden too.
    assert (family_higher["text"], family_higher["value"], family_higher["suppressed"]) == ("[c]", None, True)
    assert table["rows"][1]["record"] == {"direction": table["rows"][1]["record"]["direction"], "plans": "[c]",
                                          "suppressed": True}
    internal = build_family_report(view, 0, for_qa_lead=False)
    shown = next(t for t in internal["tables"] if t["key"] == "family_disagreements")
    assert [row["cells"][1]["text"] for row in shown["rows"]] == ["3", "4"]
    assert "plans" not in report and "disagreements" not in report  # no plan reference for the board
