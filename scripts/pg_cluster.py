"""A throwaway PostgreSQL cluster on loopback, for the test suite and the benchmarks.

    python scripts/pg_cluster.py install          # Debian's postgresql, when missing (needs root)
    python scripts/pg_cluster.py start DIR [--port N]   # prints the server's URL (postgresql+psycopg://...)
    python scripts/pg_cluster.py stop DIR         # stops it and removes DIR

The cluster trusts local connections, listens on 127.0.0.1 only, keeps its socket in DIR, and runs with
fsync off: it is for tests and measurements, never for data anyone wants back. initdb refuses to run as root,
so as root the server runs as the `postgres` user that Debian's package creates.
Importable too: `start(dir)`, `stop(dir)`, `ensure_installed()` (tests/databases.py uses them).
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

SERVER_USER = "postgres"
# Speed over durability: a test cluster is rebuilt from nothing on every run.
SERVER_OPTIONS = ("-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                  "-c max_connections=300 -c shared_buffers=64MB")


def bin_dir() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps initdb and pg_ctl out of PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def ensure_installed() -> Path:
    """Install Debian's postgresql when it is missing; returns the folder holding initdb and pg_ctl."""
    found = bin_dir()
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("PostgreSQL is not installed and this is not root: apt-get install postgresql, then run again.")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "postgresql"], check=True, env=env, stdout=subprocess.DEVNULL)
    found = bin_dir()
    if not found:
        sys.exit("apt-get installed postgresql but no initdb was found under /usr/lib/postgresql/*/bin.")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *args] if os.geteuid() == 0 else args


def url_of(folder: Path) -> str:
    port = (Path(folder) / "port").read_text().strip()
    return f"postgresql+psycopg://{SERVER_USER}@127.0.0.1:{port}/postgres"


def start(folder: str | Path, port: int | None = None) -> str:
    """Create and start a cluster in `folder` (which must not hold one yet); returns its URL."""
    folder = Path(folder).resolve()
    binaries = ensure_installed()
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER, SERVER_USER)
    data = folder / "data"
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", SERVER_USER, "--auth=trust",
                                    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]), check=True, **quiet)
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                                    "-o", f"-p {port} -k {folder} {SERVER_OPTIONS}", "-w", "-t", "120", "start"]),
                   check=True, **quiet)
    (folder / "port").write_text(str(port))
    return url_of(folder)


def stop(folder: str | Path, remove: bool = True) -> None:
    """Stop the cluster in `folder` at once (no checkpoint: nothing in it is kept) and remove the folder."""
    folder = Path(folder).resolve()
    binaries = bin_dir()
    if binaries and (folder / "data" / "postmaster.pid").exists():
        subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate",
                                        "-w", "stop"]), check=False, stdout=subprocess.DEVNULL)
    if remove:
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("install", help="Install Debian's postgresql when missing.")
    started = commands.add_parser("start", help="Create and start a cluster; prints its URL.")
    started.add_argument("folder")
    started.add_argument("--port", type=int, default=None)
    stopped = commands.add_parser("stop", help="Stop a cluster and remove its folder.")
    stopped.add_argument("folder")
    stopped.add_argument("--keep", action="store_true", help="Keep the folder (and the server log).")
    args = parser.parse_args(argv)
    if args.command == "install":
        print(ensure_installed())
    elif args.command == "start":
        print(start(args.folder, args.port))
    else:
        stop(args.folder, remove=not args.keep)


if __name__ == "__main__":
    main()
