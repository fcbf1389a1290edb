"""No raw code in the board's files (issues 16 and 18): the pack's HTML and Markdown, the summary rendered from
the same view-model, every feedback note, and the words the vocabulary gives."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session, create_engine

from audit.results.analysis import load_cycle_results
from audit.store.models import Cycle
from audit.vocabulary import LABELS, label, stratum_label
from audit.words import day, moment, parse_day
from reports.feedback import feedback_notes, render_note
from reports.render import render
from reports.summary import build_summary, summary_from_pack
from tests.words import raw_codes, visible_markdown, visible_text


def test_labels_and_strata_in_words():
    assert stratum_label("team=North|plan_stage=annual_review") == "Team North, annual review"
    assert stratum_label("phase=early_years|primary_need=ASD") == "Early years, autistic spectrum disorder (ASD)"
    assert stratum_label("all") == "Whole register (not stratified)"
    assert label("sen_team", "agency") == "SEN team" and label("not_started", "task_status") == "Open"
    assert all(not raw_codes(words) for family in LABELS.values() for words in family.values())


def test_dates_in_uk_format_and_times_in_london():
    assert day(date(2026, 12, 4)) == "4 December 2026"
    assert moment(datetime(2026, 12, 4, 18, 27, 10, tzinfo=UTC)) == "4 December 2026, 6:27pm"
    assert moment("2026-07-04T11:00:00+00:00") == "4 July 2026, midday"  # British Summer Time
    assert moment(datetime(2026, 6, 1, 23, 30)) == "2 June 2026, 12:30am"  # a naive moment is UTC
    assert parse_day("1/11/2026") == parse_day("2026-11-01") == parse_day("1 November 2026") == date(2026, 11, 1)


def test_the_pack_and_the_summary_show_no_raw_code(board_pack_files, board_store):
    pack, paths = board_pack_files
    assert not raw_codes(visible_text(paths["html"].read_text(encoding="utf-8")))
    assert not raw_codes(visible_markdown(paths["md"].read_text(encoding="utf-8")))
    summary = summary_from_pack(pack)
    for fmt in ("html", "md"):
        text = render(summary, fmt)
        assert not raw_codes(visible_text(text) if fmt == "html" else visible_markdown(text)), fmt


def test_the_summary_reads_the_packs_numbers(board_store):
    from reports.pack import build_pack, pack_data, table

    engine = create_engine(board_store["url"])
    with Session(engine) as session:
        cycle = session.get(Cycle, board_store["cycles"][-1])
        results = load_cycle_results(session, cycle)
        summary = build_summary(session, results, board_store["today"], 5)
        data = pack_data(session, cycle, board_store["today"], full=False, results=results)
        pack = build_pack(session, cycle, board_store["today"], 5, data=data)
        notes = feedback_notes(session, results)
    engine.dispose()
    assert [r["record"]["Good"] for r in table(pack, "by_service")["rows"]] == [r["Good"] for r in summary["by_service"]]
    assert summary["headline"] == pack["figures"] and summary["schema"] == "ehcp-audit/board-summary/2"
    assert all(not raw_codes(render_note(note)) for note in notes)
