"""`ehcp-audit timeliness --open`: the cases still open, in words and as JSON, for the QA lead and a service lead."""

from __future__ import annotations

import json
from datetime import date

from audit.synthetic.area import write_synthetic_area
from tests.unit.test_cli import cli_env, run  # noqa: F401  (cli_env is a fixture)


def test_open_cases_are_counted_by_weeks_waited_and_those_past_the_limit_listed(cli_env):
    files = write_synthetic_area(cli_env / "area", seed=5, n_plans=300, as_of=date(2026, 11, 1))
    assert run("plans", "import", files["register"]).exit_code == 0
    out = run("timeliness", "--as-of", "2026-11-01", "--open")
    assert out.exit_code == 0, out.output
    assert "Cases still open on 1 November 2026" in out.output
    assert "Requests with no final plan yet:" in out.output and "past 20 weeks" in out.output
    assert "Past the limit (20 weeks for a plan, 6 weeks for advice), oldest first" in out.output
    data = json.loads(run("timeliness", "--as-of", "2026-11-01", "--open", "--format", "json").output)
    requests = next(a for a in data["open_cases"] if a["key"] == "open_requests")
    assert requests["open"] == sum(b["open"] for b in requests["bands"]) > 0
    assert requests["past_limit"] == len(requests["listed"]) > 0
    assert [c["days"] for c in requests["listed"]] == sorted((c["days"] for c in requests["listed"]), reverse=True)
    assert all(c["days"] > 140 for c in requests["listed"])
    assert "open_cases" not in json.loads(run("timeliness", "--as-of", "2026-11-01", "--format", "json").output)
