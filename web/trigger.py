"""Continuing the cycle flow when the last scorecard comes in: the web layer only triggers, the flow works."""

from __future__ import annotations

import logging
import threading

from audit.settings import Settings

log = logging.getLogger(__name__)


def continue_cycle_flow(settings: Settings, cycle_id: int, finalise: bool = False) -> None:
    """Run `audit_cycle` for the cycle (it picks up where it stopped), here or (EHCP_AUDIT_FLOW_TRIGGER=deployment)
    on a Prefect worker; started in its own thread by `launch`."""
    from flows.runtime import configure_local_prefect

    configure_local_prefect(settings)
    try:
        if settings.flow_trigger == "deployment":
            # Production: a Prefect worker runs it (with its own settings: no database URL in the parameters).
            from flows.runtime import request_deployment_run

            request_deployment_run("audit-cycle/audit-cycle", {"cycle_id": cycle_id, "finalise": finalise})
            return
        from flows.runtime import wait_for_prefect_api

        wait_for_prefect_api()  # `ehcp-audit serve` starts one Prefect server for its processes; it may be starting
        from flows.cycle import audit_cycle

        audit_cycle(cycle_id, finalise=finalise, database_url=settings.resolved_database_url,
                    data_dir=str(settings.data_dir))
    except Exception:  # a failed run is visible in Prefect and can be rerun; the auditor's save stands
        log.exception("The cycle flow for cycle %s failed; rerun it with: ehcp-audit cycle run %s", cycle_id, cycle_id)


def launch(app, cycle_id: int, finalise: bool = False) -> threading.Thread:
    """Start `app.state.continue_cycle` in its own thread and return at once.

    Not a BackgroundTask: those run inside the request's ASGI call, so a browser reusing the connection for
    the redirect would wait for the whole flow.
    """
    return start_flow_thread(app, f"cycle-flow-{cycle_id}", app.state.continue_cycle,
                             app.state.settings, cycle_id, finalise)


def start_flow_thread(app, name: str, target, *args) -> threading.Thread:
    """Run `target(*args)` (a flow run) in its own daemon thread and return at once; every page that hands work to
    a flow (the cycle, an upload's check or import, plan documents, the board and inspection packs) starts it
    here, and the app keeps the thread so tests and a clean shutdown can wait for it."""
    thread = threading.Thread(target=target, name=name, daemon=True, args=args)
    thread.start()
    app.state.flow_threads.append(thread)
    return thread
