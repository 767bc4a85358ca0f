"""Whether a second thread pays: only when a core is idle (issue 20 point 3).

The engine splits its heaviest numpy stages (sorts and gathers, which release the GIL) over two
threads. On a machine whose cores are already busy (other server processes, other users' runs)
the second thread does not run beside the first: it only adds switching and cache misses
(bench/bench_engine.py measured more CPU and no shorter wall time at a load average of 3-6 on two
cores). :func:`spare_core` reads the one-minute load average (one small read of /proc) and says
whether at least one core is free; without it (no ``os.getloadavg``) it assumes one is.
"""

from __future__ import annotations

import os

__all__ = ["spare_core"]


def spare_core() -> bool:
    """True when the machine has more than one core and the load leaves one of them idle."""
    cores = os.cpu_count() or 1
    if cores < 2:
        return False
    try:
        load = os.getloadavg()[0]
    except (OSError, AttributeError):
        return True
    return load <= cores - 1
