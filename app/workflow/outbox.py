"""The outbox state machine: claim, sent, failed with backoff, retried by an admin.

Each transition is one conditional UPDATE committed at once, so two workers
(or a worker and a retried copy of the same job) can never both own a message:

* ``pending`` (due) --claim--> ``sending`` (reserved for one attempt until ``locked_until``)
* ``sending`` --sent--> ``sent``;  --error--> ``pending`` later (backoff) or ``failed`` (gave up)
* ``sending`` whose lease expired (the worker died) --> claimable again (counted as an attempt)
* ``failed`` --admin retry--> ``pending`` now

The window a claim cannot close: a worker killed after the provider accepted a
message but before ``mark_sent`` committed. The retry then sends it again with
the same idempotency key (gateway header, e-mail Message-ID); a provider that
honours the key drops the copy.
"""
import datetime
import uuid
from dataclasses import dataclass

from flask_babel import force_locale, gettext as _
from sqlalchemy import and_, func, or_, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import Outbox
from app.models.notification import SECRET_MARK
from app.settings import setting



def backoff_seconds(attempts):
    """Wait before the next attempt, after ``attempts`` failed ones (1-based)."""
    raw = str(setting("NOTIFY_BACKOFF_SECONDS", "60,300,900,3600,10800"))
    steps = [int(float(x)) for x in raw.split(",") if x.strip()] or [60]
    return steps[min(max(attempts, 1), len(steps)) - 1]


def _lease():
    return datetime.timedelta(seconds=int(setting("NOTIFY_LEASE_SECONDS", 300)))


def _claimable(now):
    return or_(
        and_(Outbox.status == "pending", Outbox.next_attempt_at <= now),
        and_(Outbox.status == "sending", Outbox.locked_until < now),
    )


@dataclass(frozen=True)
class Message:
    """What a transport needs of a claimed message (read before the network call, so no
    database transaction stays open while sending)."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    reply_to: str = None  # provider id of the inbound message answered (threads the reply)
    complaint_id: int = None  # the case the message is about (its e-mail carries the case's reply token)

    @property
    def idempotency_key(self):
        return f"lapor-outbox-{self.id}"


def claim(outbox_id, now=None):
    """Reserve one message for one delivery attempt.

    Returns ``(message, token, cancel_reason)`` or None when another attempt owns it,
    it was sent already, or it is not due.
    """
    now = now or utcnow()
    token = uuid.uuid4().hex
    result = db.session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id, _claimable(now))
        .values(status="sending", claim_token=token, locked_until=now + _lease(),
                attempts=Outbox.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount != 1:
        return None
    row = db.session.get(Outbox, outbox_id)
    body = row.body.replace(SECRET_MARK, row.secret) if row.secret else row.body
    message = Message(id=row.id, channel=row.channel, recipient=row.recipient or "",
                      subject=row.subject, body=body, reply_to=row.reply_to,
                      complaint_id=row.complaint_id)
    reason = cancel_reason(row)
    db.session.commit()  # end the read transaction before the network call
    return message, token, reason


def mark_sent(outbox_id, token, transport, provider_ref=None, now=None):
    """Returns False when the claim had been lost (the lease expired meanwhile)."""
    result = db.session.execute(
        update(Outbox)
        .where(Outbox.id == outbox_id, Outbox.claim_token == token, Outbox.status == "sending")
        .values(status="sent", sent_at=now or utcnow(), locked_until=None, transport=transport, secret=None,
                provider_ref=(provider_ref or "")[:200] or None, last_error=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def mark_failed(outbox_id, token, error, now=None, permanent=False):
    """Back to ``pending`` after a backoff, or ``failed`` when the attempts are used up.

    ``permanent``: the receiving side refused the message for good (SMTP 5xx, a gateway's HTTP 4xx):
    it fails at once, its error saying so, and waits for a person (correct the address, then retry)."""
    now = now or utcnow()
    attempts = db.session.execute(
        select(Outbox.attempts).where(Outbox.id == outbox_id, Outbox.claim_token == token)
    ).scalar()
    if attempts is None:
        db.session.rollback()
        return None
    gave_up = permanent or attempts >= int(setting("NOTIFY_MAX_ATTEMPTS", 6))
    if permanent:
        with force_locale(setting("BABEL_DEFAULT_LOCALE", "id")):
            error = _("Refused for good (not retried): %(error)s", error=error or "")
    values = dict(last_error=(error or "")[:4000], locked_until=None)
    if gave_up:
        values.update(status="failed")
    else:
        values.update(status="pending",
                      next_attempt_at=now + datetime.timedelta(seconds=backoff_seconds(attempts)))
    db.session.execute(
        update(Outbox).where(Outbox.id == outbox_id, Outbox.claim_token == token, Outbox.status == "sending")
        .values(**values).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return values["status"]


def mark_cancelled(outbox_id, token, reason):
    db.session.execute(
        update(Outbox).where(Outbox.id == outbox_id, Outbox.claim_token == token, Outbox.status == "sending")
        .values(status="cancelled", locked_until=None, last_error=reason, recipient=None, secret=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


# why a message was cancelled, stored in Outbox.last_error (app.labels.CANCEL_REASON_LABELS words them)
ERASED, NO_RECIPIENT = "reporter data erased", "no recipient"


def cancel_reason(row):
    """A reporter who asked for erasure is no longer contacted: the reporter the message is addressed
    to (the reporter of a duplicate follows its main report: the main report's reporter is someone
    else), or for a message that names none (an answer on a channel) the case's own reporter."""
    if row.user_id is None and row.reporter_id is not None:
        if row.reporter is None or row.reporter.erased_at is not None:
            return ERASED
    elif row.user_id is None and row.complaint is not None:
        reporter = row.complaint.reporter
        if reporter is None or reporter.erased_at is not None:
            return ERASED
    if not row.recipient:
        return NO_RECIPIENT
    return None


def retry(outbox_ids, now=None):
    """Admin retry: failed (or waiting) messages become due now, with fresh attempts."""
    now = now or utcnow()
    ids = [int(i) for i in outbox_ids]
    if not ids:
        return []
    retried = list(db.session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids), Outbox.status.in_(("failed", "pending")))
        .values(status="pending", next_attempt_at=now, attempts=0, locked_until=None)
        .returning(Outbox.id)
        .execution_options(synchronize_session=False)
    ).scalars())
    db.session.commit()
    return retried


def retryable(row):
    return row.status in ("failed", "pending")


def failed_ids(limit=1000):
    return list(db.session.execute(
        select(Outbox.id).where(Outbox.status == "failed").order_by(Outbox.id).limit(limit)
    ).scalars())


def reserve_due(now=None, limit=500):
    """The outbox sweep: ids of due messages to (re-)enqueue, reserved for one lease.

    Messages whose worker died (lease expired while ``sending``) become due again.
    Reserving stops the next sweep from enqueueing them again while they wait in
    the queue; if the enqueue itself fails, the reservation simply expires.
    """
    now = now or utcnow()
    db.session.execute(
        update(Outbox).where(Outbox.status == "sending", Outbox.locked_until < now)
        .values(status="pending", locked_until=None)
        .execution_options(synchronize_session=False)
    )
    due = (
        select(Outbox.id)
        .where(Outbox.status == "pending", Outbox.next_attempt_at <= now,
               or_(Outbox.locked_until.is_(None), Outbox.locked_until < now))
        .order_by(Outbox.next_attempt_at, Outbox.id)
        .limit(limit)
    )
    ids = list(db.session.execute(due).scalars())
    if ids:
        ids = list(db.session.execute(
            update(Outbox)
            .where(Outbox.id.in_(ids), Outbox.status == "pending",
                   or_(Outbox.locked_until.is_(None), Outbox.locked_until < now))
            .values(locked_until=now + _lease())
            .returning(Outbox.id)
            .execution_options(synchronize_session=False)
        ).scalars())
    db.session.commit()
    return sorted(ids)


def counts():
    """Messages by status (for the queue screen and /health)."""
    return dict(db.session.execute(select(Outbox.status, func.count()).group_by(Outbox.status)).all())
