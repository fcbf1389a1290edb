"""The public survey pages (issue 21): a family or young person answers through their personal link.

On the open internet, with no account: every refusal (a guessed, altered, spent or expired link, or an address
paused after too many refusals) is the same page with the same status, after the same work
(audit.family.responses.open_link). The pages need no JavaScript, set no cookie beyond the session that carries
the form's CSRF token, tell the browser not to send the address on (Referrer-Policy: no-referrer), and show
nothing about the plan beyond the survey. Bodies are size-limited by web.request_guard like every request.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from audit.family.links import AUDIENCE_LABELS, normalise_token
from audit.family.responses import address_paused, check_answers, open_link, record_refusal, submit
from audit.family.surveys import Survey, load_surveys
from web.deps import CheckedFirst, form_data, now, page, public, store

router = APIRouter(include_in_schema=False, route_class=CheckedFirst)
REFUSED = 404  # one status for every refusal, whatever the reason
PRIVATE = {"referrer-policy": "no-referrer"}


@lru_cache(maxsize=4)
def _surveys_in(folder: Path | None) -> dict[str, Survey]:
    return load_surveys(folder)


def _surveys(request: Request) -> dict[str, Survey]:
    """The survey files, read once per folder per process (they change only with a new release or restart)."""
    return _surveys_in(request.app.state.settings.survey_surveys_dir)


def _private(response):
    response.headers.update(PRIVATE)
    return response


def _refused(request: Request):
    return _private(page(request, "survey_refused.html", status=REFUSED, title="This survey link cannot be used"))


def _address(request: Request) -> str | None:
    return request.client.host if request.client else None


def _open(request: Request, token: str):
    """The open link, or None after counting the refusal against the client's address."""
    settings, moment = request.app.state.settings, now(request)
    window = settings.login_throttle_minutes
    with store(request) as session:
        if address_paused(session, _address(request), moment, window_minutes=window,
                          limit=settings.survey_max_failures_per_address):
            open_link(session, token, moment)  # the same work as any other refusal
            return None
        link = open_link(session, token, moment)
        if link is None:
            record_refusal(session, _address(request), moment, window_minutes=window)
    return link


def _form_page(request: Request, survey: Survey, token: str, language: str, status: int = 200,
               errors: dict | None = None, values: dict | None = None):
    errors = errors or {}
    summary = [{"text": text, "href": f"#{key}"} for key, text in errors.items()]
    return _private(page(request, "survey.html", status=status, title=survey.text("title", language),
                         survey=survey, lang=language, action=f"/survey/{token}", field_errors=errors,
                         errors=summary, values=values or {}, audience=AUDIENCE_LABELS[survey.audience]))


@router.get("/survey", dependencies=[Depends(public())])
def survey_start(request: Request, code: str = ""):
    """The short address on a letter: type the code printed under the QR code."""
    if code:
        return RedirectResponse(f"/survey/{normalise_token(code) or 'unknown'}", status_code=303,
                                headers=PRIVATE)
    return _private(page(request, "survey_start.html", title="Answer a survey about an EHC plan"))


@router.get("/survey/thank-you", dependencies=[Depends(public())])
def survey_thanks(request: Request):
    return _private(page(request, "survey_thanks.html", title="Thank you"))


@router.get("/survey/{token}", dependencies=[Depends(public())])
def survey_page(request: Request, token: str, lang: str = "en"):
    link = _open(request, token)
    if link is None:
        return _refused(request)
    survey = _surveys(request)[link.survey_key]
    return _form_page(request, survey, token, lang if lang in survey.languages else "en")


@router.post("/survey/{token}", dependencies=[Depends(public())])
def survey_answer(request: Request, token: str, form: Annotated[FormData, Depends(form_data)]):
    link = _open(request, token)
    if link is None:
        return _refused(request)
    survey = _surveys(request)[link.survey_key]
    language = str(form.get("lang", "en"))
    language = language if language in survey.languages else "en"
    values = {key: str(form.get(key, "")) for key in (q.key for q in survey.questions)}
    answers, comment, errors = check_answers(survey, values, request.app.state.settings.max_text_chars)
    if errors:
        return _form_page(request, survey, token, language, 400, errors, values)
    with store(request, write=True) as session:
        saved = submit(session, link, survey, answers, comment, language, now(request))
    if not saved:  # another request spent the link a moment earlier
        return _refused(request)
    return RedirectResponse("/survey/thank-you", status_code=303, headers=PRIVATE)
