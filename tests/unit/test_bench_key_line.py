"""The hot-path benchmarks' last line: every key figure beside its same-run baseline, verdicts
against the targets, the throughput ratio last (what README's Performance table shows)."""

import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def report(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    import _load
    import _report

    yield _report, _load
    for name in ("_report", "_load", "_servers", "_stats"):
        sys.modules.pop(name, None)


def _load_of(load_module, *, count: int, seconds: float, cpu: float, latency: float):
    return load_module.Load(
        "x",
        latencies=[latency] * count,
        statuses=Counter({200: count}),
        elapsed=seconds,
        server_cpu=cpu,
    )


def _comparison(report_module, load_module, *, app_cpu_ms: float, app_rate: float, p99: float):
    bare = _load_of(load_module, count=3000, seconds=1.0, cpu=1.5, latency=0.002)
    app = _load_of(load_module, count=int(app_rate), seconds=1.0, cpu=app_rate * app_cpu_ms / 1000,
                   latency=0.02)
    open_ = _load_of(load_module, count=2000, seconds=10.0, cpu=4.0, latency=p99)
    return report_module.Comparison(bare, app, open_, bare, [app, open_], [(100.0, 100.0)])


def test_the_key_line_puts_each_figure_beside_its_baseline_and_the_ratio_last(report):
    report_module, load_module = report
    results = {
        "sqlite": _comparison(report_module, load_module, app_cpu_ms=2.4, app_rate=900, p99=0.01),
        "postgresql": _comparison(report_module, load_module, app_cpu_ms=2.8, app_rate=600,
                                  p99=0.01),
    }

    line = report_module.key_line("intake", "event", results, target_cpu_ms=2.5,
                                  target_p99=0.05, target_ratio=0.25)

    assert line.startswith("intake: server CPU per event sqlite 2.40 ms, postgresql 2.80 ms")
    assert "(bare Flask 0.50, 0.50 ms; target <= 2.5 ms: MISSED)" in line  # PostgreSQL misses
    assert "target < 50 ms: met" in line
    assert line.endswith("intake/bare throughput ratio: sqlite 0.30x, postgresql 0.20x "
                         "(target >= 0.25: MISSED)")


def test_every_figure_met_says_met(report):
    report_module, load_module = report
    results = {"sqlite": _comparison(report_module, load_module, app_cpu_ms=2.0, app_rate=900,
                                     p99=0.01)}

    line = report_module.key_line("inbound", "reply", results, target_cpu_ms=3.0,
                                  target_p99=0.1, target_ratio=0.2)

    assert "MISSED" not in line and line.count(": met") == 3
