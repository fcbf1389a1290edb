"""A warm process beside the local Prefect server that runs the flow commands' flows (issue 16).

With a server running, what is left of Prefect's cost in a command like `ehcp-audit cycle run` is importing it
(about a second of CPU, with the flows and the domain another second) before any work. `ehcp-audit prefect server
start` therefore also starts this runner: one process that imports Prefect, the flows and the domain once, then
waits on a Unix socket in Prefect's home (owner only). A flow command sends it the flow's name and arguments,
its environment, its working folder and its standard output and error; the runner forks, and the fork runs the
flow exactly as the command would have (`quick_flow_runs`, the command's settings), writes to the command's
terminal, and answers with the flow's outcome. The command prints the outcome as before.

The runner is used only when it was started from the code the command runs: both work out a fingerprint of
the domain's, reports' and flows' files, and a command whose fingerprint differs (the code was edited or
upgraded since `start`) runs the flow itself and says to restart the server. It forks from one thread and never
opens the store itself, so each fork starts clean. Only the standard library is imported by the command's side.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import sys
from pathlib import Path

from flows.local_server import RUNNER_READY as READY
from flows.local_server import RUNNER_SOCKET as SOCKET

FLOWS = {"audit-cycle": ("flows.cycle", "audit_cycle")}  # what a command may ask for, by name
PACKAGES = ("audit", "reports", "flows")
ROOT = Path(__file__).resolve().parents[1]


class RunnerFailed(Exception):
    """The flow failed in the runner; the message is the error as the command would have shown it."""


def code_fingerprint() -> str:
    """A digest of the names, sizes and modification times of the code a flow runs (about 200 files)."""
    listing = []
    for package in PACKAGES:
        for folder, dirs, files in os.walk(ROOT / package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".jinja", ".yaml")):
                    stat = os.stat(os.path.join(folder, name))
                    listing.append(f"{os.path.relpath(os.path.join(folder, name), ROOT)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(listing).encode()).hexdigest()[:16]


# --- the command's side -----------------------------------------------------------------------------------------


def run_flow(home: Path, flow: str, kwargs: dict, say=None) -> dict | None:
    """The flow's outcome, run by the warm runner of `home`; None when there is none to run it (or it runs older
    code), and the caller runs the flow itself. Raises RunnerFailed when the flow failed there."""
    home = Path(home)
    try:
        ready = json.loads((home / READY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if ready.get("fingerprint") != code_fingerprint():
        if say:
            say("The local Prefect server's flow runner was started before the code changed: running the flow "
                "here. Restart it to use it again: ehcp-audit prefect server stop && ehcp-audit prefect server start")
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(str(home / SOCKET))
    except OSError:
        connection.close()
        return None
    with connection, connection.makefile("rb") as answers:
        request = {"flow": flow, "kwargs": kwargs, "env": dict(os.environ), "cwd": os.getcwd()}
        sys.stdout.flush()
        sys.stderr.flush()
        socket.send_fds(connection, [json.dumps(request).encode() + b"\n"], [1, 2])
        started = json.loads(answers.readline() or b"{}")
        try:
            line = answers.readline()
        except KeyboardInterrupt:  # Ctrl+C here stops the flow there, as it would have stopped it here
            if started.get("pid"):
                os.kill(started["pid"], signal.SIGINT)
            raise
    reply = json.loads(line or b'{"error": "the flow runner stopped before answering"}')
    if "error" in reply:
        raise RunnerFailed(reply["error"])
    return reply["outcome"]


# --- the runner ------------------------------------------------------------------------------------------------


def main(home: str) -> None:
    """`python -m flows.warm_runner HOME`: import once, then fork one child per request, from this one thread."""
    import gc

    import prefect  # noqa: F401  (imported once here: every fork starts with it)

    for module, _ in FLOWS.values():
        __import__(module)
    from flows import runtime  # noqa: F401

    folder = Path(home)
    path = folder / SOCKET
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)  # the socket is the owner's only
    try:
        listener.bind(str(path))
    finally:
        os.umask(old_mask)
    listener.listen(16)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forks are reaped by the system; their answers go to the command
    gc.freeze()  # what is imported stays shared with every fork, untouched by its collections
    ready = folder / READY
    ready.with_suffix(".tmp").write_text(json.dumps({"pid": os.getpid(), "fingerprint": code_fingerprint()}))
    ready.with_suffix(".tmp").replace(ready)
    while True:
        connection, _ = listener.accept()
        try:
            message, fds, _, _ = socket.recv_fds(connection, 1 << 20, 2)
            request = json.loads(message.split(b"\n", 1)[0])
        except (OSError, ValueError):
            connection.close()
            continue
        if os.fork() == 0:
            listener.close()
            _child(connection, request, fds)  # never returns
        connection.close()
        for fd in fds:
            os.close(fd)


def _child(connection: socket.socket, request: dict, fds: list[int]) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the flow may wait for processes of its own (PDF workers)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.dup2(fds[0], 1)
    os.dup2(fds[1], 2)
    connection.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        from audit.settings import get_settings
        from flows.runtime import quick_flow_runs

        get_settings.cache_clear()
        module, name = FLOWS[request["flow"]]
        flow = getattr(sys.modules[module], name)
        with quick_flow_runs():
            outcome = flow(**request["kwargs"])
        reply = {"outcome": outcome}
    except BaseException as error:  # the command shows it; the fork ends either way
        reply = {"error": f"{type(error).__name__}: {error}"}
    try:
        connection.sendall(json.dumps(reply, default=str).encode() + b"\n")
    finally:
        connection.close()
        sys.stdout.flush()
        sys.stderr.flush()
        import gc

        gc.freeze()
    sys.exit(0)  # a normal exit, so Prefect's exit handlers send the run's last events and logs


if __name__ == "__main__":
    main(sys.argv[1])
