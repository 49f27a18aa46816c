"""The reporter's private reply code: checking it, locking it, issuing a new one.

A correct code opens the case for the reporter; every wrong one is counted on the
case, and after ``REPLY_CODE_MAX_FAILURES`` the code locks (even the right code is
then refused) until a coordinator issues a new one. The per-address limit lives on
the routes (Flask-Limiter); this is the per-case half.
"""
import datetime
import hmac

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from app.clock import utcnow
from app.crypto import blind_index
from app.extensions import db
from app.models import Complaint, InboundMessage
from app.workflow import access
from app.workflow.errors import NotAllowed
from app.workflow.numbers import check_reply_code, hash_reply_code, new_reply_code

OK, WRONG, LOCKED = "ok", "wrong", "locked"


def max_failures():
    return max(1, int(current_app.config.get("REPLY_CODE_MAX_FAILURES", 10)))


def is_locked(complaint):
    return complaint.reply_code_locked_at is not None


def attempt(complaint, code, now=None):
    """Check ``code`` against the case: OK, WRONG or LOCKED. Counts failures atomically.

    The counters are written with a plain UPDATE (not through the ORM) so that a
    citizen's wrong guess never moves the case version under a staff member's form.
    The caller commits.
    """
    if is_locked(complaint):
        return LOCKED
    if check_reply_code(code, complaint.reply_code_hash):
        if complaint.reply_code_failures:
            db.session.execute(update(Complaint).where(Complaint.id == complaint.id)
                               .values(reply_code_failures=0).execution_options(synchronize_session=False))
        return OK
    now = now or utcnow()
    limit = max_failures()
    db.session.execute(
        update(Complaint).where(Complaint.id == complaint.id)
        .values(reply_code_failures=Complaint.reply_code_failures + 1).execution_options(synchronize_session=False))
    db.session.execute(
        update(Complaint).where(Complaint.id == complaint.id, Complaint.reply_code_failures >= limit,
                                Complaint.reply_code_locked_at.is_(None))
        .values(reply_code_locked_at=now).execution_options(synchronize_session=False))
    db.session.expire(complaint, ["reply_code_failures", "reply_code_locked_at"])
    return LOCKED if is_locked(complaint) else WRONG


def reissue(complaint, who, now=None):
    """A coordinator gives the reporter a new code (lost, or locked): returns the new code.

    The old code stops working at once, the failure count and lock are cleared, and an
    internal event records who did it. The caller shows the code once (to read it to
    the reporter) and commits.
    """
    from app.workflow import lifecycle

    actor = lifecycle.as_actor(who)
    if not (actor.roles & access.COORDINATING_ROLES):
        raise NotAllowed(_l("Only a coordinator can issue a new reply code."))
    now = now or utcnow()
    code = replace_code(complaint)
    lifecycle._event(complaint, actor, "reply_code_reissued", is_public=False, now=now)
    db.session.flush()
    return code


def replace_code(complaint):
    """A new code for ``complaint`` (returned once, stored hashed): the old one stops working at once,
    the failure count and lock are cleared."""
    code = new_reply_code()
    complaint.reply_code_hash = hash_reply_code(code)
    complaint.reply_code_failures = 0
    complaint.reply_code_locked_at = None
    return code


def access_stamp(complaint):
    """A short fingerprint of the current code: a session that entered an older code loses access."""
    import hashlib

    return hashlib.sha256(("stamp:" + (complaint.reply_code_hash or "")).encode()).hexdigest()[:16]


# --- the public report form sent again: the code once more, to the browser that sent it ----------
#
# The code is shown on the answer to the form's first sending. When that answer is lost (network
# retry, back + resend), the second sending finds the case the first one opened; the browser that
# sent the form sees its code again from a copy kept, encrypted, on the record of the sending for
# REPLY_CODE_RESEND_MINUTES. That browser is recognised by a random key in its session (set when the
# form is shown) whose keyed hash is on the record; any other browser sending the same form gets
# neither the code nor the case. The code never goes into a URL or a log; a coordinator's new code
# or a locked one is never shown from the copy; the daily clean-up erases old copies.
#
# The receipt page of the first sending reads its code from the same copy (never from the session,
# whose cookie is signed, not encrypted): for at least RECEIPT_MINUTES, even when no resend is allowed.

RECEIPT_MINUTES = 10


def resend_window():
    return datetime.timedelta(minutes=max(0, int(current_app.config.get("REPLY_CODE_RESEND_MINUTES", 30))))


def receipt_window():
    """How long the receipt page of a sending may read the kept copy: the resend window, at least
    ``RECEIPT_MINUTES`` (the answer to the first sending shows the code even with no resend allowed)."""
    return max(resend_window(), datetime.timedelta(minutes=RECEIPT_MINUTES))


def _sender_hash(sender_key):
    return blind_index("form-sender:" + sender_key) if sender_key else None


def keep_for_sender(sending, code, sender_key):
    """Keep ``code`` (encrypted) on ``sending`` (the :class:`InboundMessage` of a form's sending)
    for the browser whose session holds ``sender_key``. The caller commits."""
    sending.sender = _sender_hash(sender_key)
    sending.secret = code if code and sending.sender else None


def is_sender(sending, sender_key):
    """True when ``sender_key`` is the key of the browser that sent the form the first time."""
    mine = _sender_hash(sender_key)
    return bool(mine and sending.sender and hmac.compare_digest(mine, sending.sender))


def code_for_sender(sending, complaint, sender_key, now=None, window=None):
    """The reply code of ``complaint`` kept on ``sending``, for the browser that sent it: None for any
    other browser, once the copy is older than ``window`` (default: the resend window), or when it
    no longer opens the case."""
    if sending is None or complaint is None or not is_sender(sending, sender_key) or not sending.secret:
        return None
    if sending.created_at + (window if window is not None else resend_window()) < (now or utcnow()):
        return None
    code = sending.secret
    if is_locked(complaint) or not check_reply_code(code, complaint.reply_code_hash):
        return None
    return code


def forget_kept_codes(now=None):
    """The daily clean-up: copies older than the resend (or receipt) window are erased. Returns how many."""
    cutoff = (now or utcnow()) - receipt_window()
    result = db.session.execute(
        update(InboundMessage).where(InboundMessage.secret.is_not(None), InboundMessage.created_at < cutoff)
        .values(secret=None).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount
