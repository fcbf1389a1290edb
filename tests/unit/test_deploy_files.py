"""The shipped deployment files (deploy/): systemd units pass `systemd-analyze verify`, the nginx example passes
`nginx -t` with a certificate, the compose file names the four services, and every EHCP_AUDIT_* setting they
use exists, and every setting is documented in docs/operations.md (the files and the docs kept in step)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from audit.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
OPERATIONS = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def deploy_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(DEPLOY.rglob("*")) if p.is_file())


def test_every_setting_the_deploy_files_use_exists():
    fields = set(Settings.model_fields)
    used = set(re.findall(r"EHCP_AUDIT_([A-Z_]+)", deploy_text()))
    assert used and {name.lower() for name in used} <= fields, {n for n in used if n.lower() not in fields}


def test_every_setting_is_documented_in_operations():
    missing = [f"EHCP_AUDIT_{name.upper()}" for name in Settings.model_fields
               if f"EHCP_AUDIT_{name.upper()}" not in OPERATIONS]
    assert not missing, (f"docs/operations.md does not mention: {', '.join(missing)}; "
                         "run .venv/bin/python scripts/settings_table.py")


def test_every_deploy_file_is_described_in_operations():
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file():
            assert str(path.relative_to(ROOT)) in OPERATIONS, f"{path.relative_to(ROOT)} is not in docs/operations.md"


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_units_verify(tmp_path):
    units = sorted((DEPLOY / "systemd").glob("*.service"))
    assert {u.name for u in units} == {"ehcp-audit-web.service", "ehcp-audit-worker.service",
                                       "ehcp-audit-prefect-server.service"}
    for unit in units:  # the install paths of docs/operations.md, pointed at this checkout so the commands exist
        text = unit.read_text(encoding="utf-8").replace("/opt/ehcp-audit/.venv/bin/", f"{BIN}/")
        text = re.sub(r"WorkingDirectory=.*", f"WorkingDirectory={tmp_path}", text)
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", *[str(tmp_path / u.name) for u in units]],
                            capture_output=True, text=True, timeout=120)
    # verify exits 0 on a directive it ignores, but says so: any line about our units is a defect.
    complaints = [line for line in (result.stdout + result.stderr).splitlines() if str(tmp_path) in line
                  or any(u.name in line for u in units)]
    assert result.returncode == 0 and not complaints, result.stdout + result.stderr


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed")
def test_nginx_example_passes_nginx_t(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "key.pem"),
                    "-out", str(tmp_path / "cert.pem"), "-days", "1", "-subj", "/CN=audit.example.org"],
                   check=True, capture_output=True, timeout=60)
    site = (DEPLOY / "nginx" / "ehcp-audit.conf").read_text(encoding="utf-8")
    site = (site.replace("/etc/ssl/ehcp-audit/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/ssl/ehcp-audit/privkey.pem", str(tmp_path / "key.pem"))
            .replace("/var/log/nginx/", f"{tmp_path}/"))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    temp = "\n".join(f" {kind}_temp_path {tmp_path}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                          "scgi"))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\nhttp {{\n{temp}\n"
        f" access_log {tmp_path}/access.log;\n include {tmp_path}/site.conf;\n}}\n", encoding="utf-8")
    result = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", f"{tmp_path}/"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


def test_compose_file_runs_the_four_services_from_the_containerfile():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert set(compose["services"]) == {"db", "prefect", "worker", "web"}
    assert compose["services"]["prefect"]["build"]["dockerfile"] == "deploy/Containerfile"
    for name in ("worker", "web"):
        environment = compose["services"][name]["environment"]
        assert environment["EHCP_AUDIT_ENVIRONMENT"] == "production" and "EHCP_AUDIT_DATABASE_URL" not in environment
    assert "PREFECT_SERVER_API_AUTH_STRING" in compose["services"]["prefect"]["command"][-1]
