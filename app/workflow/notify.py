"""Who is told what: outbox messages and in-app notices for case events and reminders.

:func:`on_event` is the one hook of the lifecycle (``lifecycle._event`` calls it
for every event): it adds the messages to ``db.session`` so that they commit or
roll back together with the case change, and returns the outbox rows it wrote.
The lifecycle hands them back to its caller in an ``Outcome``; the caller queues
their delivery (``app.jobs``) after the commit.

Rules:
* The reporter hears about received, held, dispatched, answered (follow-up),
  resolved, closed, archived and forwarded, by e-mail and/or WhatsApp/SMS
  (``NOTIFY_REPORTER_CHANNELS``), decrypted from :class:`Reporter` here and
  re-encrypted in the outbox. Only public text is ever quoted, never internal notes.
  A reporter whose contact data the channel could not confirm (``Reporter.contact_unconfirmed``:
  an e-mail reply whose From: may be forged) hears nothing, neither of their case nor, merged, of
  its parent: :func:`_notify_reporter` is the one place that decides.
* Staff get in-app notices (and e-mail for reminders): OPD staff are the users
  who may see the case (``access.can_see``); coordinators and Pimpinan by role.
* An event recorded with an old timestamp (imported or demo data) notifies nobody.
"""
import datetime

from flask_babel import force_locale, gettext as _

from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.formats import lapor_datetime
from app.models import Agency, LaporUser, Notification, Outbox, Role
from app.models.notification import SECRET_MARK
from app.workflow import access, agencies
from app.workflow.sla import CLOCK_LABELS, sla_for
from app.settings import setting

# event kind -> what the reporter is told
REPORTER_TOPICS = {
    "received": "received",
    "held": "held",
    "dispatched": "dispatched",
    "redispatched": "dispatched",
    "follow_up": "answered",
    "resolved": "resolved",
    "confirmed": "closed",
    "auto_closed": "closed",
    "archived": "archived",
    "forwarded": "forwarded",
    "merged": "merged",
    "unmerged": "unmerged",
    # contact data a channel could not confirm, confirmed by a coordinator: the receipt never sent
    "contact_confirmed": "received",
}
# topics a merged child's reporter also hears about when they happen on the parent
FOLLOWER_TOPICS = ("dispatched", "answered", "resolved", "closed", "archived", "forwarded")


def _locale():
    return setting("BABEL_DEFAULT_LOCALE", "id")


def _reporter_channels():
    raw = setting("NOTIFY_REPORTER_CHANNELS", "email,whatsapp") or ""
    return [c.strip() for c in raw.split(",") if c.strip() in ("email", "whatsapp", "sms")]


def _base_url():
    return (setting("PUBLIC_BASE_URL") or "").rstrip("/")


def track_url(complaint):
    base = _base_url()
    return f"{base}/lacak/{complaint.tracking_number}" if base else ""


def staff_url(complaint_id):
    base = _base_url()
    return f"{base}/complaintview/show/{complaint_id}" if base else ""


# --- recipients -----------------------------------------------------------------


class Recipients:
    """Staff lookups, memoised for the duration of one hook call or one sweep."""

    def __init__(self):
        self._by_role = {}
        self._ancestors = {}
        self._staff = {}

    def with_role(self, role_name):
        if role_name not in self._by_role:
            self._by_role[role_name] = list(db.session.execute(
                select(LaporUser).join(LaporUser.roles)
                .where(Role.name == role_name, LaporUser.active.is_(True))
                .order_by(LaporUser.id)
            ).scalars().unique())
        return self._by_role[role_name]

    def coordinators(self):
        return self.with_role(access.ROLE_COORDINATOR)

    def leaders(self):
        return self.with_role(access.ROLE_LEADER)

    def _agency_chain(self, agency_id):
        """The agency and its parents: OPD staff of any of them may see its cases."""
        if agency_id not in self._ancestors:
            self._ancestors[agency_id] = agencies.ancestor_ids(agency_id)
        return self._ancestors[agency_id]

    def agency_staff(self, complaint):
        """OPD staff who may see ``complaint`` (the one access rule decides).

        Called before the transition is flushed, so the agency is read from the
        relationship (``agency_id`` is only filled in at flush time).
        """
        agency_id = complaint.agency.id if complaint.agency is not None else complaint.agency_id
        if agency_id is None:
            return []
        found = self._staff.get(agency_id)
        if found is None:  # once per agency and sweep: a backlog has thousands of cases per agency
            chain = set(self._agency_chain(agency_id))
            case = _CaseRef(agency_id)
            found = self._staff[agency_id] = [
                user for user in self.with_role(access.ROLE_OPD)
                if user.agency_id in chain and access.is_opd(user) and access.can_see(user, case)]
        return list(found)


class _CaseRef:
    """What ``access.can_see`` reads of a case: its agency."""

    def __init__(self, agency_id):
        self.agency_id = agency_id


def _unique(users, exclude_id=None):
    seen, result = set(), []
    for user in users:
        if user.id not in seen and user.id != exclude_id:
            seen.add(user.id)
            result.append(user)
    return result


# --- writing messages -------------------------------------------------------------


def _add_outbox(channel, topic, recipient, subject, body, complaint=None, event=None,
                reminder=None, user=None, now=None, secret=None, reporter=None):
    row = Outbox(
        channel=channel, topic=topic, complaint=complaint, recipient=recipient, secret=secret, reporter=reporter,
        subject=(subject or "")[:300], body=body, status="pending", attempts=0,
        next_attempt_at=now or utcnow(), user_id=getattr(user, "id", None),
    )
    if event is not None:
        row.event = event
    if reminder is not None:
        row.reminder = reminder
    db.session.add(row)
    return row


def _add_notice(user, topic, text, complaint=None, now=None):
    notice = Notification(user_id=user.id, complaint=complaint, topic=topic, text=text[:2000],
                          created_at=now or utcnow())
    db.session.add(notice)
    return notice


def _footer(reporter=False):
    """The signature of an e-mail. A reporter's may be answered when the portal reads its mailbox
    (``INBOUND_IMAP_HOST``: app.channels.email adds a reply from their address to their report, or
    as a follower to the main report); staff mail, and any mail without a mailbox, may not."""
    values = dict(app=setting("APP_NAME", "LAPOR!"), installation=setting("INSTALLATION_NAME", ""))
    if reporter and setting("INBOUND_IMAP_HOST"):
        return _("This message was sent automatically by %(app)s (%(installation)s). To add information to "
                 "your report, reply to this e-mail from this address; keep the report number in the subject.",
                 **values)
    return _("This message was sent automatically by %(app)s (%(installation)s). Please do not reply to it.",
             **values)


def _reporter_texts(topic, complaint, event, reply_code=None):
    """(subject, body) for the reporter: only public information, never internal notes."""
    number = complaint.tracking_number
    agency = complaint.agency.name if complaint.agency is not None else ""
    text = (event.public_text or "").strip()
    if topic == "received":
        subject = _("Your report %(number)s has been received", number=number)
        body = _("Thank you. Your report \"%(title)s\" has been received with tracking number %(number)s. "
                 "We will verify it and pass it to the responsible agency.", title=complaint.title, number=number)
    elif topic == "held":
        subject = _("Your report %(number)s needs more information", number=number)
        body = _("Your report %(number)s is on hold until you provide more information:", number=number) + "\n" + text
    elif topic == "dispatched":
        subject = _("Your report %(number)s has been passed to %(agency)s", number=number, agency=agency)
        body = _("Your report %(number)s has been verified and passed to %(agency)s for follow-up.",
                 number=number, agency=agency)
    elif topic == "answered":
        subject = _("New follow-up on your report %(number)s", number=number)
        body = _("%(agency)s responded to your report %(number)s:", agency=agency, number=number) + "\n" + text
    elif topic == "resolved":
        subject = _("Your report %(number)s has been resolved", number=number)
        body = (_("%(agency)s posted the final follow-up of your report %(number)s:", agency=agency, number=number)
                + "\n" + text + "\n\n"
                + _("If you are not satisfied, respond within %(days)d working days; otherwise the report will be closed.",
                    days=sla_for(complaint.kind).auto_close_days))
    elif topic == "closed":
        subject = _("Your report %(number)s is closed", number=number)
        body = _("Your report %(number)s is now closed. Thank you for your participation.", number=number)
    elif topic == "archived":
        subject = _("Your report %(number)s will not be processed further", number=number)
        body = _("Your report %(number)s has been archived. Reason:", number=number) + " " + text
    elif topic == "forwarded":
        subject = _("Your report %(number)s has been forwarded to another institution", number=number)
        body = _("Your report %(number)s is outside this government's authority and has been forwarded to: %(institution)s",
                 number=number, institution=text)
    elif topic == "merged":
        parent = complaint.parent
        subject = _("Your report %(number)s is handled together with report %(parent)s",
                    number=number, parent=parent.tracking_number)
        body = _("Other citizens reported the same problem. Your report %(number)s is handled together with "
                 "report %(parent)s; you will receive its updates.", number=number, parent=parent.tracking_number)
        url = track_url(parent)
        if url:
            body += "\n\n" + _("Track your report: %(url)s", url=url)
        return subject, body
    elif topic == "unmerged":
        subject = _("Your report %(number)s is handled on its own again", number=number)
        body = _("Your report %(number)s is no longer merged with another report and is handled on its own.",
                 number=number)
    else:  # pragma: no cover - every topic above is handled
        raise ValueError(topic)
    url = track_url(complaint)
    if topic == "received" and reply_code:
        # the private code, shown once on screen, is also sent here; the outbox keeps it
        # encrypted and inserts it only when sending (SECRET_MARK)
        body += "\n\n" + _("Your private reply code: %(code)s", code=SECRET_MARK) + "\n" + _(
            "Keep it secret: with it you can add information, reply and rate the answer.")
        if url:
            # in the fragment: a browser never sends it to the server (no logs, no Referer)
            url = f"{url}#kode={SECRET_MARK}"
    if url:
        body += "\n\n" + _("Track your report: %(url)s", url=url)
    return subject, body


# topics whose public text is the point of the message (the question of a hold, the agency's answer,
# the reason of an archive, the institution forwarded to): an SMS carries it, cut to this length
SMS_QUOTED_TOPICS = ("held", "answered", "resolved", "archived", "forwarded")
SMS_QUOTE_LIMIT = 200


def _sms_text(topic, subject, complaint, event, reply_code=None):
    text = f"{setting('APP_NAME', 'LAPOR!')}: {subject}."
    quoted = " ".join((event.public_text or "").split()) if topic in SMS_QUOTED_TOPICS else ""
    if quoted:
        if len(quoted) > SMS_QUOTE_LIMIT:
            quoted = quoted[:SMS_QUOTE_LIMIT - 1].rstrip() + "…"
        text += " " + quoted
    if topic == "received" and reply_code:
        text += " " + _("Reply code: %(code)s", code=SECRET_MARK)
    url = track_url(complaint)
    return f"{text} {url}" if url else text


def _channels_for(complaint):
    """The configured channels; a reporter who wrote by WhatsApp or SMS is answered on that
    channel (never on the other one)."""
    configured = _reporter_channels()
    code = getattr(complaint.channel, "code", None)
    if code in ("whatsapp", "sms"):
        return [c for c in configured if c == "email"] + [code]
    return configured


def direct_message(channel, recipient, text, complaint=None, reply_to=None, now=None):
    """An answer to someone who wrote to us (WhatsApp, SMS, e-mail): one outbox row (the caller
    queues its delivery after the commit)."""
    with force_locale(_locale()):
        subject = _("Answer from %(app)s", app=setting("APP_NAME", "LAPOR!"))
    row = _add_outbox(channel, "channel_reply", recipient, subject, text, complaint=complaint, now=now)
    row.reply_to = reply_to
    return row


def _notify_reporter(topic, complaint, event, now, reply_code=None, reporter=None):
    """The reporter's messages about ``event`` (or those of ``reporter``, who follows this case as the
    reporter of a merged duplicate); returns the outbox rows written."""
    follower = reporter is not None
    reporter = reporter if follower else complaint.reporter
    if reporter is None or reporter.erased_at is not None or reporter.contact_unconfirmed:
        return []  # nobody to write to, or an address that may not be the writer's
    subject, body = _reporter_texts(topic, complaint, event, None if follower else reply_code)
    secret = reply_code if topic == "received" and not follower else None
    rows = []
    for channel in _channels_for(complaint):
        if channel == "email" and reporter.email:
            rows.append(_add_outbox("email", topic, reporter.email, subject, body + "\n\n-- \n" + _footer(reporter=True),
                        complaint=complaint, event=event, now=now, secret=secret, reporter=reporter))
        elif channel == "whatsapp" and reporter.phone:
            rows.append(_add_outbox("whatsapp", topic, reporter.phone, subject, subject + "\n\n" + body,
                                    complaint=complaint, event=event, now=now, secret=secret, reporter=reporter))
        elif channel == "sms" and reporter.phone:
            rows.append(_add_outbox("sms", topic, reporter.phone, subject,
                                    _sms_text(topic, subject, complaint, event, reply_code),
                                    complaint=complaint, event=event, now=now, secret=secret, reporter=reporter))
    return rows


def _notify_followers(topic, parent, event, now):
    """The reporters of the duplicates merged into ``parent`` follow its public updates."""
    from sqlalchemy import select

    from app.models import Complaint

    children = db.session.execute(select(Complaint).where(Complaint.parent_id == parent.id)
                                  .order_by(Complaint.id)).scalars()
    seen, rows = {getattr(parent.reporter, "id", None)}, []
    for child in children:
        if child.reporter is not None and child.reporter.id not in seen:
            seen.add(child.reporter.id)
            rows += _notify_reporter(topic, parent, event, now, reporter=child.reporter)
    return rows


def _notify_staff(event, complaint, recipients, now):
    """In-app notices for the staff who must act next (the actor is never told of their own act)."""
    kind = event.kind
    number, title = complaint.tracking_number, complaint.title
    agency = complaint.agency.name if complaint.agency is not None else ""
    if kind in ("dispatched", "redispatched"):
        users, topic = recipients.agency_staff(complaint), "new_case"
        text = _("New case %(number)s for %(agency)s: %(title)s", number=number, agency=agency, title=title)
    elif kind == "returned":
        users, topic = recipients.coordinators(), "returned"
        from_agency = db.session.get(Agency, event.from_agency_id) if event.from_agency_id else None
        text = _("Case %(number)s was returned by %(agency)s as outside its authority.",
                 number=number, agency=from_agency.name if from_agency else "-")
    elif kind == "hold_completed":
        users, topic = recipients.coordinators(), "hold_completed"
        text = _("The reporter supplied the missing information for case %(number)s.", number=number)
    elif kind in ("reporter_reply", "follower_reply", "reopened"):
        users = recipients.agency_staff(complaint) or recipients.coordinators()
        topic = "reporter_reply" if kind == "follower_reply" else kind
        if kind == "reopened":
            text = _("The reporter is not satisfied: case %(number)s has been reopened.", number=number)
        elif kind == "follower_reply":
            text = _("The reporter of a merged duplicate responded on case %(number)s.", number=number)
        else:
            text = _("The reporter responded on case %(number)s.", number=number)
    else:
        return
    for user in _unique(users, exclude_id=event.actor_id):
        _add_notice(user, topic, text, complaint=complaint, now=now)


def on_event(event, reply_code=None):
    """The lifecycle hook: add the messages caused by ``event`` to the current transaction.

    ``reply_code``: the one-time code of a newly received case, sent to the reporter once.
    Returns the outbox rows written (the caller queues their delivery after the commit).
    """
    now = utcnow()
    max_age = float(setting("NOTIFY_MAX_EVENT_AGE_HOURS", 24) or 0)
    if max_age and event.created_at and event.created_at < now - datetime.timedelta(hours=max_age):
        return []
    complaint = event.complaint
    rows = []
    # no autoflush: the lifecycle decides when the case is flushed (and its version moves)
    with db.session.no_autoflush, force_locale(_locale()):
        topic = REPORTER_TOPICS.get(event.kind)
        if topic is not None:
            rows += _notify_reporter(topic, complaint, event, now, reply_code)
            if topic in FOLLOWER_TOPICS and complaint.duplicate_count:
                rows += _notify_followers(topic, complaint, event, now)
        _notify_staff(event, complaint, Recipients(), now)
    return rows


# --- reminders ----------------------------------------------------------------------


def reminder_recipients(complaint, clock, level, recipients):
    """Due soon -> whoever must act; overdue -> also coordinators; escalated -> also Pimpinan."""
    if clock == "verification":
        users = list(recipients.coordinators())
    else:
        users = list(recipients.agency_staff(complaint))
        if level in ("overdue", "escalated"):
            users += recipients.coordinators()
    if level == "escalated":
        users += recipients.leaders()
    return _unique(users)


def _reminder_line(complaint, clock, level, due_at):
    values = dict(number=complaint.tracking_number, clock=CLOCK_LABELS[clock], due=lapor_datetime(due_at),
                  days=int(setting("ESCALATION_WORKING_DAYS", 3)))
    if level == "due_soon":
        return _("Reminder: the %(clock)s deadline of case %(number)s is %(due)s.", **values)
    if level == "overdue":
        return _("Overdue: the %(clock)s deadline of case %(number)s passed on %(due)s.", **values)
    return _("Escalation: the %(clock)s deadline of case %(number)s (%(due)s) is more than %(days)d working days overdue.",
             **values)


def _reminder_subject(complaint, clock, level):
    """The subject of a reminder mail about one case: short (the date and the rule are in the text)."""
    values = dict(number=complaint.tracking_number, clock=CLOCK_LABELS[clock])
    if level == "due_soon":
        return _("Reminder: %(clock)s deadline of case %(number)s", **values)
    if level == "overdue":
        return _("Overdue: %(clock)s deadline of case %(number)s", **values)
    return _("Escalation: %(clock)s deadline of case %(number)s", **values)


def _case_lines(complaint):
    lines = [_("Case: %(number)s - %(title)s", number=complaint.tracking_number, title=complaint.title)]
    if complaint.agency is not None:
        lines.append(_("Agency: %(agency)s", agency=complaint.agency.name))
    url = staff_url(complaint.id)
    if url:
        lines.append(url)
    return lines


GROUP_LIST_LIMIT = 100  # cases listed in one grouped message; the rest are counted


def grouped_reminder_messages(reminders_with_cases, recipients, immediate=True, now=None):
    """One in-app notice and (unless digest mode) one e-mail per person for a whole sweep.

    A person with a single reminder gets the message of that case; with several, one message
    listing them (the first ``GROUP_LIST_LIMIT``, then how many more), so that the first sweep
    after an outage or an import never floods anybody. Returns ``({reminder id: people
    reminded}, outbox rows written)``.
    """
    now = now or utcnow()
    per_user, reached, rows = {}, {}, []
    for reminder, complaint in reminders_with_cases:
        users = reminder_recipients(complaint, reminder.clock, reminder.level, recipients)
        reached[reminder.id] = len(users)
        for user in users:
            per_user.setdefault(user.id, (user, []))[1].append((reminder, complaint))
    email = immediate and setting("NOTIFY_STAFF_EMAIL", True)
    with force_locale(_locale()):
        for user, items in per_user.values():
            if len(items) == 1:
                reminder, complaint = items[0]
                line = _reminder_line(complaint, reminder.clock, reminder.level, reminder.due_at)
                _add_notice(user, "reminder", line, complaint=complaint, now=now)
                if email and user.email:
                    body = "\n".join([line, ""] + _case_lines(complaint) + ["", "-- ", _footer()])
                    subject = _reminder_subject(complaint, reminder.clock, reminder.level)
                    rows.append(_add_outbox("email", "reminder", user.email, subject, body, complaint=complaint,
                                            reminder=reminder, user=user, now=now))
                continue
            items.sort(key=lambda item: (LEVEL_ORDER.get(item[0].level, 9), item[0].due_at))
            subject = _("%(count)d cases need attention: deadline reminders", count=len(items))
            lines = []
            for reminder, complaint in items[:GROUP_LIST_LIMIT]:
                lines.append("- " + _reminder_line(complaint, reminder.clock, reminder.level, reminder.due_at))
                url = staff_url(complaint.id)
                if url:  # each case its own link: no one list shows cases due soon and overdue ones
                    lines.append("  " + url)
            if len(items) > GROUP_LIST_LIMIT:
                lines.append(_("... and %(count)d more cases.", count=len(items) - GROUP_LIST_LIMIT))
            numbers = ", ".join(c.tracking_number for _r, c in items[:20])
            more = _(" and %(count)d more", count=len(items) - 20) if len(items) > 20 else ""
            _add_notice(user, "reminder", f"{subject}: {numbers}{more}", now=now)
            if email and user.email:
                # the overdue list shows every case named only when none of them is merely due soon
                late = all(reminder.level in ("overdue", "escalated") for reminder, _c in items)
                url = staff_queue_url() if late else ""
                body = "\n".join([subject, ""] + lines + ([""] + [url] if url else []) + ["", "-- ", _footer()])
                rows.append(_add_outbox("email", "reminder", user.email, subject, body, user=user, now=now))
    return reached, rows


LEVEL_ORDER = {"escalated": 0, "overdue": 1, "due_soon": 2}


def staff_queue_url():
    """Absolute link to the overdue queue (empty without PUBLIC_BASE_URL)."""
    base = (setting("PUBLIC_BASE_URL", "") or "").rstrip("/")
    return f"{base}/queueoverdueview/list/" if base else ""


def digest_messages(reminders_with_cases, recipients, now=None):
    """One e-mail per staff member listing their reminders (daily digest mode).

    Returns the outbox rows written (one per staff member).
    """
    now = now or utcnow()
    per_user = {}
    for reminder, complaint in reminders_with_cases:
        for user in reminder_recipients(complaint, reminder.clock, reminder.level, recipients):
            per_user.setdefault(user.id, (user, []))[1].append((reminder, complaint))
    rows = []
    with force_locale(_locale()):
        for user, items in per_user.values():
            if not (setting("NOTIFY_STAFF_EMAIL", True) and user.email):
                continue
            subject = _("Daily summary: %(count)d deadline reminders", count=len(items))
            lines = [subject, ""]
            by_agency = {}
            for reminder, complaint in items:
                key = complaint.agency.name if complaint.agency is not None else _("Coordinator")
                by_agency.setdefault(key, []).append(
                    "- " + _reminder_line(complaint, reminder.clock, reminder.level, reminder.due_at))
            for agency_name in sorted(by_agency):
                lines += [agency_name] + by_agency[agency_name] + [""]
            lines += ["-- ", _footer()]
            rows.append(_add_outbox("email", "digest", user.email, subject, "\n".join(lines), user=user, now=now))
    return rows


# --- a staff member's own notices (every query filtered to that user) ----------------


def unread_count(user_id, cap=None):
    """Unread notices of one person; with ``cap``, counting stops there (the menu shows "99+"):
    an index range of at most ``cap`` entries, however many notices piled up."""
    from sqlalchemy import func

    unread = select(Notification.id).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if cap:
        unread = unread.limit(cap)
    return db.session.execute(select(func.count()).select_from(unread.subquery())).scalar()


UNREAD_MENU_CAP = 100


def notices_for(user_id, page=1, per_page=30, read=None, topic=None):
    """One page of ``user_id``'s notices, newest first; ``read`` True/False filters read or
    unread ones, ``topic`` one kind ("reminder", "new_case", ...)."""
    from sqlalchemy import func
    from sqlalchemy.orm import joinedload

    conditions = [Notification.user_id == user_id]
    if read is True:
        conditions.append(Notification.read_at.isnot(None))
    elif read is False:
        conditions.append(Notification.read_at.is_(None))
    if topic:
        conditions.append(Notification.topic == topic)
    total = db.session.execute(select(func.count()).select_from(Notification).where(*conditions)).scalar()
    items = db.session.execute(
        select(Notification).where(*conditions)
        .options(joinedload(Notification.complaint))
        .order_by(Notification.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).scalars().all()
    return items, total


def mark_case_read(user_id, complaint_id, now=None):
    """``user_id`` acted on a case: their unread notices about it are read (returns how many)."""
    from sqlalchemy import update

    result = db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.complaint_id == complaint_id,
                                   Notification.read_at.is_(None))
        .values(read_at=now or utcnow()).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount


def mark_read(user_id, notice_id):
    """Mark one of ``user_id``'s notices read; None when it is not theirs."""
    notice = db.session.execute(
        select(Notification).where(Notification.id == notice_id, Notification.user_id == user_id)
    ).scalar_one_or_none()
    if notice is None:
        return None
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.commit()
    return notice


def mark_all_read(user_id):
    from sqlalchemy import update

    result = db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount
