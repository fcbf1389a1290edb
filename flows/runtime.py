"""Prefect's local mode, set up so it never reaches the network and keeps its state in the project's data folder."""

from __future__ import annotations

import os
from pathlib import Path

from audit.settings import Settings


def configure_local_prefect(settings: Settings) -> None:
    """Set Prefect's environment before it is imported; values already set by the user win."""
    home = Path(settings.data_dir).resolve() / "prefect"
    defaults = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # The temporary server takes 17-20 s to start on a fresh database here; Prefect's default is 20 s.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }
    for key, value in defaults.items():
        os.environ.setdefault(key, value)
    # A PREFECT_HOME set by the user (the Makefile sets one) may not exist yet on a fresh clone; Prefect's
    # temporary server then cannot open its database and start-up times out.
    Path(os.environ["PREFECT_HOME"]).expanduser().mkdir(parents=True, exist_ok=True)


def flow_settings(base: Settings, database_url: str | None, data_dir: str | None) -> Settings:
    """`base` with a flow run's overrides, validated (model_copy(update=...) would leave paths as strings)."""
    overrides = {k: v for k, v in {"database_url": database_url, "data_dir": data_dir}.items() if v}
    return Settings(**{**base.model_dump(), **overrides}) if overrides else base


def request_deployment_run(name: str, parameters: dict) -> str:
    """Ask the Prefect server to run a deployment ("flow/deployment") and return at once with the run's id."""
    from prefect.deployments import run_deployment

    return str(run_deployment(name, parameters=parameters, timeout=0).id)
