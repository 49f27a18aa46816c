"""UU PDP 27/2022: reporter identity is revealed accountably, erased on request, and not kept longer than needed.

- :func:`reveal` / :func:`record_export`: every time a staff user sees a reporter's full
  contact data (unmasked on the case page, or in an export) an :class:`IdentityAccess`
  row says who, when, which case and why.
- :func:`access_log`: what the coordinator reads per case.
- :func:`confirm_contact`: the coordinator confirms contact data a channel could not (then the
  reporter gets the receipt they never had: number and a new reply code).
- :func:`erase`: the coordinator erases a reporter's identity on request; the case stays
  (and is counted), pending messages to the reporter lose their address, an event records it.
- :func:`blank_sent_recipients` / :func:`expire_closed_identities`: the daily retention job.
"""
import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select, update

from app.clock import utcnow
from app.extensions import db
from app.models import Complaint, IdentityAccess, Outbox, Reporter
from app.models.complaint import OPEN_STATUSES
from app.workflow import access, outbox
from app.workflow.errors import NotAllowed, ValidationFailed

UNSENT = ("pending", "sending", "failed")


MAX_REASON = 1000  # characters of a reason in the access log: refused beyond, never cut


def _reason(reason):
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(_l("Write why you need the reporter's full data (at least 5 characters)."))
    return _at_most(reason)


def _at_most(text):
    if len(text) > MAX_REASON:
        raise ValidationFailed(_l("Write it in at most %(count)s characters.", count="1.000"))
    return text


def _unmaskable(user, complaint):
    """``user`` may see this case's reporter in full: the access rule allows it and the data still exists."""
    return (complaint.reporter is not None and complaint.reporter.erased_at is None
            and access.identity_visible(user, complaint))


def reveal(user, complaint, reason, address=None, now=None):
    """Full identity of the case's reporter for ``user``, recorded in the access log. Caller commits."""
    if not _unmaskable(user, complaint):
        raise NotAllowed(_l("You may not see this reporter's data."))
    db.session.add(IdentityAccess(complaint_id=complaint.id, user_id=user.id, purpose="reveal",
                                  reason=_reason(reason), address=address, created_at=now or utcnow()))
    reporter = complaint.reporter
    return {"visible": True, "revealed": True, "protected": complaint.is_anonymous or complaint.is_confidential,
            "name": reporter.name or "", "phone": reporter.phone or "", "email": reporter.email or "",
            "nik": reporter.nik or ""}


def export_reason(reason):
    """The reason given for an export with full contact data, checked as for :func:`reveal`
    before the export starts (raises :class:`ValidationFailed`)."""
    return _reason(reason)


def export_contact(user, complaint):
    """The full phone and e-mail an export with contact data may write for this case, or None
    where they stay masked (the access rule hides the reporter, the data was erased, or there is
    none). A case it answers for must be recorded with :func:`record_export`."""
    if not _unmaskable(user, complaint):
        return None
    reporter = complaint.reporter
    if not (reporter.phone or reporter.email):
        return None
    return {"phone": reporter.phone or "", "email": reporter.email or ""}


def record_export(user, complaint_ids, reason, address=None, now=None):
    """An export carrying reporters' contact data: one access row per case. Caller commits."""
    reason, now = _reason(reason), now or utcnow()
    db.session.add_all([IdentityAccess(complaint_id=cid, user_id=user.id, purpose="export", reason=reason,
                                       address=address, created_at=now) for cid in complaint_ids])


def access_log(user, complaint):
    """The access records of a case, newest first; coordinators only."""
    if not access.is_coordinator(user):
        raise NotAllowed()
    return db.session.execute(
        select(IdentityAccess).where(IdentityAccess.complaint_id == complaint.id)
        .order_by(IdentityAccess.id.desc()).limit(500)
    ).scalars().all()


def _blank_unsent(reporter, complaint_ids):
    """Pending messages to a reporter lose their address and secret and are cancelled: those addressed
    to them (also about a main report their duplicate was merged into, never those to its own
    reporter) and the answers on a channel about their cases."""
    addressed = Outbox.reporter_id == reporter.id
    if complaint_ids:
        addressed = or_(addressed, and_(Outbox.reporter_id.is_(None), Outbox.complaint_id.in_(complaint_ids)))
    result = db.session.execute(
        update(Outbox).where(addressed, Outbox.user_id.is_(None), Outbox.status.in_(UNSENT))
        .values(recipient=None, secret=None, status="cancelled", last_error=outbox.ERASED)
        .execution_options(synchronize_session=False))
    return result.rowcount


def erase(complaint, who, reason, address=None, now=None):
    """Erase the reporter's identity on request (UU PDP): the case and statistics stay. Caller commits."""
    from app.workflow import lifecycle

    actor = lifecycle.as_actor(who)
    if actor.kind == "staff" and not access.is_coordinator(actor.user):
        raise NotAllowed(_l("Only a coordinator can erase a reporter's data."))
    reporter = complaint.reporter
    if reporter is None or reporter.erased_at is not None:
        raise ValidationFailed(_l("This reporter's data has already been erased."))
    now = now or utcnow()
    reason = _reason(reason) if actor.kind == "staff" else (reason or "retention")
    return _erase_reporter(reporter, actor, reason, address, now)


def confirm_contact(complaint, who, reason, now=None):
    """A coordinator checked with the reporter (e.g. by telephone) that contact data a channel could not
    confirm (``Reporter.contact_unconfirmed``: an e-mail whose sender the mail server did not
    authenticate, held as a case of its own) is really theirs. From now on the portal writes to it,
    starting with the receipt the reporter never got: the tracking number and a new reply code (the
    first one was never sent to anyone). An internal event records who confirmed it and how.

    Returns the event's :class:`~app.workflow.lifecycle.Outcome`; the caller commits and queues its
    outbox."""
    from app.workflow import lifecycle, reply_codes

    actor = lifecycle.as_actor(who)
    if actor.kind != "staff" or not access.is_coordinator(actor.user):
        raise NotAllowed(_l("Only a coordinator can confirm a reporter's contact data."))
    reporter = complaint.reporter
    if reporter is None or reporter.erased_at is not None:
        raise ValidationFailed(_l("This case has no reporter contact data to confirm."))
    if not reporter.contact_unconfirmed:
        raise ValidationFailed(_l("This reporter's contact data is already confirmed."))
    note = (reason or "").strip()
    if len(note) < 5:
        raise ValidationFailed(_l("Write how you confirmed the contact data with the reporter (at least 5 characters)."))
    reporter.contact_unconfirmed = False
    code = reply_codes.replace_code(complaint)
    return lifecycle._event(complaint, actor, "contact_confirmed", is_public=False, internal_note=_at_most(note),
                            now=now or utcnow(), reply_code=code)


def _erase_reporter(reporter, actor, reason, address, now):
    from app.workflow import lifecycle

    cases = db.session.execute(select(Complaint).where(Complaint.reporter_id == reporter.id)).scalars().all()
    reporter.erase(now)
    _blank_unsent(reporter, [c.id for c in cases])
    for case in cases:
        lifecycle._event(case, actor, "identity_erased", is_public=False, internal_note=reason, now=now)
        db.session.add(IdentityAccess(complaint_id=case.id, user_id=actor.user_id, purpose="erase",
                                      reason=reason, address=address, created_at=now))
    db.session.flush()
    return cases


def blank_sent_recipients(now=None):
    """Sent messages keep their recipient address only ``OUTBOX_RECIPIENT_RETENTION_DAYS`` days."""
    now = now or utcnow()
    days = int(current_app.config.get("OUTBOX_RECIPIENT_RETENTION_DAYS", 30))
    cutoff = now - datetime.timedelta(days=days)
    result = db.session.execute(
        update(Outbox).where(Outbox.status.in_(("sent", "cancelled")), Outbox.recipient.is_not(None),
                             Outbox.sent_at.is_not(None), Outbox.sent_at < cutoff)
        .values(recipient=None, secret=None).execution_options(synchronize_session=False))
    result2 = db.session.execute(
        update(Outbox).where(Outbox.status == "cancelled", Outbox.recipient.is_not(None),
                             Outbox.created_at < cutoff)
        .values(recipient=None, secret=None).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount + result2.rowcount


def expire_closed_identities(now=None, batch=500):
    """With ``IDENTITY_RETENTION_DAYS`` > 0: erase reporters whose cases all ended longer ago. 0 = off."""
    from app.workflow import lifecycle

    days = int(current_app.config.get("IDENTITY_RETENTION_DAYS", 0) or 0)
    if days <= 0:
        return 0
    now = now or utcnow()
    cutoff = now - datetime.timedelta(days=days)
    still_needed = exists().where(Complaint.reporter_id == Reporter.id, (
        Complaint.status.in_(OPEN_STATUSES) | (Complaint.closed_at.is_(None) & (Complaint.status == "closed"))
        | (Complaint.updated_at >= cutoff)))
    had_case = exists().where(Complaint.reporter_id == Reporter.id)
    reporters = db.session.execute(
        select(Reporter).where(Reporter.erased_at.is_(None), had_case, ~still_needed).limit(batch)
    ).scalars().all()
    for reporter in reporters:
        _erase_reporter(reporter, lifecycle.as_actor(lifecycle.SYSTEM),
                        f"retention {days}", None, now)
    db.session.commit()
    return len(reporters)
