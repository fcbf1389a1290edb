"""Steps for family/family_voice.feature: links, the public survey pages, refusals and the family report."""

from __future__ import annotations

import csv
import json
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, scenarios, then, when
from sqlmodel import select
from typer.testing import CliRunner

from audit import clock as product_clock
from audit.family.links import token_hash
from audit.settings import get_settings
from audit.store.db import engine_from_settings, transaction
from audit.store.models import Plan, SampledPlan, SurveyLink, SurveyResponse
from ehcp_audit_cli.main import app as cli
from tests.family_data import family_cycle, family_settings
from tests.smtp_server import smtp  # noqa: F401  (fixture)
from tests.web.conftest import csrf_of
from web.app import create_app

scenarios("family/family_voice.feature")
runner = CliRunner()
STATEMENTS = ["reflects_child", "listened_to", "provision_happening", "outcomes_right", "overall"]
WORDS = {"Strongly agree": "5", "Agree": "4", "Neither agree nor disagree": "3", "Disagree": "2",
         "Strongly disagree": "1"}


@pytest.fixture
def ctx(tmp_path, database_url, monkeypatch):
    settings = family_settings(tmp_path, database_url)
    for name, value in {"DATA_DIR": tmp_path, "DATABASE_URL": database_url, "AREA_CODE": "FAMILY",
                        "RUBRICS_DIR": settings.rubrics_dir, "SMALL_NUMBER_THRESHOLD": 2}.items():
        monkeypatch.setenv(f"EHCP_AUDIT_{name}", str(value))
    get_settings.cache_clear()
    context = {"settings": settings, "folder": tmp_path}
    yield context
    get_settings.cache_clear()
    if "client" in context:
        context["client"].__exit__(None, None, None)


def cli_run(*args: str):
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def client_of(ctx) -> TestClient:
    if "client" not in ctx:
        ctx["client"] = TestClient(create_app(ctx["settings"]), follow_redirects=False).__enter__()
    return ctx["client"]


def stored(ctx, model):
    with transaction(engine_from_settings(ctx["settings"])) as session:
        return session.exec(select(model)).all()


def link_rows(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def answer(ctx, ref: str, fields: dict) -> object:
    client = client_of(ctx)
    path = ctx["links"][(ref, "Parent or carer")]
    token = ctx["csrf"] = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **fields})


@given("a cycle sampling these plans", target_fixture="cycle_id")
def cycle_sampling(ctx, datatable):
    header, *rows = datatable
    ctx["cycle"] = family_cycle(ctx["settings"], [dict(zip(header, row)) for row in rows])
    return ctx["cycle"]


@when(parsers.parse('the QA lead makes the cycle\'s survey links into "{name}"'))
@given("the QA lead has made the cycle's survey links")
def make_links(ctx, name="links.csv"):
    out = ctx["folder"] / name
    cli_run("family", "links", str(ctx["cycle"]), "--out", str(out))
    ctx["rows"] = link_rows(out)
    ctx["links"] = {(r["plan_ref"], r["audience"]): r["link"].removeprefix("http://localhost:8000")
                    for r in ctx["rows"]}


@when("the QA lead names a folder instead of a file for the cycle's survey links", target_fixture="refused")
def links_into_a_folder(ctx):
    folder = ctx["folder"] / "letters"
    folder.mkdir()
    return runner.invoke(cli, ["family", "links", str(ctx["cycle"]), "--out", str(folder)])


@then("they are told to name a .csv file")
def told_to_name_a_csv(refused):
    assert refused.exit_code != 0
    assert "name the file to write, e.g. links.csv" in " ".join(refused.output.split())


@then(parsers.parse('no survey link is stored, so making the links into "{name}" still makes them all'))
def nothing_stored(ctx, name):
    assert stored(ctx, SurveyLink) == []
    make_links(ctx, name)
    assert len(ctx["rows"]) == 6 and len(stored(ctx, SurveyLink)) == 6


@then(parsers.parse('"{name}" has a family link for every plan and a young person\'s link for "{a}" and "{b}" only'))
def links_per_audience(ctx, name, a, b):
    rows = link_rows(ctx["folder"] / name)
    assert sorted(r["plan_ref"] for r in rows if r["audience"] == "Parent or carer") == [
        "F-001", "F-002", "F-003", "F-004"]
    assert sorted(r["plan_ref"] for r in rows if r["audience"] == "Young person") == [a, b]
    assert all(r["link"].startswith("http://localhost:8000/survey/") for r in rows)


@then("every link's token has at least 128 bits and the store holds only its hash")
def tokens_strong(ctx):
    tokens = [r["link"].rsplit("/", 1)[1] for r in ctx["rows"]]
    assert all(re.fullmatch(r"[a-z2-7]{32}", t) for t in tokens)  # 32 base32 characters = 160 bits
    assert len(set(tokens)) == len(tokens)
    links = stored(ctx, SurveyLink)
    assert {link.token_hash for link in links} == {token_hash(t) for t in tokens}
    dump = json.dumps([link.model_dump(mode="json") for link in links])
    assert not any(t in dump for t in tokens)
    assert all(r["code"].replace("-", "").lower() in tokens for r in ctx["rows"])


@then("making the links again adds none")
def links_again(ctx):
    result = cli_run("family", "links", str(ctx["cycle"]), "--out", str(ctx["folder"] / "again.csv"))
    assert "Made 0 survey link(s)" in result.output
    assert link_rows(ctx["folder"] / "again.csv") == []
    assert len(stored(ctx, SurveyLink)) == 6


@when(parsers.parse('the parent of "{ref}" opens their link'))
def opens_link(ctx, ref):
    ctx["ref"] = ref
    ctx["response"] = client_of(ctx).get(ctx["links"][(ref, "Parent or carer")])


@then("they read what the survey is for, how answers are used and the consent statement, and nothing about the plan")
def reads_survey(ctx):
    response = ctx["response"]
    assert response.status_code == 200
    html = response.text
    for words in ("What this survey is for", "How your answers are used", "By sending your answers you agree",
                  "Strongly agree", 'type="radio"', "<textarea"):
        assert words in html, words
    assert ctx["ref"] not in html and "North" not in html and "CO-01" not in html
    assert "<script" not in html.replace('<script nonce', '')  # only the GOV.UK template's one-line class switch
    assert response.headers["referrer-policy"] == "no-referrer"
    assert set(client_of(ctx).cookies.keys()) <= {"ehcp_session"}


@when(parsers.parse('they send their answers without answering "{statement}"'))
def send_missing(ctx, statement):
    fields = {key: "4" for key in STATEMENTS if key != "overall"}
    ctx["response"] = answer(ctx, ctx["ref"], fields)


@then(parsers.parse('the page shows 1 error, first in the summary, "{message}"'))
def one_error(ctx, message):
    response = ctx["response"]
    assert response.status_code == 400
    summary = response.text.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    assert summary.count("<li>") == 1 and message in summary and 'href="#overall"' in summary
    assert 'value="4" checked' in response.text  # what they had answered is kept


@then("nothing is stored")
def nothing_stored(ctx):
    assert stored(ctx, SurveyResponse) == []
    assert all(link.used_at is None for link in stored(ctx, SurveyLink))


@when(parsers.parse('they answer every statement with "{words}" and write "{comment}"'))
def answer_all(ctx, words, comment):
    ctx["response"] = answer(ctx, ctx["ref"], {**dict.fromkeys(STATEMENTS, WORDS[words]), "comment": comment})
    ctx["comment"] = comment


@then(parsers.parse('they are thanked and the response is stored against plan "{ref}" only'))
def thanked(ctx, ref):
    assert ctx["response"].status_code == 303
    assert ctx["response"].headers["location"] == "/survey/thank-you"
    assert "Thank you" in client_of(ctx).get("/survey/thank-you").text
    (response,) = stored(ctx, SurveyResponse)
    assert response.answers == dict.fromkeys(STATEMENTS, 2) and response.comment == ctx["comment"]
    with transaction(engine_from_settings(ctx["settings"])) as session:
        plan = session.exec(select(Plan).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                            .where(SampledPlan.id == response.sampled_plan_id)).one()
    assert plan.plan_ref == ref
    assert set(response.model_dump()) == {"id", "cycle_id", "sampled_plan_id", "audience", "survey_key",
                                          "survey_hash", "language", "answers", "comment", "source", "received_at"}


@then("the same link is then refused")
def link_refused(ctx):
    path = ctx["links"][(ctx["ref"], "Parent or carer")]
    client = client_of(ctx)
    assert client.get(path).status_code == 404
    again = client.post(path, data={"csrf_token": ctx["csrf"],
                                    **dict.fromkeys(STATEMENTS, "5")})
    assert again.status_code == 404 and "This survey link cannot be used" in again.text
    assert len(stored(ctx, SurveyResponse)) == 1


@given(parsers.parse('the parent of "{ref}" has answered'))
def has_answered(ctx, ref):
    ctx["used"] = ctx["links"][(ref, "Parent or carer")]
    assert answer(ctx, ref, dict.fromkeys(STATEMENTS, "3")).status_code == 303


def _body(html: str) -> str:
    """The page without what differs on every response anyway (CSRF token, CSP nonce)."""
    return re.sub(r'(value|nonce)="[^"]*"', "", html)


@when("someone opens a guessed link, an altered link, the used link and a link past its expiry")
def open_bad_links(ctx):
    client = client_of(ctx)
    good = ctx["links"][("F-002", "Parent or carer")]
    token = good.rsplit("/", 1)[1]
    altered = good[:-1] + ("a" if token[-1] != "a" else "b")
    expiring = ctx["links"][("F-004", "Parent or carer")]
    with transaction(engine_from_settings(ctx["settings"])) as session:
        link = session.exec(select(SurveyLink).where(
            SurveyLink.token_hash == token_hash(expiring.rsplit("/", 1)[1]))).one()
        link.expires_at = product_clock.now() - timedelta(minutes=1)
    paths = ["/survey/" + "q" * 32, altered, ctx["used"], expiring, "/survey/not-even-a-token"]
    ctx["answers"] = [client.get(p) for p in paths]
    ctx["good"] = good


@then("each gets the same page with the same status and the same words")
def same_refusals(ctx):
    statuses = {r.status_code for r in ctx["answers"]}
    bodies = {_body(r.text) for r in ctx["answers"]}
    assert statuses == {404} and len(bodies) == 1


@then("an address that keeps guessing is paused with that same page, even for a good link")
def paused(ctx):
    client = client_of(ctx)
    for _ in range(ctx["settings"].survey_max_failures_per_address):
        client.get("/survey/" + "z" * 32)
    response = client.get(ctx["good"])
    assert response.status_code == 404 and _body(response.text) == _body(ctx["answers"][0].text)


@given("these families have answered overall")
def families_answered(ctx, datatable):
    header, *rows = datatable
    for row in (dict(zip(header, r)) for r in rows):
        fields = dict.fromkeys(STATEMENTS, row["overall"])
        assert answer(ctx, row["plan_ref"], {**fields, "comment": row["comment"]}).status_code == 303


@when("the QA lead asks for the family report as JSON")
def report_json(ctx):
    ctx["report"] = json.loads(cli_run("family", "report", str(ctx["cycle"]), "--format", "json").stdout)


@then("the disagreements are")
def disagreements(ctx, datatable):
    header, *rows = datatable
    got = [{k: d[k] for k in header} for d in ctx["report"]["disagreements"]]
    assert got == [dict(zip(header, row)) for row in rows]


@then(parsers.parse('plan "{ref}" shows grade "{grade}" beside the family\'s "{family}"'))
def beside(ctx, ref, grade, family):
    plan = next(p for p in ctx["report"]["plans"] if p["plan_ref"] == ref)
    assert (plan["grade"], plan["family"], plan["disagreement"]) == (grade, family, "")


@then(parsers.parse('the themes include "{phrase}" from {n:d} responses'))
def themes(ctx, phrase, n):
    assert {"phrase": phrase, "responses": n} in ctx["report"]["themes"]


@then(parsers.parse("the family response rate is {answered:d} of {invited:d}"))
def rate(ctx, answered, invited):
    table = next(t for t in ctx["report"]["tables"] if t["key"] == "response_rates")
    family = table["rows"][0]["record"]
    assert (family["answered"], family["invited"], family["rate"]) == (answered, invited, 100 * answered / invited)


def _page_as(ctx, username: str) -> str:
    from audit.cycle.lifecycle import get_area
    from audit.protection.users import ensure_demo_users
    from audit.store.models import Auditor
    from tests.factories import make_auditor
    from tests.web.conftest import sign_in

    with transaction(engine_from_settings(ctx["settings"])) as session:
        area = get_area(session, "FAMILY")
        if not session.exec(select(Auditor).where(Auditor.code == "AUD-PCF-01")).first():
            make_auditor(session, area, "AUD-PCF-01", "parent_carer_forum")
        ensure_demo_users(session, area)
    with TestClient(create_app(ctx["settings"]), follow_redirects=False) as client:
        sign_in(client, username)
        assert 'href="/family"' in client.get("/family").text  # in the navigation
        assert f'href="/family/{ctx["cycle"]}"' in client.get("/family").text
        response = client.get(f"/family/{ctx['cycle']}")
        assert response.status_code == 200
        return response.text


@then(parsers.parse('the QA lead\'s family voice page lists "{a}" and "{b}" as disagreements'))
def qa_page(ctx, a, b):
    html = _page_as(ctx, "demo-qa-lead")
    section = html.split("Where the family and the audit disagree", 1)[1].split("<h2", 1)[0]
    assert a in section and b in section and "F-002" not in section and "F-003" not in section


@then("the parent carer forum auditor's family voice page shows the tables and themes but no plan reference")
def forum_page(ctx):
    html = _page_as(ctx, "demo-parent-carer-auditor")
    assert "Response rates" in html and "speech therapy" in html
    assert not re.search(r"F-00\d", html) and "Where the family and the audit disagree" not in html
    assert "Plans where the family&#39;s view and the audit disagree" in html  # how many, never which


def _pack(ctx, audience: str) -> dict:
    from audit.cycle.lifecycle import get_cycle
    from reports.pack import build_pack

    with transaction(engine_from_settings(ctx["settings"])) as session:
        return build_pack(session, get_cycle(session, ctx["cycle"]), product_clock.today(),
                          ctx["settings"].small_number_threshold, audience=audience)


def _family_table(pack: dict, key: str) -> dict:
    section = next(s for s in pack["sections"] if s["id"] == "family")
    return next(t for t in section["tables"] if t["key"] == key)


@when("the board pack of the cycle is built for publication")
def published_pack(ctx):
    ctx["pack"] = _pack(ctx, "published")


@when("the internal board pack of the cycle is built")
def internal_pack(ctx):
    ctx["pack"] = _pack(ctx, "internal")


@then(parsers.parse('its "Family voice" section shows the response rate "{rate}" of {invited:d} links made and '
                    '{answered:d} answers'))
def pack_rates(ctx, rate, invited, answered):
    section = next(s for s in ctx["pack"]["sections"] if s["id"] == "family")
    assert section["title"] == "Family voice"
    family, young = (row["record"] for row in _family_table(ctx["pack"], "response_rates")["rows"])
    assert family["answered"] == answered and family["invited"] == 4
    assert family["invited"] + young["invited"] == invited
    assert _family_table(ctx["pack"], "response_rates")["rows"][0]["cells"][-1]["text"] == rate


@then(parsers.parse('each grade\'s row beside the family\'s view shows "{shown}", one plan each being too few to show'))
def pack_beside(ctx, shown):
    rows = _family_table(ctx["pack"], "family_and_grade")["rows"]
    graded = [r for r in rows if r["record"]["grade"] != "Not yet graded"]
    assert len(graded) == 4
    assert all(cell["text"] == shown for r in graded for cell in r["cells"][1:])


@then(parsers.parse('the disagreements show "{shown}" each way, not 1'))
def pack_disagreements_hidden(ctx, shown):
    rows = _family_table(ctx["pack"], "family_disagreements")["rows"]
    assert [r["cells"][1]["text"] for r in rows] == [shown, shown]
    assert all(r["cells"][1]["value"] is None and r["record"]["plans"] == shown for r in rows)


@then(parsers.parse("the disagreements show {n:d} each way"))
def pack_disagreements_shown(ctx, n):
    rows = _family_table(ctx["pack"], "family_disagreements")["rows"]
    assert [r["cells"][1]["text"] for r in rows] == [str(n), str(n)]


@then(parsers.parse('the cover says what families said: the response rate, the view beside the grades, the '
                    'disagreements and "{phrase}" ({n:d})'))
def pack_cover(ctx, phrase, n):
    lines = ctx["pack"]["cover"]["family"]
    assert lines[0] == "Parent or carer: 4 answers to 4 survey links (100.0%)."
    assert lines[1] == "Young person: 0 answers to 2 survey links (0.0%)."
    assert lines[2].startswith("The family's overall view beside the audit grade: Outstanding: <2 (rates it well <2")
    assert lines[3] == ("Plans where the family and the audit disagree: <2 graded Good or better that the family rates "
                        "poorly; <2 graded below Good that the family rates well. The QA lead looks at each again.")
    assert f"“{phrase}” ({n})" in lines[4]
    quoted = {q["table"] for q in ctx["pack"]["cover"]["figures"]}
    assert {"response_rates", "family_and_grade", "family_disagreements", "family_themes"} <= quoted
    from reports.pack_render import render_html, render_markdown

    assert "What families said" in render_html(ctx["pack"]) and "## What families said" in render_markdown(ctx["pack"])


@then("no plan reference is in the pack")
def pack_without_refs(ctx):
    assert not re.search(r"F-00\d", json.dumps(ctx["pack"], default=str))


@then("the board's results page for the cycle shows the family voice as the pack does")
def results_page(ctx):
    from audit.cycle.lifecycle import get_area
    from audit.protection.users import ensure_demo_users
    from tests.web.conftest import sign_in

    with transaction(engine_from_settings(ctx["settings"])) as session:
        ensure_demo_users(session, get_area(session, "FAMILY"))
    with TestClient(create_app(ctx["settings"]), follow_redirects=False) as client:
        sign_in(client, "demo-board-member")
        html = client.get(f"/results/{ctx['cycle']}").text
    family = html.split('id="family"', 1)[1]
    assert "Family voice" in html and "Response rates" in family and "speech therapy" in family
    assert "Plans where the family&#39;s view and the audit disagree" in family
    assert not re.search(r"F-00\d", family)


@then("the pack has no \"Family voice\" section and its cover says nothing of families")
def no_family(ctx):
    assert all(s["id"] != "family" for s in ctx["pack"]["sections"])
    assert ctx["pack"]["cover"]["family"] == []


@given(parsers.parse('a survey export "{name}" with these rows'))
def survey_export(ctx, name, datatable):
    with open(ctx["folder"] / name, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(datatable)


@when(parsers.parse('the QA lead imports "{name}" for the cycle'))
def import_export(ctx, name):
    ctx["result"] = runner.invoke(cli, ["family", "import", str(ctx["folder"] / name), "--cycle", str(ctx["cycle"])])


@then(parsers.parse('{n:d} responses are stored from the import, "{a}" rated {x:d} overall and "{b}" rated {y:d}'))
def imported(ctx, n, a, x, b, y):
    assert ctx["result"].exit_code == 0, ctx["result"].output
    rows = stored(ctx, SurveyResponse)
    assert len(rows) == n and {r.source for r in rows} == {"import"}
    with transaction(engine_from_settings(ctx["settings"])) as session:
        refs = dict(session.exec(select(SampledPlan.id, Plan.plan_ref).join(Plan, Plan.id == SampledPlan.plan_id)).all())
    overall = {refs[r.sampled_plan_id]: r.answers["overall"] for r in rows}
    assert overall == {a: x, b: y}
    assert next(r for r in rows if refs[r.sampled_plan_id] == a).answers["reflects_child"] == 4


@then("the import is refused with these problems")
def refused_import(ctx, datatable):
    result = ctx["result"]
    assert result.exit_code == 1
    output = " ".join(result.output.split())
    assert "nothing was saved" in output
    header, *rows = datatable
    for row in rows:
        expected = dict(zip(header, row))
        assert f"bad.csv, row {expected['row']}, column '{expected['column']}': {expected['message']}" in output, expected
    assert output.count("bad.csv, row") == len(rows)


@then("no response is stored")
def none_stored(ctx):
    assert stored(ctx, SurveyResponse) == []


@when(parsers.parse('the QA lead makes the cycle\'s survey links into "{name}" with letters "{pdf}" and "{html}"'))
def links_with_letters(ctx, name, pdf, html):
    from audit.family.links import IssuedLink
    from reports.family_letters import write_letters

    cli_run("family", "links", str(ctx["cycle"]), "--out", str(ctx["folder"] / name),
            "--letters", str(ctx["folder"] / pdf))
    ctx["rows"] = link_rows(ctx["folder"] / name)
    # The HTML of the same links, for reading (the tokens exist only in the CSV now).
    issued = [IssuedLink(r["plan_ref"], {"Parent or carer": "family", "Young person": "young_person"}[r["audience"]],
                         r["link"].rsplit("/", 1)[1], product_clock.now()) for r in ctx["rows"]]
    write_letters(issued, "http://localhost:8000", ctx["folder"] / html)


@then(parsers.parse('"{name}" has one letter per link, each with its code, the short address and a QR code of its link'))
def letters_right(ctx, name):
    from reports.family_letters import qr_svg

    html = (ctx["folder"] / name).read_text(encoding="utf-8")
    letters = html.split('<section class="letter">')[1:]
    assert len(letters) == len(ctx["rows"]) == 6
    for letter, row in zip(letters, ctx["rows"], strict=True):
        assert row["code"] in letter and "http://localhost:8000/survey</strong>" in letter
        assert str(qr_svg(row["link"])) in letter
        assert row["link"] not in letter.replace(str(qr_svg(row["link"])), "")  # the full link only in the QR code
    assert "Your plan: what do you think?" in html  # the young person's easy-read letter


@then(parsers.parse('"{name}" is a PDF'))
def is_pdf(ctx, name):
    data = (ctx["folder"] / name).read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 2000


# --- the parent carer forum auditor's part of the rubric ---------------------------------------------------------


@when("the cycle is assigned to an area with a parent carer forum auditor")
def assign_with_forum(ctx):
    from audit.cycle.assignment import assign_cycle
    from audit.cycle.lifecycle import get_area, get_cycle
    from audit.protection.users import ensure_demo_users
    from audit.store.models import Assignment
    from tests.factories import make_auditor_pool

    with transaction(engine_from_settings(ctx["settings"])) as session:
        area = get_area(session, "FAMILY")
        make_auditor_pool(session, area, per_agency=1)
        assign_cycle(session, get_cycle(session, ctx["cycle"]))
        ensure_demo_users(session, area)
        ctx["forum"] = [(a.id, list(a.sections)) for a in session.exec(
            select(Assignment).where(Assignment.agency == "parent_carer_forum").order_by(Assignment.id))]
    assert len(ctx["forum"]) == 4  # one piece per sampled plan


@then(parsers.parse('the forum auditor\'s piece of each plan is "{words}"'))
def forum_pieces(ctx, words):
    from web.auditor import sections_words

    assert {sections_words(sections) for _, sections in ctx["forum"]} == {words}


@when("the parent carer forum auditor signs in and opens their first plan")
def forum_opens(ctx):
    from tests.web.conftest import sign_in

    client = ctx["forum_client"] = TestClient(create_app(ctx["settings"]), follow_redirects=False).__enter__()
    ctx["forum_csrf"] = sign_in(client, "demo-parent-carer-auditor")
    listing = client.get("/my-audits").text
    ctx["aid"] = ctx["forum"][0][0]
    assert f'href="/my-audits/{ctx["aid"]}"' in listing and "Parent carer forum&#39;s part" in listing
    ctx["page"] = client.get(f"/my-audits/{ctx['aid']}").text


@then(parsers.parse('their scorecard shows "{a}", "{b}" and "{c}" and no criterion of the SEN team\'s part'))
def forum_card(ctx, a, b, c):
    for cid in (a, b, c):
        assert f'name="grade-{cid}"' in ctx["page"], cid
    assert "co-production" in ctx["page"]
    assert not any(f'name="grade-{cid}"' in ctx["page"] for cid in ("A1", "A2", "A3", "E1", "E2", "E3", "B1"))


def _forum_post(ctx, grades: dict):
    return ctx["forum_client"].post(f"/my-audits/{ctx['aid']}",
                                    data={"csrf_token": ctx["forum_csrf"], "action": "submit", **grades})


@when(parsers.parse('they submit it with "{cid}" left ungraded'))
def forum_missing(ctx, cid):
    ctx["response"] = _forum_post(ctx, {f"grade-{k}": "3" for k in ("A4", "A5", "E4") if k != cid})


@then(parsers.parse('the page shows 1 error, for "{cid}", and nothing is submitted'))
def forum_error(ctx, cid):
    from audit.store.models import Scorecard

    response = ctx["response"]
    assert response.status_code == 400
    summary = response.text.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    assert summary.count("<li>") == 1 and f"-{cid}" in summary
    assert all(card.status != "submitted" for card in stored(ctx, Scorecard))


@when("they submit it graded Good throughout")
def forum_submits(ctx):
    ctx["response"] = _forum_post(ctx, {f"grade-{k}": "3" for k in ("A4", "A5", "E4")})


@then("the scorecard is submitted and the plan's A and E results keep the forum's part beside the SEN team's")
def forum_submitted(ctx):
    from audit.cycle.lifecycle import get_cycle
    from audit.results.cycle_scores import score_cycle
    from audit.store.models import Assignment, Scorecard, SectionResult

    assert ctx["response"].status_code == 303
    confirmation = ctx["forum_client"].get(ctx["response"].headers["location"]).text
    assert "Scorecard submitted" in confirmation
    assert "A (Parent carer forum&#39;s part), E (Parent carer forum&#39;s part)" in confirmation
    ctx["forum_client"].__exit__(None, None, None)
    with transaction(engine_from_settings(ctx["settings"])) as session:
        card = session.exec(select(Scorecard).where(Scorecard.assignment_id == ctx["aid"])).one()
        assert card.status == "submitted"
        sampled = session.get(Assignment, ctx["aid"]).sampled_plan_id
        score_cycle(session, get_cycle(session, ctx["cycle"]))
        results = {r.section: r for r in session.exec(select(SectionResult).where(
            SectionResult.sampled_plan_id == sampled))}
    # The SEN team has not graded yet: A and E wait for their part, the forum's is kept.
    for code in ("A", "E"):
        assert results[code].status == "incomplete" and results[code].parts == {"sen_team": None,
                                                                                  "parent_carer_forum": 3}


# --- links by email ---------------------------------------------------------------------------------------------


@given(parsers.parse('an address file "{name}" with these rows'))
def address_file(ctx, name, datatable):
    with open(ctx["folder"] / name, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(datatable)
    ctx["addresses"] = {row[1] for row in datatable[1:]}


@when(parsers.parse('the QA lead makes the cycle\'s survey links into "{out}", emailing the addresses in "{name}"'))
def links_by_email(ctx, out, name, smtp, monkeypatch):
    controller, inbox = smtp
    monkeypatch.setenv("EHCP_AUDIT_SMTP_HOST", controller.hostname)
    monkeypatch.setenv("EHCP_AUDIT_SMTP_PORT", str(controller.port))
    get_settings.cache_clear()
    ctx["inbox"] = inbox
    ctx["result"] = runner.invoke(cli, ["family", "links", str(ctx["cycle"]), "--out", str(ctx["folder"] / out),
                                        "--emails", str(ctx["folder"] / name)])
    ctx["out"] = ctx["folder"] / out


@then(parsers.parse("{n:d} emails are sent, each to its own address with that plan's family link and code, and "
                    "no plan reference"))
def emails_sent(ctx, n):
    assert ctx["result"].exit_code == 0, ctx["result"].output
    assert f"Emailed {n} link(s)" in ctx["result"].output
    rows = {(r["plan_ref"], r["audience"]): r for r in link_rows(ctx["out"])}
    sent = {tuple(to): message for to, message in ctx["inbox"].messages}
    assert len(ctx["inbox"].messages) == n
    for ref, address in (("F-001", "parent.one@example.org"), ("F-003", "parent.three@example.org")):
        message = sent[(address,)]
        body = message.get_content()
        row = rows[(ref, "Parent or carer")]
        assert row["link"] in body and row["code"] in body and message["To"] == address
        assert not re.search(r"F-00\d", body + message["Subject"])


@then(parsers.parse('no address is kept in the store or in "{name}"'))
def addresses_not_kept(ctx, name):
    from tests.store_dump import canonical_dump

    written = (ctx["folder"] / name).read_text(encoding="utf-8")
    store_text = json.dumps(canonical_dump(engine_from_settings(ctx["settings"])), default=str)
    for address in ctx["addresses"]:
        assert address not in written and address not in store_text


@then("the links are refused with these problems")
def links_refused(ctx, datatable):
    output = " ".join(ctx["result"].output.split())
    assert ctx["result"].exit_code != 0, output
    header, *rows = datatable
    for row in (dict(zip(header, r)) for r in rows):
        assert f"row {row['row']}, column '{row['column']}': {row['message']}" in output, (row, output)
    assert "not an address" not in output.split("this is not an email address", 1)[1].split("Fix")[0]


@then("no email is sent and no survey link is stored")
def nothing_sent(ctx):
    assert ctx["inbox"].messages == [] and stored(ctx, SurveyLink) == []


# --- what the public form refuses -------------------------------------------------------------------------------


def _full_answers(**extra) -> dict:
    return {**dict.fromkeys(STATEMENTS, "4"), **extra}


@when(parsers.parse('the parent of "{ref}" sends answers without the form\'s CSRF token'))
def post_without_csrf(ctx, ref):
    client = client_of(ctx)
    path = ctx["links"][(ref, "Parent or carer")]
    assert client.get(path).status_code == 200  # the session (and its token) exists; the post leaves it out
    ctx["response"] = client.post(path, data=_full_answers())


@when(parsers.parse('the parent of "{ref}" sends answers with a comment longer than the service accepts'))
def post_too_long(ctx, ref):
    ctx["response"] = answer(ctx, ref, _full_answers(comment="word " * (ctx["settings"].max_text_chars // 5 + 10)))


@when(parsers.parse('the parent of "{ref}" sends a body larger than the service accepts'))
def post_too_large(ctx, ref):
    client = client_of(ctx)
    path = ctx["links"][(ref, "Parent or carer")]
    token = csrf_of(client.get(path).text)
    ctx["response"] = client.post(path, data={"csrf_token": token, **_full_answers(),
                                              "comment": "x" * (ctx["settings"].max_request_bytes + 1)})


@then(parsers.parse("they are refused with status {status:d} and nothing is stored"))
def refused_with(ctx, status):
    assert ctx["response"].status_code == status
    assert stored(ctx, SurveyResponse) == [] and all(link.used_at is None for link in stored(ctx, SurveyLink))


@then("the page shows an error for the comment and nothing is stored")
def comment_error(ctx):
    response = ctx["response"]
    assert response.status_code == 400
    summary = response.text.split('govuk-error-summary__list"', 1)[1].split("</ul>", 1)[0]
    assert summary.count("<li>") == 1 and 'href="#comment"' in summary
    assert stored(ctx, SurveyResponse) == []


@then(parsers.parse('the link of "{ref}" still opens the survey'))
def still_opens(ctx, ref):
    assert client_of(ctx).get(ctx["links"][(ref, "Parent or carer")]).status_code == 200
