"""Auto-close: resolved cases whose reporter did not respond in time are closed by the system.

Only the due cases are read (``status = 'resolved'`` and the indexed
``auto_close_due``); each is closed through ``lifecycle.auto_close`` in its own
transaction with the row locked, so a reporter replying at the same moment wins
or loses cleanly and nothing is closed twice.
"""
import logging

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.clock import utcnow
from app.extensions import db
from app.models import Complaint
from app.settings import setting
from app.workflow import lifecycle
from app.workflow.errors import DomainError
from app.workflow.outcome import Outcome

log = logging.getLogger(__name__)


def close_due(now=None, batch_size=None, deliver=None):
    """Close every due case; returns an :class:`Outcome` with ``counts["closed"]`` and the
    ``outbox_ids`` of the reporters' messages. Each case is committed on its own, then its
    outcome handed to ``deliver`` (the caller's queue, e.g. ``app.jobs.queue.deliver``)."""
    now = now or utcnow()
    outcome = Outcome(counts={"closed": 0})
    batch_size = batch_size or int(setting("REMINDER_BATCH_SIZE", 500))
    skipped = set()
    while True:
        query = (select(Complaint.id)
                 .where(Complaint.status == "resolved", Complaint.auto_close_due < now)
                 .order_by(Complaint.auto_close_due, Complaint.id).limit(batch_size))
        if skipped:
            query = query.where(Complaint.id.notin_(skipped))
        ids = list(db.session.execute(query).scalars())
        db.session.rollback()
        if not ids:
            break
        for complaint_id in ids:
            try:
                complaint = lifecycle.load_for_update(complaint_id)
                if complaint is None:
                    db.session.rollback()
                    continue
                closed = lifecycle.auto_close(complaint, lifecycle.SYSTEM, now=now)
                db.session.commit()
                outcome.committed(closed, deliver)
                outcome.counts["closed"] += 1
            except (DomainError, StaleDataError) as exc:
                db.session.rollback()
                skipped.add(complaint_id)
                log.info("auto-close skipped case %s: %s", complaint_id, exc.__class__.__name__)
        if len(ids) < batch_size:
            break
    return outcome
