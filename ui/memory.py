"""Give the freed heap back to the operating system after a run that grew the server (issue 20.1);
keep the modules' objects out of the cycle collector's full collections (issue 20.2).

Building a national assessment allocates and frees well over a gigabyte of temporaries (pandas
and numpy arrays). glibc keeps what is freed in its heaps for reuse: the Streamlit process then
holds that memory, unused, until it exits (bench/bench_server_memory.py measured 2.3 GiB RSS after
the national overview, region and indicator pages, of which the cached results are about 0.8 GiB).
``malloc_trim(0)`` returns the free pages of every arena to the system.

:func:`release_if_grown` is called at the end of every run (dashboard.py). It reads the process's
resident size (``/proc/self/statm``: one small read) and trims only when the process grew by
``threshold_mib`` since the last trim, so an ordinary rerun pays nothing; a run that built a large
result pays one trim (tens of milliseconds). Nothing here changes what any page shows. On a system
without glibc (macOS, musl) it does nothing.

:func:`freeze_imports` is called at the end of every run too. Python's cycle collector walks every
container object the process holds on each full (oldest-generation) collection: at national scale,
after the overview, about 235,000 of them (functions, classes, dicts of the imported modules), 0.13 to
0.24 s of CPU on a loaded machine, and the rerun after an approval, which builds new tables, triggers
one nearly every time. When the run imported modules (``sys.modules`` grew by
``FREEZE_AFTER_MODULES``), the objects then alive are moved to the permanent generation
(:func:`gc.freeze`): later collections skip them. Reference counting still frees them; only a cycle
among them that becomes garbage later is never collected, so freezing happens only while imports
add modules (the first visits of the pages), a bounded number of times per process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
import threading
from pathlib import Path

from assessment.scoring.heap import reuse_freed_memory

THRESHOLD_MIB = 64.0
FREEZE_AFTER_MODULES = 25  # modules imported since the last freeze that make the next one due
_PAGE_MIB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 4096 / 2**20
_lock = threading.Lock()
_baseline: list[float] = []  # the resident size after the last trim, or at import
_frozen_at: list[int] = [0]  # len(sys.modules) at the last freeze
_freeze_lock = threading.Lock()


def _load_trim():  # type: ignore[no-untyped-def]
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        trim = libc.malloc_trim
    except (OSError, AttributeError, TypeError):  # not glibc: nothing to trim
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_trim = _load_trim()
# with ASSESSMENT_MALLOPT=1 the engine's large temporaries reuse freed heap instead of fresh pages
# (assessment.scoring.heap; off by default here: it costs resident memory that trimming cannot return)
reuse_freed_memory()


def rss_mib() -> float:
    """This process's resident size in MiB (0 where /proc is missing)."""
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE_MIB
    except (OSError, IndexError, ValueError):
        return 0.0


def available() -> bool:
    """Whether this process can trim (glibc and /proc)."""
    return _trim is not None and rss_mib() > 0


def release() -> float:
    """``malloc_trim(0)`` now; the MiB of resident memory it gave back (0 without glibc)."""
    if _trim is None:
        return 0.0
    before = rss_mib()
    _trim(0)
    after = rss_mib()
    _baseline[:] = [after]
    return max(0.0, before - after)


_baseline.append(rss_mib())  # the first runs are the sign-in page: the process before any data


def release_if_grown(threshold_mib: float = THRESHOLD_MIB) -> float | None:
    """Trim when the process grew by ``threshold_mib`` since the last trim (or since this module
    was imported); the MiB given back, or None when no trim was due. Safe from any number of
    threads: one trims, the others return at once."""
    if _trim is None:
        return None
    now = rss_mib()
    if not _baseline:
        _baseline.append(now)
        return None
    if now - _baseline[0] < threshold_mib:
        _baseline[0] = min(_baseline[0], now)  # something was given back otherwise: a lower start
        return None
    if not _lock.acquire(blocking=False):  # another run is trimming
        return None
    try:
        return release()
    finally:
        _lock.release()


def freeze_imports(min_new_modules: int = FREEZE_AFTER_MODULES) -> bool:
    """:func:`gc.freeze` when at least ``min_new_modules`` modules were imported since the last
    freeze (see the module docstring); whether it froze. Nothing a page shows changes."""
    loaded = len(sys.modules)
    with _freeze_lock:
        if loaded - _frozen_at[0] < min_new_modules:
            return False
        _frozen_at[0] = loaded
    gc.freeze()
    return True
