"""Benchmark triage against a VADER sentiment baseline measured in the same run.

Quality on each labelled file, throughput on one core, start-up and resident memory of a fresh
process, each beside the issue's target. A benchmark reports; it exits 0 when a target is missed.
Run with `make bench` or `.venv/bin/python bench/triage.py` from the repository root.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as a script without the editable install

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from followup.replies.triage import language, triage  # noqa: E402
from followup.replies.triage.evaluate import evaluate, load_jsonl  # noqa: E402

FILES = ("triage_dev", "triage_holdout", "triage_fresh")
TARGET_RATE = 5000  # replies/s on one core
TARGET_START = 1.0  # seconds from interpreter start to the first answer
TARGET_RSS = 300  # MB resident with the language detector loaded
FRENCH = "Merci beaucoup, l'agent était très gentil et il est venu rapidement"

_vader = SentimentIntensityAnalyzer()


def vader(text: str) -> SimpleNamespace:
    """Classify as the baseline does: sentiment only, a callback for every negative reply."""
    compound = _vader.polarity_scores(text)["compound"]
    category = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
    negative = category == "negative"
    # VADER has no notion of danger: its crisis recall is the share of crisis replies it would
    # at least put in the callback queue, so "urgent" here means "flagged for callback".
    return SimpleNamespace(category=category, callback=negative, urgent=negative, opt_out=False,
                           reasons=(f"compound {compound:+.2f}",))


def quality_table(name: str, rows: list[dict]) -> float:
    """Print engine and VADER side by side on ``rows``; return the callback-recall ratio."""
    engine, base = evaluate(rows), evaluate(rows, lambda row: vader(row["text"]))
    crisis = sum(1 for row in rows if row.get("urgent"))
    print(f"\n{name}: {len(rows)} replies, {crisis} crisis")
    heads = ("accuracy", "cb recall", "cb precis", "crisis rec", "optout prec", "optout rec")
    print(f"{'':<8}" + "".join(f"{h:>12}" for h in heads))
    for label, ev, opt in (("engine", engine, True), ("VADER", base, False)):
        cells = [ev.accuracy(), ev.flag_recall("callback"), ev.flag_precision("callback"),
                 ev.flag_recall("urgent")]
        cells += [ev.flag_precision("opt_out"), ev.flag_recall("opt_out")] if opt else [None] * 2
        print(f"{label:<8}" + "".join(f"{c.value:>12.1%}" if c else f"{'-':>12}" for c in cells))
    base_recall = base.flag_recall("callback").value
    return engine.flag_recall("callback").value / base_recall if base_recall else float("inf")


@contextlib.contextmanager
def one_core():
    """Pin this process to a single CPU while measuring, where the platform allows it."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(saved)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, saved)


def throughput(classify, texts: list[str], seconds: float = 2.0) -> float:
    """Return replies/s: best of 3 runs, each repeating ``texts`` for at least ``seconds``."""
    start = time.perf_counter()
    for text in texts:
        classify(text)
    repeats = max(1, int(seconds / (time.perf_counter() - start)) + 1)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            for text in texts:
                classify(text)
        best = min(best, time.perf_counter() - start)
    return repeats * len(texts) / best


def run_child(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; return wall seconds and its stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    took = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"child process failed:\n{done.stderr}")
    return took, done.stdout.strip()


def startup(code: str, runs: int = 5) -> float:
    return statistics.median(run_child(code)[0] for _ in range(runs))


# Peak resident memory in MB. On Linux ru_maxrss survives fork+exec, so a child would report at
# least this benchmark's own peak; VmHWM is the child's own address space. ru_maxrss elsewhere.
RSS = """
import re, resource
try:
    with open('/proc/self/status') as f:
        print(int(re.search(r'VmHWM:\\s+(\\d+) kB', f.read()).group(1)) / 1024)
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
LOADED = (
    "from followup.replies.triage import triage\n"
    "from followup.replies.triage.evaluate import load_jsonl\n"
    f"for name in {FILES!r}:\n"
    "    with open(f'tests/data/{name}.jsonl', encoding='utf-8') as f:\n"
    "        for row in load_jsonl(f): triage(row['text'])\n"
)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> None:
    sets = {}
    for name in FILES:
        with open(ROOT / "tests" / "data" / f"{name}.jsonl", encoding="utf-8") as f:
            sets[name] = load_jsonl(f)
    everything = [row for rows in sets.values() for row in rows]

    for name, rows in sets.items():
        quality_table(name, rows)
    recall_ratio = quality_table("all files", everything)

    texts = [row["text"] for row in everything]
    language.warm_up()  # load the detector now: throughput measures answering, not loading
    with one_core():
        engine_rate = throughput(triage, texts)
        vader_rate = throughput(vader, texts)
    print(f"\nthroughput, one core, {len(texts)} labelled replies repeated, best of 3")
    print(f"  engine {engine_rate:9,.0f} replies/s   target >= {TARGET_RATE:,}: "
          f"{verdict(engine_rate >= TARGET_RATE)}")
    print(f"  VADER  {vader_rate:9,.0f} replies/s   engine/VADER = {engine_rate / vader_rate:.2f}x")

    # Check the French reply really takes the statistical path, or its timing means nothing.
    _, detected = run_child(
        f"from followup.replies.triage import language, triage\nprint(triage({FRENCH!r}).language, "
        "'lingua' if language._detector.cache_info().currsize else 'NO lingua')"
    )
    bare = startup("pass")
    first = startup("from followup.replies.triage import triage; triage('thanks')")
    french = startup(f"from followup.replies.triage import triage; triage({FRENCH!r})")
    print("\nstart-up to the first answer, fresh process, median of 5")
    print(f"  bare python          {bare * 1000:7.0f} ms")
    for label, took in (("triage('thanks')", first), (f"French: {detected}", french)):
        print(f"  {label:<20} {took * 1000:7.0f} ms   {took / bare:5.1f}x bare, "
              f"+{(took - bare) * 1000:.0f} ms   target < {TARGET_START:.0f} s: "
              f"{verdict(took < TARGET_START)}")

    bare_rss = float(run_child(RSS)[1])
    loaded_rss = float(run_child(LOADED + RSS)[1])
    print("\npeak resident memory, fresh process")
    print(f"  bare python          {bare_rss:7.1f} MB")
    print(f"  after every reply    {loaded_rss:7.1f} MB   +{loaded_rss - bare_rss:.1f} MB   "
          f"target < {TARGET_RSS} MB: {verdict(loaded_rss < TARGET_RSS)}")

    print(f"\nratio: engine/vader callback recall = {recall_ratio:.2f}x; "
          f"engine throughput {engine_rate:.0f} replies/s (target {TARGET_RATE})")


if __name__ == "__main__":
    main()
