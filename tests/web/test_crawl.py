"""Every page, download and API answer each role can reach, on three stores: no server error, ever.

Signed in as every role (an auditor of each agency, the parent carer forum auditor, service leads of two
services, QA lead, moderator, board member, admin) and as nobody, the crawler (tests/web/crawl.py) follows
every same-site link and GET form from `/`, requests every download, then asks every GET route (pages and
API) the role's permissions reach with the store's real ids and ids that name nothing. On:

- `template`: the web tests' demo-like store (an area, its auditors, an open cycle, the demo accounts);
- `empty`: a fresh install with accounts only (no area; auditor accounts cannot exist yet);
- `lifecycle`: a scored cycle (second marking, moderation, actions, an improvement plan with proposals and
  amendment tasks), a cycle closed early, an open cycle (a draft, a submission, reminders, safeguarding
  flags) and a calibration exercise.

Each answer must be below 500; an error page must be the service's own; an API error the problem shape.
(The service leads' crawl on the lifecycle store found KeyError 'section' in reports/summary.py: fixed by
issue15-flows; here it holds them to it.)
"""

from __future__ import annotations

import logging

import pytest

from audit.protection.permissions import Permission, permits
from tests.web.crawl import crawl_as
from tests.web.crawl_stores import EVERYONE, NO_AUDITOR_NEEDED, crawl_empty, crawl_lifecycle, crawl_template, role_of  # noqa: F401  (fixtures)

CASES = ([("template", who) for who in EVERYONE + ["anonymous"]]
         + [("empty", who) for who in NO_AUDITOR_NEEDED + ["anonymous"]]
         + [("lifecycle", who) for who in EVERYONE + ["anonymous"]])


def tracebacks(caplog) -> str:
    return "\n".join(r.getMessage() + "\n" + logging.Formatter().formatException(r.exc_info)
                     for r in caplog.records if r.exc_info)[:6000]


@pytest.mark.parametrize("store, who", CASES, ids=[f"{s}-{w}" for s, w in CASES])
def test_no_page_download_or_api_answer_is_a_server_error(request, caplog, store, who):
    settings, accounts = request.getfixturevalue(f"crawl_{store}")
    if who != "anonymous":
        assert who in accounts, f"the {store} store has no account for {who}"
    signed_in = who != "anonymous"
    with caplog.at_level(logging.ERROR):
        result = crawl_as(settings, accounts[who] if signed_in else None, role_of(who) if signed_in else None)
    assert not result.faults, "\n".join(result.faults) + "\n\n" + tracebacks(caplog)
    assert len(result.answers) > 10, result.answers
    if signed_in:
        assert result.statuses()[200] > 5, "the crawl reached the role's pages"
    if store == "lifecycle" and signed_in and permits(role_of(who), Permission.view_results):
        opened = {a.url for a in result.answers if a.status == 200}
        assert {"/results/1", "/results/2", "/api/v1/cycles/1/summary"} <= opened, "the scored and closed cycles"
    if store == "lifecycle" and signed_in and permits(role_of(who), Permission.manage_cycles):
        opened = {a.url.split("?")[0] for a in result.answers if a.status == 200}
        assert "/documents" in opened and any(u.startswith("/documents/") for u in opened), "plan documents"
        assert {"/documents/import", "/documents/rules"} <= opened, "the upload form and the rules page"
