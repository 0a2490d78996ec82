"""Load for the HTTP benchmarks: Python threads on raw sockets.

Every request is prepared as bytes before the clock starts; a request is one TCP connection
(`Connection: close`), as gunicorn's sync workers close the connection after every response.
Closed loop (N threads, each sends its next request when the last one is answered) for
throughput; open loop (requests started on a fixed schedule, latency counted from the scheduled
moment, so a stalled server is not hidden by a waiting client) for latency at a fixed rate.
"""

from __future__ import annotations

import itertools
import math
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from _servers import exchange
from _stats import client_cpu, cpu_seconds, ms, percentile

if TYPE_CHECKING:
    from _servers import Server






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


class _Measure:
    def __init__(self, server: Server, load: Load):
        self.server, self.load = server, load

    def __enter__(self):
        self.pids = self.server.worker_pids()
        self.server0, self.client0 = cpu_seconds(self.pids), client_cpu()
        return self

    def __exit__(self, *exc):
        self.load.server_cpu = cpu_seconds(self.pids) - self.server0
        self.load.client_cpu = client_cpu() - self.client0


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
