"""Every route, API endpoint and CLI command, as every role, against the documented matrix (audit.protection.permissions).

The tables below say which permission each route and command needs; they are written out here, apart from
the code, so a change to either shows up. A route or command without an entry fails the first tests.
The walks then ask the app and the CLI as each role and compare what happens with `permits(role, perm)`.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from audit.protection.permissions import ROLES, Permission, permits
from audit.protection.users import DEMO_PASSWORD, create_api_token
from audit.store.db import transaction
from tests.web.conftest import assignments_of, auditor_users, engine_of, run_cli, sign_in, user_named
from tests.web.security_docs import cli_permissions, route_permissions

P = Permission
ROUTES = {
    ("GET", "/"): P.use_account,
    ("GET", "/sign-in"): "public",
    # Issue 24: liveness and readiness for a load balancer or systemd; they say "ok" or what is wrong, no data.
    ("GET", "/healthz"): "public",
    ("GET", "/readyz"): "public",
    ("POST", "/sign-in"): "public",
    ("GET", "/sign-in/sso"): "public",
    ("GET", "/sign-in/sso/callback"): "public",
    ("POST", "/sign-out"): P.use_account,
    ("GET", "/account"): P.use_account,
    ("POST", "/account/sign-out-everywhere"): P.use_account,
    ("GET", "/my-audits"): P.grade_plans,
    ("GET", "/my-audits/{assignment_id}"): P.grade_plans,
    ("POST", "/my-audits/{assignment_id}"): P.grade_plans,
    ("GET", "/my-audits/{assignment_id}/submitted"): P.grade_plans,
    ("GET", "/cycles"): P.manage_cycles,
    # Plan documents (issue 20): any account, then the object check (audit.documents.access) answers 404.
    ("GET", "/documents"): P.manage_cycles,
    ("GET", "/documents/{document_id}"): P.use_account,
    ("POST", "/documents/{document_id}/flags/{precheck_flag_id}"): P.use_account,
    ("GET", "/api/v1/documents/{document_id}"): P.use_account,
    ("POST", "/api/v1/documents/{document_id}/flags/{precheck_flag_id}"): P.use_account,
    # Uploading plan documents and switching pre-check rules (issue 20): the QA lead's.
    ("GET", "/documents/import"): P.import_data,
    ("POST", "/documents/import"): P.import_data,
    ("GET", "/documents/import/{upload_id}"): P.import_data,
    ("GET", "/documents/rules"): P.manage_cycles,
    ("POST", "/documents/rules/{rule_id}"): P.manage_cycles,
    ("GET", "/cycles/new"): P.manage_cycles,
    ("POST", "/cycles/new"): P.manage_cycles,
    ("GET", "/cycles/{cycle_id}"): P.manage_cycles,
    ("POST", "/cycles/{cycle_id}/start"): P.manage_cycles,
    ("POST", "/cycles/{cycle_id}/withdraw"): P.manage_cycles,
    ("POST", "/cycles/{cycle_id}/reminders"): P.manage_cycles,
    ("POST", "/cycles/{cycle_id}/close"): P.manage_cycles,
    ("GET", "/cycles/{cycle_id}/close"): P.manage_cycles,
    ("POST", "/cycles/{cycle_id}/withdraw/check"): P.manage_cycles,
    ("POST", "/cycles/{cycle_id}/draw-again"): P.manage_cycles,
    ("GET", "/imports"): P.import_data,
    ("POST", "/imports/{kind}"): P.import_data,
    ("GET", "/imports/{upload_id}"): P.import_data,
    ("POST", "/imports/{upload_id}/confirm"): P.import_data,
    ("POST", "/imports/{upload_id}/cancel"): P.import_data,
    ("GET", "/cycles/{cycle_id}/board-pack"): P.send_board_pack,
    ("POST", "/cycles/{cycle_id}/board-pack"): P.send_board_pack,
    ("GET", "/results/{cycle_id}/pack/{fmt}"): P.view_results,
    ("GET", "/cycles/{cycle_id}/moderation"): P.moderate,
    ("GET", "/cycles/{cycle_id}/moderation/{sampled_plan_id}"): P.moderate,
    ("POST", "/cycles/{cycle_id}/moderation/{sampled_plan_id}"): P.moderate,
    ("GET", "/cycles/{cycle_id}/agreement"): P.moderate,
    ("GET", "/moderation"): P.moderate,
    ("GET", "/plans"): P.look_up_plans,
    ("GET", "/plans/{ref}"): P.look_up_plans,
    ("GET", "/timeliness"): P.view_results,
    ("GET", "/trends"): P.view_results,
    ("GET", "/calibration/{exercise_id}"): P.moderate,
    ("GET", "/programmes"): P.manage_cycles,
    ("GET", "/programmes/{programme_id}/{change}"): P.manage_cycles,
    ("POST", "/programmes/{programme_id}/{change}"): P.manage_cycles,
    ("GET", "/results"): P.view_results,
    ("GET", "/results/{cycle_id}"): P.view_results,
    ("GET", "/results/{cycle_id}/download/{fmt}"): P.view_results,
    ("GET", "/improvement"): P.view_improvement,
    ("GET", "/improvement/plans/{plan_id}"): P.view_improvement,
    ("GET", "/improvement/plans/{plan_id}/download/{fmt}"): P.view_improvement,
    ("GET", "/improvement/actions/{action_id}"): P.view_improvement,
    ("POST", "/improvement/proposals/{proposal_id}"): P.manage_improvement,
    ("GET", "/improvement/tasks"): P.view_improvement,
    ("POST", "/improvement/tasks/{task_id}/done"): P.manage_improvement,
    ("GET", "/improvement/import"): P.manage_improvement,
    ("POST", "/improvement/import"): P.manage_improvement,
    ("POST", "/improvement/import/confirm"): P.manage_improvement,
    ("GET", "/my-audits/{assignment_id}/safeguarding"): P.flag_safeguarding,
    ("POST", "/my-audits/{assignment_id}/safeguarding"): P.flag_safeguarding,
    ("GET", "/my-audits/{assignment_id}/safeguarding/{flag_id}"): P.flag_safeguarding,
    ("POST", "/api/v1/assignments/{assignment_id}/safeguarding"): P.flag_safeguarding,
    ("GET", "/safeguarding"): P.follow_up_safeguarding,
    ("GET", "/safeguarding/{flag_id}"): P.follow_up_safeguarding,
    ("POST", "/safeguarding/{flag_id}/notes"): P.follow_up_safeguarding,
    ("POST", "/safeguarding/{flag_id}/close"): P.follow_up_safeguarding,
    ("POST", "/safeguarding/{flag_id}/notify"): P.follow_up_safeguarding,
    ("GET", "/trail"): P.view_audit_trail,
    ("GET", "/trail/export.csv"): P.view_audit_trail,
    ("GET", "/admin/users"): P.manage_users,
    ("POST", "/admin/users"): P.manage_users,
    ("GET", "/admin/users/{user_id}/role"): P.manage_users,
    ("POST", "/admin/users/{user_id}/role"): P.manage_users,
    ("POST", "/admin/users/{user_id}/active"): P.manage_users,
    ("POST", "/admin/users/{user_id}/sign-out-everywhere"): P.manage_users,
    # Issue 18: invitations and resets by email; the pages every public-sector service has.
    ("GET", "/admin/users/invite"): P.manage_users,
    ("POST", "/admin/users/invite"): P.manage_users,
    ("POST", "/admin/users/{user_id}/reset-password"): P.manage_users,
    ("GET", "/account/set-password"): "public",
    ("POST", "/account/set-password"): "public",
    ("GET", "/forgot-password"): "public",
    ("POST", "/forgot-password"): "public",
    ("GET", "/help"): "public",
    ("GET", "/accessibility"): "public",
    ("GET", "/privacy"): "public",
    ("GET", "/cookies"): "public",
    ("GET", "/branding/logo"): "public",
    ("GET", "/api/v1/me"): P.use_account,
    ("GET", "/api/v1/assignments"): P.grade_plans,
    ("GET", "/api/v1/assignments/{assignment_id}"): P.grade_plans,
    ("PUT", "/api/v1/assignments/{assignment_id}/scorecard"): P.grade_plans,
    ("GET", "/api/v1/cycles"): P.view_results,
    ("GET", "/api/v1/cycles/{cycle_id}/progress"): P.manage_cycles,
    ("GET", "/api/v1/cycles/{cycle_id}/summary"): P.view_results,
    ("GET", "/api/openapi.json"): "public",
    ("GET", "/api/docs"): "public",
    # Family voice (issue 21): families answer through a personal link, with no account.
    ("GET", "/family"): P.view_family_voice,
    ("GET", "/family/{cycle_id}"): P.view_family_voice,
    ("GET", "/survey"): "public",
    ("GET", "/survey/thank-you"): "public",
    ("GET", "/survey/{token}"): "public",
    ("POST", "/survey/{token}"): "public",
    # Issue 23: the inspection pack and its self-evaluation (QA lead, SEND strategic lead).
    ("GET", "/inspection"): P.produce_inspection_pack,
    ("GET", "/inspection/{cycle_id}"): P.produce_inspection_pack,
    ("POST", "/inspection/{cycle_id}"): P.produce_inspection_pack,
    ("GET", "/inspection/{cycle_id}/download/{fmt}"): P.produce_inspection_pack,
    ("POST", "/inspection/{cycle_id}/person-level"): P.produce_inspection_pack,
    ("GET", "/inspection/{cycle_id}/self-evaluation/{heading_key}"): P.produce_inspection_pack,
    ("POST", "/inspection/{cycle_id}/self-evaluation/{heading_key}"): P.produce_inspection_pack,
    ("GET", "/inspection/{cycle_id}/self-evaluation/{heading_key}/versions/{number}"): P.produce_inspection_pack,
}
STATIC_MOUNTS = {"/assets/fonts", "/static/govuk", "/static/app", "/static/swagger-ui"}  # files only, no data
# Each command's permission, and arguments that get it past argument parsing and then stop harmlessly
# (unknown numbers, missing files), so an allowed role reaches the command body without changing much.
# None: the command would change the schema, start a server or run a flow; only its refusals are walked.
COMMANDS = {
    ("plans", "import"): (P.import_data, ["missing.csv"]),
    ("plans", "documents", "import"): (P.import_data, ["missing.docx"]),
    ("plans", "precheck"): (P.import_data, ["missing.docx"]),
    ("auditors", "import"): (P.import_data, ["missing.csv"]),
    ("rubric", "validate"): (P.import_data, ["missing.yaml"]),
    ("rubric", "show"): (P.import_data, ["whole-plan"]),
    ("rubric", "list"): (P.import_data, []),
    ("cycle", "create"): (P.manage_cycles, ["--name", "x", "--sample-size", "1", "--due", "not-a-date"]),
    ("cycle", "run"): (P.manage_cycles, ["999"]),
    ("cycle", "status"): (P.manage_cycles, ["999"]),
    ("cycle", "withdraw"): (P.manage_cycles, ["999", "X", "--reason", "ceased"]),
    ("cycle", "close"): (P.manage_cycles, ["999"]),
    ("scorecards", "template"): (P.manage_cycles, ["999"]),
    ("scorecards", "import"): (P.manage_cycles, ["missing.xlsx"]),
    ("moderation", "queue"): (P.moderate, ["999"]),
    ("moderation", "agree"): (P.moderate, ["999", "X", "--agency", "health", "--moderator", "M", "--grade", "C=Good",
                                           "--rationale", "C=why"]),
    ("moderation", "scores"): (P.moderate, ["999"]),
    ("moderation", "stats"): (P.moderate, ["999"]),
    ("calibration", "create"): (P.moderate, ["--plan", "NOPE", "--name", "x"]),
    ("calibration", "grade"): (P.moderate, ["999", "--auditor", "A", "--grade", "C=Good"]),
    ("calibration", "reference"): (P.moderate, ["999", "--moderator", "M", "--grade", "C=Good", "--rationale", "C=why"]),
    ("calibration", "report"): (P.moderate, ["999"]),
    ("users", "add"): (P.manage_users, ["someone", "--role", "admin", "--password", "short"]),
    ("users", "list"): (P.manage_users, []),
    ("users", "set-role"): (P.manage_users, ["nobody", "--role", "admin"]),
    ("users", "deactivate"): (P.manage_users, ["nobody"]),
    ("users", "token"): (P.manage_users, ["nobody"]),
    ("users", "sign-out-everywhere"): (P.manage_users, ["nobody"]),
    ("users", "link-sso"): (P.manage_users, ["nobody", "--subject", "x"]),
    ("users", "invite-auditors"): (P.manage_users, ["--dry-run"]),
    ("improvement", "import"): (P.manage_improvement, ["missing.csv", "--layout", "app", "--name", "x", "--by", "Q"]),
    ("improvement", "export"): (P.view_improvement, ["999", "out.csv"]),
    ("improvement", "status"): (P.view_improvement, ["999"]),
    ("improvement", "accept"): (P.manage_improvement, ["999", "--reason", "why", "--by", "Q"]),
    ("improvement", "link"): (P.manage_improvement, ["999", "1.1", "--criterion", "F2", "--reason", "why", "--by", "Q"]),
    ("improvement", "tasks"): (P.view_improvement, []),
    ("improvement", "task-done"): (P.manage_improvement, ["999", "--note", "x", "--by", "Q"]),
    ("improvement", "chase"): (P.manage_improvement, []),
    ("improvement", "check"): (P.view_improvement, []),
    ("db", "upgrade"): (P.operate_service, None),
    ("db", "current"): (P.operate_service, []),
    ("db", "check"): (P.operate_service, []),
    ("db", "revision"): (P.operate_service, None),
    ("programme", "set"): (P.manage_cycles, ["--name", "x", "--cadence", "never", "--sample-size", "1"]),
    ("programme", "list"): (P.manage_cycles, []),
    ("chase", "run"): (P.manage_cycles, None),
    ("chase", "history"): (P.manage_cycles, []),
    ("prefect", "serve"): (P.operate_service, None),
    ("prefect", "deploy"): (P.operate_service, None),
    ("prefect", "server", "start"): (P.operate_service, None),
    ("prefect", "server", "stop"): (P.operate_service, None),
    ("prefect", "server", "status"): (P.operate_service, None),
    ("trail", "show"): (P.view_audit_trail, []),
    ("trail", "export"): (P.view_audit_trail, None),
    ("trail", "verify"): (P.view_audit_trail, []),
    ("safeguarding", "list"): (P.follow_up_safeguarding, []),
    ("safeguarding", "notify"): (P.follow_up_safeguarding, None),
    ("retention", "purge"): (P.operate_service, None),
    ("retention", "history"): (P.operate_service, []),
    ("family", "links"): (P.manage_cycles, ["999", "--out", "links.csv"]),
    ("family", "import"): (P.manage_cycles, ["missing.csv", "--cycle", "999"]),
    ("family", "report"): (P.view_results, ["999"]),
    ("serve",): (P.operate_service, []),
    ("health",): (P.operate_service, []),
    # Issue 23: the inspection evidence pack: the QA lead's and the SEND strategic lead's.
    ("inspection-pack",): (P.produce_inspection_pack, ["--out", "missing-folder"]),
    ("demo",): (P.operate_service, []),
    ("board-pack",): (P.send_board_pack, ["--cycle", "999"]),
    ("trends",): (P.view_results, ["--series", "Service"]),
    ("timeliness",): (P.view_results, []),
    ("report",): (P.view_results, ["--cycle", "999"]),
    ("regional",): (P.view_results, None),  # runs a flow over every area: refusals only
}
# What the refusal-only commands need to parse, so the walk reaches the permission check.
REQUIRED = {("db", "revision"): ["-m", "x"], ("prefect", "deploy"): ["--pool", "p"], ("trail", "export"): ["--out", "t.csv"]}
REFUSED = "does not give access"


def test_every_route_is_listed_with_the_permission_it_declares(app):
    declared = route_permissions(app)
    assert set(declared) == set(ROUTES), "a route was added or removed: list it in ROUTES with its permission"
    for key, permissions in declared.items():
        assert permissions == {str(ROUTES[key])}, (key, permissions)
    mounts = {r.path for r in app.routes if isinstance(r, Mount)}
    assert mounts == STATIC_MOUNTS, "a mounted app bypasses the permission check: list it only if it serves files"


def test_every_cli_command_is_listed_with_the_permission_it_declares():
    declared = cli_permissions()
    assert set(declared) == set(COMMANDS), "a command was added or removed: list it in COMMANDS"
    for path, permission in declared.items():
        assert permission == str(COMMANDS[path][0]), (path, permission)


def demo_username(role: str, app) -> str:
    if role == "auditor":
        return auditor_users(app)[0].username
    return f"demo-{role.replace('_', '-')}"


def params_for(app, role: str) -> dict:
    first_auditor = auditor_users(app)[0]
    own = assignments_of(app, user_named(app, demo_username(role, app))) if role == "auditor" else []
    return {"assignment_id": (own or assignments_of(app, first_auditor))[0].id, "cycle_id": 1, "fmt": "html",
            "user_id": user_named(app, "demo-board-member").id, "sampled_plan_id": 1,
            "plan_id": 1, "action_id": 1, "proposal_id": 1, "task_id": 1, "flag_id": 1,
            "document_id": 1, "precheck_flag_id": 1, "rule_id": "f-unquantified",
            "kind": "register", "upload_id": "x" * 24,
            "exercise_id": 1, "programme_id": 1, "change": "pause", "ref": "NO-SUCH-PLAN",
            "token": "q" * 32, "heading_key": "taking_part", "number": 1}


def call(client, method: str, url: str, headers: dict | None = None):
    if method == "GET":
        return client.get(url, headers=headers)
    if url.startswith("/api/"):
        return client.request(method, url, json={"submit": False, "grades": []}, headers=headers)
    return client.request(method, url, data={}, headers=headers)  # no CSRF token: nothing is carried out


def refused_by_role(response) -> bool:
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.status_code == 403 and response.json().get("reason") == "role"
    return response.status_code == 403 and REFUSED in response.text


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_each_role_on_every_route_gets_what_the_matrix_says(app, role):
    params = params_for(app, role)
    with TestClient(app, follow_redirects=False) as client:
        if role != "anonymous":
            sign_in(client, demo_username(role, app))
        for (method, path), permission in sorted(ROUTES.items()):
            url = path.format(**params)
            if permission == "public" or url == "/sign-out":
                continue
            r = call(client, method, url)
            where = (role, method, url, r.status_code)
            if role == "anonymous":
                assert r.status_code == 401 if url.startswith("/api/") else (
                    r.status_code == 303 and r.headers["location"].startswith("/sign-in")), where
            elif not permits(role, permission):
                assert refused_by_role(r), where
            elif method == "GET":
                assert r.status_code not in (401, 403), where
            else:  # the role passed; the missing CSRF token is what stops the request
                assert r.status_code == 403 and "expired" in r.text, where


@pytest.mark.parametrize("role", ROLES)
def test_each_role_with_an_api_token_on_every_endpoint_gets_what_the_matrix_says(app, role):
    params = params_for(app, role)
    with transaction(engine_of(app)) as session:
        token = create_api_token(session, user_named(app, demo_username(role, app)))
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app, follow_redirects=False) as client:
        for (method, path), permission in sorted(ROUTES.items()):
            if not path.startswith("/api/v1/"):
                continue
            r = call(client, method, path.format(**params), headers)
            if permits(role, permission):
                assert r.status_code not in (401, 403), (role, method, path, r.status_code, r.text)
            else:
                assert refused_by_role(r), (role, method, path, r.status_code)


def test_public_routes_need_no_sign_in_but_sign_in_needs_its_csrf_token(client):
    assert client.get("/sign-in").status_code == 200
    assert client.get("/api/openapi.json").json()["info"]["title"] == "ehcp-audit API"
    assert client.get("/api/docs").status_code == 200
    assert client.get("/sign-in/sso").status_code == 404, "single sign-on is off unless configured"
    r = client.post("/sign-in", data={"username": "demo-admin", "password": DEMO_PASSWORD})
    assert r.status_code == 403 and "expired" in r.text


# --- the command line -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, "operator"])
def test_each_role_on_every_cli_command_gets_what_the_matrix_says(cli_store, role):
    acting = [] if role == "operator" else ["--as-user", "demo-" + role.replace("_", "-")]
    if role in ("auditor",):
        acting = ["--as-user", "demo-auditor-" + _an_auditor_agency(cli_store)]
    for path, (permission, args) in sorted(COMMANDS.items()):
        expected = role != "operator" and not permits(role, permission)
        if args is None and not expected:
            continue
        result = run_cli(*acting, *path, *(args or REQUIRED.get(path, [])))
        refused = result.exit_code == 1 and REFUSED in result.output
        assert refused == expected, (role, path, result.exit_code, result.output[-400:])
        assert "Traceback" not in result.output, (role, path)


def _an_auditor_agency(settings) -> str:
    from sqlmodel import select

    from audit.store.db import engine_from_settings
    from audit.store.models import User

    with transaction(engine_from_settings(settings)) as session:
        name = session.exec(select(User.username).where(User.role == "auditor").order_by(User.username)).first()
    return name.removeprefix("demo-auditor-")


def test_the_cli_refuses_an_unknown_or_switched_off_account(cli_store):
    result = run_cli("--as-user", "nobody", "rubric", "list")
    assert result.exit_code == 1 and "No user 'nobody'" in result.output
    run_cli("users", "deactivate", "demo-qa-lead")
    result = run_cli("--as-user", "demo-qa-lead", "rubric", "list")
    assert result.exit_code == 1 and "switched off" in result.output
