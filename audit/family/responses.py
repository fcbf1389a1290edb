"""Answering a survey through a personal link, and the refusals that must all look alike.

`open_link` is the one way in: the token's hash is looked up, compared in constant time, and its state
checked; an unknown, altered, used or expired token all come back as None after the same work, so neither
the page nor its timing tells one from another. Refused lookups are counted per client address (as a
SHA-256, like sign-in failures) and an address with too many is paused. A response is written against the
sampled plan only, and the link is spent in the same transaction, so a link answers once.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from audit.family.links import normalise_token, token_hash
from audit.family.surveys import Survey
from audit.store.models import LoginFailure, SurveyLink, SurveyResponse

THROTTLE_KIND = "survey"
_DUMMY_HASH = hashlib.sha256(b"no such survey link").hexdigest()


@dataclass(frozen=True)
class OpenLink:
    """A link that may be answered now: what the page needs, and nothing about the plan beyond the survey."""

    link_id: int
    survey_key: str
    audience: str


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def open_link(session: Session, token: str, now: datetime) -> OpenLink | None:
    """The link for `token` if it is known, unused and unexpired; None otherwise, after the same work."""
    wanted = token_hash(normalise_token(token) or "-")
    link = session.exec(select(SurveyLink).where(SurveyLink.token_hash == wanted)).first()
    stored = link.token_hash if link is not None else _DUMMY_HASH
    same = hmac.compare_digest(stored.encode(), wanted.encode())
    usable = link is not None and link.used_at is None and _aware(link.expires_at) > now
    if same and usable:
        return OpenLink(link.id, link.survey_key, link.audience)
    return None


def _address_key(address: str) -> str:
    return hashlib.sha256(f"{THROTTLE_KIND}:{address}".encode()).hexdigest()


def address_paused(session: Session, address: str | None, now: datetime, *, window_minutes: int,
                   limit: int) -> bool:
    """True when this client address has had `limit` refused survey links within the window."""
    if not address:
        return False
    since = now - timedelta(minutes=window_minutes)
    count = session.exec(select(func.count()).select_from(LoginFailure).where(
        LoginFailure.key == _address_key(address), LoginFailure.at > since)).one()
    return count >= limit


def record_refusal(session: Session, address: str | None, now: datetime, *, window_minutes: int) -> None:
    """Count one refused link against the address; forget this kind's refusals past the window."""
    if not address:
        return
    session.exec(delete(LoginFailure).where(LoginFailure.kind == THROTTLE_KIND,
                                            LoginFailure.at <= now - timedelta(minutes=window_minutes)))
    session.add(LoginFailure(kind=THROTTLE_KIND, key=_address_key(address), at=now))
    session.flush()


def check_answers(survey: Survey, form: dict[str, str], max_text_chars: int) -> tuple[dict, str, dict[str, str]]:
    """The answers, the comment and the errors (question key -> message), from a submitted form."""
    answers, errors = {}, {}
    for question in survey.scale_questions:
        value = (form.get(question.key) or "").strip()
        if value in {"1", "2", "3", "4", "5"}:
            answers[question.key] = int(value)
        elif not question.optional:
            errors[question.key] = f"Select an answer for: {survey.words(question.text)}"
    comment = ""
    text_q = survey.text_question
    if text_q is not None:
        comment = (form.get(text_q.key) or "").replace("\r\n", "\n").strip()
        if len(comment) > max_text_chars:
            errors[text_q.key] = f"What you wrote must be {max_text_chars:,} characters or fewer"
        elif not comment and not text_q.optional:
            errors[text_q.key] = "Write your answer"
    return answers, comment, errors


def submit(session: Session, link: OpenLink, survey: Survey, answers: dict, comment: str, language: str,
           now: datetime) -> bool:
    """Store the answers and spend the link at once; False (nothing stored) if another request spent it first."""
    spent = session.execute(update(SurveyLink).where(SurveyLink.id == link.link_id, SurveyLink.used_at.is_(None))
                            .values(used_at=now))
    if spent.rowcount != 1:
        return False
    row = session.get(SurveyLink, link.link_id)
    session.add(SurveyResponse(cycle_id=row.cycle_id, sampled_plan_id=row.sampled_plan_id, audience=link.audience,
                               survey_key=survey.key, survey_hash=survey.content_hash,
                               language=language if language in survey.languages else "en",
                               answers=answers, comment=comment, source="link", received_at=now))
    session.flush()
    return True
