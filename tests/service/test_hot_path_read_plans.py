"""The hot paths' reads seek one number's rows however many are stored (issue 23).

For a text from a number, the inbound webhook reads the agency's latest check-in text to that
number and its unsolicited conversation in one statement (``followup.replies.store``). Before
migration 0020, SQLite (which keeps no statistics unless told to) walked the agency's outbound
texts newest first until one was to that number, every one of them for a number never texted,
and every unsolicited conversation: the read was half of a reply's server time at 3,000 texts
and grew with the table. Intake's read of a new closed call walked every check-in of the agency
to learn whether the number had one within the frequency cap. The plan of the statement each
path really issues is read with EXPLAIN after many rows for other numbers; nothing here is
timed.
"""

from sqlalchemy import text

from followup.intake.new_calls import record_new_call
from followup.intake.schema import CallEvent
from followup.replies import inbound
from followup.testing.load_seed import numbered
from tests.support.factories import call_event
from tests.support.plans import plan as plan_of
from tests.support.plans import statements

OTHERS = 20_000


def _fill(db, agency_id: int, now) -> None:
    """``OTHERS`` check-in texts to other numbers, and as many unsolicited conversations."""
    sqlite = db.engine.dialect.name == "sqlite"
    numbers, source, now = numbered(db, now)
    phone = "'+1303555' || substr('0000' || (i % 9000), -4)"  # not a number that texts below
    with db.engine.begin() as conn:
        conn.execute(
            text(
                f"{numbers} INSERT INTO messages (agency_id, direction, phone, body, status,"
                " gateway, media_urls, created_at, updated_at)"
                f" SELECT :agency, 'outbound', {phone}, 'check-in', 'sent', 'outbox', '[]',"
                f" :now, :now FROM {source}"
            ),
            {"agency": agency_id, "count": OTHERS, "now": now},
        )
        conn.execute(
            text(
                f"{numbers} INSERT INTO conversations (agency_id, phone, language, step,"
                f" auto_texts, opened_at) SELECT :agency, {phone}, 'en', 'closed', 0, :now"
                f" FROM {source}"
            ),
            {"agency": agency_id, "count": OTHERS, "now": now},
        )
        if not sqlite:
            conn.execute(text("ANALYZE"))  # PostgreSQL's autovacuum would, soon enough


def _the_read(db, run, marker: str = "latest_followup_id") -> tuple[str, object]:
    seen = statements(db, run, lambda statement: marker in statement)
    assert seen, "the path did not issue its read"
    return seen[0]


def test_a_reply_reads_only_its_own_numbers_texts_and_threads(services, agency, clock):
    db = services.db
    _fill(db, agency.id, clock.now())

    def reply():
        with db.begin() as session:
            inbound.receive(
                session,
                inbound.InboundSms(sid="SM" + "7" * 32, sender="+12025550123", to="",
                                   body="who is this?"),
                now=clock.now(),
                default_agency_slug=services.settings.agency_slug,
            )

    plan = plan_of(db, *_the_read(db, reply))

    assert "Seq Scan on messages" not in plan and "Seq Scan on conversations" not in plan, plan
    if db.engine.dialect.name == "sqlite":
        # By the number, not walking the agency's texts or its unsolicited threads.
        assert "ix_messages_agency_direction_created" not in plan, plan
        assert "SEARCH messages USING INDEX ix_messages_agency_phone_direction_created" in plan
        assert "ix_conversations_agency_phone_followup" in plan, plan


def _checkins_to_others(db, agency_id: int, now) -> None:
    """``OTHERS`` closed calls from other numbers, each with its check-in sent."""
    sqlite = db.engine.dialect.name == "sqlite"
    numbers, source, now = numbered(db, now)
    phone = "'+1303555' || substr('0000' || (i % 9000), -4)"
    with db.engine.begin() as conn:
        conn.execute(
            text(
                f"{numbers} INSERT INTO calls (agency_id, external_id, status, call_type,"
                " disposition, closed_at, caller_phone, language, self_initiated,"
                f" do_not_contact, fingerprint, received_at, updated_at)"
                f" SELECT :agency, 'OTHER-' || i, 'closed', 'THEFT', 'REPORT TAKEN', :now,"
                f" {phone}, 'en', false, false, 'w', :now, :now FROM {source}"
            ),
            {"agency": agency_id, "count": OTHERS, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO followups (agency_id, call_id, purpose, phone, language, status,"
                " send_at, sent_at, attempts, created_at, updated_at)"
                " SELECT agency_id, id, 'checkin', caller_phone, 'en', 'sent', :now, :now, 1,"
                " :now, :now FROM calls WHERE external_id LIKE 'OTHER-%'"
            ),
            {"now": now},
        )
        if not sqlite:
            conn.execute(text("ANALYZE"))


def test_a_closed_call_reads_only_its_callers_check_ins(services, agency, clock):
    db = services.db
    _checkins_to_others(db, agency.id, clock.now())

    def closed_call():
        event = CallEvent.model_validate(call_event(call_id="NEW-1", caller_phone="+12025550124"))
        with db.begin() as session:
            assert record_new_call(session, session.merge(agency), event, now=clock.now())

    plan = plan_of(db, *_the_read(db, closed_call, marker="AS texted"))

    assert "Seq Scan on followups" not in plan, plan
    if db.engine.dialect.name == "sqlite":
        # By the number, not walking the agency's check-ins (0018's index, by purpose).
        assert "ix_followups_agency_purpose" not in plan, plan
        assert "SEARCH followups USING INDEX ix_followups_agency_phone_purpose" in plan, plan
