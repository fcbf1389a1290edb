"""The audit programme: recurring audits a QA lead sets (cadence and rubric), and the cycle each scheduled slot opens.

Prefect owns the clock (flows/deployments.py schedules one deployment per active programme with its cron
expression); this module owns the data. A slot is the scheduled start time of a run: the cycle for a
(programme, slot) pair is created once, under a unique constraint, so a rerun of the same slot, or two runs
racing for it, give one cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from audit.cycle.lifecycle import create_cycle
from audit.cycle.sampling import Exclusions, validate_strata
from audit.errors import AuditError, NotFound
from audit.rubrics.loading import Rubric, rubric_from_version, store_rubric
from audit.store.models import AuditProgramme, Cycle, LocalArea, RubricVersion, ScheduledCycle, utcnow

# 07:00 local time on the first day: the month's cycle, or the term's (English school terms start in
# September, January and after Easter; the 1st of September, January and April stands for each term).
CADENCES = {"monthly": "0 7 1 * *", "termly": "0 7 1 1,4,9 *"}
CADENCE_WORDS = {"monthly": "monthly (07:00 on the 1st)", "termly": "termly (07:00 on 1 September, 1 January and 1 April)"}


def cron_for(cadence: str, cron: str | None = None) -> str:
    """The cron expression for a cadence: monthly, termly, or `cron` itself (five fields, validated)."""
    if cadence in CADENCES:
        if cron:
            raise AuditError(f"A {cadence} programme has a fixed schedule; give --cron only with cadence 'cron'.")
        return CADENCES[cadence]
    if cadence != "cron":
        raise AuditError(f"Unknown cadence '{cadence}': use monthly, termly or cron (with a cron expression).")
    expression = " ".join((cron or "").split())
    if len(expression.split(" ")) != 5:
        raise AuditError(f"'{cron or ''}' is not a cron expression of five fields (minute hour day month weekday), "
                         f"for example '0 7 1 */2 *' for every other month.")
    try:
        CronSim(expression, datetime(2026, 1, 1))
    except CronSimError as exc:
        raise AuditError(f"'{expression}' is not a valid cron expression: {exc}.") from exc
    return expression


def next_slots(programme: AuditProgramme, after: datetime, count: int = 3) -> list[datetime]:
    """The next scheduled starts after `after`, in the programme's time zone (for pages and the CLI)."""
    zone = ZoneInfo(programme.timezone)
    found = CronSim(programme.cron, after.astimezone(zone).replace(tzinfo=None))
    return [next(found).replace(tzinfo=zone) for _ in range(count)]


@dataclass(frozen=True)
class ProgrammeSpec:
    """What the QA lead sets; `set_programme` checks it all before writing anything."""

    name: str
    cadence: str
    rubric: Rubric
    sample_size: int
    cron: str | None = None
    strata: tuple[str, ...] = ()
    due_days: int = 28
    exclude_audited_months: int = 12
    timezone: str = "Europe/London"
    active: bool = True


def set_programme(session: Session, area: LocalArea, spec: ProgrammeSpec) -> tuple[AuditProgramme, bool]:
    """Create the area's programme of that name, or change it; returns (programme, created)."""
    name = spec.name.strip()
    if not name:
        raise AuditError("Give the programme a name, for example 'Termly whole-plan audit'.")
    if spec.sample_size < 1:
        raise AuditError("The sample size must be at least 1.")
    if spec.due_days < 1:
        raise AuditError("Scorecards must be due at least 1 day after the cycle opens (--due-days).")
    validate_strata(list(spec.strata))
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AuditError(f"'{spec.timezone}' is not a time zone; use a name such as Europe/London.") from exc
    cron = cron_for(spec.cadence, spec.cron)
    version = store_rubric(session, spec.rubric)
    programme = session.exec(select(AuditProgramme).where(AuditProgramme.area_id == area.id,
                                                          AuditProgramme.name == name)).first()
    created = programme is None
    if created:
        programme = AuditProgramme(area_id=area.id, name=name, cadence=spec.cadence, cron=cron,
                                   rubric_version_id=version.id, sample_size=spec.sample_size)
    programme.cadence, programme.cron, programme.timezone = spec.cadence, cron, spec.timezone
    programme.rubric_version_id, programme.sample_size = version.id, spec.sample_size
    programme.strata, programme.due_days = list(spec.strata), spec.due_days
    programme.exclude_audited_months, programme.active = spec.exclude_audited_months, spec.active
    programme.updated_at = utcnow()
    session.add(programme)
    session.flush()
    return programme, created


def get_programme(session: Session, programme_id: int) -> AuditProgramme:
    programme = session.get(AuditProgramme, programme_id)
    if programme is None:
        raise NotFound(f"No audit programme {programme_id}. 'ehcp-audit programme list' lists them.")
    return programme


def set_paused(session: Session, programme: AuditProgramme, paused: bool) -> AuditProgramme:
    """Pause a programme (it opens no cycles until resumed) or resume it; its schedule and cycles are kept."""
    programme.active = not paused
    programme.updated_at = utcnow()
    session.add(programme)
    session.flush()
    return programme


def programmes(session: Session, area_id: int | None = None, active_only: bool = False) -> list[AuditProgramme]:
    query = select(AuditProgramme).order_by(AuditProgramme.id)
    if area_id is not None:
        query = query.where(AuditProgramme.area_id == area_id)
    if active_only:
        query = query.where(AuditProgramme.active == True)  # noqa: E712
    return list(session.exec(query).all())


def slot_key(slot: datetime) -> str:
    """A scheduled start as the stored key: UTC, to the second (a rerun of the run has the same one)."""
    if slot.tzinfo is None:
        raise ValueError("A slot must carry its time zone")
    return slot.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def cycle_for_slot(session: Session, programme: AuditProgramme, slot: datetime) -> tuple[Cycle, bool]:
    """The programme's cycle for this slot, created (in a draft state, to be opened) if it has none; (cycle, created).

    Idempotent under reruns and races: the (programme, slot) pair is unique, and a run that loses the race
    to insert it reads the winner's cycle instead.
    """
    key = slot_key(slot)
    existing = _scheduled(session, programme.id, key)
    if existing is not None:
        return session.get(Cycle, existing.cycle_id), False
    local = slot.astimezone(ZoneInfo(programme.timezone))
    rubric = rubric_from_version(session.get(RubricVersion, programme.rubric_version_id))
    try:
        with session.begin_nested():
            cycle = create_cycle(
                session, session.get(LocalArea, programme.area_id), rubric,
                name=f"{programme.name} {local.day} {local:%B %Y}",
                sample_size=programme.sample_size, due_date=local.date() + timedelta(days=programme.due_days),
                strata=list(programme.strata), seed=_seed(programme, key),
                exclusions=Exclusions(audited_within_months=programme.exclude_audited_months),
                created_at=slot.astimezone(UTC) if slot <= utcnow() else utcnow())
            session.add(ScheduledCycle(programme_id=programme.id, slot=key, cycle_id=cycle.id))
            session.flush()
    except IntegrityError:
        winner = _scheduled(session, programme.id, key)
        if winner is None:
            raise
        return session.get(Cycle, winner.cycle_id), False
    return cycle, True


def scheduled_cycles(session: Session, programme: AuditProgramme) -> list[tuple[ScheduledCycle, Cycle]]:
    """The cycles the programme has opened, newest first."""
    return list(session.exec(select(ScheduledCycle, Cycle).join(Cycle, Cycle.id == ScheduledCycle.cycle_id)
                             .where(ScheduledCycle.programme_id == programme.id)
                             .order_by(ScheduledCycle.slot.desc())).all())


def _scheduled(session: Session, programme_id: int, key: str) -> ScheduledCycle | None:
    return session.exec(select(ScheduledCycle).where(ScheduledCycle.programme_id == programme_id,
                                                     ScheduledCycle.slot == key)).first()


def _seed(programme: AuditProgramme, key: str) -> int:
    """A sample seed fixed by the programme and slot, so the slot's sample is reproducible."""
    digits = "".join(ch for ch in key if ch.isdigit())
    return (programme.id * 1_000_003 + int(digits[:12])) % 2_147_483_647
