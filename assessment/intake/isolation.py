"""Run the parsing of an upload, or the rendering of a report, in a child process with a memory
limit and a timeout (issues 15.3 and 20.7).

The limits of :mod:`assessment.intake.safety` refuse what a real template or batch file never
needs before anything is parsed, but a file can lie (a sheet dimension claiming ``A1:B2`` over
millions of rows) or be dense in ways no size check foresees. So the parser itself (python-calamine
and pandas: native code that neither caps memory nor can be interrupted) runs in a child:

- the child is forked from a *forkserver* that has the parsing modules preloaded, so starting one
  costs a few milliseconds, not the second a fresh interpreter would;
- in the child, ``resource.setrlimit(RLIMIT_AS)`` caps its address space (``memory_mb``, default
  1024 MiB). Address space, not resident memory: a child with pandas loaded starts at ~370 MB of
  it; the largest batch the row limit admits (500,060 rows of 7 columns, 16 MB of xlsx) peaks at
  ~540 MB resident and needs more than 768 MiB of address space, and parses within 1024 MiB.
  ``os.nice`` lowers the child's priority so the pages other users are waiting for keep the CPU;
- the parent waits at most ``timeout_s`` (default 60 s: that batch takes 16 s alone and 40 s
  niced on a loaded two-core machine) and kills the child when it is over;
- what comes back is a plain picklable value (the parsed table and its problems), or one of
  :data:`MEMORY`, :data:`TIMEOUT`: never the child's traceback or message.

Both limits are configurable: the environment variables ``ASSESSMENT_PARSE_MEMORY_MB`` and
``ASSESSMENT_PARSE_TIMEOUT_S`` (read at each call), or a :class:`ParseLimits` passed by the caller.
``ASSESSMENT_PARSE_ISOLATE=0`` parses in-process (for debugging only: no limit then holds).

Report generation (:mod:`assessment.reports.service`) uses the same machinery with its own
variables (``ASSESSMENT_REPORT_MEMORY_MB``, ``_TIMEOUT_S``, ``_ISOLATE``: ``from_env(prefix=...)``)
and a progress channel: with ``progress`` given, :func:`run_limited` hands ``fn`` a ``progress``
keyword whose calls in the child reach the parent's callback through the same pipe, so the page
still shows each step while the CPU-heavy work runs niced in the child.
"""

from __future__ import annotations

import contextlib
import io
import logging
import multiprocessing as mp
import os
import resource
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerProcess, set_spawning_popen
from typing import Any

from assessment.intake.safety import MAX_ROWS

log = logging.getLogger(__name__)

MEMORY = "memory"  # the child ran out of its memory limit (or died without answering)
TIMEOUT = "timeout"  # the child was still parsing at the deadline and was killed
DEFAULT_MEMORY_MB = 1024
DEFAULT_TIMEOUT_S = 60.0
NICE = 10  # the child's niceness increment: pages first, uploads after
# Imported once by the forkserver so that each child starts with them loaded.
# Only the parsing modules: preloading the report modules and WeasyPrint too would start every
# upload child at ~475 MB of address space instead of ~370 MB, eating the upload's memory limit.
# A report child imports them itself (about 2 s of niced CPU, against 10-40 s of rendering).
PRELOAD = ["assessment.intake.ingest"]

_lock = threading.Lock()
_context: Any = None


@dataclass(frozen=True)
class ParseLimits:
    """How much memory (MiB of address space) and time (seconds) one parse may take."""

    memory_mb: int = DEFAULT_MEMORY_MB
    timeout_s: float = DEFAULT_TIMEOUT_S
    isolate: bool = True
    max_rows: int = MAX_ROWS  # rows in all sheets (see assessment.intake.safety)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        prefix: str = "ASSESSMENT_PARSE",
        memory_mb: int = DEFAULT_MEMORY_MB,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> ParseLimits:
        """The limits configured in the environment (``{prefix}_MEMORY_MB``, ``{prefix}_TIMEOUT_S``,
        ``{prefix}_ISOLATE``), the defaults given here where unset or unreadable."""
        env = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            try:
                value = float(env.get(name, ""))
            except ValueError:
                return default
            return value if value > 0 else default

        return cls(
            memory_mb=int(number(f"{prefix}_MEMORY_MB", memory_mb)),
            timeout_s=number(f"{prefix}_TIMEOUT_S", timeout_s),
            isolate=env.get(f"{prefix}_ISOLATE", "1").strip() not in ("0", "false", "no"),
        )


class ChildFailed(RuntimeError):
    """The child raised (a bug): its traceback is in the log, never in this exception."""


@dataclass(frozen=True)
class Outcome:
    """What the child gave back: ``value`` when ``failure`` is empty, else MEMORY or TIMEOUT."""

    value: Any = None
    failure: str = ""


class _NoMainPopen(popen_forkserver.Popen):
    """The forkserver's Popen without the main-module fix-up: multiprocessing would re-import the
    parent's ``__main__`` in the child, and under Streamlit that is the page script being run
    (its script runner puts it in ``sys.modules["__main__"]``). The child only needs the modules
    of its function, which it imports by name (most are preloaded). Python 3.11's ``_launch`` with
    the ``init_main_from_*`` keys left out."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data = {k: v for k, v in prep_data.items() if not k.startswith("init_main_from")}
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))  # type: ignore[attr-defined]
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> Any:
        return _NoMainPopen(process_obj)


def _ctx() -> Any:
    """The forkserver context (started on first use, with :data:`PRELOAD` imported once)."""
    global _context
    with _lock:
        if _context is None:
            methods = mp.get_all_start_methods()
            ctx = mp.get_context("forkserver" if "forkserver" in methods else "spawn")
            if ctx.get_start_method() == "forkserver":
                ctx.set_forkserver_preload(PRELOAD)
            _context = ctx
        return _context


def _child(
    conn: Connection, fn: Callable[..., Any], args: tuple[Any, ...], memory_bytes: int, report: bool = False
) -> None:
    """Body of the child: lower priority, cap memory, run ``fn`` and send back its value (with
    ``report``, ``fn`` gets a ``progress`` callback that sends its steps ahead of the value)."""
    with contextlib.suppress(OSError):
        os.nice(NICE)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    def progress(fraction: float, step: str) -> None:
        conn.send(("progress", (float(fraction), str(step))))

    try:
        value = fn(*args, progress=progress) if report else fn(*args)
        message: tuple[str, Any] = ("ok", value)
    except MemoryError:
        message = (MEMORY, None)
    except BaseException:  # a bug: logged here, the parent gets no traceback
        log.exception("isolated child failed (%s)", getattr(fn, "__qualname__", fn))
        message = ("error", None)
    try:
        conn.send(message)
    except MemoryError:  # the value itself did not fit in what was left to pickle it
        conn.send((MEMORY, None))
    finally:
        conn.close()


def run_limited(
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    limits: ParseLimits | None = None,
    *,
    progress: Callable[[float, str], None] | None = None,
) -> Outcome:
    """``fn(*args)`` in a child process under ``limits`` (the environment's when None).

    ``fn`` must be a module-level function and ``args`` and its value picklable. With ``progress``,
    ``fn`` is called with a ``progress`` keyword too and each step it reports in the child is
    passed to ``progress`` here, in the parent (in the calling thread, while it waits). A bug in
    ``fn`` (any other exception) is raised here as :class:`ChildFailed` (a RuntimeError) without
    the child's traceback, so the caller's last line of defence reports it as any other bug."""
    limits = limits or ParseLimits.from_env()
    if not limits.isolate:
        return Outcome(fn(*args, progress=progress) if progress is not None else fn(*args))
    ctx = _ctx()
    receiver, sender = ctx.Pipe(duplex=False)
    process = _Process if ctx.get_start_method() == "forkserver" else ctx.Process
    memory = limits.memory_mb * 1024 * 1024
    proc = process(target=_child, args=(sender, fn, args, memory, progress is not None), daemon=True)
    proc.start()
    sender.close()
    deadline = time.monotonic() + limits.timeout_s
    try:
        while True:
            if not receiver.poll(max(0.0, deadline - time.monotonic())):
                return Outcome(failure=TIMEOUT)
            try:
                status, value = receiver.recv()
            except (EOFError, OSError):  # killed by the kernel or aborted by native code on allocation
                return Outcome(failure=MEMORY)
            if status != "progress":
                break
            if progress is not None:
                progress(*value)
    finally:
        receiver.close()
        if proc.is_alive():
            proc.kill()
        proc.join()
    if status == "ok":
        return Outcome(value)
    if status == MEMORY:
        return Outcome(failure=MEMORY)
    raise ChildFailed("the isolated child failed (its log has the traceback)")
