"""What the soak checks and prints: every request left its row, nothing sent twice, the
statuses landed, memory and latency over time.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _load as loadgen  # noqa: E402
import _report as printing  # noqa: E402
import _servers as servers  # noqa: E402
import _stats as stats  # noqa: E402


def wait_sent(database_url: str, timeout: float = 60.0) -> float:
    """Wait until the sender has caught up (nothing due is left waiting or being sent)."""
    from sqlalchemy import func, or_, select

    from followup.core.db import Database
    from followup.models import FollowUp, FollowUpStatus

    db = Database(database_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            with db.Session() as session:
                left = session.scalar(
                    select(func.count())
                    .select_from(FollowUp)
                    .where(
                        or_(
                            FollowUp.status == FollowUpStatus.SENDING,
                            (FollowUp.status == FollowUpStatus.SCHEDULED)
                            & (FollowUp.send_at <= datetime.now(UTC)),
                        )
                    )
                )
            if not left:
                break
            time.sleep(0.5)  # polling the database, not a synchronisation
    finally:
        db.dispose()
    return time.monotonic() - started


# Long because it checks, one query after another, that every request left its row.
def stored(
    database_url: str,
    reply_sids: set[str],
    duplicated: list[str],
    texted: dict[str, tuple[str, int]],
    undelivered: set[str],
) -> dict:
    """What the database holds, in counts; ``texted``: the fake's check-ins (sid: (to, m)),
    ``undelivered``: the sids of those reported undelivered (30003, retried by the service)."""
    from sqlalchemy import func, select

    from followup.core.db import Database
    from followup.models import (
        Call,
        Callback,
        CallbackStatus,
        FollowUp,
        FollowUpStatus,
        Message,
        MessageDirection,
    )

    db = Database(database_url)
    count = func.count()
    inbound_ = Message.direction == MessageDirection.INBOUND
    try:
        with db.Session() as s:
            out = {
                "calls": s.scalar(select(count).select_from(Call)),
                "followups": dict(
                    s.execute(select(FollowUp.status, count).group_by(FollowUp.status)).all()
                ),
                "inbound": s.scalar(select(count).select_from(Message).where(inbound_)),
                "open callbacks": s.scalar(
                    select(count)
                    .select_from(Callback)
                    .where(Callback.status != CallbackStatus.RESOLVED)
                ),
            }
            rows = Counter()  # inbound rows per MessageSid posted
            sids = list(reply_sids)
            for start in range(0, len(sids), 500):
                chunk = sids[start : start + 500]
                rows.update(
                    dict(
                        s.execute(
                            select(Message.sid, count)
                            .where(inbound_, Message.sid.in_(chunk))
                            .group_by(Message.sid)
                        ).all()
                    )
                )
            out["reply rows"] = rows
            out["replies lost"] = sum(1 for sid in reply_sids if not rows.get(sid))
            out["replies stored twice"] = sum(1 for n in rows.values() if n > 1)
            out["duplicates one row"] = sum(1 for sid in duplicated if rows.get(sid) == 1)

            message_ids = sorted({m for _, m in texted.values()})
            followup_of = {}
            for start in range(0, len(message_ids), 500):
                followup_of.update(
                    dict(
                        s.execute(
                            select(Message.id, Message.followup_id).where(
                                Message.id.in_(message_ids[start : start + 500])
                            )
                        ).all()
                    )
                )
            # A text reported undelivered with a transient code (30003) is sent again later:
            # each such text allows the follow-up one more, and a follow-up waiting to retry.
            followups = {
                fid: (status, phone)
                for fid, status, phone in s.execute(
                    select(FollowUp.id, FollowUp.status, FollowUp.phone)
                )
            }
            per_followup = Counter(followup_of.get(m) for _, m in texted.values())
            retried = Counter(followup_of.get(texted[sid][1]) for sid in undelivered)
            out["texts"] = len(texted)
            out["texts without a follow-up"] = per_followup.pop(None, 0)
            out["follow-ups texted"] = len(per_followup)
            out["follow-ups texted twice"] = sum(
                1 for fid, n in per_followup.items() if n > 1 + retried[fid]
            )
            out["texts to another number"] = sum(
                1
                for to, m in texted.values()
                if (fid := followup_of.get(m)) is not None and followups[fid][1] != to
            )
            sent = {fid for fid, (status, _) in followups.items() if status == FollowUpStatus.SENT}
            out["sent, never texted"] = sum(1 for fid in sent if fid not in per_followup)
            waiting = {
                fid
                for fid in per_followup
                if fid not in sent
                and retried[fid]
                # waiting, given up, or cancelled since (the caller opted out meanwhile)
                and followups[fid][0]
                in (FollowUpStatus.SCHEDULED, FollowUpStatus.FAILED, FollowUpStatus.CANCELLED)
            }
            out["retrying after undelivered"] = len(waiting)
            out["texted, not marked sent"] = sum(
                1 for fid in per_followup if fid not in sent and fid not in waiting
            )
            out["left due or in doubt"] = s.scalar(
                select(count)
                .select_from(FollowUp)
                .where(
                    (FollowUp.status.in_((FollowUpStatus.SENDING, FollowUpStatus.UNKNOWN)))
                    | (
                        (FollowUp.status == FollowUpStatus.SCHEDULED)
                        & (FollowUp.send_at <= datetime.now(UTC))
                    )
                )
            )
            return out
    finally:
        db.dispose()


def statuses_landed(database_url: str, expected: dict[str, str]) -> dict[str, int]:
    """Check every status callback was applied: each text's stored status is the furthest one
    posted for it (``expected``: sid -> status). Returns counts: checked, wrong, missing."""
    from sqlalchemy import select

    from followup.core.db import Database
    from followup.models import Message

    db = Database(database_url)
    found: dict[str, str] = {}
    sids = list(expected)
    try:
        with db.Session() as s:
            for start in range(0, len(sids), 500):
                chunk = sids[start : start + 500]
                found.update(
                    (sid, str(getattr(status, "value", status)))
                    for sid, status in s.execute(
                        select(Message.sid, Message.status).where(Message.sid.in_(chunk))
                    )
                )
    finally:
        db.dispose()
    wrong = Counter(
        f"{status} stored as {found[sid]}"
        for sid, status in expected.items()
        if sid in found and found[sid] != status
    )
    return {
        "checked": len(expected),
        "missing": sum(1 for sid in expected if sid not in found),
        "wrong": sum(wrong.values()),
        "wrong kinds": dict(wrong),
    }


def unexpected_answers(loads) -> Counter:
    """Every answer outside 2xx (0: no answer), by status, over ``loads``: in the soak each
    request is valid, signed and authorised, so any 4xx or 5xx is a failure."""
    found = Counter()
    for load in loads:
        found.update({s: n for s, n in load.statuses.items() if not 200 <= s < 300})
    return found


def error_names(log: Path) -> Counter:
    """Exception class names in a server log (names only: a message may carry personal data)."""
    names = Counter()
    pattern = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout))(?::|$)")
    for line in log.read_text(errors="replace").splitlines():
        if found := pattern.match(line):
            names[found.group(1)] += 1
    return names


def print_trend(
    trend: list[tuple[dict[str, loadgen.Load], dict[str, float]]], seconds: float
) -> None:
    """One line per slice of the soak: rate achieved, p99 by kind, resident memory."""
    kinds = list(trend[0][0])
    rows = []
    for k, (part, mem) in enumerate(trend):
        sent = sum(load.count for load in part.values())
        workers = [v for proc, v in mem.items() if proc.startswith("web worker")]
        rows.append(
            [f"{k * seconds:.0f}-{(k + 1) * seconds:.0f} s", f"{sent / seconds:.1f}/s"]
            + [part[kind].shown_percentile(99) for kind in kinds]
            + [
                f"{max(workers, default=float('nan')):.1f} MB",
                f"{mem.get('sender', float('nan')):.1f} MB",
            ]
        )
    printing.table(
        ["over time", "achieved"]
        + [f"p99 {kind}" for kind in kinds]
        + ["largest worker", "sender"],
        rows,
    )


def print_memory(start: dict[str, float], end: dict[str, float], target: float) -> float:
    """Each process's resident memory after the warm-up and at the end; the worst growth."""
    growth, rows = {}, []
    for proc, before in start.items():
        after = end.get(proc)
        if after is None:
            rows.append([proc, f"{before:.1f} MB", "gone", "-"])
            continue
        growth[proc] = (after - before) / before * 100
        rows.append([proc, f"{before:.1f} MB", f"{after:.1f} MB", f"{growth[proc]:+.1f}%"])
    printing.table(("resident memory", "after warm-up", "at end", "growth"), rows)
    worst = max(growth.values(), default=float("nan"))
    print(
        f"  memory growth at most {worst:+.1f}% (target < {target:g}%: "
        f"{printing.verdict(worst < target)})"
    )
    return worst


def memory(app: servers.Server, sender: servers.Server) -> dict[str, float]:
    """VmRSS in MB of each web worker (by pid) and of the sender."""
    found = {}
    for pid in sorted(app.worker_pids()):
        try:
            found[f"web worker {pid}"] = stats.memory_mb(pid)[0]
        except (OSError, KeyError):
            pass
    try:
        found["sender"] = stats.memory_mb(sender.proc.pid)[0]
    except (OSError, KeyError):
        pass
    return found


def timed(server: servers.Server, request: bytes) -> float:
    """Seconds one request takes, answered with a 2xx."""
    started = time.perf_counter()
    status = servers.exchange(server.address, request)
    if not 200 <= status < 300:
        raise RuntimeError(f"a dashboard request answered {status}")
    return time.perf_counter() - started
