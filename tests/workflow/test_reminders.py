"""Reminder sweeps (levels, recipients, concurrency, digest), auto-close and the outbox sweep: each
touches only due cases, through the deadline indexes, once."""
import datetime
import threading

import pytest
from sqlalchemy import func, select

from app.clock import utcnow
from app.extensions import db
from app.models import Complaint, ComplaintEvent, Notification, Outbox, Reminder
from app.workflow import autoclose, lifecycle, reminders
from app.workflow.calendar import current_calendar
from tests.conftest import config_values, outbox_rows, set_deadline

HOUR = datetime.timedelta(hours=1)


def _user_ids(world, *names):
    return {world.user(name).id for name in names}


def _reminded(complaint_id):
    db.session.rollback()
    rows = db.session.execute(select(Reminder).where(Reminder.complaint_id == complaint_id)).scalars().all()
    return {(r.clock, r.level) for r in rows}


def _notice_users(case, topic="reminder"):
    """Staff whose in-app notices name the case (its own notice, or a grouped one listing it)."""
    return {n.user_id for n in db.session.execute(select(Notification).where(Notification.topic == topic)).scalars()
            if n.complaint_id == case.id or case.tracking_number in n.text}


def _mail_users(case):
    return {r.user_id for r in outbox_rows(topic="reminder")
            if r.complaint_id == case.id or case.tracking_number in r.body}


def test_levels_reach_the_right_people_and_only_due_cases_are_touched(jobs, make_case, world):
    now = utcnow()
    cal = current_calendar()
    soon = make_case(agency="DINKES", status="dispatched", reporter=False)
    late = make_case(agency="RSUD", status="in_progress", reporter=False)
    very_late = make_case(agency="PUPR", status="dispatched", reporter=False)
    unverified = make_case(reporter=False)
    on_time = make_case(agency="DINKES", status="dispatched", reporter=False)
    set_deadline(soon.id, first_response_due=now + HOUR)
    set_deadline(late.id, resolution_due=now - HOUR)
    # overdue by more than ESCALATION_WORKING_DAYS (3) working days
    long_ago = cal.end_of_local_day(reminders.working_day_before(cal, cal.local_date(now), 6))
    set_deadline(very_late.id, first_response_due=long_ago)
    set_deadline(unverified.id, verification_due=now + HOUR)

    counts = reminders.sweep(now=now).counts
    assert counts == {"due_soon": 2, "overdue": 1, "escalated": 1}
    assert _reminded(soon.id) == {("first_response", "due_soon")}
    assert _reminded(late.id) == {("resolution", "overdue")}
    assert _reminded(very_late.id) == {("first_response", "escalated")}
    assert _reminded(unverified.id) == {("verification", "due_soon")}
    assert _reminded(on_time.id) == set()

    # due soon -> the agency's officers; overdue -> + coordinators; escalated -> + Pimpinan
    assert _notice_users(soon) == _mail_users(soon) == _user_ids(world, "opd_dinkes")
    assert _notice_users(late) == _user_ids(world, "opd_rsud", "opd_dinkes", "koordinator")
    assert _notice_users(very_late) == _user_ids(world, "opd_pupr", "koordinator", "pimpinan")
    assert _notice_users(unverified) == _user_ids(world, "koordinator")
    # ONE message per person for the whole sweep: the officer of PUPR hears of one case only
    # (that case's own message), the coordinator of three cases in one grouped message
    mail = outbox_rows(user_id=world.user("opd_pupr").id, topic="reminder")
    assert len(mail) == 1 and very_late.tracking_number in mail[0].subject
    assert mail[0].recipient.endswith("@uji.go.id")
    coordinator_mail = outbox_rows(user_id=world.user("koordinator").id, topic="reminder")
    assert len(coordinator_mail) == 1 and coordinator_mail[0].complaint_id is None
    assert all(c.tracking_number in coordinator_mail[0].body for c in (late, very_late, unverified))

    assert reminders.sweep(now=now).counts == {"due_soon": 0, "overdue": 0, "escalated": 0}
    # time passes: the due-soon cases become overdue -> one more reminder each, coordinators hear
    assert reminders.sweep(now=now + 2 * HOUR).counts["overdue"] == 2
    assert _reminded(soon.id) == {("first_response", "due_soon"), ("first_response", "overdue")}
    assert _notice_users(soon) == _user_ids(world, "opd_dinkes", "koordinator")


def test_each_committed_batch_is_handed_to_the_caller_for_delivery_at_once(app, jobs, make_case, world):
    now = utcnow()
    cases = [make_case(agency="DINKES", status="dispatched", reporter=False) for _ in range(5)]
    for case in cases:
        set_deadline(case.id, first_response_due=now + HOUR)
    handed = []

    def deliver(batch):  # what app.jobs.queue.deliver receives: committed rows only
        db.session.expire_all()
        committed = {row.id for row in outbox_rows(topic="reminder")}
        handed.append((list(batch.outbox_ids), set(batch.outbox_ids) <= committed))

    with config_values(app, REMINDER_BATCH_SIZE=2):
        outcome = reminders.sweep(now=now, deliver=deliver)
    assert outcome.counts["due_soon"] == 5
    # reminders are inserted in batches of 2, then announced together: one hand-off after the
    # announcement's commit, carrying the officer's ONE grouped e-mail for the five cases
    assert [len(ids) for ids, _committed in handed] == [1]
    assert all(committed for _ids, committed in handed)
    assert sorted(outcome.outbox_ids) == sorted(i for ids, _c in handed for i in ids) == \
        sorted(row.id for row in outbox_rows(topic="reminder"))


def test_a_new_deadline_starts_a_new_reminder_cycle(jobs, make_case, world):
    case = make_case(agency="DINKES", status="dispatched", reporter=False)
    now = utcnow()
    set_deadline(case.id, first_response_due=now - HOUR)
    assert reminders.sweep(now=now).counts["overdue"] == 1
    lifecycle.perform("redispose", case.id, world.user("koordinator"), agency=world.agency("PUPR").id)
    db.session.refresh(case)
    set_deadline(case.id, first_response_due=now - 2 * HOUR)  # the new agency is late too
    assert reminders.sweep(now=now).counts["overdue"] == 1
    users = _mail_users(case)
    assert world.user("opd_pupr").id in users


def _concurrent(count, target):
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(app):
        with app.app_context():
            try:
                barrier.wait(10)
                results.append(target())
            except Exception as exc:  # reported below
                errors.append(exc)

    from flask import current_app

    app = current_app._get_current_object()
    threads = [threading.Thread(target=run, args=(app,)) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def test_two_sweeps_at_the_same_time_remind_each_case_once(app, jobs, make_case, world):
    now = utcnow()
    cases = [make_case(agency="DINKES", status="dispatched", reporter=False) for _ in range(12)]
    for case in cases:
        set_deadline(case.id, first_response_due=now - HOUR)
    with config_values(app, REMINDER_BATCH_SIZE=4):
        results = _concurrent(2, lambda: reminders.sweep(now=now).counts)
    assert sum(r["overdue"] for r in results) == 12
    pairs = db.session.execute(select(Reminder.complaint_id, Reminder.level)).all()
    assert len(pairs) == 12 and len(set(pairs)) == 12
    # each case reaches the Dinkes officer and the coordinator exactly once, in grouped messages
    mails = outbox_rows(topic="reminder")
    for username in ("opd_dinkes", "koordinator"):
        bodies = [m.body for m in mails if m.user_id == world.user(username).id]
        assert 1 <= len(bodies) <= 2  # one per sweep at most
        assert sorted(sum(body.count(c.tracking_number) for body in bodies) for c in cases) == [1] * 12
    notices = db.session.execute(select(Notification).where(Notification.topic == "reminder")).scalars().all()
    assert 2 <= len(notices) <= 4


def test_a_sweep_over_a_backlog_sends_one_grouped_message_per_person(app, jobs, make_case, world):
    """The first sweep after an outage or an import: 30 late cases of every level, one message each."""
    now = utcnow()
    cal = current_calendar()
    long_ago = cal.end_of_local_day(reminders.working_day_before(cal, cal.local_date(now), 6))
    dinkes = [make_case(agency="DINKES", status="dispatched", reporter=False) for _ in range(12)]
    pupr = [make_case(agency="PUPR", status="in_progress", reporter=False) for _ in range(10)]
    unverified = [make_case(reporter=False) for _ in range(8)]
    for i, case in enumerate(dinkes):
        set_deadline(case.id, first_response_due=(now - HOUR) if i % 2 else long_ago)
    for case in pupr:
        set_deadline(case.id, resolution_due=now + HOUR)
    for case in unverified:
        set_deadline(case.id, verification_due=now - 3 * HOUR)
    with config_values(app, REMINDER_BATCH_SIZE=5):  # several batches: still one message per person
        counts = reminders.sweep(now=now).counts
    assert counts == {"due_soon": 10, "overdue": 14, "escalated": 6}
    mails = outbox_rows(topic="reminder")
    per_user = {}
    for mail in mails:
        per_user.setdefault(mail.user_id, []).append(mail)
    assert all(len(rows) == 1 for rows in per_user.values()), "one message per recipient per sweep"
    assert set(per_user) == _user_ids(world, "opd_dinkes", "opd_pupr", "koordinator", "pimpinan")
    body = {user_id: rows[0].body for user_id, rows in per_user.items()}
    assert all(c.tracking_number in body[world.user("opd_dinkes").id] for c in dinkes)
    assert all(c.tracking_number in body[world.user("opd_pupr").id] for c in pupr)
    assert all(c.tracking_number in body[world.user("koordinator").id] for c in dinkes + unverified)
    assert sum(c.tracking_number in body[world.user("pimpinan").id] for c in dinkes) == 6  # escalated only
    notices = db.session.execute(select(Notification).where(Notification.topic == "reminder")).scalars().all()
    assert sorted(n.user_id for n in notices) == sorted(per_user)  # one in-app notice per person
    assert next(n.text for n in notices if n.user_id == world.user("koordinator").id).startswith("20 ")
    reminded = db.session.execute(select(Reminder)).scalars().all()
    assert len(reminded) == 30 and all(r.notified_at == now and r.recipients >= 1 for r in reminded)
    # a second sweep adds nothing
    assert reminders.sweep(now=now).counts == {"due_soon": 0, "overdue": 0, "escalated": 0}
    assert len(outbox_rows(topic="reminder")) == len(mails)


def test_reminders_left_unannounced_by_an_interrupted_sweep_are_sent_by_the_next(jobs, make_case, world):
    now = utcnow()
    cases = [make_case(agency="DINKES", status="dispatched", reporter=False) for _ in range(3)]
    for case in cases:
        set_deadline(case.id, first_response_due=now - HOUR)
    original = reminders._announce_pending
    reminders._announce_pending = lambda now: None  # the worker died after inserting
    try:
        assert reminders.sweep(now=now).counts["overdue"] == 3
    finally:
        reminders._announce_pending = original
    assert outbox_rows(topic="reminder") == []
    assert reminders.sweep(now=now).counts["overdue"] == 0  # nothing new, but the pending ones go out
    mails = outbox_rows(topic="reminder", user_id=world.user("opd_dinkes").id)
    assert len(mails) == 1 and all(c.tracking_number in mails[0].body for c in cases)


def test_daily_digest_mode_sends_one_summary_per_person(app, jobs, make_case, world):
    now = utcnow()
    cases = [make_case(agency="DINKES", status="dispatched", reporter=False) for _ in range(3)]
    for case in cases:
        set_deadline(case.id, first_response_due=now - HOUR)
    with config_values(app, REMINDER_DELIVERY="digest"):
        assert reminders.sweep(now=now).counts["overdue"] == 3
        assert outbox_rows(topic="reminder") == []  # no e-mail per reminder...
        assert len(_notice_users(cases[0])) == 2  # ...the in-app list still shows them (one notice each)
        assert db.session.execute(select(func.count()).select_from(Notification)
                                  .where(Notification.topic == "reminder")).scalar() == 2
        assert reminders.send_digest(now=now).counts["emails"] == 2  # the Dinkes officer and the coordinator
        digests = outbox_rows(topic="digest")
        assert {d.user_id for d in digests} == _user_ids(world, "opd_dinkes", "koordinator")
        for digest in digests:
            assert all(case.tracking_number in digest.body for case in cases)
        assert reminders.send_digest(now=now).counts["emails"] == 0  # nothing twice


def test_auto_close_closes_overdue_resolved_cases_through_the_lifecycle(jobs, make_case):
    due = make_case(agency="DINKES", status="resolved")
    waiting = make_case(agency="DINKES", status="resolved")
    set_deadline(due.id, auto_close_due=utcnow() - HOUR)
    assert autoclose.close_due().counts["closed"] == 1
    db.session.expire_all()
    assert db.session.get(Complaint, due.id).status == "closed"
    assert db.session.get(Complaint, waiting.id).status == "resolved"
    event = db.session.execute(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == due.id, ComplaintEvent.kind == "auto_closed")).scalar_one()
    assert event.actor_kind == "system" and event.actor_id is None
    assert [(r.channel, r.topic) for r in outbox_rows(complaint_id=due.id, topic="closed")] == \
        [("email", "closed"), ("whatsapp", "closed")]
    assert autoclose.close_due().counts["closed"] == 0


def test_outbox_sweep_requeues_messages_whose_enqueue_was_lost(jobs, make_case):
    from app.workflow import outbox

    case = make_case(reporter={"email": "rina@contoh.id"})  # no queue running: only the row exists
    (row,) = outbox_rows(complaint_id=case.id, channel="email")
    assert row.id in outbox.reserve_due()
    assert row.id not in outbox.reserve_due()  # reserved while it waits in the queue
    assert db.session.get(Outbox, row.id).status == "pending"


@pytest.mark.postgres_only
def test_sweeps_read_only_due_cases_through_the_deadline_indexes(jobs, make_case, world):
    """20,000 historical cases: every query of the reminder sweep and of auto-close uses an
    index (no sequential scan of the case table), and only the due cases are touched."""
    from sqlalchemy import event, text

    channel = world.channel().id
    db.session.execute(text("""
        INSERT INTO complaint (tracking_number, kind, needs_inspection, title, description, channel_id,
            is_anonymous, is_confidential, status, received_at, updated_at, version,
            verification_due, first_response_due, resolution_due, auto_close_due, closed_at)
        SELECT 'BULK-' || i, 'complaint', false, 'Arsip', 'Laporan lama', :channel, false, false,
            CASE WHEN i % 50 = 0 THEN 'in_progress' ELSE 'closed' END,
            now() - (i || ' hours')::interval, now(), 1,
            now() - (i || ' hours')::interval + interval '3 days',
            now() - (i || ' hours')::interval + interval '7 days',
            now() - (i || ' hours')::interval + interval '20 days',
            now() - (i || ' hours')::interval + interval '30 days',
            now() - (i || ' hours')::interval + interval '30 days'
        FROM generate_series(1, 20000) AS i
    """), {"channel": channel})
    db.session.commit()
    db.session.execute(text("ANALYZE complaint"))
    db.session.commit()
    due = make_case(agency="DINKES", status="dispatched", reporter=False)
    set_deadline(due.id, first_response_due=utcnow() + HOUR)

    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM complaint" in statement:
            statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        counts = reminders.sweep().counts
        closed = autoclose.close_due().counts["closed"]
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    assert closed == 0
    assert ("first_response", "due_soon") in _reminded(due.id)
    # only the recent in-progress bulk cases (deadlines within REMINDER_MAX_AGE_DAYS) are reminded
    recent = db.session.execute(text(
        "SELECT count(*) FROM complaint WHERE status = 'in_progress' AND resolution_due >= now() - interval '90 days'"
        " AND resolution_due <= now() + interval '4 days'")).scalar()
    assert sum(counts.values()) <= recent + 1
    assert statements
    with engine.connect() as conn:
        for statement, parameters in statements:
            plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
            assert "Seq Scan on complaint" not in plan, plan


def test_a_single_reminder_mail_has_a_short_subject_and_the_full_sentence_in_its_text(jobs, make_case, world):
    now = utcnow()
    cal = current_calendar()
    case = make_case(reporter=False)  # waits for the coordinator's verification, the longest clock name
    long_ago = cal.end_of_local_day(reminders.working_day_before(cal, cal.local_date(now), 6))
    set_deadline(case.id, verification_due=long_ago)
    reminders.sweep(now=now)

    mails = outbox_rows(topic="reminder", user_id=world.user("koordinator").id)
    assert len(mails) == 1
    mail = mails[0]
    # a subject mail programs show whole (RFC 5322: 78 characters a line)
    assert len(mail.subject) <= 78 and case.tracking_number in mail.subject
    assert mail.subject.startswith("Eskalasi:")
    assert "WIB" in mail.body and "hari kerja" in mail.body and case.tracking_number in mail.body


def test_the_daily_digest_leaves_out_cases_handled_since_their_reminder(app, jobs, make_case, world):
    now = utcnow()
    answered = make_case(agency="DINKES", status="dispatched", reporter=False)
    waiting = make_case(agency="DINKES", status="dispatched", reporter=False)
    for case in (answered, waiting):
        set_deadline(case.id, first_response_due=now - HOUR)
    with config_values(app, REMINDER_DELIVERY="digest"):
        assert reminders.sweep(now=now).counts["overdue"] == 2
        # in the morning's hours before the digest, the officer answers one of them
        lifecycle.follow_up(answered, world.user("opd_dinkes"), "Petugas sudah ke lokasi.")
        db.session.commit()
        reminders.send_digest(now=now + HOUR)

    digests = outbox_rows(topic="digest")
    assert digests
    for digest in digests:
        assert waiting.tracking_number in digest.body
        assert answered.tracking_number not in digest.body
        assert digest.subject.startswith("Ringkasan harian: 1 ")  # one reminder still due


def test_a_grouped_reminder_links_every_case_it_names_not_only_the_overdue_list(app, jobs, make_case, world):
    """The overdue list does not show a case that is only due soon: each case gets its own link."""
    now = utcnow()
    soon = [make_case(agency="DINKES", status="dispatched", reporter=False) for _ in range(2)]
    late = make_case(agency="DINKES", status="dispatched", reporter=False)
    for case in soon:
        set_deadline(case.id, first_response_due=now + HOUR)
    set_deadline(late.id, first_response_due=now - HOUR)
    with config_values(app, PUBLIC_BASE_URL="https://lapor.contoh.go.id"):
        reminders.sweep(now=now)
    (mail,) = outbox_rows(topic="reminder", user_id=world.user("opd_dinkes").id)
    for case in soon + [late]:
        assert f"https://lapor.contoh.go.id/complaintview/show/{case.id}" in mail.body
    assert "/queueoverdueview/list/" not in mail.body  # it would hide the two cases due soon


def test_a_grouped_reminder_of_late_cases_only_also_links_the_overdue_list(app, jobs, make_case, world):
    now = utcnow()
    cases = [make_case(agency="DINKES", status="dispatched", reporter=False) for _ in range(2)]
    for case in cases:
        set_deadline(case.id, first_response_due=now - HOUR)
    with config_values(app, PUBLIC_BASE_URL="https://lapor.contoh.go.id"):
        reminders.sweep(now=now)
    (mail,) = outbox_rows(topic="reminder", user_id=world.user("opd_dinkes").id)
    assert "https://lapor.contoh.go.id/queueoverdueview/list/" in mail.body
    assert all(f"/complaintview/show/{case.id}" in mail.body for case in cases)
