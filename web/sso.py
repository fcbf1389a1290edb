"""Optional single sign-on through OpenID Connect (e.g. Microsoft Entra ID), off unless `oidc_enabled`.

Authlib does the protocol: discovery, the authorization-code flow with PKCE, state and nonce, fetching the
provider's keys and checking the ID token's signature, issuer, audience and expiry. We then look up the
account an admin linked to the token's subject claim (`oidc_subject_claim`; Entra ID: `oid`). Nothing is
created or granted from claims: an identity nobody linked signs nobody in, and the role always comes from
the account here (docs/security.md, "Single sign-on").
"""

from __future__ import annotations

from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse

from audit.protection.users import user_for_sso
from web.auth import safe_next, sign_in_form
from web.deps import CheckedFirst, Refused, home_page, public, start_session, store

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)


def _client(request: Request):
    """The provider's client, registered once per app (it caches the discovery document and keys)."""
    settings = request.app.state.settings
    if not settings.oidc_enabled:
        raise Refused("object", "Single sign-on is not switched on for this service.", 404)
    client = getattr(request.app.state, "oidc_client", None)
    if client is None:
        oauth = OAuth()
        client = oauth.register(
            "sso", server_metadata_url=settings.oidc_discovery_url, client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
        )
        request.app.state.oidc_client = client
    return client


@router.get("/sign-in/sso", dependencies=[Depends(public())])
async def start(request: Request, next: str = "/"):
    client = _client(request)
    request.session["sso_next"] = safe_next(next)
    return await client.authorize_redirect(request, str(request.url_for("sso_callback")))


@router.get("/sign-in/sso/callback", name="sso_callback", dependencies=[Depends(public())])
async def callback(request: Request):
    client = _client(request)
    settings = request.app.state.settings
    try:
        token = await client.authorize_access_token(request)
    except OAuthError as exc:  # a refused consent, a replayed or forged response, a bad token
        text = f"Single sign-on did not complete ({exc.error}). Try again, or sign in with your password."
        return sign_in_form(request, 400, [{"text": text, "href": "#username"}])
    claims = token.get("userinfo") or {}
    subject = str(claims.get(settings.oidc_subject_claim) or "")
    with store(request) as session:
        user = user_for_sso(session, subject)
    if user is None:
        text = (f"Your organisation's account ({settings.oidc_subject_claim} {subject or 'missing'}) is not linked "
                "to an account here. Ask your admin to link it, then try again.")
        return sign_in_form(request, 403, [{"text": text, "href": "#username"}])
    target = request.session.get("sso_next", "/")
    start_session(request, user)
    return RedirectResponse(target if target != "/" else home_page(user), status_code=303)
