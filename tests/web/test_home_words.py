"""Issue 17's pages in words: home pages, moderation, plan look-up, timeliness, trends and programmes show no raw
code, stratum key, ISO date or "UTC" (the same check as tests/web/test_words.py)."""

from __future__ import annotations

from sqlmodel import select

from audit.cycle.lifecycle import get_area
from audit.cycle.programmes import ProgrammeSpec, set_programme
from audit.store.db import transaction
from audit.store.models import Assignment, Plan, SampledPlan
from tests.factories import whole_plan_rubric
from tests.web.conftest import csrf_of, engine_of, sign_in
from tests.words import raw_codes, visible_text


def test_issue_17_pages_show_no_raw_code(app, client, scored):
    with transaction(engine_of(app)) as session:
        area = get_area(session, app.state.settings.area_code)
        set_programme(session, area, ProgrammeSpec(name="Termly audit", cadence="termly", rubric=whole_plan_rubric(),
                                                   sample_size=5))
        health = session.exec(select(Assignment).where(Assignment.agency == "health")).first()
        ref = session.exec(select(Plan.plan_ref).join(SampledPlan, SampledPlan.plan_id == Plan.id)
                           .where(SampledPlan.id == health.sampled_plan_id)).one()
    pages = {
        "demo-qa-lead": ["/", "/moderation", f"/plans/{ref}", "/timeliness", "/timeliness?by=phase",
                         "/timeliness?by=team&sort=percent&order=desc", "/trends", "/trends?series=Section",
                         "/programmes", "/programmes/1/pause", "/plans"],
        "demo-moderator": ["/", "/moderation", f"/plans/{ref}"],
        "demo-board-member": ["/", f"/plans/{ref}", "/trends?series=Service"],
        "demo-service-lead": ["/", f"/plans/{ref}", "/timeliness", "/trends"],
        "demo-parent-carer-auditor": ["/"],
        "demo-admin": ["/", "/account"],
    }
    found = {}
    for username, paths in pages.items():
        sign_in(client, username)
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, (username, path)
            if problems := raw_codes(visible_text(answer.text)):
                found[f"{username} {path}"] = problems[:5]
        client.post("/sign-out", data={"csrf_token": csrf_of(client.get("/account").text)})
    assert not found, "raw codes shown to people:\n" + "\n".join(f"{w}: {p}" for w, ps in found.items() for p in ps)
