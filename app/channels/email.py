"""E-mail to case: a periodic job reads a mailbox over IMAP (``INBOUND_IMAP_*``).

Each new message opens a case (subject -> title, text body -> description, attachments
checked like web uploads) or, when it answers one of the sender's cases (tracking number in
the subject, or ``In-Reply-To``/``References`` naming our mail about the case or their first
message), is added to it as the reporter's reply. Processed mail is moved to
``INBOUND_IMAP_PROCESSED_FOLDER``; the Message-ID is remembered so a message is never processed
twice. Bounces and auto-replies (RFC 3834 ``Auto-Submitted``, ``multipart/report``, ...) open
nothing. The reporter is answered by e-mail (the lifecycle's "received" notice carries the
tracking number and the private reply code; replies are acknowledged), threaded on their message.
"""
import email
import email.policy
import hashlib
import html
import imaplib
import logging
import re
import ssl
from email.utils import parseaddr

from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from app.channels import intake
from app.crypto import is_email_reply_token
from app.extensions import db
from app.models import InboundMessage, Outbox
from app.settings import setting
from app.workflow import attachments
from app.workflow.errors import DomainError
from app.workflow.outcome import Outcome

log = logging.getLogger(__name__)
PROVIDER = "email"
OUR_MESSAGE_ID = re.compile(r"^<?lapor-outbox-(\d+)(?:\.([a-z2-7]+))?@", re.IGNORECASE)
COMMENT = re.compile(r"\([^()]*\)")
AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
DAEMONS = ("mailer-daemon", "postmaster", "no-reply", "noreply")


def connect():
    host, port = setting("INBOUND_IMAP_HOST"), int(setting("INBOUND_IMAP_PORT") or 993)
    timeout = float(setting("INBOUND_IMAP_TIMEOUT") or 30)
    if setting("INBOUND_IMAP_SSL", True):
        conn = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(), timeout=timeout)
    else:
        conn = imaplib.IMAP4(host, port, timeout=timeout)
        if setting("INBOUND_IMAP_STARTTLS", False):
            conn.starttls(ssl_context=ssl.create_default_context())
    conn.login(setting("INBOUND_IMAP_USER") or "", setting("INBOUND_IMAP_PASSWORD") or "")
    return conn


def _quote(folder):
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def poll(limit=None, deliver=None):
    """Process up to ``limit`` messages of the inbox; returns {what: count}. ``deliver(outcome)``
    queues each message's answers after its commit (the job passes the queue's)."""
    limit = limit or int(setting("INBOUND_IMAP_BATCH") or 50)
    inbox = setting("INBOUND_IMAP_FOLDER") or "INBOX"
    done_folder = setting("INBOUND_IMAP_PROCESSED_FOLDER") or "Diproses"
    counts = {}
    conn = connect()
    try:
        conn.create(_quote(done_folder))  # "already exists" is fine
        status, _data = conn.select(_quote(inbox))
        if status != "OK":
            raise RuntimeError(f"cannot open IMAP folder {inbox}")
        status, data = conn.uid("SEARCH", None, "ALL")
        uids = (data[0] or b"").split()[:limit] if status == "OK" else []
        can_move = b"MOVE" in b" ".join(c.encode() if isinstance(c, str) else c for c in conn.capabilities)
        for uid in uids:
            status, parts = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None) if status == "OK" else None
            if raw is None:
                continue
            what, outcome = handle(raw)
            if deliver is not None:
                deliver(outcome)
            counts[what] = counts.get(what, 0) + 1
            if can_move:
                conn.uid("MOVE", uid, _quote(done_folder))
            else:
                conn.uid("COPY", uid, _quote(done_folder))
                conn.uid("STORE", uid, "+FLAGS", r"(\Deleted)")
        if not can_move:
            conn.expunge()
    finally:
        try:
            conn.logout()
        except Exception:  # pragma: no cover - the connection may already be gone
            pass
    return counts


# --- one message ----------------------------------------------------------------------------------


def message_id(msg, raw):
    value = (msg.get("Message-ID") or "").strip()
    return value[:255] if value else "sha256:" + hashlib.sha256(raw).hexdigest()


def is_automatic(msg):
    """Bounces and auto-replies (RFC 3834 and the usual headers) must never open a case."""
    auto = (msg.get("Auto-Submitted") or "no").strip().lower()
    if auto != "no":
        return True
    if (msg.get("Precedence") or "").strip().lower() in AUTO_PRECEDENCE:
        return True
    if any(msg.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")):
        return True
    if msg.get_content_type() == "multipart/report":
        return True
    if (msg.get("Return-Path") or "").strip() == "<>":
        return True
    sender = parseaddr(msg.get("From") or "")[1].lower()
    return not sender or sender.split("@", 1)[0] in DAEMONS


def _text_of(msg):
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError):
        text = part.get_payload(decode=True).decode("utf-8", "replace")
    if part.get_content_type() == "text/html":
        text = html.unescape(re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>|<[^>]+>", " ", text))
    # drop the quoted previous message of a reply
    lines = []
    for line in text.splitlines():
        if line.startswith(">") or re.match(r"^(On|Pada) .+ (wrote|menulis):\s*$", line):
            break
        lines.append(line.rstrip())
    return "\n".join(lines).strip()


def _files_of(msg):
    files = []
    for part in msg.iter_attachments():
        name = part.get_filename() or "lampiran"
        data = part.get_payload(decode=True) or b""
        files.append((name, data))
    return files


def _referenced_case(msg, sender):
    """The sender's case this message answers: one of our mails about it quoted in
    In-Reply-To/References (with its reply token), the tracking number in the subject, or a
    Message-ID we know there. The reporter of a duplicate merged into another report receives that
    main report's mails: a reply to one of them names their own (merged) case, which
    ``intake.add_reply`` sends on to the main report. Whether the reply really comes from the
    reporter is checked afterwards (:func:`is_from_reporter`)."""
    mine = intake.cases_of(email=sender, open_only=False)
    if not mine:
        return None
    following = intake.following(mine)  # main report -> the sender's duplicate merged into it
    for case in mine:  # one of our mails about the case, with its reply token
        if _carries_reply_token(msg, case):
            return case
    for parent, case in following.values():  # ... or about the main report they follow
        if _carries_reply_token(msg, parent):
            return case
    named = intake.case_named(mine, intake.tracking_numbers_in(msg.get("Subject") or ""))
    if named is not None:
        return named
    ids = _referenced_ids(msg)
    by_id = {c.id: c for c in mine}
    by_id.update({parent_id: case for parent_id, (_parent, case) in following.items() if parent_id not in by_id})
    for ref in ids:
        match = OUR_MESSAGE_ID.match(ref)
        if match:
            row = db.session.get(Outbox, int(match.group(1)))
            if row is not None and row.complaint_id in by_id:
                return by_id[row.complaint_id]
        else:
            row = db.session.execute(select(InboundMessage).where(
                InboundMessage.provider == PROVIDER, InboundMessage.external_id == ref[:255])).scalar_one_or_none()
            if row is not None and row.complaint_id in by_id:
                return by_id[row.complaint_id]
    return None


def _referenced_ids(msg):
    return " ".join((msg.get("In-Reply-To") or "", msg.get("References") or "")).split()


def is_from_reporter(msg, complaint, sender):
    """Whether a reply naming ``complaint`` is known to come from its reporter (see the module); the
    reporter of a merged duplicate quotes the mails of the main report they follow."""
    parent = intake.followed(complaint)
    return (_carries_reply_token(msg, complaint) or (parent is not None and _carries_reply_token(msg, parent))
            or _authenticated_by_server(msg, sender))


def _carries_reply_token(msg, complaint):
    for ref in _referenced_ids(msg):
        match = OUR_MESSAGE_ID.match(ref)
        if match and is_email_reply_token(complaint.id, match.group(2)):
            return True
    return False


def _aligned(domain, value):
    """A domain an authentication result names (or an address's domain) matches the From
    domain, itself or a parent domain of it (relaxed alignment)."""
    other = (value or "").rsplit("@", 1)[-1].strip().strip(".").lower()
    return bool(other) and (domain == other or domain.endswith("." + other))


def _authenticated_by_server(msg, sender):
    """``Authentication-Results`` (RFC 8601) of the trusted receiving server: the topmost header
    bearing its authserv-id (the server adds its own on top and removes forged copies)."""
    trusted = (setting("INBOUND_EMAIL_AUTHSERV_ID") or "").strip().lower()
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else ""
    if not trusted or not domain:
        return False
    for header in msg.get_all("Authentication-Results") or ():
        clauses = COMMENT.sub(" ", str(header)).split(";")
        authserv = clauses[0].split()
        if not authserv or authserv[0].lower() != trusted:
            continue
        passed = {}
        for clause in clauses[1:]:
            words = clause.split()
            if not words or "=" not in words[0]:
                continue
            method, result = (w.strip().lower() for w in words[0].split("=", 1))
            props = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            props = {k.lower(): v.strip('"') for k, v in props.items()}
            if result != "pass":
                continue
            if method == "dmarc" and _aligned(domain, props.get("header.from")):
                passed["dmarc"] = True
            elif method == "spf" and _aligned(domain, props.get("smtp.mailfrom")):
                passed["spf"] = True
            elif method == "dkim" and _aligned(domain, props.get("header.d") or props.get("header.i")):
                passed["dkim"] = True
        return bool(passed.get("dmarc") or (passed.get("spf") and passed.get("dkim")))
    return False


def _answer(result, sender, text, complaint, msg_id, number=None):
    intake.answer(result, "email", sender, text, complaint=complaint,
                  reply_to=msg_id if msg_id.startswith("<") else None)
    if complaint is not None:
        result.outbox[-1].subject = _("Re: report %(number)s", number=number or complaint.tracking_number)


def handle(raw):
    """Process one raw message; returns ``(what it did, outcome)``: "case", "reply", "unconfirmed",
    "ignored", "empty" (no subject, text or attachment), "duplicate" or "rejected", and the
    :class:`Outcome` whose messages the caller queues."""
    result = Outcome()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    msg_id = message_id(msg, raw)
    if not intake.claim(PROVIDER, msg_id):
        return "duplicate", result
    if is_automatic(msg):
        intake.set_outcome(PROVIDER, msg_id, "ignored")
        db.session.commit()
        return "ignored", result
    name, sender = parseaddr(msg.get("From") or "")
    sender = sender.strip().lower()
    written = []
    locale = setting("BABEL_DEFAULT_LOCALE", "id")
    try:
        with force_locale(locale):
            subject = " ".join((msg.get("Subject") or "").split())
            text = _text_of(msg)
            files = _files_of(msg)
            if intake.is_empty(text or subject, files):
                # no subject, no text, no attachment: nothing to open a case with (or to add to one)
                _answer(result, sender, intake.empty_answer(), None, msg_id)
                intake.set_outcome(PROVIDER, msg_id, "empty")
                db.session.commit()
                return "empty", result
            target = _referenced_case(msg, sender)
            unconfirmed = None
            if target is not None and not is_from_reporter(msg, target, sender):
                unconfirmed, target = target, None  # a forged From: is not the reporter's reply
            if target is not None:
                outcome, written = intake.add_reply(target, text or subject or _("(attachment only)"), files)
                result.add(outcome)
                landed = outcome.event.complaint.tracking_number  # a merged duplicate's: the main report
                _answer(result, sender, _("Your message was added to report %(number)s.", number=landed),
                        target, msg_id, number=landed)
                what, complaint = "reply", target
            else:
                reporter = intake.make_reporter(name=name or None, email=sender)
                title = re.sub(r"^((re|fwd?|aw)\s*:\s*)+", "", subject, flags=re.I)
                note = None
                if unconfirmed is not None:
                    title = _("Unconfirmed e-mail reply: %(title)s", title=title)
                    note = _("This e-mail answers report %(number)s as if from its reporter, but the sender "
                             "could not be confirmed (it quotes no mail of the portal about that report and "
                             "the mail server did not authenticate the sender), so it was not added to that "
                             "report. Check it with the reporter, then merge or archive this case.",
                             number=unconfirmed.tracking_number)
                    # its From: may be forged: the portal never writes to that address about the
                    # held case (no number, no reply code, no "archived"/"merged", no parent's news:
                    # notify), only the neutral answer below
                    reporter.contact_unconfirmed = True
                outcome, written = intake.open_case(
                    intake.channel("email"), title=title,
                    description=text or subject or _("(attachment only)"), reporter=reporter, files=files,
                    note=note)
                what, complaint = ("case" if unconfirmed is None else "unconfirmed"), outcome.complaint
                if msg_id.startswith("<"):
                    for row in outcome.outbox:
                        if row.channel == "email":
                            row.reply_to = msg_id  # the "received" mail answers their message
                result.add(outcome)
                if unconfirmed is not None:
                    _answer(result, sender, _("Your message about report %(number)s was received and will be "
                                              "checked by staff before it is added to that report.",
                                              number=unconfirmed.tracking_number), None, msg_id)
                    result.outbox[-1].subject = _("Re: report %(number)s", number=unconfirmed.tracking_number)
            intake.set_outcome(PROVIDER, msg_id, what, complaint)
            db.session.commit()
            return what, result
    except DomainError as exc:
        db.session.rollback()
        attachments.discard(written)
        result = Outcome()
        with force_locale(locale):
            _answer(result, sender, _("Your message could not be processed: %(reason)s", reason=str(exc.message)),
                    None, msg_id)
        intake.set_outcome(PROVIDER, msg_id, "rejected")
        db.session.commit()
        return "rejected", result
    except Exception:
        db.session.rollback()
        attachments.discard(written)
        intake.release(PROVIDER, msg_id)
        raise
