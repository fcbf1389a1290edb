"""X-Forwarded-For is believed only from the proxies the operator names (EHCP_AUDIT_TRUSTED_PROXIES).

Without it, anyone who reaches the server directly could send a new X-Forwarded-For with every guess and
never meet the per-address sign-in throttle. By default no proxy is trusted, not even loopback (uvicorn's
own default trusts 127.0.0.1, so `serve` turns uvicorn's handling off and the app applies the setting).
"""

from __future__ import annotations

import re
import threading
import time

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from pydantic import ValidationError

from audit.protection.users import DEMO_PASSWORD
from audit.settings import Settings, get_settings
from tests.web.browser import free_port
from tests.web.conftest import csrf_of, run_cli
from web.app import create_app

LIMIT = 3  # failed sign-ins per address before it is paused (20 in production)


def attempt(client, username: str, password: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    token = csrf_of(client.get("/sign-in", headers=headers).text)
    return client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token},
                       headers=headers)


def app_with(settings, proxies: list[str]):
    return create_app(settings.model_copy(update={"trusted_proxies": proxies, "login_max_failures_per_address": LIMIT}))


def guess_with_forged_addresses(client, start: int = 0) -> None:
    for n in range(start, start + LIMIT):
        assert attempt(client, f"guess-{n}", "wrong-password-123", f"198.51.100.{n + 1}").status_code == 400


def test_by_default_a_forged_x_forwarded_for_does_not_escape_the_throttle(settings):
    app = app_with(settings, [])
    with TestClient(app, follow_redirects=False, client=("127.0.0.1", 50000)) as local:
        guess_with_forged_addresses(local)
        r = attempt(local, "demo-board-member", DEMO_PASSWORD, "192.0.2.200")
        assert r.status_code == 429 and "too many failed attempts" in r.text.lower()


def test_a_named_proxys_header_gives_the_client_address(settings):
    app = app_with(settings, ["10.0.0.5"])
    with TestClient(app, follow_redirects=False, client=("10.0.0.5", 50000)) as proxy:
        for n in range(LIMIT):  # one client behind the proxy guessing
            assert attempt(proxy, f"guess-{n}", "wrong-password-123", "203.0.113.9").status_code == 400
        assert attempt(proxy, "demo-board-member", DEMO_PASSWORD, "203.0.113.9").status_code == 429
        # Another client behind the same proxy is not paused with it.
        assert attempt(proxy, "demo-board-member", DEMO_PASSWORD, "203.0.113.10").status_code == 303


def test_through_a_named_network_the_client_is_the_last_address_no_proxy_of_ours_added(settings):
    app = app_with(settings, ["10.0.0.0/8"])
    with TestClient(app, follow_redirects=False, client=("10.1.2.3", 50000)) as proxy:
        # The client forged a first entry; our proxies appended the real one (and their own).
        for n in range(LIMIT):
            forged = f"198.51.100.{n + 1}, 203.0.113.9, 10.9.9.9"
            assert attempt(proxy, f"guess-{n}", "wrong-password-123", forged).status_code == 400
        assert attempt(proxy, "demo-board-member", DEMO_PASSWORD, "192.0.2.1, 203.0.113.9").status_code == 429


def test_a_peer_that_is_not_a_named_proxy_is_counted_by_its_own_address(settings):
    app = app_with(settings, ["10.0.0.5"])
    with TestClient(app, follow_redirects=False, client=("192.0.2.50", 50000)) as direct:
        guess_with_forged_addresses(direct)
        assert attempt(direct, "demo-board-member", DEMO_PASSWORD, "192.0.2.200").status_code == 429
    with TestClient(app, follow_redirects=False, client=("127.0.0.1", 50000)) as local:
        guess_with_forged_addresses(local, LIMIT)
        assert attempt(local, "demo-board-member", DEMO_PASSWORD, "192.0.2.201").status_code == 429


@pytest.mark.parametrize("value, expected", [
    ("", []), ("10.0.0.5", ["10.0.0.5"]), ("10.0.0.5, 10.1.0.0/16,::1", ["10.0.0.5", "10.1.0.0/16", "::1"]),
    ('["192.0.2.7", "2001:db8::/32"]', ["192.0.2.7", "2001:db8::/32"]), ("10.1.2.3/16", ["10.1.0.0/16"]),
])
def test_the_setting_takes_addresses_and_networks(monkeypatch, value, expected):
    monkeypatch.setenv("EHCP_AUDIT_TRUSTED_PROXIES", value)
    assert Settings().trusted_proxies == expected


@pytest.mark.parametrize("value", ["*", "proxy.example.org", "10.0.0.300", '["10.0.0.5", "nope"]'])
def test_the_setting_refuses_anything_but_addresses_and_networks(monkeypatch, value):
    monkeypatch.setenv("EHCP_AUDIT_TRUSTED_PROXIES", value)
    with pytest.raises(ValidationError, match="is not an IP address or network"):
        Settings()


# --- `ehcp-audit serve` under a real uvicorn, on loopback -------------------------------------------------


@pytest.fixture
def serving(cli_store, monkeypatch):
    """Runs `ehcp-audit serve` with uvicorn in a thread; yields (start, what uvicorn.run was given)."""
    given, servers = {}, []

    def run(app, **options):
        given.update(options)
        options.pop("log_config", None)  # applying it here would reconfigure the test run's own logging
        server = uvicorn.Server(uvicorn.Config(app, **options))
        threading.Thread(target=server.run, daemon=True).start()
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        servers.append(server)

    monkeypatch.setattr("uvicorn.run", run)
    monkeypatch.setenv("EHCP_AUDIT_LOGIN_MAX_FAILURES_PER_ADDRESS", str(LIMIT))
    # No cycle flow runs here, so serve has no Prefect server to start for the app's flows.
    monkeypatch.setenv("EHCP_AUDIT_FLOW_TRIGGER", "deployment")

    def start(proxies: str = "") -> str:
        monkeypatch.setenv("EHCP_AUDIT_TRUSTED_PROXIES", proxies)
        get_settings.cache_clear()
        port = free_port()
        result = run_cli("serve", "--host", "127.0.0.1", "--port", str(port))
        assert result.exit_code == 0, result.output
        given["output"] = result.output
        return f"http://127.0.0.1:{port}"

    yield start, given
    for server in servers:
        server.should_exit = True


def test_serve_ignores_x_forwarded_for_from_loopback_unless_it_is_named(serving):
    start, given = serving
    base = start()
    with httpx.Client(base_url=base) as local:
        guess_with_forged_addresses(local)
        assert attempt(local, "demo-board-member", DEMO_PASSWORD, "192.0.2.200").status_code == 429
    assert given["proxy_headers"] is False and "proxy headers: ignored" in re.sub(r"\s+", " ", given["output"])


def test_serve_believes_a_named_proxy(serving):
    start, _ = serving
    base = start("127.0.0.1")
    with httpx.Client(base_url=base) as proxy:
        for n in range(LIMIT):
            assert attempt(proxy, f"guess-{n}", "wrong-password-123", "203.0.113.9").status_code == 400
        assert attempt(proxy, "demo-board-member", DEMO_PASSWORD, "203.0.113.9").status_code == 429
        assert attempt(proxy, "demo-board-member", DEMO_PASSWORD, "203.0.113.10").status_code == 303


def test_serve_sends_the_apps_error_log_with_references_and_tracebacks_to_stderr():
    from ehcp_audit_cli.web_cmds import log_config

    config = log_config()
    web = config["loggers"]["web"]
    handler = config["handlers"][web["handlers"][0]]
    assert web["level"] in ("INFO", "WARNING", "ERROR") and handler["stream"] == "ext://sys.stderr"
    assert "%(message)s" in config["formatters"][handler["formatter"]]["fmt"]
