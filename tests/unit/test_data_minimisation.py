"""No names anywhere: a synthetic area is run through a whole cycle, then the store and every output are scanned
for known first names and surnames; columns that could hold personal data are refused; a safeguarding concern
never reaches the board; every aggregate output is small-number suppressed."""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
from datetime import timedelta

import openpyxl
import pytest
from faker import Faker
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

import audit.clock
from audit.cycle.lifecycle import create_cycle, get_area, open_cycle
from audit.cycle.scorecard_files import write_template
from audit.improvement.actions import raise_actions
from audit.protection.safeguarding import raise_flag
from audit.protection.trail_search import TrailFilter, write_csv
from audit.register.auditors import import_auditors
from audit.register.plans import import_register, write_register
from audit.results.analysis import load_cycle_results
from audit.results.cycle_scores import score_cycle
from audit.settings import Settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import Assignment, Auditor, Cycle
from audit.synthetic.area import write_synthetic_area
from audit.synthetic.submissions import submit_simulated
from reports.feedback import feedback_notes, render_note
from reports.pack import build_pack
from reports.pack_files import write_pack
from reports.render import write_summary
from reports.summary import build_summary
from tests.factories import ROOT, whole_plan_rubric

CONCERN = "Quokka-7741: the plan mentions an unexplained injury last summer."
TODAY = audit.clock.today()


def known_names() -> set[str]:
    """First names and surnames from Faker's British and American lists (thousands of each)."""
    names = set()
    for locale in ("en_GB", "en_US"):
        person = Faker(locale).provider("faker.providers.person")
        names |= {n.casefold() for n in (*person.first_names, *person.last_names)}
    return names


def product_vocabulary() -> set[str]:
    """Every word the product itself writes (code, rubrics, templates, dates): 'Good', 'North', 'June' are ours."""
    words = {w.casefold() for w in (*calendar.month_name, *calendar.day_name) if w}
    for pattern in ("audit/**/*.py", "reports/*.py", "reports/templates/*", "rubrics/*.yaml", "flows/*.py"):
        for path in ROOT.glob(pattern):
            words |= {w.casefold() for w in re.findall(r"[A-Za-z]+", path.read_text(encoding="utf-8"))}
    return words


NAMES = known_names() - product_vocabulary()


def names_in(text_: str) -> set[str]:
    """Capitalised words of `text_` that are known first names or surnames and not the product's own words."""
    # Embedded images (charts as base64 data URIs) are not text: "+/Lee" in a PNG's bytes is no name.
    text_ = re.sub(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+", " ", text_)
    return {w for w in re.findall(r"\b[A-Z][a-z]{2,}\b", text_) if w.casefold() in NAMES}


@pytest.fixture(scope="module")
def area_run(tmp_path_factory):
    """A synthetic area through a whole cycle, a safeguarding flag raised, every output written."""
    folder = tmp_path_factory.mktemp("minimisation")
    settings = Settings(data_dir=folder / "data", rubrics_dir=ROOT / "rubrics", area_code="MIN")
    files = write_synthetic_area(folder / "area", seed=12, n_plans=250, as_of=TODAY)
    engine = engine_from_settings(settings)
    with transaction(engine) as session:
        area = get_area(session, "MIN", create=True, name="Synthetic area")
        import_register(session, area, files["register"])
    with transaction(engine) as session:
        area = get_area(session, "MIN")
        import_auditors(session, area, files["auditors"])
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Minimisation cycle", sample_size=14,
                             due_date=TODAY + timedelta(days=20), strata=["team"], seed=12)
        open_cycle(session, cycle)
        submit_simulated(session, cycle, seed=12)
        assignment = session.exec(select(Assignment)).first()
        raise_flag(session, assignment, session.get(Auditor, assignment.auditor_id), CONCERN)
        score_cycle(session, cycle)
        raise_actions(session, load_cycle_results(session, cycle), settings, TODAY)
        cycle_id, auditor = cycle.id, session.get(Auditor, assignment.auditor_id)
    out = folder / "out"
    with Session(engine) as session:
        cycle = session.get(Cycle, cycle_id)
        results = load_cycle_results(session, cycle)
        summary = build_summary(session, results, TODAY, 5)
        write_summary(summary, out / "summary")
        pack = build_pack(session, cycle, TODAY, 5)
        write_pack(pack, out / "pack")
        for note in feedback_notes(session, results):
            (out / "feedback").mkdir(exist_ok=True)
            (out / "feedback" / f"{note['plan_ref']}.md").write_text(render_note(note), encoding="utf-8")
        with (out / "trail.csv").open("w", newline="", encoding="utf-8") as handle:
            write_csv(session, TrailFilter(), handle)
        write_template(session, cycle, auditor, out / "scorecard.csv")
        plans = session.execute(text("SELECT * FROM plan")).mappings().all()
        write_register([dict(p) for p in plans], out / "register.csv")
    return {"engine": engine, "out": out, "summary": summary, "pack": pack}


def output_texts(out) -> dict[str, str]:
    """Every output file as text: HTML, Markdown, JSON, CSV, and every cell of every workbook."""
    texts = {}
    for path in out.rglob("*"):
        if path.suffix in (".html", ".md", ".json", ".csv"):
            texts[str(path.relative_to(out))] = path.read_text(encoding="utf-8")
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            texts[str(path.relative_to(out))] = " ".join(
                str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v)
    return texts


def test_the_scanner_finds_a_planted_name():
    assert names_in("Plan P-1, case officer Olivia Thompson, Good") == {"Olivia", "Thompson"}
    assert names_in("Special school, North, Requires Improvement, Education") == set()
    assert len(NAMES) > 1500  # Faker's en_GB and en_US lists, less words the product uses itself


def test_no_names_anywhere_in_the_store(area_run):
    found = {}
    with area_run["engine"].connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(table.select()).mappings():
                for column, value in row.items():
                    if isinstance(value, (str, dict, list)):
                        hits = names_in(value if isinstance(value, str) else json.dumps(value))
                        if hits:
                            found.setdefault(f"{table.name}.{column}", set()).update(hits)
    assert found == {}


def test_no_names_in_any_output(area_run):
    texts = output_texts(area_run["out"])
    assert {"summary", "pack", "feedback", "trail.csv", "scorecard.csv", "register.csv"} <= {
        name.split("/")[0] for name in texts}
    assert any(name.endswith(".xlsx") for name in texts)
    found = {name: names_in(body) for name, body in texts.items() if names_in(body)}
    assert found == {}


def test_the_concern_never_reaches_the_board_or_the_trail(area_run):
    for name, body in output_texts(area_run["out"]).items():
        assert "Quokka" not in body, name
    with area_run["engine"].connect() as connection:
        stored = connection.execute(text("SELECT concern FROM safeguardingflag")).scalar_one()
        trail = " ".join(str(r) for r in connection.execute(text("SELECT before, after FROM trailentry")))
    assert stored == CONCERN and "Quokka" not in trail


PERSONAL = re.compile(r"name|first|surname|forename|birth|dob|address|postcode|nhs|upn|phone|gender|ethnic|sex",
                      re.IGNORECASE)
# Names of things, not people; staff accounts; an auditor's work address for reminders (docs/data-protection.md).
ALLOWED = {("localarea", "name"), ("cycle", "name"), ("calibrationexercise", "name"), ("user", "username"),
           ("trailentry", "table_name"), ("trailentry", "prev_hash"),
           ("auditprogramme", "name"), ("improvementplan", "name")}  # names of programmes and plans, not people


def test_no_column_of_any_table_is_for_personal_details():
    columns = {(t.name, c.name) for t in SQLModel.metadata.sorted_tables for c in t.columns}
    assert {pair for pair in columns if PERSONAL.search(pair[1])} - ALLOWED == set()
    plan_columns = {c for t, c in columns if t == "plan"}
    assert {"plan_ref", "case_officer"} <= plan_columns and not any(PERSONAL.search(c) for c in plan_columns)


def test_every_aggregate_output_is_small_number_suppressed(area_run):
    summary, pack = area_run["summary"], area_run["pack"]
    assert "Small numbers" in summary["suppression_note"] and "Small numbers" in pack["suppression_note"]
    tables = [t for s in pack["sections"] for t in s["tables"]]
    assert tables and all("suppressed_cells" in t for t in tables)
    assert sum(t["suppressed_cells"] for t in tables) > 0  # 14 plans over five teams: there are small groups
    for table in tables:  # a hidden number is in no format: its value is gone from the view-model itself
        for row in table["rows"]:
            assert all(cell["value"] is None for cell in row["cells"] if cell["suppressed"])
    texts = output_texts(area_run["out"])
    for name, body in texts.items():
        if name.startswith(("summary/", "pack/")) and not name.endswith("charts"):
            assert "Small numbers" in body or (name.endswith(".json") and "suppress" in body), name
    book = next(body for name, body in texts.items() if name.endswith(".xlsx"))
    assert "<5" in book
    rows = list(csv.reader(io.StringIO(texts["register.csv"])))
    assert rows[0][0] == "plan_ref"  # the register export is row-level (the area's own data), not aggregate
