"""Emailing the board pack: a local SMTP server (aiosmtpd) receives it; failures retry and are recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, create_engine, select

from audit.settings import Settings
from audit.store.models import DeliveryLog
from flows.board_pack import build_message, month_end, send_message
from tests.smtp_server import free_port, smtp  # noqa: F401  (smtp is a fixture)

RECIPIENTS = ["board@example.org", "chair@example.org"]


def settings_for(port: int, **extra) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=port, board_recipients=RECIPIENTS,
                    smtp_from="qa@example.org", **extra)


def rendered_from(board_pack_files) -> dict:
    pack, paths = board_pack_files
    return {"title": pack["title"], "paths": {k: str(v) for k, v in paths.items()},
            "headline": [[h] for h in pack["headline"]]}


def test_the_board_gets_the_pdf_and_the_workbook(smtp, board_pack_files):
    controller, inbox = smtp
    settings = settings_for(controller.port)
    rendered = rendered_from(board_pack_files)
    send_message(settings, build_message(settings, rendered))
    [(recipients, message)] = inbox.messages
    assert recipients == RECIPIENTS
    assert message["Subject"] == rendered["title"] and message["From"] == "qa@example.org"
    files = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(files) == {Path(rendered["paths"]["pdf"]).name, Path(rendered["paths"]["xlsx"]).name}
    assert files[Path(rendered["paths"]["pdf"]).name].get_content()[:5] == b"%PDF-"
    assert "Good or better" in message.get_body(("plain",)).get_content()


def test_a_refused_connection_raises(board_pack_files):
    settings = settings_for(free_port())  # nothing listens there
    with pytest.raises(OSError):
        send_message(settings, build_message(settings, rendered_from(board_pack_files)))


def test_month_end():
    assert str(month_end("2026-02")) == "2026-02-28" and str(month_end("2024-02")) == "2024-02-29"


@pytest.mark.prefect
def test_the_flow_writes_first_then_sends_and_records(prefect_harness, smtp, board_store, tmp_path, monkeypatch):
    import flows.board_pack as module

    controller, inbox = smtp
    settings = settings_for(controller.port, database_url=board_store["url"], data_dir=tmp_path,
                            area_code=board_store["area_code"])
    monkeypatch.setattr(module, "get_settings", lambda: settings)
    monkeypatch.setattr(module, "email_step", module.email_step.with_options(retry_delay_seconds=0))
    cycle_id = board_store["cycles"][-1]
    outcome = module.board_pack(cycle_id=cycle_id, as_of=board_store["today"])
    assert outcome["delivery"] == "sent" and len(inbox.messages) == 1
    folder = tmp_path / "reports" / f"cycle-{cycle_id}"
    assert {p.suffix for p in folder.glob("board-pack-*")} == {".html", ".md", ".pdf", ".xlsx", ".json"}
    assert len(list((folder / "services").glob("*.pdf"))) == 4 and list((folder / "feedback").glob("*.md"))

    # Now point at a port nobody listens on: three retries, then the failure is recorded and the run fails;
    # the pack stays.
    monkeypatch.setattr(module, "get_settings", lambda: settings.model_copy(update={"smtp_port": free_port()}))
    written = {k: v for k, v in outcome.items() if not k.startswith("delivery")}
    monkeypatch.setattr(module, "render_step", module.task(name="render-pack")(lambda *args: written))
    with pytest.raises(module.DeliveryFailed):
        module.board_pack(cycle_id=cycle_id, as_of=board_store["today"])
    engine = create_engine(board_store["url"])
    with Session(engine) as session:
        logs = session.exec(select(DeliveryLog).order_by(DeliveryLog.id)).all()
    engine.dispose()
    assert [(log.status, log.attempts) for log in logs[-2:]] == [("sent", 1), ("failed", 4)]
    assert "Connection refused" in logs[-1].error or "Errno" in logs[-1].error
    assert (folder / f"board-pack-cycle-{cycle_id}.pdf").exists()


def test_no_pack_for_a_cycle_still_collecting_scorecards(tmp_path, database_url):
    """The after-cycle trigger also fires when a cycle run stops to wait: it must not make a partial pack."""
    from datetime import date

    import flows.board_pack as module
    from audit.cycle.lifecycle import create_cycle, get_area
    from audit.errors import NotFound
    from audit.store.db import engine_from_settings, transaction
    from tests.factories import whole_plan_rubric

    settings = Settings(data_dir=tmp_path, database_url=database_url)
    with transaction(engine_from_settings(settings)) as session:
        area = get_area(session, settings.area_code, create=True)
        cycle = create_cycle(session, area, whole_plan_rubric(), name="Collecting", sample_size=5,
                             due_date=date(2099, 1, 1))
    outcome = module.board_pack.fn(cycle_id=cycle.id, database_url=settings.database_url, data_dir=str(tmp_path))
    assert outcome["delivery"].startswith("not made")
    assert not (tmp_path / "reports").exists()
    with pytest.raises(NotFound):
        module.board_pack.fn(cycle_id=999, database_url=settings.database_url, data_dir=str(tmp_path))
