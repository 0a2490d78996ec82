"""One comparison, the app against the bare endpoint in the same run, and how benchmarks print
their figures: tables, milliseconds, verdicts.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from _load import Load, alternate, closed_loop, open_loop
from _servers import Server
from _stats import ms


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


def key_line(name: str, unit: str, results: dict[str, Comparison], *, target_cpu_ms: float,
             target_p99: float, target_ratio: float) -> str:
    """The benchmark's key figures in one line, each beside its same-run baseline, the
    throughput ratio last: server CPU per request (the bare app's), p99 at the open-loop rate,
    and the throughput against bare Flask."""
    def cpu_ms(load: Load) -> float:
        return load.server_cpu / max(load.count, 1) * 1000

    cpu = ", ".join(f"{db} {cpu_ms(r.app_closed):.2f} ms" for db, r in results.items())
    bare = ", ".join(f"{cpu_ms(r.bare_closed):.2f}" for r in results.values())
    met_cpu = all(cpu_ms(r.app_closed) <= target_cpu_ms for r in results.values())
    p99 = ", ".join(f"{db} {r.app_open.shown_percentile(99)} at "
                    f"{r.app_open.count / max(r.app_open.elapsed, 1e-9):.0f}/s"
                    for db, r in results.items())
    met_p99 = all(r.p99 < target_p99 for r in results.values())
    ratios = ", ".join(f"{db} {r.ratio:.2f}x" for db, r in results.items())
    met_ratio = all(r.ratio >= target_ratio for r in results.values())
    return (f"{name}: server CPU per {unit} {cpu} (bare Flask {bare} ms; target <= "
            f"{target_cpu_ms:g} ms: {verdict(met_cpu)}); p99 {p99} (target < "
            f"{target_p99 * 1000:.0f} ms: {verdict(met_p99)}); {name}/bare throughput ratio: "
            f"{ratios} (target >= {target_ratio}: {verdict(met_ratio)})")


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


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: int = 2) -> None:
    """Print rows under headers: the first column left-aligned, the others right-aligned."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        line = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:],
                                                                        strict=True)]
        print(" " * indent + "  ".join(line).rstrip())




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
