"""What the HTTP benchmarks share: servers, databases, a load generator, and their arithmetic.

- Servers: the app as `followup web` (gunicorn), and a bare Flask app (`return "ok"`) served by
  the very same `followup web` command with the app factory swapped, so both run under identical
  gunicorn settings (worker count, worker class, access log). Each runs in its own session, is
  waited for by polling its port and its worker processes, and is stopped (SIGTERM, then SIGKILL
  of its own process group) when the benchmark ends, on an exception, Ctrl-C or SIGTERM too.
- Databases: SQLite in a temporary folder, or a fresh PostgreSQL database created on the server
  named by FOLLOWUP_BENCH_POSTGRES_URL (or FOLLOWUP_TEST_DATABASE_URL) and dropped afterwards.
- Load: Python threads on raw sockets. Every request is prepared as bytes before the clock starts;
  a request is one TCP connection (`Connection: close`), as gunicorn's sync workers, which
  `followup web` uses, close the connection after every response. Closed loop (N threads, each
  sends its next request when the last one is answered) for throughput; open loop (requests
  started on a fixed schedule, latency counted from the scheduled moment, so a stalled server is
  not hidden by a waiting client) for latency at a fixed rate.
- Measuring: percentiles (nearest rank), CPU time of the server's workers and of this client
  process per request (client and server share the machine's cores, so both are shown), and the
  resident memory (VmRSS, VmHWM) of each gunicorn worker, read from /proc.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import logging
import math
import os
import queue
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as a script without the editable install

HOST = "127.0.0.1"
PUBLIC_URL = "https://followup.example.org"  # what Twilio would call; webhooks are signed for it
AGENCY_NUMBER = "+12025550100"  # the agency's texting number (fictional)
POSTGRES_VARIABLES = ("FOLLOWUP_BENCH_POSTGRES_URL", "FOLLOWUP_TEST_DATABASE_URL")
POSTGRES_HINT = (
    "Set FOLLOWUP_BENCH_POSTGRES_URL (or FOLLOWUP_TEST_DATABASE_URL) to a server URL, e.g.\n"
    "  FOLLOWUP_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5433/postgres\n"
    "after `.ci/start-postgres`; the benchmark creates a fresh database there and drops it."
)
_TICKS = os.sysconf("SC_CLK_TCK")

# Real US area codes; with 555-0100..555-0199 (reserved for fiction) each gives 100 numbers that
# phonenumbers accepts as textable. 60 codes: 6,000 distinct fictional callers.
AREA_CODES = (
    202, 206, 212, 213, 214, 215, 303, 305, 312, 313, 314, 317, 402, 404, 406, 407, 412, 415,
    503, 504, 505, 512, 513, 515, 602, 603, 608, 612, 614, 615, 617, 619, 702, 703, 704, 713,
    716, 717, 718, 720, 801, 802, 804, 808, 810, 812, 813, 816, 817, 832, 901, 904, 907, 912,
    913, 916, 917, 918, 919, 972,
)


def fictional_numbers() -> list[str]:
    """Every fictional caller number, E.164, in a fixed order (+1 AAA 555-01xx)."""
    return [f"+1{area}55501{n:02d}" for area in AREA_CODES for n in range(100)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


# --- processes ---------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]
    except OSError:  # kernels without CONFIG_PROC_CHILDREN: scan
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if int(_stat_fields(int(entry.name))[1]) == pid:
                        found.append(int(entry.name))
        return found


def _stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat from field 3 (state) on: the command name may hold spaces."""
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (processes gone count as 0)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = _stat_fields(pid)
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident memory of ``pid`` now and at its peak (VmRSS, VmHWM), in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


class Server:
    """A gunicorn master and its workers, started in their own session, logging to a file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], port: int,
                 workers: int, log: Path):
        self.name, self.port, self.workers_wanted, self.log = name, port, workers, log
        self._log_file = open(log, "wb")  # closed in stop()
        self.proc = subprocess.Popen(
            argv, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self._log_file,
            stderr=subprocess.STDOUT, start_new_session=True,
        )

    @property
    def address(self) -> tuple[str, int]:
        return (HOST, self.port)

    def worker_pids(self) -> list[int]:
        return _children(self.proc.pid)

    def wait_ready(self, health_path: str = "/healthz", timeout: float = 60.0) -> None:
        """Return once the port answers ``health_path`` with 200 and every worker is up."""
        deadline = time.monotonic() + timeout
        request = f"GET {health_path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} on start:\n"
                                   + self.log_tail())
            try:
                status = exchange(self.address, request.encode(), timeout=5)
            except (OSError, ValueError):  # no connection, or not an HTTP answer
                status = 0
            if status == 200 and len(self.worker_pids()) >= self.workers_wanted:
                return
            time.sleep(0.05)  # polling interval, not a synchronisation
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        # Only shown when a server fails to start; the service keeps numbers and bodies out of
        # its log, and gunicorn's access log here has no query strings.
        self._log_file.flush()
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join("    " + line for line in text[-lines:])

    def memory(self) -> list[tuple[float, float]]:
        """(VmRSS, VmHWM) in MB of each worker."""
        out = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError, KeyError):
                out.append(memory_mb(pid))
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()  # gunicorn: graceful shutdown of master and workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)  # the group this script started
                self.proc.wait(timeout=5)
        self._log_file.close()


def _followup_argv() -> list[str]:
    script = Path(sys.executable).with_name("followup")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from followup.cli import main; sys.exit(main())"]


def start_app(env: dict[str, str], workers: int, log: Path) -> Server:
    """`followup web -w N` on a free port of 127.0.0.1, configured by ``env``."""
    port = free_port()
    argv = _followup_argv() + ["web", "--host", HOST, "--port", str(port), "-w", str(workers)]
    return Server("followup web", argv, env, port, workers, log)


def bare_app():
    """The baseline: a Flask app that answers "ok" to any GET or POST without reading it."""
    from flask import Flask

    app = Flask("bare")

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def ok(path: str) -> str:
        return "ok"

    return app


_BARE_MAIN = """
import sys
sys.path.insert(0, {bench!r})
import _harness
import followup
followup.create_app = _harness.bare_app  # `followup web` builds the app with this factory
from followup.cli import main
sys.exit(main())
"""


def start_bare(env: dict[str, str], workers: int, log: Path) -> Server:
    """The bare app under `followup web` itself: the same gunicorn settings, whatever they are."""
    port = free_port()
    code = _BARE_MAIN.format(bench=str(Path(__file__).parent))
    argv = [sys.executable, "-c", code, "web", "--host", HOST, "--port", str(port),
            "-w", str(workers)]
    return Server("bare app", argv, env, port, workers, log)


def clean_env(**variables: str) -> dict[str, str]:
    """This process's environment without any FOLLOWUP_* or TWILIO_* setting, plus ``variables``:
    the servers see only what the benchmark configures (no Twilio account: the local outbox)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FOLLOWUP_", "TWILIO_"))}
    env.update(variables)
    return env


@contextlib.contextmanager
def stopping_on_signals() -> Iterator[contextlib.ExitStack]:
    """An ExitStack that runs on normal exit, exceptions, Ctrl-C and SIGTERM alike."""

    def _terminate(signum, _frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with contextlib.ExitStack() as stack:
            yield stack
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- databases and the followup CLI ------------------------------------------------------------


def postgres_server_url() -> tuple[str | None, str | None]:
    """The PostgreSQL server URL to benchmark on, and the variable it came from."""
    for name in POSTGRES_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value, name
    return None, None


def shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A new, empty database on ``server_url`` for this run; dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"followup_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def temporary_folder(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as path:
        yield Path(path)


def followup_cli(env: dict[str, str], *args: str) -> str:
    """Run a `followup` command in this process (one import for all of them); return its stdout.

    Its stderr is swallowed (a token's notice, a migration's note); a failure raises."""
    from followup.cli import main

    # Our own root handler first, so the CLI's logging set-up keeps the app's INFO lines quiet.
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(env)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main.main(args=list(args), prog_name="followup", standalone_mode=False)
    except Exception as exc:
        raise RuntimeError(f"`followup {args[0]}` failed: {exc}") from exc
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return out.getvalue()


def app_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The app's configuration for a benchmark: outbox gateway, no send delay, no quiet hours."""
    return clean_env(
        FOLLOWUP_DATABASE_URL=database_url,
        FOLLOWUP_INSTANCE_PATH=str(instance),
        FOLLOWUP_SECRET_KEY=secrets.token_hex(32),
        FOLLOWUP_PUBLIC_URL=PUBLIC_URL,
        FOLLOWUP_AGENCY_NAME="Westlake Police",
        FOLLOWUP_SEND_DELAY="0",
        FOLLOWUP_QUIET_HOURS="off",
        **extra,
    )


def prepare(env: dict[str, str]) -> str:
    """Migrate, create the default agency with its texting number; return a new intake token."""
    followup_cli(env, "db", "upgrade")
    followup_cli(env, "agency", "configure", "--sms-number", AGENCY_NUMBER)
    return followup_cli(env, "token", "create", "--name", "bench").strip()


# --- load --------------------------------------------------------------------------------------


def http_request(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """One HTTP/1.1 request as bytes; the connection closes after it."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def exchange(address: tuple[str, int], request: bytes, timeout: float = 30.0) -> int:
    """Send ``request`` on a new connection, read the answer to the end; return its status.

    Reading until the server closes (it does, after `Connection: close`) leaves the TIME_WAIT
    with the server side, so a long run does not use up the client's ephemeral ports."""
    with socket.create_connection(address, timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(request)
        head = sock.recv(65536)
        while sock.recv(65536):
            pass
    if head[:7] != b"HTTP/1." or len(head) < 12:
        return 0
    return int(head[9:12])


@dataclass
class Load:
    """What one load phase did: every request's status and latency, and the CPU it cost."""

    label: str
    latencies: list[float] = field(default_factory=list)  # seconds
    statuses: Counter = field(default_factory=Counter)  # status code; 0: connection error
    elapsed: float = 0.0
    server_cpu: float = 0.0  # seconds, the server's workers
    client_cpu: float = 0.0  # seconds, this process
    unsent: int = 0  # open loop: given up on, the server having fallen behind
    waits: list[float] = field(default_factory=list)  # how long each unsent one had waited

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def failed(self) -> int:
        return self.count - self.ok

    @property
    def rate(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """Of every request scheduled: an unsent one counts with its wait (a lower bound)."""
        return percentile(self.latencies + self.waits, p)

    def shown_percentile(self, p: float) -> str:
        return (">=" if self.unsent else "") + ms(self.percentile(p))

    def merged(self, other: Load) -> Load:
        return Load(self.label, self.latencies + other.latencies,
                    self.statuses + other.statuses, self.elapsed + other.elapsed,
                    self.server_cpu + other.server_cpu, self.client_cpu + other.client_cpu,
                    self.unsent + other.unsent, self.waits + other.waits)

    def failures(self) -> str:
        bad = {s: n for s, n in self.statuses.items() if not 200 <= s < 300}
        return ", ".join(f"{n} x {s or 'connection error'}" for s, n in sorted(bad.items()))


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Measure:
    def __init__(self, server: Server, load: Load):
        self.server, self.load = server, load

    def __enter__(self):
        self.pids = self.server.worker_pids()
        self.server0, self.client0 = cpu_seconds(self.pids), _client_cpu()
        return self

    def __exit__(self, *exc):
        self.load.server_cpu = cpu_seconds(self.pids) - self.server0
        self.load.client_cpu = _client_cpu() - self.client0


def closed_loop(server: Server, requests: Sequence[bytes], *, concurrency: int, seconds: float,
                label: str = "") -> Load:
    """``concurrency`` threads, each sending its next request once answered, until ``seconds``
    have passed or ``requests`` run out. Requests are used in order, from the first; the number
    sent is ``load.count``."""
    load = Load(label)
    taken = itertools.count()  # next() on a count is atomic under the GIL
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)
    stop_at = [0.0]

    def worker() -> None:
        latencies, statuses = [], Counter()
        barrier.wait()
        while time.perf_counter() < stop_at[0]:
            i = next(taken)
            if i >= len(requests):
                break
            start = time.perf_counter()
            try:
                status = exchange(server.address, requests[i])
            except (OSError, ValueError):  # no connection, or not an HTTP answer
                status = 0
            latencies.append(time.perf_counter() - start)
            statuses[status] += 1
        with lock:
            load.latencies.extend(latencies)
            load.statuses.update(statuses)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    with _Measure(server, load):
        start = time.perf_counter()
        stop_at[0] = start + seconds
        barrier.wait()
        for thread in threads:
            thread.join()
        load.elapsed = time.perf_counter() - start
    return load


def open_loop(server: Server, requests: Sequence[bytes], *, rate: float, seconds: float,
              threads: int = 48, grace: float = 3.0, label: str = "") -> Load:
    """Start request i at ``i / rate`` seconds, whatever the server's state, for ``seconds``
    (at most ``len(requests)``); a request's latency runs from its scheduled start, so time
    spent waiting for a free client thread counts against the server, not for it.

    Bounded: a request still waiting for a thread ``grace`` seconds after the last one was due
    is not sent; it counts in ``load.unsent`` and its wait so far stands in for its latency, so
    the percentiles are then lower bounds. The requests sent are ``requests[:load.count]``."""
    load = Load(label)
    count = min(len(requests), int(rate * seconds))
    jobs: queue.SimpleQueue = queue.SimpleQueue()
    lock = threading.Lock()
    give_up = [math.inf]
    waits: list[float] = []

    def worker() -> None:
        latencies, statuses = [], Counter()
        while (job := jobs.get()) is not None:
            i, due = job
            if time.perf_counter() > give_up[0]:
                with lock:
                    waits.append(time.perf_counter() - due)
                continue
            try:
                status = exchange(server.address, requests[i])
            except (OSError, ValueError):  # no connection, or not an HTTP answer
                status = 0
            latencies.append(time.perf_counter() - due)
            statuses[status] += 1
        with lock:
            load.latencies.extend(latencies)
            load.statuses.update(statuses)

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    with _Measure(server, load):
        start = time.perf_counter()
        for i in range(count):
            due = start + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)  # the schedule itself, not a synchronisation
            jobs.put((i, due))
        give_up[0] = start + count / rate + grace
        for _ in pool:
            jobs.put(None)
        for thread in pool:
            thread.join()
        load.elapsed = time.perf_counter() - start
    # Jobs are taken in order, so the unsent ones are the last: requests[:load.count] were sent.
    load.unsent, load.waits = len(waits), waits
    return load


def alternate(first: Callable[[], Load], second: Callable[[], Load],
              rounds: int) -> tuple[Load, Load]:
    """Run first, second, first, second...: both see the same machine, noise spread evenly."""
    a = b = None
    for _ in range(rounds):
        x, y = first(), second()
        a = x if a is None else a.merged(x)
        b = y if b is None else b.merged(y)
    return a, b


# --- one comparison: the app against the bare endpoint --------------------------------------


class Source(Protocol):
    """The app's requests in a fixed order; ``take`` reads from a cursor that ``used`` moves."""

    def take(self, count: int) -> list[bytes]: ...

    def used(self, load: Load) -> None: ...


@dataclass
class Comparison:
    bare_closed: Load
    app_closed: Load
    app_open: Load
    bare_open: Load
    app_loads: list[Load]  # every load the app served, warm-up included: what it stored
    memory: list[tuple[float, float]]  # (VmRSS, VmHWM) MB of each app worker, after the run
    broken: bool = False  # set by the caller's checks: a request failed or a row is missing

    @property
    def ratio(self) -> float:
        return self.app_closed.rate / self.bare_closed.rate

    @property
    def cpu_ratio(self) -> float:
        """Server CPU per request, bare over app: the throughput ratio without the client."""
        bare, app = self.bare_closed, self.app_closed
        return (bare.server_cpu / bare.count) / (app.server_cpu / app.count)

    @property
    def p99(self) -> float:
        return self.app_open.percentile(99)

    @property
    def rss(self) -> float:
        return max((rss for rss, _ in self.memory), default=math.nan)

    @property
    def failed(self) -> int:
        loads = self.app_loads + [self.bare_closed, self.bare_open]
        return sum(load.failed for load in loads)

    def statuses(self, status: int) -> int:
        return sum(load.statuses.get(status, 0) for load in self.app_loads)


def compare(app: Server, bare: Server, source: Source, bare_request: bytes, *, name: str,
            options: argparse.Namespace, slice_seconds: float = 2.5, warm_up: float = 1.5,
            bare_open_seconds: float = 3.0, rounds: int = 2) -> Comparison:
    """Warm the app up, then closed loop bare/app alternately (``rounds`` slices each), then
    the app and the bare endpoint at the fixed open-loop rate. Bounded in time and count."""
    app_loads = []

    def app_closed(seconds: float, count: int, label: str) -> Load:
        load = closed_loop(app, source.take(count), concurrency=options.concurrency,
                           seconds=seconds, label=label)
        source.used(load)
        app_loads.append(load)
        return load

    warm = app_closed(warm_up, 4000, "warm-up")
    cap = max(500, int(warm.rate * slice_seconds * 4))  # bounded in count as well as in time
    bare_closed, app_closed_load = alternate(
        lambda: closed_loop(bare, [bare_request] * 200_000, concurrency=options.concurrency,
                            seconds=slice_seconds, label="bare, closed loop"),
        lambda: app_closed(slice_seconds, cap, f"{name}, closed loop"),
        rounds,
    )
    rate, seconds = options.rate, options.seconds
    app_open = open_loop(app, source.take(int(rate * seconds)), rate=rate, seconds=seconds,
                         label=f"{name}, {rate:g}/s open loop")
    source.used(app_open)
    app_loads.append(app_open)
    bare_open = open_loop(bare, [bare_request] * int(rate * bare_open_seconds), rate=rate,
                          seconds=bare_open_seconds, label=f"bare, {rate:g}/s open loop")
    return Comparison(bare_closed, app_closed_load, app_open, bare_open, app_loads, app.memory())


def report(result: Comparison, name: str, target_ratio: float, target_p99: float,
           target_rss: float = 250.0) -> None:
    """Print one comparison's table and its verdicts against the targets."""
    table(LOAD_HEADERS, [load_row(x) for x in (result.bare_closed, result.app_closed,
                                                result.app_open, result.bare_open)])
    app_open, bare = result.app_open, result.bare_closed
    share = bare.client_cpu / (bare.client_cpu + bare.server_cpu)
    print(f"  the client took {share:.0%} of the CPU spent on the bare closed loop (the "
          f"server's workers the rest; PostgreSQL's own processes are not counted)")
    print(f"  throughput {name}/bare {result.ratio:.2f}x (target >= {target_ratio}: "
          f"{verdict(result.ratio >= target_ratio)}); server CPU per request bare/{name} "
          f"{result.cpu_ratio:.2f}x")
    behind = f", {app_open.unsent:,} not sent: the server fell behind" if app_open.unsent else ""
    print(f"  p99 at {app_open.count / max(app_open.elapsed, 1e-9):.0f}/s achieved: "
          f"{app_open.shown_percentile(99)} (target < {target_p99 * 1000:.0f} ms: "
          f"{verdict(result.p99 < target_p99)}){behind}")
    cells = ", ".join(f"{rss:.0f} MB (peak {hwm:.0f})" for rss, hwm in result.memory)
    print(f"  {name} workers' resident memory after the run: {cells} (target < "
          f"{target_rss:.0f} MB: {verdict(result.rss < target_rss)})")


def memory_line(label: str, server: Server) -> str:
    cells = ", ".join(f"{rss:.0f} MB (peak {hwm:.0f})" for rss, hwm in server.memory())
    return f"{label} workers' resident memory: {cells}"


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="closed-loop client threads (default 4 per worker)")
    parser.add_argument("--rate", type=float, default=200.0,
                        help="open-loop requests/s (default 200)")
    parser.add_argument("--seconds", type=float, default=10.0,
                        help="open-loop duration (default 10)")
    options = parser.parse_args()
    options.concurrency = options.concurrency or 4 * options.workers
    return options


# --- printing ----------------------------------------------------------------------------------


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: int = 2) -> None:
    """Print rows under headers: the first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        line = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                        strict=True)]
        print(" " * indent + "  ".join(line).rstrip())


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f} ms"


def per_request_us(seconds: float, count: int) -> str:
    return f"{seconds / count * 1e6:,.0f} us" if count else "-"


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def load_row(load: Load) -> list[object]:
    """The columns every load table shares (see LOAD_HEADERS)."""
    return [load.label, f"{load.count:,}", f"{load.rate:,.0f}/s", load.shown_percentile(50),
            load.shown_percentile(99), ms(max(load.latencies + load.waits, default=math.nan)),
            load.failed, load.unsent, per_request_us(load.server_cpu, load.count),
            per_request_us(load.client_cpu, load.count)]


LOAD_HEADERS = ("", "sent", "rate", "p50", "p99", "max", "non-2xx", "unsent",
                "server CPU/req", "client CPU/req")


if __name__ == "__main__":
    # `make bench` runs every bench/*.py; this module only serves the others. A quick self-check.
    assert percentile([3, 1, 2, 4], 50) == 2 and percentile(list(range(1, 101)), 99) == 99
    assert len(set(fictional_numbers())) == 100 * len(AREA_CODES)
    print("bench/_harness.py: helpers for bench/intake.py and bench/inbound.py (self-check ok)")
