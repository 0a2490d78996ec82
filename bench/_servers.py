"""Processes for the HTTP benchmarks: the app and a bare Flask app under the same gunicorn
settings, databases (SQLite, a fresh PostgreSQL database), and the followup CLI.

Each server runs in its own session, is waited for by polling its port and its worker
processes, and is stopped (SIGTERM, then SIGKILL of its own process group) when the benchmark
ends, on an exception, Ctrl-C or SIGTERM too.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from _stats import children, memory_mb

ROOT = Path(__file__).resolve().parent.parent


HOST = "127.0.0.1"


PUBLIC_URL = "https://followup.example.org"  # what Twilio would call; webhooks are signed for it


AGENCY_NUMBER = "+12025550100"  # the agency's texting number (fictional)


POSTGRES_VARIABLES = ("FOLLOWUP_BENCH_POSTGRES_URL", "FOLLOWUP_TEST_DATABASE_URL")


POSTGRES_HINT = (
    "Set FOLLOWUP_BENCH_POSTGRES_URL (or FOLLOWUP_TEST_DATABASE_URL) to a server URL, e.g.\n"
    "  FOLLOWUP_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5433/postgres\n"
    "after `.ci/start-postgres`; the benchmark creates a fresh database there and drops it."
)


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
        return children(self.proc.pid)

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
import _servers
import followup
followup.create_app = _servers.bare_app  # `followup web` builds the app with this factory
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


def bulk_insert(conn, table: str, rows: list[dict]) -> None:
    """executemany straight to the driver: the ORM types' per-value processing would cost more
    than the insert (times as SQLite stores them: naive UTC text; JSON as text)."""
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    names = list(rows[0])

    def value(v):
        if isinstance(v, datetime):
            if not sqlite:
                return v
            text = v.replace(tzinfo=None).isoformat(sep=" ")  # all UTC here
            return text if v.microsecond else text + ".000000"  # as SQLAlchemy writes it
        if isinstance(v, list | dict):
            return json.dumps(v)
        return v

    marks = ", ".join(["?" if sqlite else "%s"] * len(names))
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})",
        [tuple(value(row[name]) for name in names) for row in rows],
    )
