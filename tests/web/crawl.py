"""A crawler for the web app: what a person (or a script) signed in as one role can reach, and how it answers.

`crawl(client, ...)` starts from `/`, follows every same-site link (`href`) and submits every GET form with
its default values, breadth first; downloads are requested like any link. `route_walk(app, client, ...)`
then asks every GET route the role's permissions reach (pages and `/api/...`) with the store's real ids
and ids that do not exist, so pages no link leads to are asked too. Every answer is checked by `judge`:

- nothing at or above 500;
- an HTML answer of 400 or more is one of the service's own pages (GOV.UK template, an `<h1>`, the service
  name in the title), never a framework's raw JSON or plain text;
- an `/api/...` answer of 400 or more is the problem shape `{"detail", "problems", "reason"}`;
- a signed-in crawl is never sent to sign in (a GET must not end the session);
- every table of a page scrolls inside its own labelled, focusable region (templates/_tables.html), so the
  page reflows at 320 CSS px;
- no page wears GOV.UK's identity (`branding_faults`): the crown, the GOV.UK logotype, the royal coat of
  arms, "Crown copyright" or a link to gov.uk (a council's service, issue 18).

The number of addresses asked per route is capped (`per_route`), so a long trail or a big register keeps
the crawl to seconds; every route is still reached.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import product
from urllib.parse import urlencode, urljoin, urlsplit, urlunsplit

from fastapi.testclient import TestClient
from sqlalchemy import text

from audit.protection.permissions import permits
from tests.web.security_docs import api_routes
from web.deps import access_check

HOST = "testserver"
# Ids that name nothing: one in range, one past every id column's range (a route must say "not found" to both).
MISSING_IDS = [987654, 2**70]
PROBLEM_KEYS = {"detail", "problems", "reason"}
# Where a path parameter's real values come from: (table, column); `fmt` takes every download format.
ID_SOURCES = {
    "assignment_id": "SELECT id FROM assignment ORDER BY id",
    "cycle_id": "SELECT id FROM cycle ORDER BY id",
    "sampled_plan_id": "SELECT id FROM sampledplan ORDER BY id",
    "plan_id": "SELECT id FROM improvementplan ORDER BY id",
    "action_id": "SELECT id FROM improvementaction ORDER BY id",
    "flag_id": "SELECT id FROM safeguardingflag ORDER BY id",
    "task_id": "SELECT id FROM action ORDER BY id",
    "proposal_id": "SELECT id FROM statusproposal ORDER BY id",
    "user_id": 'SELECT id FROM "user" ORDER BY id',
    "document_id": "SELECT id FROM plandocument ORDER BY id",
    "precheck_flag_id": "SELECT id FROM precheckflag ORDER BY id",
    "exercise_id": "SELECT id FROM calibrationexercise ORDER BY id",
    "programme_id": "SELECT id FROM auditprogramme ORDER BY id",
    "number": "SELECT DISTINCT number FROM selfevaluationversion ORDER BY number",
    # Plan look-up (issue 17): references of sampled plans first, so each role finds some it may see.
    "ref": "SELECT p.plan_ref FROM plan p JOIN sampledplan s ON s.plan_id = p.id ORDER BY s.id",
}
# Path words a route takes from a fixed list (and one it does not know).
WORDS = {"change": ["pause", "resume", "nope"], "heading_key": ["identified_assessed", "taking_part", "nope"]}
FORMATS = ["html", "md", "json", "csv", "xlsx", "pdf", "zip", "nope"]


class _Page(HTMLParser):
    """The links and GET forms of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag in ("a", "link", "area") and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = {"method": a.get("method", "get").lower(), "action": a.get("action", ""), "fields": []}
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "file"):
                self._form["fields"].append((a["name"], a.get("value", "on" if kind in ("radio", "checkbox") else "")))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = (a["name"], [], [])
        elif self._select is not None and tag == "option":
            self._select[1].append(a.get("value", ""))
            if "selected" in a:
                self._select[2].append(a.get("value", ""))
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form["fields"].append((a["name"], ""))

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None and self._form is not None:
            name, options, chosen = self._select
            if chosen or options:
                self._form["fields"].append((name, (chosen or options)[0]))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            name, value = self._form["fields"][-1]
            self._form["fields"][-1] = (name, value + data)


def same_site(base: str, href: str) -> str | None:
    """The path and query of a same-site link, or None (other sites, fragments, mailto:, javascript:)."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(f"http://{HOST}{base}", href))
    if parts.scheme not in ("http", "https") or parts.netloc != HOST:
        return None
    return urlunsplit(("", "", parts.path or "/", parts.query, ""))


@dataclass
class Answer:
    url: str
    status: int
    kind: str
    came_from: str
    location: str = ""


@dataclass
class Crawl:
    """What one crawl asked and what was wrong with the answers."""

    who: str
    answers: list[Answer] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)
    capped: Counter = field(default_factory=Counter)
    pages: dict[str, str] = field(default_factory=dict)  # url -> HTML of the service's pages, when kept
    keep_pages: bool = False

    def asked(self, url: str) -> bool:
        return any(a.url == url for a in self.answers)

    def statuses(self) -> Counter:
        return Counter(a.status for a in self.answers)


def route_templates(app) -> list[tuple[re.Pattern, str]]:
    """A pattern per route (and static mount), to count the addresses asked of each."""
    out = []
    for _, path, _ in api_routes(app):
        out.append((re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path))
    for prefix in ("/static/", "/assets/"):
        out.append((re.compile("^" + re.escape(prefix)), prefix + "*"))
    return out


def template_of(templates, url: str) -> str:
    path = urlsplit(url).path
    return next((name for pattern, name in templates if pattern.match(path)), "(no route)")


def judge(crawl: Crawl, answer: Answer, response, signed_in: bool) -> None:
    """Record what is wrong with one answer (see the module's docstring)."""
    where = f"{answer.url} (from {answer.came_from})"
    if response.status_code >= 500:
        reference = re.search(r"reference <strong>([A-Z0-9-]+)</strong>|reference ([A-Z0-9-]+)", response.text)
        crawl.faults.append(f"{response.status_code} at {where}"
                            + (f", reference {reference.group(1) or reference.group(2)}" if reference else ""))
    if response.status_code >= 400:
        path = urlsplit(answer.url).path
        if path.startswith("/api/"):
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict) or set(body) != PROBLEM_KEYS:
                crawl.faults.append(f"{response.status_code} at {where} is not the API's problem shape: "
                                    f"{response.text[:200]!r}")
        elif not answer.kind.startswith("text/html") or not own_page(response.text):
            crawl.faults.append(f"{response.status_code} at {where} is not one of the service's pages: "
                                f"{answer.kind} {response.text[:200]!r}")
    if answer.kind.startswith("text/html"):
        found = branding_faults(response.text)
        if found:
            crawl.faults.append(f"{where} shows {', '.join(found)}")
        if "govuk-template" in response.text and unscrolled_tables(response.text):
            crawl.faults.append(f"{where} has a table outside a labelled scrolling region")
    if signed_in and answer.location.startswith("/sign-in"):
        crawl.faults.append(f"{where} sent a signed-in {crawl.who} to sign in ({answer.location})")


# What GOV.UK's identity looks like in markup: GOV.UK Frontend's header and footer macros draw all of these.
BRANDING = [
    ("the crown or GOV.UK logotype", re.compile(r'class="[^"]*govuk-(?:logo|header__logotype|footer__crown)|'
                                                r'aria-label="GOV\.UK"|<title>GOV\.UK</title>')),
    ("the GOV.UK header", re.compile(r'class="govuk-header[ "]')),
    ("the royal coat of arms", re.compile(r"govuk-footer__copyright-logo|govuk-crest")),
    ('"Crown copyright"', re.compile(r"Crown\s+copyright", re.IGNORECASE)),
    ("the Open Government Licence", re.compile(r"Open Government Licence")),
    ("a link to gov.uk", re.compile(r"""(?:href|src|action)=["']?(?:https?:)?//(?:[a-z0-9-]+\.)*gov\.uk(?:[/:"'?#]|$)""",
                                    re.IGNORECASE)),
    ("GOV.UK's icons", re.compile(r"/assets/images/")),
]


def branding_faults(html: str) -> list[str]:
    """What of GOV.UK's identity an HTML page shows (nothing, for a council's own service)."""
    return [what for what, pattern in BRANDING if pattern.search(html)]


REGION = re.compile(r'<div class="app-table-scroll" role="region" aria-label="[^"]+" tabindex="0">\s*<table\b')


def unscrolled_tables(html: str) -> int:
    """How many tables of a service page are not the first thing inside a named, focusable scrolling region."""
    return html.count("<table") - len(REGION.findall(html))


def own_page(html: str) -> bool:
    return ("govuk-template" in html and '<h1 class="govuk-heading-l">' in html
            and re.search(r"<title>[^<]* – EHC plan audit</title>", html) is not None)


def ask(client: TestClient, crawl: Crawl, url: str, came_from: str, signed_in: bool):
    response = client.get(url)
    answer = Answer(url, response.status_code, response.headers.get("content-type", ""), came_from,
                    response.headers.get("location", "") if response.is_redirect else "")
    crawl.answers.append(answer)
    judge(crawl, answer, response, signed_in)
    if crawl.keep_pages and answer.kind.startswith("text/html") and "govuk-template" in response.text:
        crawl.pages[url] = response.text
    return response, answer


def crawl(client: TestClient, app, who: str, signed_in: bool, start: str = "/", per_route: int = 25,
          limit: int = 1500, keep_pages: bool = False) -> Crawl:
    """Breadth first from `start` over same-site links, redirects and GET forms (see the module's docstring)."""
    result, templates = Crawl(who, keep_pages=keep_pages), route_templates(app)
    queue, seen, per = deque([(start, "(start)")]), {start}, Counter()
    while queue and len(result.answers) < limit:
        url, came_from = queue.popleft()
        response, answer = ask(client, result, url, came_from, signed_in)
        found = []
        if answer.location:
            found.append(answer.location)
        if answer.kind.startswith("text/html") and not url.startswith(("/static/", "/assets/")):
            page = _Page()
            page.feed(response.text)
            found += page.links
            for form in page.forms:
                if form["method"] == "get":
                    action = same_site(url, form["action"] or url)
                    if action:
                        base = action.split("?")[0]
                        found.append(f"{base}?{urlencode(form['fields'])}" if form["fields"] else base)
        for href in found:
            target = same_site(url, href)
            if target is None or target in seen:
                continue
            seen.add(target)
            name = template_of(templates, target)
            per[name] += 1
            if per[name] > per_route:
                result.capped[name] += 1
                continue
            queue.append((target, url))
    return result


def store_ids(engine) -> dict[str, list[int]]:
    ids = {}
    with engine.connect() as connection:
        for name, query in ID_SOURCES.items():
            ids[name] = [row[0] for row in connection.execute(text(query))]
    return ids


def route_walk(client: TestClient, app, result: Crawl, role: str | None, signed_in: bool, per_param: int = 3) -> None:
    """Every GET route the role may use (all of them for nobody), with real ids and ids that name nothing."""
    ids = store_ids(app.state.engine)
    for method, path, route in api_routes(app):
        if method != "GET":
            continue
        check = access_check(route)
        permission = getattr(check, "permission", "public")
        if role is not None and permission != "public" and not permits(role, permission):
            continue
        names = re.findall(r"\{([^}]+)\}", path)
        choices = []
        for name in names:
            if name == "fmt":
                choices.append(FORMATS)
            elif name in WORDS:
                choices.append(WORDS[name])
            else:
                real = ids.get(name, [])
                picked = real[:per_param] + real[-1:] if len(real) > per_param else real
                choices.append(list(dict.fromkeys(picked)) + MISSING_IDS)
        for values in product(*choices):
            url = path
            for name, value in zip(names, values, strict=True):
                url = url.replace("{" + name + "}", str(value))
            if not result.asked(url):
                ask(client, result, url, f"route {path}", signed_in)


def hold_an_upload(client: TestClient, token: str) -> None:
    """Upload an auditor list and leave it unconfirmed, so the crawl reaches the page that asks to confirm it."""
    answer = client.post("/imports/auditors", data={"csrf_token": token},
                         files={"file": ("auditors.csv", b"code,agency\nAUD-CRAWL-01,health\n", "text/csv")})
    assert answer.status_code == 303, answer.text[:500]


def upload_a_document(client: TestClient, app, token: str) -> None:
    """Upload a synthetic plan document for the store's first plan (when it has one), so the crawl reaches the
    upload's result page (an id only this session knows, linked from the upload form); with no plan the upload is
    refused, on its form."""
    from audit.synthetic.plan_documents import docx_bytes
    from audit.synthetic.plan_text import labelled_plans

    with app.state.engine.connect() as connection:
        ref = connection.execute(text("SELECT plan_ref FROM plan ORDER BY id LIMIT 1")).scalar()
    plan = labelled_plans(7, 1, styles=("section-colon",))[0]
    plan.ref = ref or "NO-PLAN-1"
    answer = client.post("/documents/import", data={"csrf_token": token}, files={"files": (
        f"{plan.ref}.docx", docx_bytes(plan), "application/vnd.openxmlformats-officedocument.wordprocessingml.document")})
    assert answer.status_code == (303 if ref else 400), answer.text[:500]


def crawl_as(settings, username: str | None, role: str | None, keep_pages: bool = False) -> Crawl:
    """Sign in (unless `username` is None), crawl from `/`, then walk every GET route the role may use."""
    from tests.web.conftest import sign_in
    from web.app import create_app

    app = create_app(settings)
    app.state.continue_cycle = lambda *args, **kwargs: None  # a GET never should, but no flow runs here
    with TestClient(app, follow_redirects=False) as client:
        if username:
            token = sign_in(client, username)
            if role is not None and permits(role, "import_data"):
                hold_an_upload(client, token)
                upload_a_document(client, app, token)
        result = crawl(client, app, username or "nobody", signed_in=username is not None, keep_pages=keep_pages)
        route_walk(client, app, result, role, signed_in=username is not None)
    app.state.engine.dispose()
    return result
