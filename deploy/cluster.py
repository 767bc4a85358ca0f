"""Replicas behind the proxy on loopback, without systemd: N ``streamlit run server.py`` processes on
one database and HAProxy with ``deploy/haproxy.cfg`` in front (issue 20.5). Used by
``tests/deploy/test_replicas.py`` and ``bench/loadtest.py``; also a way to try the deployment on one
machine:

    ASSESSMENT_DB_URL=postgresql+psycopg://... python deploy/cluster.py [N]

(Ctrl-C stops everything.) As ``assessment-prepare.service`` does before the systemd replicas, the
migrations and the snapshot rebuild run once (:func:`prepare`) before any replica starts. The
proxy configuration is the deployed file itself, given its addresses through the environment
(PROXY_BIND, APP1, APP2, ...); for more than two replicas the ``server`` line of app1 is repeated
(app3, app4, ...), as deploy/README.md says to do by hand.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "deploy" / "haproxy.cfg"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
ROUTE_COOKIE = "assessment_replica"  # deploy/haproxy.cfg `cookie`
REPLICA_HEADER = "x-assessment-replica"  # deploy/haproxy.cfg `http-response set-header`


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def haproxy_available() -> bool:
    return Path(HAPROXY).exists()


def render_config(replicas: int) -> str:
    """deploy/haproxy.cfg with ``replicas`` server lines (app1..appN); unchanged for two."""
    text = CONFIG.read_text(encoding="utf-8")
    line = re.search(r"^ *server app1 .*$", text, re.M)
    if line is None:
        raise RuntimeError(f"{CONFIG}: no `server app1` line")
    servers = [
        line[0].replace("app1", f"app{i}").replace("APP1", f"APP{i}").replace(":8501", f":{8500 + i}")
        for i in range(1, replicas + 1)
    ]
    body = re.sub(r"^ *server app\d+ .*\n", "", text, flags=re.M)
    return body.rstrip("\n") + "\n" + "\n".join(servers) + "\n"


def wait_ok(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:  # type: ignore[type-arg]
    """Wait until ``url`` answers ``ok`` (Streamlit's /_stcore/health), or raise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the process behind {url} exited with {proc.returncode}")
        try:
            if urllib.request.urlopen(url, timeout=2).read() == b"ok":
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer ok within {timeout:.0f} s")


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` in MiB (/proc; 0 when it is gone)."""
    try:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmRSS:"):
                return int(row.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory (VmHWM) of ``pid`` in MiB."""
    try:
        for row in Path(f"/proc/{pid}/status").read_text().splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Replica:
    name: str  # the proxy's server name and sticky-cookie value: app1, app2, ...
    port: int
    proc: subprocess.Popen  # type: ignore[type-arg]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    url: str  # the proxy
    replicas: list[Replica]
    proxy: subprocess.Popen  # type: ignore[type-arg]
    logs: Path
    extra: dict[str, str] = field(default_factory=dict)

    def replica(self, name: str) -> Replica:
        return next(r for r in self.replicas if r.name == name)

    def rss(self) -> dict[str, float]:
        return {r.name: rss_mib(r.proc.pid) for r in self.replicas}

    def peak_rss(self) -> dict[str, float]:
        return {r.name: peak_rss_mib(r.proc.pid) for r in self.replicas}


PREPARE = ["-m", "assessment", "snapshots", "rebuild", "--quiet"]  # deploy/assessment-prepare.service


def prepare(env: dict[str, str], log: Path, timeout: float = 1800) -> None:
    """The pre-start step, once for all replicas: open the store (migrations, under a lock) and
    rebuild stale value snapshots, so that no replica and no first viewer does it; raises when it
    fails (its output is in ``log``)."""
    with open(log, "w") as out:
        done = subprocess.run(
            [sys.executable, *PREPARE],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the pre-start step failed with {done.returncode}: see {log}")


def _stop(proc: subprocess.Popen, timeout: float = 20) -> None:  # type: ignore[type-arg]
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:  # type: ignore[type-arg]
    with open(log, "w") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield proc
        finally:
            _stop(proc)


@contextmanager
def cluster(
    db_url: str, logs: Path, replicas: int = 2, *, demo: bool = True, timeout: float = 120
) -> Iterator[Cluster]:
    """``replicas`` Streamlit processes on ``db_url`` and HAProxy in front, all on loopback ports,
    after the pre-start step (:func:`prepare`, once); yields once the proxy sees every replica
    healthy; stops them all afterwards."""
    logs.mkdir(parents=True, exist_ok=True)
    base = {**os.environ, "ASSESSMENT_DB_URL": db_url, "ASSESSMENT_DEMO": "1" if demo else "0"}
    base.setdefault("STREAMLIT_SERVER_COOKIE_SECRET", "loopback-test-secret-shared-by-every-replica")
    prepare(base, logs / "prepare.log")
    with ExitStack() as stack:
        started: list[Replica] = []
        for i in range(1, replicas + 1):
            port = free_port()
            args = [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port)]
            args += ["--server.address", "127.0.0.1", "--server.headless", "true"]
            args += ["--browser.gatherUsageStats", "false"]
            proc = stack.enter_context(_process(args, base, logs / f"app{i}.log"))
            started.append(Replica(f"app{i}", port, proc))
        for r in started:
            wait_ok(r.url + "/_stcore/health", timeout, r.proc)
        cfg = logs / "haproxy.cfg"
        cfg.write_text(render_config(replicas), encoding="utf-8")
        proxy_port = free_port()
        env = {**base, "PROXY_BIND": f"127.0.0.1:{proxy_port}"}
        env.update({r.name.upper(): f"127.0.0.1:{r.port}" for r in started})
        proxy = stack.enter_context(_process([HAPROXY, "-db", "-f", str(cfg)], env, logs / "haproxy.log"))
        url = f"http://127.0.0.1:{proxy_port}"
        wait_ok(url + "/_stcore/health", 30, proxy)
        # the health checks run every 5 s and need two successes (rise 2): until then a server is
        # down, and the proxy sends everything to the others
        seen: set[str] = set()
        deadline = time.monotonic() + 30
        while seen != {r.name for r in started} and time.monotonic() < deadline:
            for r in started:
                req = urllib.request.Request(
                    url + "/_stcore/health", headers={"Cookie": f"{ROUTE_COOKIE}={r.name}"}
                )
                with urllib.request.urlopen(req, timeout=5) as resp:
                    if resp.headers.get(REPLICA_HEADER) == r.name:
                        seen.add(r.name)
            time.sleep(0.5)
        if seen != {r.name for r in started}:
            raise RuntimeError(f"the proxy did not route to every replica within 30 s (seen: {sorted(seen)})")
        yield Cluster(url, started, proxy, logs)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    db = os.environ.get("ASSESSMENT_DB_URL")
    if not db:
        raise SystemExit("set ASSESSMENT_DB_URL (PostgreSQL: every replica uses the same database)")
    with cluster(db, ROOT / "data" / "cluster-logs", n) as c:
        print(f"proxy {c.url}; replicas " + ", ".join(f"{r.name}={r.url}" for r in c.replicas))
        print(f"logs in {c.logs}; Ctrl-C stops")
        with suppress(KeyboardInterrupt):
            c.proxy.wait()
