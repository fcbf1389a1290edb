"""Personal survey links: one per sampled plan for the family and, where old enough, one for the young person.

A token is 160 random bits from `secrets`, written in lower-case base32 (32 characters, shown to people in
groups of four). Only its SHA-256 is stored, so the store cannot give a working link back: the QA lead gets
the tokens once, in the CSV or letters the command writes. Making links is rerunnable: a plan and audience
that already has a link is skipped (its token cannot be shown again). Links expire after
EHCP_AUDIT_SURVEY_LINK_DAYS and work once.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from audit import clock
from audit.cycle.lifecycle import get_cycle
from audit.family.surveys import Survey, survey_for
from audit.store.models import Plan, SampledPlan, SurveyLink

TOKEN_BYTES = 20  # 160 bits: the issue asks for at least 128
TOKEN_CHARS = 32
FAMILY, YOUNG_PERSON = "family", "young_person"
AUDIENCE_LABELS = {FAMILY: "Parent or carer", YOUNG_PERSON: "Young person"}
_TOKEN = re.compile(r"^[a-z2-7]{32}$")


@dataclass(frozen=True)
class IssuedLink:
    """A link just made: the token is here and nowhere else."""

    plan_ref: str
    audience: str
    token: str
    expires_at: datetime

    @property
    def code(self) -> str:
        return short_code(self.token)


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode("ascii").lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def normalise_token(text: str) -> str:
    """A token as typed from a letter (upper case, spaces or dashes between groups) in its stored form; '' if it
    cannot be one (any such text is treated exactly like an unknown token)."""
    cleaned = re.sub(r"[\s-]", "", text or "").lower()[:64]
    return cleaned if _TOKEN.match(cleaned) else ""


def short_code(token: str) -> str:
    """The token as a person types it: groups of four, upper case (base32 has no 0/1/8/9 to confuse)."""
    upper = token.upper()
    return "-".join(upper[i:i + 4] for i in range(0, len(upper), 4))


def is_old_enough(year_group: str, from_year: int) -> bool:
    """Year groups from `from_year` (default 7, about age 11) up get a young person's link; N1, N2, R never."""
    return year_group.isdigit() and int(year_group) >= from_year


def make_links(session: Session, cycle_id: int, surveys: dict[str, Survey], *, days: int,
               young_person_from_year: int, now: datetime | None = None) -> list[IssuedLink]:
    """Links for every sampled plan of the cycle still in it, for each audience that has none yet."""
    cycle = get_cycle(session, cycle_id)
    now = now or clock.now()
    expires = now + timedelta(days=days)
    have = {(link.sampled_plan_id, link.audience)
            for link in session.exec(select(SurveyLink).where(SurveyLink.cycle_id == cycle.id))}
    rows = session.exec(select(SampledPlan, Plan).join(Plan, Plan.id == SampledPlan.plan_id)
                        .where(SampledPlan.cycle_id == cycle.id, SampledPlan.status != "withdrawn")
                        .order_by(Plan.plan_ref)).all()
    issued = []
    for sampled, plan in rows:
        audiences = [FAMILY] + ([YOUNG_PERSON] if is_old_enough(plan.year_group, young_person_from_year) else [])
        for audience in audiences:
            if (sampled.id, audience) in have:
                continue
            token = new_token()
            session.add(SurveyLink(cycle_id=cycle.id, sampled_plan_id=sampled.id, audience=audience,
                                   survey_key=survey_for(surveys, audience).key, token_hash=token_hash(token), created_at=now,
                                   expires_at=expires))
            issued.append(IssuedLink(plan.plan_ref, audience, token, expires))
    session.flush()
    return issued
