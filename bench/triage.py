"""Benchmark reply triage (issue 17, "Speed and size") in one run: the hybrid engine (rules and a
learned model), the rules alone, VADER. Quality on two sets never trained or tuned on; one-core
throughput; a fresh process's start-up to its first answer, and its memory after both sets; the
inbound webhook's added cost of triage (`inbound.receive` on in-memory SQLite, real triage against
a stub returning the same answers). Each figure beside its target; a missed target still exits 0.
No reply's text is printed. Run with `make bench` or `.venv/bin/python bench/triage.py`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable as a script without the editable install

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from followup.agencies.registry import ensure_default_agency  # noqa: E402
from followup.core.config import Settings  # noqa: E402
from followup.core.db import Base, Database  # noqa: E402
from followup.replies import inbound  # noqa: E402
from followup.replies.triage import language, triage, triage_by_rules  # noqa: E402
from followup.replies.triage import model as models  # noqa: E402
from followup.replies.triage.evaluate import Rate, evaluate, load_jsonl  # noqa: E402

SETS = {  # never trained on nor used to tune a threshold or to choose a model
    "newest unseen sets (unseen/enes_s.jsonl + unseen/multi_s.jsonl)": (
        "unseen/enes_s.jsonl", "unseen/multi_s.jsonl"),
    "final test set (final/final_test.jsonl)": ("final/final_test.jsonl",),
}
TARGET_RATE = 2000  # replies/s on one core, hybrid
TARGET_START = 1.0  # seconds from interpreter start to the first answer, model loaded
TARGET_RSS = 150  # MB peak resident after triaging every row of both sets
TARGET_ADDED = 1.0  # ms of webhook time per reply that triage adds
ENGLISH = "The officer never called me back about my stolen bike"  # reaches the model
FRENCH = "Merci beaucoup, l'agent était très gentil et il est venu rapidement"  # needs lingua
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

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


ENGINES = {
    "hybrid": lambda row: triage(row["text"], language_hint=row.get("hint")),
    "rules-only": lambda row: triage_by_rules(row["text"], language_hint=row.get("hint")),
    "VADER": lambda row: vader(row["text"]),
}
ALL = ("en", "es", "other")  # language groups: English, Spanish, every other language
MEASURES = (  # label, the language groups it is measured on, the figure
    ("crisis recall, English", ("en",), lambda ev: ev.flag_recall("urgent")),
    ("crisis recall, Spanish", ("es",), lambda ev: ev.flag_recall("urgent")),
    ("crisis recall, other languages", ("other",), lambda ev: ev.flag_recall("urgent")),
    ("false urgent, share of all rows", ALL, lambda ev: Rate(ev.flags["urgent"]["fp"], ev.rows)),
    ("callback recall", ALL, lambda ev: ev.flag_recall("callback")),
    ("callback precision", ALL, lambda ev: ev.flag_precision("callback")),
    ("opt-out recall", ALL, lambda ev: ev.flag_recall("opt_out")),
    ("opt-out precision", ALL, lambda ev: ev.flag_precision("opt_out")),
    ("accuracy, English+Spanish", ("en", "es"), lambda ev: ev.accuracy()),
    ("accuracy, other languages", ("other",), lambda ev: ev.accuracy()),
)


def measures(rows: list[dict], classify) -> list[Rate]:
    """Return the MEASURES of ``classify`` on ``rows`` (each row classified once)."""
    got = {id(row): classify(row) for row in rows}
    group = {id(row): row["lang"] if row["lang"] in ("en", "es") else "other" for row in rows}
    ev = {groups: evaluate([r for r in rows if group[id(r)] in groups], lambda r: got[id(r)])
          for groups in {groups for _, groups, _ in MEASURES}}
    return [figure(ev[groups]) for _, groups, figure in MEASURES]


def quality_table(name: str, rows: list[dict]) -> dict[str, list[Rate]]:
    crisis = sum(1 for row in rows if row["urgent"])
    print(f"\n{name}: {len(rows)} replies, {crisis} crisis; NEVER trained or tuned on")
    columns = [measures(rows, classify) for classify in ENGINES.values()]
    print(f"{'':<32}" + "".join(f"{engine:>19}" for engine in ENGINES))
    for i, (label, _, _) in enumerate(MEASURES):
        cells = [f"{c.value:.1%} ({c.hits}/{c.total})" if c.total else "n/a" for c in
                 (column[i] for column in columns)]
        print(f"{label:<32}" + "".join(f"{cell:>19}" for cell in cells))
    print("  (VADER: urgent = negative, i.e. put in the callback queue; it never opts out)")
    return dict(zip(ENGINES, columns, strict=True))


@contextlib.contextmanager
def one_core():
    """Pin this process to a single CPU while measuring, where the platform allows it."""
    saved = os.sched_getaffinity(0) if hasattr(os, "sched_setaffinity") else None
    if saved:
        os.sched_setaffinity(0, {min(saved)})
    try:
        yield
    finally:
        if saved:
            os.sched_setaffinity(0, saved)


def throughput(classify, texts: list[str], seconds: float = 2.0) -> tuple[float, float]:
    """Return replies/s, best of 3 runs each repeating ``texts`` for at least ``seconds``: by the
    wall clock, and by this process's CPU time (less sensitive to other processes)."""
    start = time.perf_counter()
    for text in texts:
        classify(text)
    repeats = max(1, int(seconds / (time.perf_counter() - start)) + 1)
    wall = cpu = float("inf")
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        for _ in range(repeats):
            for text in texts:
                classify(text)
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return repeats * len(texts) / wall, repeats * len(texts) / cpu


def run_child(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; return wall seconds and its stdout."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode:
        sys.exit(f"child process failed:\n{done.stderr}")
    return time.perf_counter() - start, done.stdout.strip()


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
    f"for path in {[path for paths in SETS.values() for path in paths]!r}:\n"
    "    with open(f'data/triage/{path}', encoding='utf-8') as f:\n"
    "        for row in load_jsonl(f): triage(row['text'])\n")
FIRST = ("from followup.replies.triage import language, model, triage\ntriage({!r})\n"
         "print('model loaded' if model.load.cache_info().currsize else 'NO model',\n"
         "      '+ lingua' if language._detector.cache_info().currsize else '')\n")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def startup_and_memory() -> tuple[float, float]:
    """Fresh interpreters: median of 5 to the first answer; peak memory after both sets."""
    print("\nstart-up to the first answer, fresh process, median of 5 (wall clock)")
    bare = statistics.median(run_child("pass")[0] for _ in range(5))
    print(f"  {'bare python':<40} {bare * 1000:7.0f} ms")
    for label, text in (("first reply, English", ENGLISH), ("first reply, French", FRENCH)):
        runs = [run_child(FIRST.format(text)) for _ in range(5)]
        took = statistics.median(seconds for seconds, _ in runs)
        print(f"  {f'{label}: {runs[0][1]}':<40} {took * 1000:7.0f} ms   target < "
              f"{TARGET_START:.0f} s: {verdict(took < TARGET_START)}")
    bare_rss, loaded_rss = (float(run_child(code)[1]) for code in (RSS, LOADED + RSS))
    print("\npeak resident memory (VmHWM), fresh process")
    print(f"  {'bare python':<40} {bare_rss:7.1f} MB")
    print(f"  {'after every row of both sets':<40} {loaded_rss:7.1f} MB   target < "
          f"{TARGET_RSS} MB: {verdict(loaded_rss < TARGET_RSS)}")
    return took, loaded_rss


def receive_seconds(db: Database, slug: str, text: str, number: int) -> tuple[float, float]:
    """Wall and CPU seconds to store, triage and answer one text from a number never seen."""
    sms = inbound.InboundSms(sid=f"SMbench{number:027x}", sender=f"+1202555{number:04d}",
                             to="+12025550100", body=text)
    start, start_cpu = time.perf_counter(), time.process_time()
    with db.begin() as session:
        inbound.receive(session, sms, now=NOW, default_agency_slug=slug)
    return time.perf_counter() - start, time.process_time() - start_cpu


def webhook(texts: list[str]) -> float:
    """Inbound handling with real triage against a stub giving the same answers; the two take
    turns reply by reply (each first in turn), so the machine's load falls on both alike."""
    db = Database("sqlite://")  # one connection per thread: the tables live for the run
    Base.metadata.create_all(db.engine)
    settings = Settings.from_env({}, database_url="sqlite://", secret_key="bench",
                                 instance_path=Path(tempfile.gettempdir()) / "followup-bench",
                                 agency_name="Westlake Police", quiet_hours=None)
    with db.begin() as session:  # a never-texted number's triage hint: the agency's language
        hint = ensure_default_agency(session, settings, now=NOW).default_language
    answers = {text: triage(text, language_hint=hint) for text in texts}
    engines = {"real triage": triage, "a stub (same answers)": lambda text, **_: answers[text]}
    spent = {name: [0.0, 0.0] for name in engines}  # wall, CPU seconds
    logging.disable(logging.CRITICAL)  # "no on-duty roster" warnings, the same for both
    try:
        with one_core():
            for i, text in enumerate(texts):
                for j, name in enumerate(sorted(engines, reverse=i % 2 == 1)):
                    inbound.triage = engines[name]
                    took = receive_seconds(db, settings.agency_slug, text, 2 * i + j)
                    spent[name] = [total + t for total, t in zip(spent[name], took, strict=True)]
    finally:
        inbound.triage = triage
        logging.disable(logging.NOTSET)
        db.dispose()
    real, stub = ([total / len(texts) * 1000 for total in pair] for pair in spent.values())
    print(f"\ninbound webhook, inbound.receive on in-memory SQLite, one core: {len(texts)} replies"
          " (every 3rd), each from a new number;\n  ms per reply, wall clock (CPU time)")
    print(f"  {'with real triage':<40} {real[0]:7.2f} ms ({real[1]:.2f})")
    print(f"  {'with a stub':<40} {stub[0]:7.2f} ms ({stub[1]:.2f})")
    print(f"  {'added by triage':<40} {real[0] - stub[0]:7.2f} ms ({real[1] - stub[1]:.2f})   "
          f"target < {TARGET_ADDED:.0f} ms: {verdict(real[0] - stub[0] < TARGET_ADDED)}")
    return real[0] - stub[0]


def main() -> None:
    sets, quality = {}, {}
    for name, paths in SETS.items():
        sets[name] = []
        for path in paths:
            with open(ROOT / "data" / "triage" / path, encoding="utf-8") as f:
                sets[name] += load_jsonl(f)
        quality[name] = quality_table(name, sets[name])

    texts = [row["text"] for rows in sets.values() for row in rows]
    language.warm_up()  # load the detector and the model now: throughput measures answering
    models.load()
    with one_core():
        rates = {name: throughput(classify, texts)
                 for name, classify in (("hybrid", triage), ("rules-only", triage_by_rules))}
    print(f"\nthroughput, one core, the {len(texts)} replies of both sets repeated, best of 3; "
          "wall clock (CPU time)")
    for name, (rate, cpu_rate) in rates.items():
        target = (f"target >= {TARGET_RATE:,}: {verdict(rate >= TARGET_RATE)}"
                  if name == "hybrid" else "(no target)")
        cpu = f"({cpu_rate:,.0f})"
        print(f"  {name:<11} {rate:7,.0f} replies/s {cpu:<8} {1000 / rate:5.2f} ms/reply  {target}")

    first_answer, rss = startup_and_memory()
    added = webhook(texts[::3])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average at the end: {load:.2f} on {os.cpu_count()} CPUs; above the CPU count, "
          "other processes inflate wall-clock timings (CPU-time figures less so)")
    newest = quality[next(iter(SETS))]
    callback = [label for label, _, _ in MEASURES].index("callback recall")
    recall = ", ".join(f"{engine} {column[callback].value:.1%}"
                       for engine, column in newest.items())
    hybrid = rates["hybrid"][0]
    print(f"triage: {hybrid:,.0f} replies/s on one core (rules alone "
          f"{rates['rules-only'][0]:,.0f}; target >= {TARGET_RATE:,}: "
          f"{verdict(hybrid >= TARGET_RATE)}); first answer {first_answer * 1000:.0f} ms "
          f"(target < 1 s: {verdict(first_answer < TARGET_START)}); {rss:.0f} MB (target < "
          f"{TARGET_RSS} MB: {verdict(rss < TARGET_RSS)}); webhook +{added:.2f} ms a reply "
          f"(target < 1 ms: {verdict(added < TARGET_ADDED)}); newest unseen sets, first "
          f"contact: crisis recall EN / ES / other {_crisis(newest['hybrid'])}, callback "
          f"recall {recall}")


_CRISIS = ("crisis recall, English", "crisis recall, Spanish", "crisis recall, other languages")


def _crisis(column: list[Rate]) -> str:
    """Crisis recall of one engine's column, English / Spanish / other languages."""
    labels = [label for label, _, _ in MEASURES]
    return " / ".join(f"{column[labels.index(name)].hits}/{column[labels.index(name)].total}"
                      for name in _CRISIS)


if __name__ == "__main__":
    main()
