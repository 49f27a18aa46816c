"""Deadline reminders and escalation, and the daily digest.

The sweep reads only due cases through the indexed deadline columns: for each
running clock (``sla.CLOCK_BY_STATUS``) and each level it selects one batch of
cases whose deadline lies in that level's range and that have no reminder for
it yet, inserts the reminders with "on conflict do nothing", and writes the
messages of the reminders it actually inserted in the same transaction. A
concurrent sweep, a retried job or a restarted worker therefore never reminds
twice: the database's unique constraint decides.

Levels (disjoint deadline ranges, so each reminder is sent once as time passes):
* ``due_soon``  - deadline between now and the end of the next working day
* ``overdue``   - deadline passed, by at most ``ESCALATION_WORKING_DAYS`` working days
* ``escalated`` - deadline passed by more than that (Pimpinan are told too)
Deadlines older than ``REMINDER_MAX_AGE_DAYS`` are left alone (bounds the sweep).
"""
import datetime
import logging

from sqlalchemy import and_, exists, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.clock import utcnow
from app.extensions import db
from app.models import Complaint, Reminder
from app.workflow import notify, sla
from app.workflow.calendar import current_calendar
from app.workflow.outcome import Outcome
from app.settings import setting

log = logging.getLogger(__name__)
LEVELS = ("escalated", "overdue", "due_soon")



def working_day_before(calendar, day, n):
    """The N-th working day strictly before ``day``."""
    current, remaining = day, n
    while remaining > 0:
        current -= datetime.timedelta(days=1)
        if calendar.is_working_day(current):
            remaining -= 1
    return current


def escalation_cutoff(now, calendar, working_days):
    """Deadlines at or before this instant are overdue by more than ``working_days`` working days.

    A deadline is the end of a working day D; it is overdue by more than N working
    days once the N-th working day after D has ended, i.e. when D is at or before
    the (N+1)-th working day before today.
    """
    today = calendar.local_date(now)
    return calendar.end_of_local_day(working_day_before(calendar, today, working_days + 1))


def level_ranges(column, now, calendar):
    horizon = sla.due_soon_horizon(now, calendar)
    oldest = now - datetime.timedelta(days=int(setting("REMINDER_MAX_AGE_DAYS", 90)))
    cutoff = escalation_cutoff(now, calendar, int(setting("ESCALATION_WORKING_DAYS", 3)))
    return {
        "due_soon": and_(column >= now, column <= horizon),
        "overdue": and_(column < now, column > cutoff, column >= oldest),
        "escalated": and_(column <= cutoff, column >= oldest),
    }


def _insert_ignoring_duplicates(rows):
    """Insert reminders; return the ids of those actually inserted (duplicates are skipped)."""
    dialect = db.session.get_bind().dialect.name
    keys = ["complaint_id", "clock", "level", "due_at"]
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(Reminder).values(rows).on_conflict_do_nothing(index_elements=keys).returning(Reminder.id)
        return list(db.session.execute(stmt).scalars())
    ids = []  # other databases: one savepoint per row
    for row in rows:
        try:
            with db.session.begin_nested():
                reminder = Reminder(**row)
                db.session.add(reminder)
            ids.append(reminder.id)
        except IntegrityError:
            pass
    return ids


def sweep(now=None, batch_size=None, deliver=None):
    """Record and announce every reminder now due.

    Reminders are inserted batch by batch (each committed), then announced together: every
    person gets ONE message (and one in-app notice) for the whole sweep, listing their cases.
    In immediate mode the announcement claims every reminder not yet announced (those of this
    sweep and any left by an interrupted one) and writes the messages in the same transaction.
    Returns an :class:`Outcome`: ``counts`` = {level: reminders inserted}, ``outbox_ids`` = the
    e-mails written, handed to ``deliver`` (the caller's queue) right after their commit.
    """
    now = now or utcnow()
    calendar = current_calendar()
    batch_size = batch_size or int(setting("REMINDER_BATCH_SIZE", 500))
    immediate = setting("REMINDER_DELIVERY", "immediate") != "digest"
    counts = dict.fromkeys(LEVELS, 0)
    outcome = Outcome(counts=counts)
    new_ids = []
    for status, column_name in sla.CLOCK_BY_STATUS.items():
        clock = sla.CLOCK_NAMES[column_name]
        column = getattr(Complaint, column_name)
        for level, in_range in level_ranges(column, now, calendar).items():
            already = exists(select(Reminder.id).where(
                Reminder.complaint_id == Complaint.id, Reminder.clock == clock,
                Reminder.level == level, Reminder.due_at == column))
            after = None  # seek past the previous batch: each batch reads only rows not yet looked at
            for _ in range(100000):  # bounded: each pass consumes its batch
                query = (select(Complaint.id, column, Complaint.agency_id)
                         .where(Complaint.status == status, in_range, ~already)
                         .order_by(column, Complaint.id).limit(batch_size))
                if after is not None:
                    query = query.where(tuple_(column, Complaint.id) > tuple_(*after))
                found = db.session.execute(query).all()
                if not found:
                    break
                after = (found[-1][1], found[-1][0])
                inserted = _insert_ignoring_duplicates([
                    dict(complaint_id=cid, clock=clock, level=level, due_at=due, agency_id=agency_id,
                         created_at=now, notified_at=None, recipients=0)
                    for cid, due, agency_id in found
                ])
                db.session.commit()
                new_ids += inserted
                counts[level] += len(inserted)
                if len(found) < batch_size:
                    break
    if immediate:
        batch = _announce_pending(now)
    else:  # digest mode: the in-app notices now, the e-mail with the daily digest
        batch = Outcome(outbox=_announce(new_ids, immediate=False, now=now) if new_ids else [])
        db.session.commit()
    outcome.committed(batch, deliver)
    if any(counts.values()):
        log.info("reminders written: %s", counts)
    return outcome


def still_due(reminder, complaint):
    """The reminder still speaks of the case's running clock: not answered, verified, closed, merged,
    put on hold or given a new deadline since it was written (a reminder waits for its announcement
    until the daily digest in digest mode, or the next sweep after an interrupted one)."""
    column = sla.CLOCK_BY_STATUS.get(complaint.status)
    return (column is not None and sla.CLOCK_NAMES[column] == reminder.clock
            and getattr(complaint, column) == reminder.due_at)


def _announce_pending(now):
    """Claim every reminder not yet announced and write one message per person (one transaction)."""
    claimed = list(db.session.execute(
        update(Reminder).where(Reminder.notified_at.is_(None)).values(notified_at=now)
        .returning(Reminder.id).execution_options(synchronize_session=False)
    ).scalars())
    rows = _announce(claimed, immediate=True, now=now) if claimed else []
    db.session.commit()
    return Outcome(outbox=rows)


def _announce(reminder_ids, immediate, now, chunk=2000):
    """Write the grouped messages of these reminders; returns the outbox rows."""
    items = []
    for i in range(0, len(reminder_ids), chunk):
        items += db.session.execute(
            select(Reminder, Complaint).join(Complaint, Complaint.id == Reminder.complaint_id)
            .where(Reminder.id.in_(reminder_ids[i:i + chunk]))
            .options(joinedload(Complaint.agency))
            .order_by(Reminder.id)
        ).tuples().all()
    items = [(reminder, complaint) for reminder, complaint in items if still_due(reminder, complaint)]
    reached, rows = notify.grouped_reminder_messages(items, notify.Recipients(), immediate=immediate, now=now)
    by_count = {}
    for reminder_id, people in reached.items():
        by_count.setdefault(people, []).append(reminder_id)
    for people, ids in by_count.items():
        for i in range(0, len(ids), chunk):
            db.session.execute(update(Reminder).where(Reminder.id.in_(ids[i:i + chunk]))
                               .values(recipients=people).execution_options(synchronize_session=False))
    return rows


def send_digest(now=None, batch_size=5000, deliver=None):
    """Daily digest mode: one e-mail per staff member for the reminders not yet announced.

    Returns an :class:`Outcome`: ``counts["emails"]`` and the ``outbox_ids``; each committed
    batch is handed to ``deliver`` first (as in :func:`sweep`).
    """
    now = now or utcnow()
    recipients = notify.Recipients()
    outcome = Outcome(counts={"emails": 0})
    for _ in range(1000):
        pending = select(Reminder.id).where(Reminder.notified_at.is_(None)).order_by(Reminder.id).limit(batch_size)
        # claiming by UPDATE ... RETURNING: a concurrent digest gets only what we did not take
        claimed = list(db.session.execute(
            update(Reminder).where(Reminder.id.in_(pending.scalar_subquery()), Reminder.notified_at.is_(None))
            .values(notified_at=now).returning(Reminder.id)
            .execution_options(synchronize_session=False)
        ).scalars())
        if not claimed:
            db.session.rollback()
            break
        rows = db.session.execute(
            select(Reminder).where(Reminder.id.in_(claimed))
            .options(joinedload(Reminder.complaint).joinedload(Complaint.agency))
            .order_by(Reminder.id)
        ).scalars().all()
        written = notify.digest_messages([(r, r.complaint) for r in rows if still_due(r, r.complaint)],
                                         recipients, now=now)
        outcome.counts["emails"] += len(written)
        db.session.commit()
        outcome.committed(Outcome(outbox=written), deliver)
        if len(claimed) < batch_size:
            break
    return outcome
