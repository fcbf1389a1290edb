"""Signing in and out (with throttling), your account and "sign out everywhere" (the home page: web/home.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from audit.protection.permissions import DESCRIPTIONS, Permission, permissions_of
from audit.protection.throttle import clear_account, record_failure, throttled
from audit.protection.users import authenticate, sign_out_everywhere
from audit.store.models import User
from audit.vocabulary import Agency
from web.deps import SIGNED_OUT, CheckedFirst, allow, end_session, home_page, now, page, public, start_session, store

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
P = Permission
# Where each permission is used in the browser, and what of it is still done only on the command line, so the
# account page promises only pages that exist (tests/features/web/home.feature follows every link it shows).
WHERE: dict[Permission, tuple[list[tuple[str, str]], str]] = {
    P.use_account: ([("Home", "/")], ""),
    P.grade_plans: ([("My audits", "/my-audits")], ""),
    P.see_officer_names: ([], ""),
    P.look_up_plans: ([("Find a plan", "/plans")], ""),
    P.manage_cycles: ([("Cycles", "/cycles"), ("Audit programmes", "/programmes")],
                      "scorecard files and setting a programme up: ehcp-audit scorecards, ehcp-audit programme set"),
    P.import_data: ([], "ehcp-audit plans import, ehcp-audit auditors import, ehcp-audit rubric"),
    P.moderate: ([("Moderation", "/moderation")], "recording calibration grades: ehcp-audit calibration"),
    P.view_results: ([("Results", "/results"), ("Trends", "/trends"), ("Timeliness", "/timeliness")], ""),
    P.send_board_pack: ([], "ehcp-audit board-pack --send"),
    P.view_improvement: ([("Improvement", "/improvement"), ("Amendment tasks", "/improvement/tasks")], ""),
    P.manage_improvement: ([("Improvement", "/improvement")],
                           "importing a plan and linking actions: ehcp-audit improvement"),
    P.flag_safeguarding: ([("My audits", "/my-audits")], ""),
    P.follow_up_safeguarding: ([("Safeguarding", "/safeguarding")], ""),
    P.view_audit_trail: ([("Audit trail", "/trail")], "checking the chain: ehcp-audit trail verify"),
    P.manage_users: ([("Users", "/admin/users")], "API tokens and single sign-on: ehcp-audit users"),
    P.operate_service: ([], "ehcp-audit serve and ehcp-audit demo, on the server"),
    P.view_family_voice: ([("Family voice", "/family")],
                          "survey links, letters and imports: ehcp-audit family (QA lead)"),
    P.produce_inspection_pack: ([("Inspection", "/inspection")], "another framework or column mapping: "
                                "ehcp-audit inspection-pack --framework, --columns"),
}
Account = Annotated[User, Depends(allow(Permission.use_account))]
WRONG = "Enter a correct username and password"


@router.get("/sign-in", dependencies=[Depends(public())])
def sign_in_page(request: Request, next: str = "/", ended: str = ""):
    return sign_in_form(request, next=next, ended=ended)


def sign_in_form(request: Request, status: int = 200, errors: list | None = None, username: str = "",
                 next: str = "/", ended: str = ""):
    """The sign-in page, with errors, why the last session ended, and single sign-on when configured."""
    settings = request.app.state.settings
    notice = SIGNED_OUT.get(ended, "").format(idle=settings.session_idle_minutes,
                                               absolute=f"{settings.session_absolute_hours:g}")
    return page(request, "sign_in.html", status=status, title="Sign in", errors=errors or [], username=username,
                next=safe_next(next), notice=notice, sso=settings.oidc_enabled, sso_label=settings.oidc_label)


@router.post("/sign-in", dependencies=[Depends(public())])
def sign_in(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
            next: Annotated[str, Form()] = "/"):
    settings, moment = request.app.state.settings, now(request)
    address = request.client.host if request.client else None
    with store(request) as session:
        if throttled(session, settings, username, address, moment):
            # The same words whether or not the username exists, and no password is checked while paused.
            text = (f"There have been too many failed attempts to sign in. Wait {settings.login_throttle_minutes} "
                    "minutes, then try again. If you have forgotten your password, ask your admin to reset it.")
            return sign_in_form(request, 429, [{"text": text, "href": "#username"}], username, next)
        user = authenticate(session, username, password)
        if user is None:
            record_failure(session, settings, username, address, moment)
        else:
            clear_account(session, username)
    if user is None:
        return sign_in_form(request, 400, [{"text": WRONG, "href": "#username"}], username, next)
    start_session(request, user)
    return RedirectResponse(safe_next(next) if next != "/" else home_page(user), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request, user: Account):
    end_session(request)  # on the server too: a copy of the cookie no longer works
    return RedirectResponse("/sign-in", status_code=303)


@router.get("/account")
def account(request: Request, user: Account, done: str = ""):
    held = [{"name": p.value, "text": DESCRIPTIONS[p], "links": WHERE[p][0], "command_line": WHERE[p][1]}
            for p in permissions_of(user.role)]
    service = Agency(user.service).label if user.service else ""
    return page(request, "account.html", title="Your account", permissions=held, done=done, service_label=service)


@router.post("/account/sign-out-everywhere")
def sign_out_all(request: Request, user: Account):
    with store(request) as session:
        sign_out_everywhere(session, session.get(User, user.id))
    request.session.clear()
    return RedirectResponse("/sign-in?ended=everywhere", status_code=303)


def safe_next(target: str) -> str:
    """Only paths on this site: never an absolute or protocol-relative URL (open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"
