"""Whether a second thread pays: only when a core is idle (issue 20 point 3).

The engine splits its heaviest numpy stages (sorts and gathers, which release the GIL) over two
threads. On a machine whose cores are already busy (other server processes, other users' runs)
the second thread does not run beside the first: it only adds switching and cache misses
(bench/bench_engine.py measured more CPU and no shorter wall time at a load average of 3-6 on two
cores). :func:`spare_core` reads the one-minute load average (one small read of /proc) and says
whether a core is free besides the caller's own; without it (no ``os.getloadavg``) it assumes one is.

The caller counts in that average: a process that has been computing for a while adds about 1 by
itself. The first gate (``load <= cores - 1``) therefore refused the second thread to the engine
benchmark on an otherwise idle two-core machine (load 1.1-1.4, all of it the benchmark), where it
pays most: score + aggregate at the national size 0.67 s wall with it against 0.78-1.02 s without
(bench/bench_engine.py, 2026-12-08). So the gate is ``load < cores``: at least some of a core idle
beyond the one the caller is on.
"""

from __future__ import annotations

import os

__all__ = ["spare_core"]


def spare_core() -> bool:
    """True when the machine has more than one core and the load leaves one besides the caller's
    own partly idle."""
    cores = os.cpu_count() or 1
    if cores < 2:
        return False
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):
        return True
    return load < cores
