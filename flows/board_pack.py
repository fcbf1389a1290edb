"""The SEND board pack flow: render every format, publish Prefect artifacts, email the board.

Triggered monthly and after an audit cycle completes (flows/deployments.py), and by
`ehcp-audit board-pack --cycle ID --send`.
Inputs: a cycle id (default: the area's latest cycle with results) and optionally a month (YYYY-MM: the
figures are taken as of its last day).
Outputs: data/reports/cycle-N/ with the pack (HTML, Markdown, PDF, XLSX, JSON, charts), one pack per
service and a feedback note per audited plan; a markdown and a table artifact; an email with the PDF and
the workbook to EHCP_AUDIT_BOARD_RECIPIENTS; a DeliveryLog row per delivery.

The pack is written to disk first, so a failed email never loses it. Sending retries; when every try
fails the failure is recorded (DeliveryLog, artifact) and the run ends Failed so it shows in the UI.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlmodel import select

from audit import clock
from audit.cycle.lifecycle import get_area, get_cycle
from audit.results.analysis import has_reaudits, load_cycle_results
from audit.results.reported import latest_reported
from audit.safe_files import path_inside, safe_name_part
from audit.settings import Settings, get_settings
from audit.store.actor import as_actor
from audit.store.db import engine_from_settings, transaction
from audit.store.models import DeliveryLog, PlanResult, utcnow
from flows.mail import send_email
from flows.runtime import store_settings
from reports.feedback import feedback_notes, render_note
from reports.pack import SERVICE_MEASURES, build_pack, pack_data
from reports.pack_files import write_packs
from reports.pack_render import render_markdown
from reports.paper import PaperOptions


class DeliveryFailed(RuntimeError):
    """The pack was written but could not be emailed after every retry."""


def _settings(database_url: str | None, data_dir: str | None) -> Settings:
    return store_settings(get_settings(), database_url, data_dir)


def month_end(month: str) -> date:
    """'2026-10' -> 31 October 2026."""
    first = datetime.strptime(month, "%Y-%m").date()
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@task(name="render-pack", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def render_step(settings: Settings, cycle_id: int | None, as_of: date, audience: str | None = None) -> dict:
    """Write every format, the per-service packs and the feedback notes to <reports>/cycle-N/; `audience` (the
    setting's by default) chooses the published paper or the internal one (reports/paper.py)."""
    with transaction(engine_from_settings(settings)) as session:
        if cycle_id is None:
            cycle = latest_reported(session, get_area(session, settings.area_code).id)
            if cycle is None:
                raise ValueError(f"Area {settings.area_code} has no cycle with results yet")
        else:
            cycle = get_cycle(session, cycle_id)
        folder = Path(settings.resolved_reports_dir) / f"cycle-{cycle.id}"
        t = settings.small_number_threshold
        data = pack_data(session, cycle, as_of, settings.scales_dir)  # read once for the board's pack and every service's
        paper = PaperOptions.from_settings(settings)
        pack = build_pack(session, cycle, as_of, t, data=data, scales_dir=settings.scales_dir, audience=audience,
                          paper=paper)

        notes: list[dict] = []

        def every_pack():
            # Built one by one as write_packs asks, so the board's pack is laid out while the services' are built.
            yield pack, folder
            for service in SERVICE_MEASURES:
                yield (build_pack(session, cycle, as_of, t, service=service, data=data, audience=audience, paper=paper),
                       folder / "services")
            # The feedback notes are worked out here, while the workers lay out the last packs. Re-audited plans are
            # left out of the board's figures but their case officers still get a note.
            notes.extend(feedback_notes(session, load_cycle_results(session, cycle, include_reaudits=True)
                                        if has_reaudits(session, cycle) else data.results))

        written = write_packs(every_pack(), count=1 + len(SERVICE_MEASURES))
    paths = {fmt: str(p) for fmt, p in written[0].items()}
    services = {service: str(files["pdf"]) for service, files in zip(SERVICE_MEASURES, written[1:])}
    write_feedback_notes(folder / "feedback", notes)
    headline = [[line] for line in pack["headline"]]
    return {"cycle_id": cycle.id, "title": pack["title"], "status": pack["status"]["banner"],
            "audience": pack["cover"]["audience_note"], "folder": str(folder), "paths": paths,
            "services": services, "feedback_notes": len(notes), "markdown": render_markdown(pack, "charts"),
            "headline": headline, "timeliness": _timeliness_rows(pack)}


def write_feedback_notes(folder: Path, notes: list[dict]) -> list[Path]:
    """One Markdown note per plan, named by its reference: made safe (a reference is the area's own text and may
    hold '/' or '..'), and checked to stay in `folder` (audit.safe_files)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for note in notes:
        path = path_inside(folder, f"{safe_name_part(note['plan_ref'])}.md")
        path.write_text(render_note(note), encoding="utf-8")
        paths.append(path)
    return paths


def _timeliness_rows(pack: dict) -> list[dict]:
    table = next(t for s in pack["sections"] for t in s["tables"] if t["key"] == "timeliness")
    labels = [c["label"] for c in table["columns"] if c["label"] != "Definition"]
    return [{label: cell["text"] for label, cell in zip(labels, row["cells"])} for row in table["rows"]]


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def publish_step(rendered: dict) -> None:
    key = f"board-pack-cycle-{rendered['cycle_id']}"
    create_markdown_artifact(key=key, markdown=rendered["markdown"], description=rendered["title"])
    create_table_artifact(key=f"{key}-timeliness", table=rendered["timeliness"],
                          description=f"Timeliness (suppressed) for {rendered['title']}")


def build_message(settings: Settings, rendered: dict) -> EmailMessage:
    """The board email: short body, the PDF and the workbook attached."""
    message = EmailMessage()
    message["Subject"] = rendered["title"]
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(settings.board_recipients)
    message.set_content(
        f"{rendered['title']}\n\n"
        + "".join(f"{rendered[k]}\n" for k in ("status", "audience") if rendered.get(k)) + "\n"
        + "\n".join(f"- {line[0]}" for line in rendered["headline"])
        + "\n\nThe paper is attached as PDF (a cover of at most two pages, the data appendix behind it) and as "
          "a workbook of the underlying tables. Identifiers are pseudonymised.\n")
    for fmt, (maintype, subtype) in {"pdf": ("application", "pdf"), "xlsx": (
            "application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")}.items():
        path = Path(rendered["paths"][fmt])
        message.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return message


def send_message(settings: Settings, message: EmailMessage) -> None:
    """Send to the board's distribution list through the shared SMTP sender (flows/mail.py)."""
    send_email(settings, message, to_addrs=list(settings.board_recipients))


@task(name="email-board", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=10)
def email_step(settings: Settings, rendered: dict, log_id: int) -> None:
    with transaction(engine_from_settings(settings)) as session:
        log = session.get(DeliveryLog, log_id)
        log.attempts += 1
        session.add(log)
    send_message(settings, build_message(settings, rendered))


def _record(settings: Settings, log_id: int, status: str, error: str = "") -> None:
    with transaction(engine_from_settings(settings)) as session:
        log = session.get(DeliveryLog, log_id)
        log.status, log.error, log.finished_at = status, error, utcnow()
        session.add(log)


@flow(name="board-pack", flow_run_name="board-pack-{cycle_id}-{month}", log_prints=True)
@as_actor("flow:board-pack")  # the audit trail names the flow as the actor of what it writes
def board_pack(
    cycle_id: int | None = None,
    month: str | None = None,
    send: bool = True,
    as_of: date | None = None,
    database_url: str | None = None,
    data_dir: str | None = None,
    audience: str | None = None,
) -> dict:
    """Render, publish and (with `send`) email the board pack; the files are on disk before any email."""
    settings = _settings(database_url, data_dir)
    as_of = as_of or (month_end(month) if month else clock.today())
    if cycle_id is not None and not _has_results(settings, cycle_id):
        # The after-cycle trigger also fires when a cycle run stops to wait for scorecards: no partial pack.
        print(f"Cycle {cycle_id} has no results yet (still collecting scorecards): no board pack made")
        return {"cycle_id": cycle_id, "delivery": "not made: the cycle has no results yet"}
    rendered = render_step(settings, cycle_id, as_of, audience)
    publish_step(rendered)
    print(f"Board pack for cycle {rendered['cycle_id']} written to {rendered['folder']}")
    if not send:
        return rendered | {"delivery": "not requested"}
    with transaction(engine_from_settings(settings)) as session:
        log = DeliveryLog(cycle_id=rendered["cycle_id"], recipients=list(settings.board_recipients),
                          subject=rendered["title"], folder=rendered["folder"])
        session.add(log)
        session.flush()
        log_id = log.id
    if not settings.smtp_host or not settings.board_recipients:
        _record(settings, log_id, "skipped", "no SMTP host or no board recipients configured")
        print("Not emailed: set EHCP_AUDIT_SMTP_HOST and EHCP_AUDIT_BOARD_RECIPIENTS")
        return rendered | {"delivery": "skipped", "delivery_log_id": log_id}
    state = email_step(settings, rendered, log_id, return_state=True)
    if state.is_completed():
        _record(settings, log_id, "sent")
        return rendered | {"delivery": "sent", "delivery_log_id": log_id}
    error = repr(state.result(raise_on_failure=False))
    _record(settings, log_id, "failed", error)
    get_run_logger().error("Board pack email failed after retries: %s; the pack is in %s", error, rendered["folder"])
    create_markdown_artifact(key=f"board-pack-delivery-{rendered['cycle_id']}",
                             markdown=f"**Board pack not emailed.** {error}\n\nThe pack is in `{rendered['folder']}`.",
                             description="Board pack delivery failed")
    raise DeliveryFailed(f"Board pack for cycle {rendered['cycle_id']} not emailed: {error}; files in {rendered['folder']}")


def _has_results(settings: Settings, cycle_id: int) -> bool:
    with transaction(engine_from_settings(settings)) as session:
        get_cycle(session, cycle_id)  # an unknown cycle is an error, not "no results"
        return session.exec(select(PlanResult.id).where(PlanResult.cycle_id == cycle_id).limit(1)).first() is not None


def delivery_history(settings: Settings, cycle_id: int | None = None) -> list[DeliveryLog]:
    """Deliveries, newest first (shown by `ehcp-audit board-pack --history`)."""
    with transaction(engine_from_settings(settings)) as session:
        query = select(DeliveryLog).order_by(DeliveryLog.id.desc())
        if cycle_id is not None:
            query = query.where(DeliveryLog.cycle_id == cycle_id)
        return list(session.exec(query).all())
