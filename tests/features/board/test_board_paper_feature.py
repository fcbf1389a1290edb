"""Steps for board_paper.feature: the cover paper read from the written PDF (pdftotext) and HTML."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pytest_bdd import given, scenarios, then, when
from sqlmodel import Session, create_engine, select

from audit.store.models import Cycle
from reports.pack import build_pack
from reports.pack_files import write_pack
from reports.paper import PaperOptions

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
scenarios("board/board_paper.feature")
ROOT = Path(__file__).resolve().parents[3]
OPTIONS = PaperOptions(target_pct=60, national_pct=36.0, national_source="Synthetic national survey",
                       national_year=2025, decisions=("approve a themed audit of health advice next term",))


def pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _write(store: dict, folder: Path, audience: str = "published") -> dict:
    engine = create_engine(store["url"])
    with Session(engine) as session:
        pack = build_pack(session, session.get(Cycle, store["cycles"][-1]), store["today"], 5, audience=audience,
                          paper=OPTIONS)
    engine.dispose()
    files = write_pack(pack, folder)
    return {"pack": pack, "files": files, "pages": pages(files["pdf"]),
            "html": files["html"].read_text(encoding="utf-8")}


@given("three routine cycles and one themed cycle scored, the middle routine one on a changed rubric",
       target_fixture="store")
def store(board_store):
    return board_store


@pytest.fixture(scope="module")
def published(board_store, tmp_path_factory):
    return _write(board_store, tmp_path_factory.mktemp("published"))


@when("the published paper for the latest cycle is written", target_fixture="paper")
def published_paper(published):
    return published


@when("the internal paper for the latest cycle is written", target_fixture="paper")
def internal_paper(store, tmp_path):
    return _write(store, tmp_path, "internal")


@then("pages 1 and 2 of the PDF hold the headline, where plans are strongest and weakest, what auditors wrote, "
      "timeliness, actions and what the board is asked to do")
def cover_within_two_pages(paper):
    cover = flat(" ".join(paper["pages"][:2]))
    for heading in ("Purpose", "Headline: how good are our plans, and are they getting better?",
                    "Where plans are strongest and weakest", "What auditors wrote", "Timeliness",
                    "Actions off track", "The board is asked to"):
        assert heading in cover, heading
    for ask in paper["pack"]["cover"]["asks"]:
        assert flat(f"{ask['verb'].capitalize()} {ask['text']}") in cover
    assert "Approve a themed audit" not in cover and "approve a themed audit of health advice next term" in cover
    assert "Contents" not in flat(paper["pages"][0]) or len(paper["pages"]) > 2


@then("the cover compares the cycle with the last one, the target and the national figure with its source and year")
def comparisons(paper):
    cover = flat(" ".join(paper["pages"][:2]))
    assert "Nationally 36% of plans audited were Good or better (Synthetic national survey, 2025)." in cover
    # The latest routine cycle of the test store is Cycle Nov; Cycle Aug was on a changed rubric, Nov on the first.
    change = paper["pack"]["cover"]["headline"]
    assert any("Cycle Aug" in line for line in change) or any("Fewer than 5" in line for line in change)
    assert "target" in cover


@then("the cover names a strength and a weakness by criterion")
def strength_and_weakness(paper):
    lines = paper["pack"]["cover"]["where"]["lines"]
    assert any(line.startswith("A strength: “") for line in lines)
    assert any(line.startswith("The most frequent weakness: “") for line in lines)
    themes = paper["pack"]["cover"]["themes"]
    assert themes["weak"] and themes["strong"], "the synthetic auditors' comments recur"
    cover = flat(" ".join(paper["pages"][:2]))
    assert all(flat(t["example"]) in cover for t in themes["weak"] + themes["strong"])


class _Cells(HTMLParser):
    """The text of every cell of every table in the HTML, by table id: {id: [[cell text, ...], ...]}."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.table = self.row = self.cell = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.table = self.tables.setdefault(dict(attrs).get("id", ""), [])
        elif tag == "tr" and self.table is not None:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.table.append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def _cover_html(html: str) -> str:
    return html[html.index('<section class="cover"'):html.index("</section>")]


@then("every figure the cover quotes is in its table's cell in the HTML")
def figures_equal_html(paper):
    import html as html_lib

    parser = _Cells()
    parser.feed(paper["html"])
    cover = html_lib.unescape(_cover_html(paper["html"]))
    figures = paper["pack"]["cover"]["figures"]
    assert len(figures) >= 10
    tables = {t["key"]: t for s in paper["pack"]["sections"] for t in s["tables"]}
    for f in figures:
        columns = [c["key"] for c in tables[f["table"]]["columns"]]
        row = parser.tables[f"table-{f['table']}"][1 + f["row"]]  # the first row is the heading
        assert row[columns.index(f["column"])] == f["text"], f
        assert f["text"] in cover, f


@then("every figure the cover quotes is in the PDF's cover and again in its appendix")
def figures_equal_pdf(paper):
    cover = flat(" ".join(paper["pages"][:2]))
    appendix = flat(" ".join(paper["pages"][2:]))
    for f in paper["pack"]["cover"]["figures"]:
        if f["column"] in ("criterion_label", "label", "group"):
            continue  # long words wrap inside a table cell; the number beside them is checked
        assert f["text"] in cover, f
        assert f["text"] in appendix, f


@then('every page of the PDF says "Final" and none says "Provisional"')
def final(paper):
    assert all("Final: the cycle is closed and every scorecard is in." in page for page in paper["pages"])
    assert not any("provisional" in page.lower() for page in paper["pages"])


@given("an open cycle scored so far with one health auditor's scorecards outstanding", target_fixture="open_cycle")
def open_cycle_part_scored(tmp_path, database_url):
    from audit import clock
    from audit.cycle.lifecycle import get_cycle, open_cycle
    from audit.results.cycle_scores import score_cycle
    from audit.settings import Settings
    from audit.store.db import engine_from_settings, transaction
    from audit.store.models import Assignment, Auditor
    from audit.synthetic.submissions import submit_simulated
    from tests.factories import synthetic_cycle

    settings = Settings(data_dir=tmp_path / "data", database_url=database_url, rubrics_dir=ROOT / "rubrics")
    cycle_id = synthetic_cycle(settings, tmp_path, n_plans=150, sample_size=8, today=clock.today(),
                               due=clock.today() + timedelta(days=21))
    with transaction(engine_from_settings(settings)) as session:
        cycle = get_cycle(session, cycle_id)
        open_cycle(session, cycle)
        health = Counter(session.exec(select(Auditor.code).join(Assignment, Assignment.auditor_id == Auditor.id)
                                      .where(Assignment.cycle_id == cycle_id, Auditor.agency == "health")).all())
        late = min(health, key=lambda code: (-health[code], code))
        submit_simulated(session, cycle, seed=5, skip_auditors={late})
        score_cycle(session, cycle)
    return {"settings": settings, "cycle_id": cycle_id, "outstanding": health[late]}


@when("its paper is written", target_fixture="paper")
def open_paper(open_cycle, tmp_path):
    from audit import clock
    from audit.store.db import engine_from_settings, transaction

    with transaction(engine_from_settings(open_cycle["settings"])) as session:
        pack = build_pack(session, session.get(Cycle, open_cycle["cycle_id"]), clock.today(), 5)
    files = write_pack(pack, tmp_path / "reports")
    return {"pack": pack, "files": files, "pages": pages(files["pdf"]),
            "html": files["html"].read_text(encoding="utf-8")}


@then('every page of the PDF says "Provisional" and how many scorecards are outstanding')
def provisional(paper, open_cycle):
    status = paper["pack"]["status"]
    assert not status["final"] and status["outstanding_scorecards"] >= open_cycle["outstanding"] > 0
    for page in paper["pages"]:
        assert "Provisional: the cycle is still open" in page
        assert f"{status['outstanding_scorecards']} of" in page and "outstanding" in page
    assert "Final:" not in " ".join(paper["pages"])


@then("the HTML opens with the provisional banner")
def provisional_html(paper):
    body = paper["html"][paper["html"].index("<main>"):]
    first = body.index('class="status provisional"')
    assert first < body.index("<h1")
    assert paper["pack"]["status"]["banner"] in body


@then("no table cell is suppressed and the cover gives the share Good or better")
def internal_counts(paper):
    for section in paper["pack"]["sections"]:
        for table in section["tables"]:
            assert not any(cell["suppressed"] for row in table["rows"] for cell in row["cells"]), table["key"]
    headline = paper["pack"]["cover"]["headline"][0]
    assert re.match(r"\d+\.\d% of graded plans were Good or better \(30 graded", headline), headline
    assert paper["files"]["pdf"].name.endswith("-internal.pdf")


@then("the cover compares the share with the last cycle on the same rubric and says whether the change is beyond "
      "chance")
def compared_like_for_like(paper):
    # Cycle Nov is judged on the rubric Cycle May used; Cycle Aug, between them, on a changed one.
    [line] = [line for line in paper["pack"]["cover"]["headline"] if line.startswith("That is ")]
    assert "from " in line and "in Cycle May" in line and "Cycle Aug used another rubric version" in line
    assert re.search(r"(beyond chance|within what chance alone could give).*two-proportion test, p = 0\.\d\d", line)
    trend = {r["record"]["cycle"]: r for s in paper["pack"]["sections"] for t in s["tables"]
             if t["key"] == "trend_routine" for r in t["rows"] if r["record"]["group"] == "All sampled plans"}
    assert trend["Cycle May"]["cells"][-2]["text"] in line and trend["Cycle Nov"]["cells"][-2]["text"] in line


@then("the cover and every page say the paper is internal")
def says_internal(paper):
    assert "Internal paper for the QA group" in flat(paper["pages"][0])
    assert all("internal: not for publication" in page for page in paper["pages"])
    assert paper["pack"]["title"].endswith("(internal)")


@then("the published paper says it is published and suppresses small numbers")
def says_published(published):
    assert "Published paper: small numbers are suppressed" in flat(published["pages"][0])
    assert "<5" in " ".join(published["pages"])
    assert not any("not for publication" in page for page in published["pages"])


@then("the PDF shows no raw code and no machine date or time")
def in_words(paper):
    text = " ".join(paper["pages"])
    assert not re.search(r"\b\d{4}-\d{2}-\d{2}", text)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text), re.search(r"\b[a-z]+_[a-z_]+\b", text)
    for code in ("early_years", "social_care", "not_started", "CO-"):
        assert code not in text, code
    assert text.count("SLCN") == text.count("(SLCN)"), "an abbreviation only beside its words"


@then("the small-number note is printed once")
def note_once(paper):
    assert flat(" ".join(paper["pages"])).count("Small numbers: a group of fewer than 5 plans") == 1


@then("teams, phases and needs with fewer than 5 graded plans are counted together in one row")
def small_groups_together(paper, store):
    from audit.results.analysis import by_plan_field, load_cycle_results

    engine = create_engine(store["url"])
    with Session(engine) as session:
        results = load_cycle_results(session, session.get(Cycle, store["cycles"][-1]))
    engine.dispose()
    tables = {t["key"]: t for s in paper["pack"]["sections"] for t in s["tables"]}
    for key, field in (("by_team", "team"), ("by_phase", "phase"), ("by_need", "primary_need")):
        raw = by_plan_field(results, field)
        small = raw[(raw["plans"] > 0) & (raw["plans"] < 5)]
        rows = {r["cells"][0]["text"]: r for r in tables[key]["rows"]}
        others = [name for name in rows if name.startswith("Other ")]
        if len(small) >= 2:
            [other] = others
            assert rows[other]["record"]["plans"] == (int(small["plans"].sum()) if small["plans"].sum() >= 5 else "<5")
            assert not set(small["group"]) & set(rows)
        else:
            assert not others
        assert sum(isinstance(r["record"]["plans"], str) for r in rows.values()) <= 1  # at most the "Other" row


@then("no page holds only a note or a footnote")
def no_thin_page(paper):
    for number, page in enumerate(paper["pages"], start=1):
        lines = [line for line in page.splitlines() if line.strip()]
        body = lines[1:-1]  # less the running header and footer
        assert len(body) >= 3 or "Contents" in page, (number, body)


@then("the monthly timeliness and the list of actions are in the workbook, not the PDF")
def detail_in_workbook(paper):
    text = flat(" ".join(paper["pages"]))
    assert "Timeliness per calendar month (each month is its own period): in the workbook (XLSX)." in text
    book = load_workbook(paper["files"]["xlsx"], read_only=True)
    titles = [row[0] for name in book.sheetnames if name not in ("Contents", "Charts")
              for row in book[name].iter_rows(min_row=1, max_row=1, values_only=True)]
    assert "Timeliness per calendar month (each month is its own period)" in titles
    contents = [row[0] for row in book["Contents"].iter_rows(max_row=6, values_only=True)]
    assert paper["pack"]["status"]["banner"] in contents and paper["pack"]["cover"]["audience_note"] in contents
    assert "Amendment tasks and improvement actions from this cycle" in titles
    actions = next(t for s in paper["pack"]["sections"] for t in s["tables"] if t["key"] == "actions")
    assert actions["rows"] and actions["rows"][0]["cells"][0]["text"] not in text
    assert "Actions from this cycle by status" in text


# The command line (ehcp_audit_cli/board_cmds.py) -------------------------------------------------------------


def _cli(store: dict, folder: Path, monkeypatch, *args: str):
    from typer.testing import CliRunner

    from audit.settings import get_settings
    from ehcp_audit_cli.main import app

    monkeypatch.setenv("EHCP_AUDIT_DATABASE_URL", store["url"])
    monkeypatch.setenv("EHCP_AUDIT_AREA_CODE", store["area_code"])
    monkeypatch.setenv("EHCP_AUDIT_DATA_DIR", str(folder))
    monkeypatch.setenv("EHCP_AUDIT_RUBRICS_DIR", str(ROOT / "rubrics"))
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, ["board-pack", "--as-of", store["today"].isoformat(), *args])
    finally:
        get_settings.cache_clear()


@when('the QA lead runs "ehcp-audit board-pack --audience internal"', target_fixture="run")
def run_internal(store, tmp_path, monkeypatch):
    result = _cli(store, tmp_path, monkeypatch, "--audience", "internal", "--out", str(tmp_path / "out"))
    return {"result": result, "folder": tmp_path / "out", "tmp": tmp_path, "monkeypatch": monkeypatch}


@then("the internal paper's files are written, the PDF saying it is internal")
def internal_files(run):
    assert run["result"].exit_code == 0, run["result"].output
    [pdf] = list(run["folder"].glob("*-internal.pdf"))
    first = flat(pages(pdf)[0])
    assert "Internal paper for the QA group" in first and "internal: not for publication" in first
    assert {p.suffix for p in run["folder"].glob("board-pack-cycle-*-internal.*")} == {
        ".html", ".md", ".pdf", ".xlsx", ".json"}


@then('"ehcp-audit board-pack --audience everyone" is refused, naming the two audiences')
def refused(store, run):
    result = _cli(store, run["tmp"], run["monkeypatch"], "--audience", "everyone", "--out", str(run["tmp"] / "x"))
    assert result.exit_code != 0
    assert "published or internal" in " ".join(result.output.split())
    assert not (run["tmp"] / "x").exists()
