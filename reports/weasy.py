"""WeasyPrint, imported with its libraries found by their Linux names first.

WeasyPrint (text/ffi.py) tries each library under its Windows and macOS names before the Linux one, and cffi
asks `ctypes.util.find_library` about every name it cannot open directly. On Linux each such question runs
`ldconfig -p` and then `gcc` and `ld` (about 60 short processes and 0.3 s per import, most for misses), and a
board pack imports WeasyPrint in each of its worker processes.

While WeasyPrint loads, `find_library` answers each of those names from `_LIBRARIES`: the library's Linux
name when that name opens (the file `find_library` would have found under its Linux short name, from the same
ld.so cache, and the one WeasyPrint then loads); when it does not open (missing, or another version), what the
real `find_library` finds under the Linux short name, asked once for all the library's names. Names it does
not know go to the real `find_library`. So the same libraries load, and a missing one stays missing:
harfbuzz-subset (font subsetting) loads as before; tests/unit/test_weasy.py checks the same files load either
way, and the pack's PDF is unchanged (pages, fonts embedded as subsets, tagged).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from functools import cache

# Each library WeasyPrint 70 opens: its Linux name; the name `find_library` finds it by on Linux (ld.so cache);
# the other names WeasyPrint tries for it (Windows, macOS).
_LIBRARIES = {
    "libgobject-2.0.so.0": ("gobject-2.0", "libgobject-2.0-0", "gobject-2.0-0", "libgobject-2.0.0.dylib",
                            "libgobject-2.0-0.dll"),
    "libpango-1.0.so.0": ("pango-1.0", "libpango-1.0-0", "pango-1.0-0", "libpango-1.0.dylib",
                          "libpango-1.0-0.dll"),
    "libharfbuzz.so.0": ("harfbuzz", "libharfbuzz-0", "harfbuzz-0.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll"),
    "libharfbuzz-subset.so.0": ("harfbuzz-subset", "libharfbuzz-subset-0", "harfbuzz-subset-0.0",
                                "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll"),
    "libharfbuzz-vector.so.0": ("harfbuzz-vector", "libharfbuzz-vector-0", "harfbuzz-vector-0.0",
                                "libharfbuzz-vector.0.dylib", "libharfbuzz-vector-0.dll"),
    "libfontconfig.so.1": ("fontconfig", "libfontconfig-1", "fontconfig-1", "libfontconfig.1.dylib",
                           "libfontconfig-1.dll"),
    "libpangoft2-1.0.so.0": ("pangoft2-1.0", "libpangoft2-1.0-0", "pangoft2-1.0-0", "libpangoft2-1.0.dylib",
                             "libpangoft2-1.0-0.dll"),
}
SONAMES = {name: soname for soname, names in _LIBRARIES.items() for name in (soname, *names)}

_lock = threading.Lock()


@cache
def _answer(soname: str, real=ctypes.util.find_library) -> str | None:
    """What any of the library's names resolves to: its Linux name if that opens, else what the real lookup
    finds by the name it knows the library by on Linux (another version, or nothing)."""
    try:
        ctypes.CDLL(soname)  # held by the loader; WeasyPrint's own dlopen of it that follows costs nothing
    except OSError:
        return real(_LIBRARIES[soname][0])
    return soname


def _find_library(name: str, real=ctypes.util.find_library) -> str | None:
    soname = SONAMES.get(name)
    return _answer(soname) if soname is not None else real(name)


def load() -> None:
    """Import WeasyPrint (once per process; later calls cost nothing)."""
    import sys

    if "weasyprint" in sys.modules:
        return
    with _lock:
        real = ctypes.util.find_library
        ctypes.util.find_library = _find_library
        try:
            import weasyprint  # noqa: F401
        finally:
            ctypes.util.find_library = real


load()
from weasyprint import HTML  # noqa: E402

__all__ = ["HTML", "SONAMES", "load"]
