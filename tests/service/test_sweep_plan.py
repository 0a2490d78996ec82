"""The sweep's queries read through their indexes however many follow-ups wait (issue 23).

With many follow-ups scheduled for later and the database's statistics up to date, the plan of
each query a sweep runs on ``followups`` (as the sender itself issues it) must search an index,
never scan the table: the claim through ``ix_followups_status_send_at``, the look-up of lost
answers through ``ix_followups_status_id`` (SQLite scanned the whole table for it before
migration 0016), the settling of claims a stopped sender left through a status index even when
the statistics saw only one status (SQLite scanned for it, ~80 ms a sweep at 1,000,000
waiting). The plans are read with EXPLAIN; nothing here is timed.
"""

from sqlalchemy import text

from followup.testing.load_seed import seed_due_followups, seed_waiting_followups
from tests.support.plans import plan as plan_of
from tests.support.plans import statements

WAITING = 20_000


def _add_waiting(db, agency_id: int, now, *, every_sent: int | None = 10) -> None:
    """``WAITING`` closed calls with a follow-up scheduled years ahead, all to one number (one
    in ``every_sent`` already sent; None: none), and statistics."""
    seed_waiting_followups(
        db, agency_id, WAITING, now=now, one_number="+12025550150", sent_every=every_sent
    )
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def _statements(db, run) -> list[tuple[str, object]]:
    """The SELECTs on followups that ``run()`` issues, with their parameters."""
    return statements(
        db,
        run,
        lambda sql: sql.lstrip().upper().startswith("SELECT") and "FROM followups" in sql,
    )


def _the(statements, marker: str) -> tuple[str, object]:
    found = [s for s in statements if marker in s[0]]
    assert found, f"no statement with {marker!r} among {[s for s, _ in statements]}"
    return found[0]


def test_the_sweep_reads_through_its_indexes_with_many_waiting(services, sender, agency, clock):
    db = services.db
    _add_waiting(db, agency.id, clock.now())
    seed_due_followups(db, agency.id, 100, now=clock.now(), prefix="DUE")
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    statements = _statements(db, sender.sweep)

    claim = plan_of(db, *_the(statements, "followups.send_at <="))
    assert "ix_followups_status_send_at" in claim, claim
    lookup = plan_of(db, *_the(statements, "followups.reason ="))
    for plan in (claim, lookup):
        assert "SCAN followups" not in plan and "Seq Scan" not in plan, plan
    if db.engine.dialect.name == "sqlite":
        assert "USING INDEX ix_followups_status_id" in lookup, lookup
    else:
        assert "ix_followups_status_" in lookup, lookup  # either status index, no table scan


def test_settling_stopped_senders_claims_reads_through_an_index_whatever_the_statistics(
    services, sender, agency, clock
):
    # Every follow-up waiting is 'scheduled' when the statistics are taken: SQLite's then say
    # any status matches all 20,000 rows, and it scanned the table for the few 'sending' ones.
    db = services.db
    _add_waiting(db, agency.id, clock.now(), every_sent=None)
    seed_due_followups(db, agency.id, 100, now=clock.now(), prefix="DUE")
    updates = statements(
        db,
        sender.sweep,
        lambda sql: sql.lstrip().upper().startswith("UPDATE FOLLOWUPS") and "claimed_at <" in sql,
    )
    assert len(updates) == 2, [sql for sql, _ in updates]  # scheduled again; marked unknown
    for statement in updates:
        plan = plan_of(db, *statement)
        assert "SCAN followups" not in plan and "Seq Scan on followups" not in plan, plan
