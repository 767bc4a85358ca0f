"""Large temporaries reuse freed heap memory instead of fresh pages (issue 20 point 3).

A national run allocates and frees hundreds of arrays of one row per score (13 MiB each at the
national size, 52 MiB at 4x). glibc serves a request above its mmap threshold with a fresh
``mmap`` and unmaps it on ``free``, so every such temporary is paid for again in page faults
(zeroed by the kernel, page by page: system time). The threshold adapts upwards to freed sizes,
but never beyond 32 MiB on 64-bit systems: from about 2.5x the national size on, *every* large
temporary faulted (bench/bench_engine.py: 262,000 minor faults and 8.6 s of system time per 4x
run, against 14,500 and 0.3 s with the settings below), which made the cost per row grow with the
size.

:func:`reuse_freed_memory` sets ``M_MMAP_MAX = 0`` (large blocks come from the heap, where a
freed block is reused by the next one without faults) and ``M_TRIM_THRESHOLD = -1`` (glibc never
hands the top of the heap back on ``free``: with a 1 GiB threshold, runs at 2x and 4x still trimmed
and faulted again, 38,000-56,000 faults and 1.8-3.8 s of system time per run; with none,
8,000-15,000 and 0.2-0.3 s). Outputs do not change.

**Off by default in the web server.** The price is resident memory: large arrays then live in the
heap, where ``malloc_trim`` cannot give back what fragmentation keeps. A Streamlit process after the
national overview, region and indicator pages held 1,181 MiB with it against 904 MiB without
(bench/bench_server_memory.py, 2026-12-07), and point 1 of issue 20 asks for under 1 GiB. So the
server (:mod:`ui.memory`) sets it only with ``ASSESSMENT_MALLOPT=1`` (a batch or single-user
process on data several times the national size, where it pays most); the engine benchmark sets it
by default (``--no-mallopt`` not) and prints which. ``ASSESSMENT_MALLOPT=0`` always turns it off.
Importing the engine never sets it. Without glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading

__all__ = ["reuse_freed_memory"]

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
TRIM_THRESHOLD = -1  # never trim on free (a process that sets it trims itself: ui.memory)

_lock = threading.Lock()
_done: list[bool] = []


def reuse_freed_memory(default: bool = False) -> bool:
    """Set the two glibc malloc parameters once per process when ``ASSESSMENT_MALLOPT=1`` (or, with
    the variable unset, when ``default``); True if they are (or were) set."""
    with _lock:
        if _done:
            return _done[0]
        ok = False
        wanted = os.environ.get("ASSESSMENT_MALLOPT", "").strip()
        if wanted == "1" or (wanted == "" and default):
            try:
                libc = ctypes.CDLL(ctypes.util.find_library("c"))
                mallopt = libc.mallopt
            except (OSError, AttributeError, TypeError):  # not glibc
                mallopt = None
            if mallopt is not None:
                mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
                mallopt.restype = ctypes.c_int
                ok = bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
        _done.append(ok)
        return ok
