"""reports.weasy: WeasyPrint loaded by its libraries' Linux names loads the same libraries, with far fewer lookups."""

import json
import subprocess
import sys

import pytest

from tests.factories import ROOT

PROBE = """
import json, subprocess, sys
spawned = []
original = subprocess.Popen.__init__
def counting(self, args, *a, **k):
    spawned.append(args if isinstance(args, str) else args[0])
    original(self, args, *a, **k)
subprocess.Popen.__init__ = counting
if sys.argv[1] == "plain":
    import weasyprint
else:
    import reports.weasy
from weasyprint.text import ffi
libraries = sorted({line.split()[-1] for line in open("/proc/self/maps") if ".so" in line.rsplit("/", 1)[-1]})
print(json.dumps({"libraries": libraries, "spawned": len(spawned),
                  "subset": ffi.harfbuzz_subset is not None, "vector": ffi.harfbuzz_vector is not None}))
"""


def _probe(how: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, how], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.skipif(sys.platform != "linux", reason="Linux library names")
def test_the_same_libraries_load_with_fewer_lookups():
    plain, quick = _probe("plain"), _probe("quick")
    assert quick["libraries"] == plain["libraries"]
    assert any("libharfbuzz-subset" in path for path in quick["libraries"]), "font subsetting is kept"
    assert (quick["subset"], quick["vector"]) == (plain["subset"], plain["vector"])
    assert quick["subset"]
    assert quick["spawned"] < plain["spawned"] / 3, (quick["spawned"], plain["spawned"])


def test_names_it_does_not_know_go_to_the_real_lookup(monkeypatch):
    from reports import weasy

    asked = []
    assert weasy._find_library("libz-not-weasyprint", real=lambda name: asked.append(name) or "found") == "found"
    assert asked == ["libz-not-weasyprint"]
    assert weasy.SONAMES["pango-1.0"] == weasy.SONAMES["libpango-1.0-0.dll"] == "libpango-1.0.so.0"
