"""The pages every public-sector service has, open to anyone and linked from every page's footer.

Help and contact, the accessibility statement (the structure of GOV.UK's model statement, filled from the
area's settings: who runs the service, contact details, known issues, compliance status, dates), the privacy
notice (drawn from docs/data-protection.md) and the cookies page (the one essential cookie the app sets).
Also the area's logo, when one is configured (web/branding.py).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.branding import LOGO_PATH, logo
from web.deps import CheckedFirst, page, public
from web.errors import error_page, quietly_signed_in

router = APIRouter(include_in_schema=False, route_class=CheckedFirst, dependencies=[Depends(public())])
SESSION_COOKIE = "ehcp_session"  # web/app.py's SessionMiddleware; the only cookie the service sets
COMPLIANCE = {"fully": "fully compliant", "partially": "partially compliant", "not": "not compliant"}


def _page(request: Request, name: str, title: str, **context):
    quietly_signed_in(request)  # the navigation of whoever is signed in; these pages need no one
    return page(request, name, title=title, settings=request.app.state.settings, **context)


@router.get("/help")
def help_page(request: Request):
    return _page(request, "help.html", "Help and contact")


@router.get("/accessibility")
def accessibility(request: Request):
    settings = request.app.state.settings
    return _page(request, "accessibility.html", "Accessibility statement",
                 compliance=COMPLIANCE[settings.accessibility_compliance])


@router.get("/privacy")
def privacy(request: Request):
    return _page(request, "privacy.html", "Privacy notice")


@router.get("/cookies")
def cookies(request: Request):
    settings = request.app.state.settings
    return _page(request, "cookies.html", "Cookies", cookie=SESSION_COOKIE,
                 absolute_hours=f"{settings.session_absolute_hours:g}")


@router.get(LOGO_PATH)
def logo_file(request: Request):
    found = logo(request.app.state.settings)
    if found is None:
        return error_page(request, 404, "not_found")
    body, kind = found
    return Response(body, media_type=kind, headers={"cache-control": "public, max-age=3600"})
