"""Signing in and out, and the start page that sends each role to its own pages."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from audit.models import User
from audit.users import authenticate
from web.deps import HOME_FOR_ROLE, page, public, require_role, store

router = APIRouter(include_in_schema=False)


@router.get("/", dependencies=[Depends(require_role())])
def home(request: Request):
    return RedirectResponse(HOME_FOR_ROLE[request.state.user.role], status_code=303)


@router.get("/sign-in", dependencies=[Depends(public())])
def sign_in_page(request: Request, next: str = "/"):
    return page(request, "sign_in.html", title="Sign in", next=_safe_next(next), username="")


@router.post("/sign-in", dependencies=[Depends(public())])
def sign_in(request: Request, username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
            next: Annotated[str, Form()] = "/"):
    with store(request) as session:
        user = authenticate(session, username, password)
    if user is None:
        errors = [{"text": "Enter a correct username and password", "href": "#username"}]
        return page(request, "sign_in.html", status=400, title="Sign in", errors=errors, username=username,
                    next=_safe_next(next))
    # A fresh session and CSRF token on sign-in, so a token planted before sign-in is worthless.
    request.session.clear()
    request.session["user_id"] = user.id
    request.session["csrf"] = secrets.token_urlsafe(32)
    return RedirectResponse(_safe_next(next) if next != "/" else HOME_FOR_ROLE[user.role], status_code=303)


@router.post("/sign-out")
def sign_out(request: Request, user: Annotated[User, Depends(require_role())]):
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)


def _safe_next(target: str) -> str:
    """Only paths on this site: never an absolute or protocol-relative URL (open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"
