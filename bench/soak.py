"""Soak the service: mixed traffic at 50 requests/s for ten minutes, nothing lost, memory flat.

The service runs as in production: `followup web -w 2` (gunicorn sync workers) on 127.0.0.1 and
`followup sender` as its own process, sending through the real `twilio` SDK to a local
Twilio-compatible fake (followup/testing/twilio_fake.py, started in this process on a free port,
answering each create after 100 ms). Measured on SQLite (a temporary file) and on PostgreSQL (a
fresh database on the server named by FOLLOWUP_BENCH_POSTGRES_URL or FOLLOWUP_TEST_DATABASE_URL,
dropped afterwards; skipped, saying so, when neither is set).

The traffic, open loop (each kind on its own fixed schedule, 50 requests/s together; latency from
each request's scheduled start; a request still waiting 3 s after the last was due is not sent,
counted "unsent", see bench/_load.py):
- intake, 12/s: closed calls posted to POST /api/v1/calls with a per-agency bearer token (the
  events of bench/intake.py: fictional callers, a sixth of the calls sensitive);
- replies, 17/s: signed inbound texts (POST /webhooks/twilio/sms, as bench/inbound.py builds them)
  from callers the fake Twilio really texted during the soak, in rounds (a rating, a comment,
  thanks), one in ten from a number never texted; one reply in 25 is posted twice with the same
  MessageSid (a Twilio retry), half right after the first, half about six seconds later;
- statuses, 17/s: signed delivery callbacks (POST /webhooks/twilio/status?m=<id>, MessageSid and
  MessageStatus) for the texts the fake received: "sent", then "delivered", or one in 25
  "undelivered" with 30003 (unreachable handset), which the service answers by sending the
  check-in again later; when none is waiting, a repeat of an earlier "delivered";
- dashboard, 4/s (15 commanders refreshing every 5 s): a commander signed in once through the
  login form (its CSRF token), then the callback queue page (1/s) and its htmx refresh fragment
  (3/s) with that session cookie.
A warm-up of the same mix (10 s) comes first; memory "at start" is read after it. The soak runs in
slices of about a minute (a line each: rate achieved, p99 by kind, memory) to show drift.

Printed per database: requests by kind (sent, p50, p99, max, 5xx, no answer, other non-2xx by
status, unsent); the queue page and fragment timed alone afterwards, with the open callbacks;
end to end, over the warm-up and the soak: intake events accepted against calls and follow-ups
stored; replies posted (unique MessageSids) against inbound texts stored, none lost, none stored
twice, each deliberate duplicate one row; check-in texts the fake received against follow-ups
sent (matched through the status callback's message id): none texted twice (beyond one resend per
undelivered text), none to another number than its follow-up's, none marked sent without a text
or texted without being marked sent (unless waiting to retry), none left due or in doubt once
the sender has caught up; the resident memory (VmRSS) of each web worker and of the sender after
the warm-up and at the end, and its growth (target under 10%). The last line is the key figure.
No phone number or message body is printed.

Every status callback posted must have landed: each text the fake created and got a status for
shows, at the end, the furthest status posted for it (statuses only move forward).
Crisis to alert (bench/_crisis.py): every 3 s of the soak, one at a time, a texted caller
replies in danger; timed to the on-duty commander's alert accepted by the fake Twilio and to
the urgent item listed by GET /callbacks/urgent (target p99 < 2 s; a crisis with no alert or no
urgent item within 30 s fails the soak).

Exit status: 1 when any request got an answer outside 2xx (every request of the mix is valid,
signed and authorised: a 4xx is as much a failure as a 5xx) or no answer, a reply or check-in
was lost or duplicated, a status callback was not applied (or the soak could not run); a missed
memory target is reported, exit 0.
Duration: `--seconds N` per database (default 600, the full soak, about 22 minutes with both
databases); FOLLOWUP_SOAK_SECONDS overrides the default. `make bench` sets
FOLLOWUP_SOAK_SECONDS=30 (about 2 minutes for both databases) so that every benchmark together
stays under 10 minutes: 30 s shows what is lost or refused, not a leak. The full 10-minute soak
is `make bench-long`, whose figures go in README.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _crisis as crisis  # noqa: E402
import _report as printing  # noqa: E402
import _servers as servers  # noqa: E402
import _stats as stats  # noqa: E402
import inbound  # noqa: E402  (its signed replies)
import intake  # noqa: E402  (its closed-call events)
from _soak_checks import (  # noqa: E402
    error_names,
    memory,
    print_memory,
    print_trend,
    statuses_landed,
    stored,
    timed,
    unexpected_answers,
    wait_sent,
)
from _soak_sources import (  # noqa: E402
    RATES,
    Built,
    Replies,
    SoakTwilio,
    Statuses,
    create_commander,
    sign_in,
    traffic,
)

from followup.testing.twilio_fake import ACCOUNT_SID  # noqa: E402

TARGET_GROWTH = 10.0  # per cent of resident memory, start to end
WARM_UP = 10.0  # seconds
SLICE = 60.0  # seconds: the soak's figures over time, a line per slice
TWILIO_LATENCY = 0.100  # seconds the fake takes to answer a create
CRISIS_EVERY = 3.0  # seconds between two crisis replies (bench/_crisis.py), one at a time
# requests/s of each kind, 50 together; the dashboard as 15 commanders polling every 5 s


def default_seconds() -> float:
    value = os.environ.get("FOLLOWUP_SOAK_SECONDS", "").strip()
    try:
        return float(value) if value else 600.0
    except ValueError:
        sys.exit(f"FOLLOWUP_SOAK_SECONDS={value!r} is not a number of seconds")


# Long because it is one soak from start to end: servers, load, checks, figures.
def half(name: str, database_url: str, options, tmp: Path) -> dict:
    """Soak the service on one database; print its figures; return its verdicts."""
    print(f"\n{name}")
    with SoakTwilio(auth_token=inbound.AUTH_TOKEN, latency=TWILIO_LATENCY) as twilio:
        env = servers.app_env(
            database_url,
            tmp / name,
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            TWILIO_AUTH_TOKEN=inbound.AUTH_TOKEN,
            TWILIO_MESSAGING_SERVICE_SID=inbound.MESSAGING_SERVICE_SID,
            FOLLOWUP_TWILIO_API_URL=twilio.url,
            FOLLOWUP_SEND_INTERVAL="1s",
        )
        token = servers.prepare(env)
        servers.followup_cli(
            env, "roster", "add", "--name", "Soak Commander", "--phone", crisis.COMMANDER_PHONE
        )
        create_commander(database_url)
        app = servers.start_app(env, options.workers, tmp / f"{name}.log")
        sender = probe = None
        try:
            app.wait_ready()
            # The sender as its own process, as in production (servers.Server: its own session,
            # a log file, SIGTERM then SIGKILL of its group on stop).
            sender = servers.Server(
                "followup sender",
                servers._followup_argv() + ["sender"],
                env,
                0,
                0,
                tmp / f"{name}-sender.log",
            )
            cookie = sign_in(app)
            numbers = servers.fictional_numbers()
            events = intake.Events(token, seed=11)
            total = RATES["intake"] * (WARM_UP + options.seconds) + 10
            page = servers.http_request("GET", "/callbacks", {"Cookie": cookie}, b"")
            refresh = servers.http_request(
                "GET",
                "/callbacks/rows",
                {"Cookie": cookie, "HX-Request": "true", "X-Followup-Poll": "1"},
                b"",
            )
            replies = Replies(twilio, numbers, seed=12)
            statuses = Statuses(twilio, seed=13)
            sources = {
                "intake": events.take(int(total)),
                "reply": Built(replies, 10**9),
                "status": Built(statuses, 10**9),
                "queue page": Built(lambda _i: page, 10**9),
                "queue refresh": Built(lambda _i: refresh, 10**9),
            }

            warm = traffic(app, sources, WARM_UP, "warm-up")
            sources["intake"] = sources["intake"][warm["intake"].count :]  # the calls not sent
            start_memory = memory(app, sender)
            probe = crisis.CrisisProbe(app, twilio, cookie, every=CRISIS_EVERY, seed=14)
            probe.start()
            started = time.perf_counter()
            # In slices of about a minute, each its own open loop: the trend shows drift.
            slices = max(1, round(options.seconds / SLICE))
            loads, trend = {}, []
            for _ in range(slices):
                part = traffic(app, sources, options.seconds / slices, "soak")
                sources["intake"] = sources["intake"][part["intake"].count :]
                loads = {k: loads[k].merged(v) if k in loads else v for k, v in part.items()}
                trend.append((part, memory(app, sender)))
            elapsed = time.perf_counter() - started
            probe.stop()
            end_memory = trend[-1][1]
            sender_alive = sender.proc.poll() is None
            caught_up = wait_sent(database_url)
            # What a dashboard request costs once the queue has filled, the server otherwise idle
            idle = {
                kind: statistics.median(timed(app, request) for _ in range(5))
                for kind, request in (("queue page", page), ("queue refresh", refresh))
            }
        finally:
            if probe is not None:
                probe.stop()
            if sender is not None:
                sender.stop()
            app.stop()
        texted = {}  # the check-ins the fake created: sid -> (number, message id)
        for sid, resource in twilio.messages.items():
            callback = twilio.status_callback_of(sid)
            if callback:
                m = parse_qs(urlsplit(callback).query).get("m", ["0"])[0]
                texted[sid] = (resource["to"], int(m))
        creates = len(twilio.create_requests)

    every = list(warm.values()) + list(loads.values())
    statuses_all = sum((load.statuses for load in every), Counter())
    fives = sum(n for status, n in statuses_all.items() if status >= 500)
    no_answer = statuses_all.get(0, 0)
    unexpected = unexpected_answers(every)  # any 4xx or 5xx, or no answer, fails the soak

    print(
        f"  {options.seconds:g} s at {sum(RATES.values()):g} requests/s after a "
        f"{WARM_UP:g} s warm-up; achieved "
        f"{sum(load.count for load in loads.values()) / elapsed:.1f}/s"
    )
    rows = []
    for kind, load in loads.items():
        other = ", ".join(
            f"{n} x {s}"
            for s, n in sorted(load.statuses.items())
            if not 200 <= s < 300 and 0 < s < 500
        )
        rows.append(
            [
                kind,
                f"{load.count:,}",
                load.shown_percentile(50),
                load.shown_percentile(99),
                stats.ms(max(load.latencies + load.waits, default=float("nan"))),
                sum(n for s, n in load.statuses.items() if s >= 500),
                load.statuses.get(0, 0),
                other or "-",
                load.unsent,
            ]
        )
    printing.table(
        ("", "sent", "p50", "p99", "max", "5xx", "no answer", "other non-2xx", "unsent"), rows
    )
    unsent = sum(load.unsent for load in every)
    if unsent:
        print(
            f"  {unsent:,} requests not sent: the server fell more than 3 s behind the "
            "schedule (latencies marked >= are lower bounds)"
        )
    if len(trend) > 1:
        print_trend(trend, options.seconds / len(trend))
    print(f"  replies: {dict(replies.kinds)}; statuses: {dict(statuses.kinds)}")

    db = stored(database_url, replies.sids, replies.duplicated, texted, statuses.undelivered)
    print(
        f"  dashboard alone afterwards ({db['open callbacks']:,} open callbacks; the queue "
        f"shows at most 200): queue page {stats.ms(idle['queue page'])}, queue refresh "
        f"{stats.ms(idle['queue refresh'])} (median of 5, one at a time)"
    )
    accepted = sum(load.statuses.get(202, 0) for load in (warm["intake"], loads["intake"]))
    repeats = sum(load.statuses.get(200, 0) for load in (warm["intake"], loads["intake"]))
    states = ", ".join(f"{n:,} {s}" for s, n in sorted(db["followups"].items()))
    calls_ok = db["calls"] == accepted and sum(db["followups"].values()) == db["calls"]
    print(
        f"  intake: {accepted:,} events accepted (202), {repeats} repeats (200); stored "
        f"{db['calls']:,} calls, {sum(db['followups'].values()):,} follow-ups ({states}): "
        f"{'ok' if calls_ok else 'MISMATCH'}"
    )
    replies_lost, replies_twice = db["replies lost"], db["replies stored twice"]
    print(
        f"  replies: {len(replies.sids):,} MessageSids posted, {db['inbound']:,} inbound texts "
        f"stored; {replies_lost} lost, {replies_twice} stored twice; "
        f"{len(replies.duplicated)} posted twice on purpose, "
        f"{db['duplicates one row']} of them one row each"
    )
    texts_twice = db["follow-ups texted twice"] + db["texts to another number"]
    texts_lost = (
        db["sent, never texted"]
        + db["texted, not marked sent"]
        + db["left due or in doubt"]
        + db["texts without a follow-up"]
    )
    print(
        f"  texts: the fake Twilio got {creates:,} creates, {db['texts']:,} check-ins for "
        f"{db['follow-ups texted']:,} follow-ups; {db['followups'].get('sent', 0):,} follow-ups "
        f"sent; {db['follow-ups texted twice']} texted twice, "
        f"{db['texts to another number']} to another number than the follow-up's; "
        f"{db['sent, never texted']} marked sent with no text, "
        f"{db['texted, not marked sent']} texted but not marked sent, "
        f"{db['retrying after undelivered']} waiting to retry after an undelivered status "
        f"({len(statuses.undelivered)} posted, 30003), "
        f"{db['left due or in doubt']} left due or in doubt after {caught_up:.1f} s "
        f"for the sender to catch up"
    )
    danger = crisis.report(probe)
    landed = statuses_landed(database_url, statuses.expected)
    kinds = f" ({landed['wrong kinds']})" if landed["wrong"] else ""
    print(
        f"  statuses: {landed['checked']:,} texts had a status posted; {landed['wrong']} show "
        f"another status than the furthest posted{kinds}, "
        f"{landed['missing']} texts not found by their sid"
    )
    if unexpected:
        print(f"  UNEXPECTED answers (status: count): {dict(sorted(unexpected.items()))}")
    if not sender_alive:
        print("  the sender process DIED during the soak:\n" + sender.log_tail())

    worst = print_memory(start_memory, end_memory, TARGET_GROWTH)

    failed_names = error_names(app.log) + error_names(sender.log)
    if fives or no_answer or failed_names:
        print(f"  exceptions in the server logs (names only): {dict(failed_names) or 'none'}")
    return {
        "5xx": fives,
        "no answer": no_answer,
        "unexpected": sum(unexpected.values()) + danger["unexpected"],
        "crisis missed": danger["missed"],
        "crisis p99": danger["alert p99"],
        "statuses not applied": landed["wrong"] + landed["missing"],
        "lost": replies_lost + texts_lost + (0 if calls_ok else 1),
        "duplicated": replies_twice
        + texts_twice
        + len(replies.duplicated)
        - db["duplicates one row"],
        "growth": worst,
        "sender died": not sender_alive,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds",
        type=float,
        default=default_seconds(),
        help="soak per database (default 600, or FOLLOWUP_SOAK_SECONDS)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    options = parser.parse_args()
    started = time.perf_counter()
    postgres, variable = servers.postgres_server_url()
    print(
        f"soak: `followup web -w {options.workers}` + `followup sender` (fake Twilio, "
        f"{TWILIO_LATENCY * 1000:.0f} ms a create) on {servers.HOST}, "
        f"{sum(RATES.values()):g} requests/s open loop "
        f"({', '.join(f'{k} {v:g}/s' for k, v in RATES.items())}) for {options.seconds:g} s "
        f"per database; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    results = {}
    with servers.stopping_on_signals(), servers.temporary_folder("followup-soak-") as tmp:
        results["sqlite"] = half("sqlite", f"sqlite:///{tmp / 'followup.sqlite3'}", options, tmp)
        if postgres:
            print(f"\n(PostgreSQL server from {variable}: {servers.shown(postgres)})")
            with servers.postgres_database(postgres) as url:
                results["postgresql"] = half("postgresql", url, options, tmp)
        else:
            print(f"\npostgresql: SKIPPED. {servers.POSTGRES_HINT}")

    fives = sum(r["5xx"] for r in results.values())
    unanswered = sum(r["no answer"] for r in results.values())
    lost = sum(r["lost"] for r in results.values())
    duplicated = sum(r["duplicated"] for r in results.values())
    growth = max(r["growth"] for r in results.values())
    died = any(r["sender died"] for r in results.values())
    unexpected = sum(r["unexpected"] for r in results.values())
    not_applied = sum(r["statuses not applied"] for r in results.values())
    missed = sum(r["crisis missed"] for r in results.values())
    alert = ", ".join(f"{k} {stats.ms(r['crisis p99'])}" for k, r in results.items())
    print(
        f"\ntook {time.perf_counter() - started:.0f} s, load average "
        f"{os.getloadavg()[0]:.1f} at the end; databases: {', '.join(results)}"
        + ("" if postgres else " (postgresql skipped)")
    )
    extra = (f", {unanswered} unanswered" if unanswered else "") + (
        ", the sender DIED" if died else ""
    )
    print(
        f"soak: {unexpected} unexpected answers ({fives} 5xx), {lost} lost, {duplicated} "
        f"duplicated, {not_applied} statuses not applied, {missed} crises without an alert or "
        f"queue item{extra}; memory growth {growth:+.1f}% (target < {TARGET_GROWTH:g}%); crisis "
        f"to commander's alert p99 {alert} (target < 2 s)"
    )
    failed = unexpected or unanswered or lost or duplicated or died or not_applied or missed
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit("interrupted: the servers it started are stopped, its database dropped")
