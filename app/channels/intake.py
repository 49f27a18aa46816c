"""What every channel adapter shares: dedupe of deliveries, the channel row, opening a case
with checked attachments, finding a reporter's open cases by contact, replying to a sender.

Adapters stay thin: they parse their input, then call :func:`open_case` or
:func:`add_reply`, both of which end in one lifecycle call.
"""
import datetime
import io
import re

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from app.clock import utcnow
from app.extensions import db
from app.models import Channel, Complaint, InboundMessage, Reporter
from app.models.complaint import OPEN_STATUSES
from app.workflow import attachments, lifecycle
from app.workflow.errors import ValidationFailed
from app.workflow.numbers import normalise_tracking_number

TRACKING_IN_TEXT = re.compile(r"\b([A-Za-z0-9]{4})[- ]?([A-Za-z0-9]{4})[- ]?([A-Za-z0-9])\b")


def channel(code):
    row = db.session.execute(select(Channel).where(Channel.code == code)).scalar_one_or_none()
    if row is None:
        raise ValidationFailed()
    return row


def seen(provider, external_id):
    return db.session.execute(
        select(InboundMessage.id).where(InboundMessage.provider == provider,
                                        InboundMessage.external_id == str(external_id)[:255])
    ).first() is not None


def recorded(provider, external_id):
    """The record of a delivery (a channel's message, a form's sending), or None."""
    return db.session.execute(
        select(InboundMessage).where(InboundMessage.provider == provider,
                                     InboundMessage.external_id == str(external_id)[:255])
    ).scalar_one_or_none()


def recorded_case_id(provider, external_id):
    """The case a delivery opened (a channel's message, a form's sending), or None."""
    row = recorded(provider, external_id)
    return row.complaint_id if row is not None else None


def record(provider, external_id, outcome, complaint=None, api_key=None, import_batch_id=None, now=None):
    row = InboundMessage(provider=provider, external_id=str(external_id)[:255], outcome=outcome,
                         complaint=complaint, api_key=api_key, import_batch_id=import_batch_id,
                         created_at=now or utcnow())
    db.session.add(row)
    return row


def repeated(provider, fingerprint, api_key, minutes, now=None):
    """The earlier sending of the same content (``fingerprint``: a keyed hash of it) by the same
    client (``api_key``) within ``minutes`` that opened a case, or None: a client that sends its
    request again after losing the answer (a mobile network) finds its case instead of opening a
    second one. One indexed look-up (the key's recent sendings)."""
    if not fingerprint or not minutes:
        return None
    since = (now or utcnow()) - datetime.timedelta(minutes=minutes)
    return db.session.execute(
        select(InboundMessage).where(InboundMessage.provider == provider, InboundMessage.api_key_id == api_key.id,
                                     InboundMessage.created_at >= since, InboundMessage.sender == fingerprint,
                                     InboundMessage.complaint_id.is_not(None))
        .order_by(InboundMessage.id).limit(1)).scalar_one_or_none()


def open_once(provider, external_id, open_case, **details):
    """One case per form, however often the form is sent: a double click, a reload, a resend after
    a lost answer, two requests at once. The one rule for the staff intake form and the public
    report form, whose pages carry an id of their own (``external_id``, made when the form is shown).

    The sending is recorded *in the transaction that opens the case*, first (a concurrent sending
    of the same form waits on the record's unique key, then finds the case); ``open_case(sending)``
    opens the case in that transaction and returns ``(outcome, written files)``; both are committed
    together. A sending that fails (a refusal by the rules, an unexpected error) is rolled back with
    its record and its files: nothing is left behind, so the same form, corrected or sent again, goes
    through. Returns ``(sending, outcome)``; ``outcome`` is None when the form was sent before:
    ``sending`` is then the earlier sending's record, with the case it opened (nothing is kept from
    this one). The caller queues the outcome's messages (``deliver``). Without an id (an old page)
    the case is opened as it is.

    Message channels keep :func:`claim`: they answer a rejected or empty message once, so they
    record it even when no case is opened.
    """
    written = []
    try:
        sending = None
        if external_id:
            earlier = recorded(provider, external_id)
            if earlier is not None and earlier.complaint_id is not None:
                return earlier, None
            if earlier is not None:  # a claim left by a sending that failed (older versions claimed first)
                db.session.expunge(earlier)
                db.session.execute(delete(InboundMessage).where(InboundMessage.id == earlier.id))
            sending = record(provider, external_id, "case", **details)
            db.session.flush()  # here a concurrent sending of the same form waits, then fails
        outcome, written = open_case(sending)
        if sending is not None:
            sending.complaint = outcome.complaint
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        attachments.discard(written)
        earlier = recorded(provider, external_id) if external_id else None
        if earlier is None or earlier.complaint_id is None:
            raise
        return earlier, None
    except BaseException:
        db.session.rollback()
        attachments.discard(written)
        raise
    return sending, outcome


CLAIM_STALE_MINUTES = 15  # far beyond handling one message (media downloads time out sooner)


def claim(provider, external_id, now=None):
    """Record a delivery before acting on it, in its own transaction: a second (concurrent or
    later) delivery of the same message finds the row and is ignored. True when it is new.

    For message channels, which record every delivery (a rejected or empty message is answered
    once, a retry is ignored); a form opens its case with :func:`open_once` instead.

    A claim still "received" after :data:`CLAIM_STALE_MINUTES` belongs to a process that died while
    handling the message (no outcome, never released): the provider's next retry takes it over, so
    a message is never lost to a crash. Taking over is one conditional UPDATE: of two retries at
    once, one wins."""
    now = now or utcnow()
    if seen(provider, external_id):
        taken = db.session.execute(
            update(InboundMessage)
            .where(InboundMessage.provider == provider, InboundMessage.external_id == str(external_id)[:255],
                   InboundMessage.outcome == "received",
                   InboundMessage.created_at < now - datetime.timedelta(minutes=CLAIM_STALE_MINUTES))
            .values(created_at=now)
        ).rowcount
        db.session.commit()
        return taken == 1
    try:
        record(provider, external_id, "received", now=now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def release(provider, external_id):
    """Forget a claimed delivery whose processing failed unexpectedly (so a retry is processed)."""
    db.session.execute(delete(InboundMessage).where(InboundMessage.provider == provider,
                                                    InboundMessage.external_id == str(external_id)[:255]))
    db.session.commit()


def set_outcome(provider, external_id, outcome, complaint=None):
    row = db.session.execute(
        select(InboundMessage).where(InboundMessage.provider == provider,
                                     InboundMessage.external_id == str(external_id)[:255])
    ).scalar_one()
    row.outcome = outcome
    if complaint is not None:
        row.complaint = complaint


def as_uploads(files):
    """[(name, bytes)] -> file objects the web form's checks accept."""
    return [FileStorage(stream=io.BytesIO(data), filename=name or "lampiran") for name, data in files]


_HALF_PAIR = re.compile("[\ud800-\udfff]")


def clean(value):
    """Text as a channel delivered it, without NUL characters: never typed by a person (an SMS
    gateway may send one for a GSM "@"), and refused by PostgreSQL, which failed the whole
    delivery, again on every retry. Half of a UTF-16 surrogate pair (``"\\ud800"`` in a JSON
    payload, a cut emoji) has no UTF-8 and failed the same way: it becomes U+FFFD, the sign of a
    character that could not be read. Other values are returned as they are."""
    if not isinstance(value, str):
        return value
    return _HALF_PAIR.sub("\ufffd", value.replace("\x00", ""))


def is_empty(text, files):
    """A message with nothing to report: no text (blank or only spaces) and no file received.
    It opens no case and is added to none; the sender is asked to write their report
    (:func:`empty_answer`). A file without text is a report ("(attachment only)")."""
    return not (text or "").strip() and not files


def empty_answer(skipped=0):
    """What the sender of an empty message reads (in the current locale)."""
    from flask_babel import gettext as _

    text = _("Your message is empty. Please write your report (what happened, where and when) and send it again.")
    if skipped:
        text = _("%(count)d attachment(s) could not be received; please send them again.", count=skipped) + " " + text
    return text


def open_case(channel_row, *, title, description, reporter=None, files=(), kind="complaint",
              now=None, **details):
    """Check the attachments, open the case (one lifecycle call) and store the files.

    Returns ``(outcome, written paths)``: the caller commits, then queues
    ``outcome.outbox_ids`` (and discards the written files when the commit fails).
    """
    accepted = attachments.validate_uploads(as_uploads(files)) if files else []
    title, description = clean(title), clean(description)
    details = {key: clean(value) for key, value in details.items()}
    title = " ".join((title or "").split())[:lifecycle.MAX_TITLE] or lifecycle.title_from(description)
    outcome = lifecycle.register(
        who=lifecycle.REPORTER, title=title, description=description, kind=kind, channel=channel_row,
        reporter=reporter, now=now, **details)
    written = attachments.store(outcome.complaint, accepted) if accepted else []
    return outcome, written


def add_reply(complaint, text, files=(), now=None):
    """The reporter's message on an existing case: completes a hold or is added as a reply; on a
    duplicate merged into another report, it goes to that main report (``lifecycle.follower_reply``).
    Returns ``(outcome, written paths)``; the event's case is where it landed."""
    accepted = attachments.validate_uploads(as_uploads(files)) if files else []
    if complaint.parent_id is not None:
        outcome = lifecycle.follower_reply(complaint, clean(text), now=now)
    else:
        operation = "complete_hold" if complaint.status == "on_hold" else "reporter_reply"
        outcome = lifecycle.OPERATIONS[operation](complaint, lifecycle.REPORTER, clean(text), now=now)
    db.session.flush()
    landed = outcome.event.complaint
    written = attachments.store(landed, accepted, event=outcome.event) if accepted else []
    return outcome, written


def answer(outcome, channel, recipient, text, complaint=None, reply_to=None):
    """A direct answer to the sender, added to ``outcome`` (queued by the caller after commit)."""
    from app.workflow import notify

    outcome.outbox.append(notify.direct_message(channel, recipient, text, complaint=complaint, reply_to=reply_to))
    return outcome


def make_reporter(name=None, phone=None, email=None):
    """A reporter who contacted us themselves (the message is their consent to be answered)."""
    if not any((name, phone, email)):
        return None
    reporter = Reporter(consent_at=utcnow())
    reporter.set_identity(name=clean(name), phone=clean(phone), email=clean(email))
    db.session.add(reporter)
    return reporter


def cases_of(phone=None, email=None, open_only=True):
    """The cases whose reporter has this phone number / e-mail (blind-index lookups)."""
    if phone:
        clause = Reporter.phone_index == Reporter.phone_lookup(phone)
    elif email:
        clause = Reporter.email_index == Reporter.email_lookup(email)
    else:
        return []
    query = select(Complaint).join(Complaint.reporter).where(clause)
    if open_only:
        query = query.where(Complaint.status.in_(OPEN_STATUSES))
    return list(db.session.execute(query.order_by(Complaint.id).limit(50)).scalars())


def followed(case):
    """The main report whose updates the reporter of ``case`` receives (``case`` is a duplicate
    merged into it), or None. A reporter whose contact could not be confirmed
    (``Reporter.contact_unconfirmed``) is told nothing of the main report: nothing of theirs
    answers it."""
    parent = case.parent
    if parent is None or case.reporter is None or case.reporter.contact_unconfirmed:
        return None
    return parent


def following(cases):
    """The main reports a sender follows: ``{main report id: (main report, the sender's duplicate
    merged into it)}`` for the sender's ``cases`` (see :func:`cases_of`)."""
    found = {}
    for case in cases:
        parent = followed(case)
        if parent is not None:
            found.setdefault(parent.id, (parent, case))
    return found


def case_named(cases, numbers):
    """Which of a sender's ``cases`` (see :func:`cases_of`) the tracking ``numbers`` (in the order
    written) name: one of their own, or a main report they follow (:func:`following`): then their
    duplicate merged into it, which :func:`add_reply` sends on to the main report. The one rule of
    every channel. A number of anyone else's case names nothing: the message is never added to
    another citizen's report. None when no number names one of theirs."""
    own = {case.tracking_number: case for case in cases}
    by_main = {parent.tracking_number: case for parent, case in following(cases).values()}
    for number in numbers:
        case = own.get(number) or by_main.get(number)
        if case is not None:
            return case
    return None


def only_open_case(cases):
    """The case a message naming no tracking number answers, on channels without threads (WhatsApp,
    SMS): the sender's only open case; when they have none, the one open main report they follow
    (then their duplicate merged into it, see :func:`case_named`). None when they have several of
    either: the message opens a new case rather than a guess."""
    own = [case for case in cases if case.status in OPEN_STATUSES]
    if own:
        return own[0] if len(own) == 1 else None  # their own conversation comes first, as always
    followed_open = [case for parent, case in following(cases).values() if parent.status in OPEN_STATUSES]
    return followed_open[0] if len(followed_open) == 1 else None


def tracking_numbers_in(text):
    """Tracking numbers named in a text (valid check symbol only)."""
    found = []
    for match in TRACKING_IN_TEXT.finditer(text or ""):
        number = normalise_tracking_number("".join(match.groups()))
        if number and number not in found:
            found.append(number)
    return found


def find_case(number):
    return db.session.execute(select(Complaint).where(Complaint.tracking_number == number)).scalar_one_or_none()
