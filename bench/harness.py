"""What every benchmark shares: timing runs, the machine it ran on, and recording figures for results.md.

A benchmark is a plain module with a `main(argv)`; it times its workload and its reference with `timed`,
then calls `record` with a list of `Figure`s. `record` writes bench/results/<name>.json and regenerates
bench/results.md from every JSON there, so rerunning one benchmark updates its own section only.

Medians, not means: five helpers may share the two cores, and one slow run should not move the figure.
The load average at the time is recorded beside every figure for the same reason.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import socket
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
TMP_DIR = BENCH_DIR / "tmp"  # gitignored: stores, CSVs and PDFs the benchmarks make
LIBRARIES = ["pandas", "numpy", "sqlalchemy", "sqlmodel", "duckdb", "prefect", "prefect-dask", "dask",
             "weasyprint", "matplotlib", "openpyxl", "python-calamine", "psycopg", "uvicorn", "fastapi", "httpx"]


@dataclass
class Runs:
    """Wall-clock seconds of several runs of one thing, with the load average when they ended."""

    seconds: list[float]
    load: tuple[float, float, float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def summary(self) -> dict[str, Any]:
        return {"median": self.median, "min": min(self.seconds), "max": max(self.seconds), "runs": self.seconds,
                "load": list(self.load)}


@dataclass
class Figure:
    """One row of results.md: a measured median, optionally against a reference and a target.

    `target_seconds` is an absolute ceiling; `target_ratio` a ceiling on median / reference median;
    `target_extra` a ceiling on median - reference median (seconds over the reference).
    `value`/`unit` carry a non-time figure (requests per second, counts) instead of `runs`.
    """

    label: str
    runs: Runs | None = None
    reference: Runs | None = None
    reference_label: str | None = None
    target_seconds: float | None = None
    target_ratio: float | None = None
    value: float | None = None
    unit: str = "s"
    target_value: float | None = None
    target_is_max: bool = True  # a value target is a ceiling (latency) unless False (a floor)
    note: str = ""
    target_extra: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.runs is None or self.reference is None or not self.reference.median:
            return None
        return self.runs.median / self.reference.median

    @property
    def passed(self) -> bool | None:
        """True/False against the target(s); None when the figure has no target."""
        checks = []
        if self.target_seconds is not None and self.runs is not None:
            checks.append(self.runs.median <= self.target_seconds)
        if self.target_ratio is not None and self.ratio is not None:
            checks.append(self.ratio <= self.target_ratio)
        if self.target_extra is not None and self.runs is not None and self.reference is not None:
            checks.append(self.runs.median - self.reference.median <= self.target_extra)
        if self.target_value is not None and self.value is not None:
            checks.append(self.value <= self.target_value if self.target_is_max else self.value >= self.target_value)
        return all(checks) if checks else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label, "unit": self.unit, "note": self.note,
            "runs": self.runs.summary() if self.runs else None,
            "reference": self.reference.summary() if self.reference else None,
            "reference_label": self.reference_label, "ratio": self.ratio,
            "target_seconds": self.target_seconds, "target_ratio": self.target_ratio, "target_extra": self.target_extra,
            "value": self.value, "target_value": self.target_value, "target_is_max": self.target_is_max,
            "passed": self.passed,
        }


def timed(work: Callable[[], Any], repeat: int, setup: Callable[[], Any] | None = None) -> Runs:
    """Run `setup` (untimed) then `work` (timed) `repeat` times; garbage is collected between runs."""
    seconds = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        gc.collect()
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return Runs(seconds, os.getloadavg())


def alternating(works: dict[str, Callable[[], Any]], repeat: int,
                setup: Callable[[], Any] | None = None) -> dict[str, Runs]:
    """Run each of `works` once per round, in turn, for `repeat` rounds (`setup` untimed before each run); the
    order rotates from round to round.

    A product and its reference measured this way see the same machine: on a machine other work shares, load
    that comes and goes slows both alike, where measuring one after the other would charge it to one."""
    seconds: dict[str, list[float]] = {name: [] for name in works}
    names = list(works)
    for round_ in range(repeat):
        # Each round starts with the next one, so none always runs first (after the previous round's last).
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            work = works[name]
            if setup is not None:
                setup()
            gc.collect()
            start = time.perf_counter()
            work()
            seconds[name].append(time.perf_counter() - start)
    load = os.getloadavg()
    return {name: Runs(values, load) for name, values in seconds.items()}


def once(seconds: float) -> Runs:
    """A single measurement taken elsewhere (e.g. inside a flow) as Runs."""
    return Runs([seconds], os.getloadavg())


def free_port() -> int:
    """A TCP port free on loopback now (for a server the benchmark starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine() -> dict[str, Any]:
    """CPU, cores, memory, Python and library versions: what a reader needs to compare figures."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:  # no /proc (not Linux): the figures are recorded without the CPU's name
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:  # no /proc (not Linux): the figures are recorded without the memory size
        pass
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "os": platform.platform(),
            "python": sys.version.split()[0], "libraries": versions}


def parser(description: str, **defaults: Any) -> argparse.ArgumentParser:
    """The options every benchmark takes: --repeat, --out (where results go), plus its own size options."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--repeat", type=int, default=defaults.pop("repeat", 5), help="runs per measurement (median)")
    p.add_argument("--out", type=Path, default=RESULTS_DIR,
                   help="folder for <name>.json; results.md is regenerated beside it (default bench/results)")
    p.add_argument("--tmp", type=Path, default=TMP_DIR, help="scratch folder for stores and files")
    for name, value in defaults.items():
        p.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    return p


def record(name: str, command: str, figures: list[Figure], out: Path = RESULTS_DIR,
           details: dict[str, Any] | None = None, notes: list[str] | None = None) -> Path:
    """Write <out>/<name>.json and regenerate <out>/../results.md (or <out>/results.md for a scratch folder)."""
    from bench.report import write_report

    out.mkdir(parents=True, exist_ok=True)
    data = {
        "name": name,
        "command": command,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load": list(os.getloadavg()),
        "figures": [f.to_dict() for f in figures],
        "details": details or {},
        "notes": notes or [],
    }
    path = out / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_report(out)
    for f in figures:
        print(_line(f))
    return path


def command_line(module: str, argv: list[str] | None) -> str:
    """The exact command that reproduces this run."""
    args = " ".join(argv if argv is not None else sys.argv[1:])
    return f".venv/bin/python -m {module}" + (f" {args}" if args else "")


def _line(f: Figure) -> str:
    verdict = {True: "PASS", False: "FAIL", None: "-"}[f.passed]
    if f.runs is not None:
        text = f"{f.label}: median {f.runs.median:.3f} s"
        if f.target_extra is not None and f.reference is not None:
            text += f" (+{f.runs.median - f.reference.median:.3f} s over {f.reference_label})"
        elif f.ratio is not None:
            text += f" ({f.ratio:.2f}x {f.reference_label}, {f.reference.median:.3f} s)"
    else:
        text = f"{f.label}: {f.value:g} {f.unit}"
    return f"[{verdict}] {text}"


@dataclass
class Stopwatch:
    """Named laps inside one run (e.g. the steps of a flow), for the details section of results.md."""

    laps: dict[str, float] = field(default_factory=dict)

    def lap(self, name: str, work: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = work()
        self.laps[name] = self.laps.get(name, 0.0) + time.perf_counter() - start
        return result


