"""Inbound WhatsApp and SMS: provider shapes, signatures, media, and what a message does.

Providers (one webhook each, ``/webhooks/<provider>``):

* ``cloud_api``: WhatsApp Business Cloud API. ``X-Hub-Signature-256: sha256=<hex>``, an
  HMAC-SHA256 of the raw body with the app secret. Media by id from the Graph API.
* ``waha``: WAHA (WhatsApp HTTP API) ``message`` events. ``X-Webhook-Hmac: <hex>`` with
  ``X-Webhook-Hmac-Algorithm: sha512`` (HMAC-SHA512 of the raw body).
* ``gowa``: go-whatsapp-web-multidevice. ``X-Hub-Signature-256: sha256=<hex>``.
* ``sms``: a generic SMS gateway posting ``{"from", "text", "id"}`` with
  ``X-Signature: sha256=<hex>`` (HMAC-SHA256 of the raw body).

A case is received when the message reaches the portal, by the portal's clock (the SLA clock
starts there): the times providers add (the Cloud API's and WAHA's ``timestamp``, a gateway's
``received_at``) come from clocks the portal does not keep and are not read, like any other field
outside the shapes above.

Every provider needs its secret (``WEBHOOK_SECRET_<PROVIDER>``): without one, or with a wrong
signature, the webhook answers 403 and creates nothing. Media are fetched only from the
configured gateway (``WHATSAPP_GATEWAY_URL``, plus ``INBOUND_MEDIA_HOSTS``), never following a
redirect elsewhere, and checked like web uploads.
"""
import dataclasses
import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request

from flask_babel import force_locale, gettext as _

from app.channels import intake
from app.settings import setting
from app.extensions import db
from app.labels import STATUS_LABELS
from app.workflow import access, attachments, reporters
from app.workflow.errors import DomainError
from app.workflow.outcome import Outcome

log = logging.getLogger(__name__)

MEDIA_TIMEOUT = 20
# "STATUS" alone or followed by one tracking number (valid or not): never a complaint text
STATUS_COMMAND = re.compile(r"^\s*status\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9 .\-]{0,14})?\s*$", re.IGNORECASE)


@dataclasses.dataclass
class Media:
    ref: str  # URL, path on the gateway, or (Cloud API) media id
    mime_type: str = ""
    filename: str = ""


@dataclasses.dataclass
class Message:
    id: str
    sender: str  # phone number, digits
    text: str = ""
    name: str = ""
    media: list = dataclasses.field(default_factory=list)


def _digits(value):
    return "".join(ch for ch in (value or "").split("@", 1)[0] if ch.isdigit())


def _hmac(secret, body, algorithm):
    return hmac.new(secret.encode("utf-8"), body, algorithm).hexdigest()


def _same(expected, given):
    return bool(given) and hmac.compare_digest(expected, given.strip().lower())


class Provider:
    """One gateway's shapes. The webhook signature is checked here, once for every provider:
    an HMAC of the raw body with the secret of ``secret_setting``, compared in constant time
    with header ``signature_header`` (after ``signature_prefix``, e.g. ``sha256=``)."""

    key = ""
    channel = "whatsapp"
    secret_setting = ""
    signature_header = ""
    signature_prefix = "sha256="
    signature_algorithm = hashlib.sha256

    def secret(self):
        return setting(self.secret_setting) or ""

    def verify(self, headers, body):
        """The request comes from the gateway: no secret configured, no header, a wrong prefix
        or a wrong signature -> False."""
        secret = self.secret()
        given = headers.get(self.signature_header, "") if self.signature_header else ""
        if not secret or not given.startswith(self.signature_prefix):
            return False
        return _same(_hmac(secret, body, self.signature_algorithm), given[len(self.signature_prefix):])

    def parse(self, payload):
        raise NotImplementedError

    def media_url(self, media):
        """Where to download ``media`` from (must be on the gateway host)."""
        return urllib.parse.urljoin(_gateway_base() + "/", media.ref)


class CloudApi(Provider):
    key, secret_setting = "cloud_api", "WEBHOOK_SECRET_CLOUD_API"
    signature_header = "X-Hub-Signature-256"

    def parse(self, payload):
        messages = []
        for entry in _items(payload.get("entry"), "entry"):
            for change in _items(_object(entry, "entry[]").get("changes"), "entry[].changes"):
                value = _object(_object(change, "changes[]").get("value"), "changes[].value")
                names = {}
                for contact in _items(value.get("contacts"), "value.contacts"):
                    contact = _object(contact, "contacts[]")
                    profile = _object(contact.get("profile"), "contacts[].profile")
                    names[_text(contact.get("wa_id"), "contacts[].wa_id")] = _text(profile.get("name"),
                                                                                    "contacts[].profile.name")
                for item in _items(value.get("messages"), "value.messages"):
                    item = _object(item, "messages[]")
                    message_id, sender = _text(item.get("id"), "messages[].id"), _text(item.get("from"), "messages[].from")
                    if not message_id or not sender:
                        continue
                    kind = _text(item.get("type"), "messages[].type")
                    text, media = "", []
                    if kind == "text":
                        text = _text(_object(item.get("text"), "messages[].text").get("body"), "messages[].text.body")
                    elif kind in ("image", "document"):
                        part = _object(item.get(kind), f"messages[].{kind}")
                        text = _text(part.get("caption"), f"messages[].{kind}.caption")
                        media_id = _text(part.get("id"), f"messages[].{kind}.id")
                        if media_id:
                            media.append(Media(media_id, _text(part.get("mime_type"), f"messages[].{kind}.mime_type"),
                                               _text(part.get("filename"), f"messages[].{kind}.filename")))
                    messages.append(Message(message_id, _digits(sender), text, names.get(sender, ""), media))
        return messages

    def media_url(self, media):
        # the Graph API tells where the file is: GET <base>/<media id> -> {"url": ...}
        answer = json.loads(_download(f"{_gateway_base()}/{urllib.parse.quote(media.ref)}", limit=65536))
        return answer.get("url") or ""


class Waha(Provider):
    key, secret_setting = "waha", "WEBHOOK_SECRET_WAHA"
    signature_header, signature_prefix, signature_algorithm = "X-Webhook-Hmac", "", hashlib.sha512

    def verify(self, headers, body):
        # WAHA names its algorithm; only the one we check is accepted
        if (headers.get("X-Webhook-Hmac-Algorithm") or "sha512").lower() != "sha512":
            return False
        return super().verify(headers, body)

    def parse(self, payload):
        if _text(payload.get("event"), "event") not in ("message", "message.any"):
            return []
        item = _object(payload.get("payload"), "payload")
        message_id, sender = _text(item.get("id"), "payload.id"), _text(item.get("from"), "payload.from")
        if item.get("fromMe") or not message_id or not sender:
            return []
        if not sender.endswith("@c.us") and not sender.endswith("@s.whatsapp.net"):
            return []  # groups, broadcasts, channels
        media = []
        part = _object(item.get("media"), "payload.media")
        url = _text(part.get("url"), "payload.media.url")
        if item.get("hasMedia") and url:
            media.append(Media(url, _text(part.get("mimetype"), "payload.media.mimetype"),
                               _text(part.get("filename"), "payload.media.filename")))
        name = _text(_object(item.get("_data"), "payload._data").get("notifyName"), "payload._data.notifyName")
        return [Message(message_id, _digits(sender), _text(item.get("body"), "payload.body"), name, media)]


class Gowa(Provider):
    key, secret_setting = "gowa", "WEBHOOK_SECRET_GOWA"
    signature_header = "X-Hub-Signature-256"

    def parse(self, payload):
        message = _object(payload.get("message"), "message")
        message_id = _text(message.get("id"), "message.id")
        if not message_id or payload.get("is_from_me"):
            return []
        sender = _text(payload.get("from"), "from") or _text(payload.get("sender_id"), "sender_id")
        if "@g.us" in sender or not _digits(sender):
            return []
        media, caption = [], ""
        for kind in ("image", "document", "video"):
            part = _object(payload.get(kind), kind)
            path = _text(part.get("media_path"), f"{kind}.media_path")
            if path:
                media.append(Media(path, _text(part.get("mime_type"), f"{kind}.mime_type"),
                                   _text(part.get("file_name"), f"{kind}.file_name")))
            if kind != "video":
                caption = _text(part.get("caption"), f"{kind}.caption") or caption
        text = _text(message.get("text"), "message.text") or caption
        return [Message(message_id, _digits(sender), text, _text(payload.get("pushname"), "pushname"), media)]


class Sms(Provider):
    key, channel, secret_setting = "sms", "sms", "WEBHOOK_SECRET_SMS"
    signature_header = "X-Signature"

    def parse(self, payload):
        message_id, sender = _text(payload.get("id"), "id"), _text(payload.get("from"), "from")
        text = _text(payload.get("text"), "text")
        if not message_id or not _digits(sender):
            return []
        return [Message(message_id, _digits(sender), text)]


class MalformedPayload(ValueError):
    """A signed payload that is not the provider's shape. ``where`` names the place in the shape
    (``entry[].changes``), never a value: it is logged, and values are personal data."""

    def __init__(self, where):
        super().__init__(where)
        self.where = where


def _object(value, where):
    """A JSON object of the payload ({} when absent)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedPayload(where)
    return value


def _items(value, where):
    """A JSON array of the payload ([] when absent)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload(where)
    return value


def _text(value, where):
    """A string of the payload ("" when absent; a number, as some gateways send ids, as its digits),
    cleaned like every channel's text (``intake.clean``: no NUL, no half surrogate pair), so that an
    id, a name or a message body can always be stored."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise MalformedPayload(where)
    return intake.clean(str(value))


PROVIDERS = {p.key: p for p in (CloudApi(), Waha(), Gowa(), Sms())}


# --- media: only from the gateway -----------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an error: it could lead away from the gateway


def _gateway_base():
    return (setting("WHATSAPP_GATEWAY_URL") or "").rstrip("/")


def allowed_media_host(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    allowed = set()
    base = _gateway_base()
    if base:
        gateway = urllib.parse.urlsplit(base)
        allowed.add((gateway.hostname, gateway.port or (443 if gateway.scheme == "https" else 80)))
    for host in (setting("INBOUND_MEDIA_HOSTS") or "").split(","):
        host = host.strip().lower()
        if host:
            name, _sep, port = host.partition(":")
            allowed.add((name, int(port) if port.isdigit() else 443))
    return (parts.hostname.lower(), parts.port or (443 if parts.scheme == "https" else 80)) in allowed


def _download(url, limit):
    if not allowed_media_host(url):
        raise ValueError("media outside the gateway host")
    headers = {"User-Agent": "LAPOR-intake/1"}
    token = setting("NOTIFY_GATEWAY_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
        headers["X-Api-Key"] = token
    opener = urllib.request.build_opener(_NoRedirect)
    with opener.open(urllib.request.Request(url, headers=headers), timeout=MEDIA_TIMEOUT) as response:
        data = response.read(limit + 1)
    if len(data) > limit:
        raise ValueError("media too large")
    return data


def fetch_media(provider, message):
    """[(name, bytes)] of the message's media; what cannot be fetched is skipped (and logged)."""
    files, skipped = [], 0
    limit = getattr(attachments, "MAX_BYTES", 5 * 1024 * 1024)
    for index, media in enumerate(message.media[: getattr(attachments, "MAX_FILES", 5)]):
        try:
            url = provider.media_url(media)
            data = _download(url, limit)
        except (ValueError, OSError, urllib.error.URLError) as exc:
            log.warning("%s message %s: media %d not fetched: %s", provider.key, message.id, index, exc)
            skipped += 1
            continue
        files.append((media.filename or f"lampiran-{index + 1}", data))
    return files, skipped


# --- what a message does ---------------------------------------------------------------------------


def _answer(result, provider, message, text, complaint=None):
    intake.answer(result, provider.channel, message.sender, text, complaint=complaint, reply_to=message.id)


def _thread(provider, message, outcome):
    """The messages the lifecycle wrote for the new case answer the inbound message."""
    for row in outcome.outbox:
        if row.channel == provider.channel:
            row.reply_to = message.id


def _status_text(complaint):
    agency = complaint.agency.name if complaint.agency is not None else "-"
    return _("Report %(number)s: %(status)s. Agency: %(agency)s.", number=complaint.tracking_number,
             status=STATUS_LABELS.get(complaint.status, complaint.status), agency=agency)


def _status_allowed(sender):
    """STATUS looks cases up by number: limited per sender like the public tracking page."""
    from app.extensions import limiter

    if not (limiter.enabled and setting("RATELIMIT_ENABLED", True)):
        return True
    from limits import parse

    rate = setting("PUBLIC_TRACK_RATE_LIMIT") or "60 per minute"
    return limiter.limiter.hit(parse(rate), "status", sender)


def handle(provider, message):
    """Process one inbound message; returns ``(what it did, outcome)``: "case", "reply", "status",
    "empty" (no text and no file: nothing opened, the sender asked to write), "duplicate",
    "not_a_phone" (the sender is no phone number by the one phone rule: nothing opened) or "rejected", and the :class:`Outcome` whose messages the caller queues after the commit
    (done here)."""
    result = Outcome()
    if not reporters.is_phone("+" + message.sender):
        # a short code, a service sender or a forged number: no person to answer, no case to open
        return "not_a_phone", result
    if not intake.claim(provider.key, message.id):
        return "duplicate", result
    files, skipped = fetch_media(provider, message) if message.media else ([], 0)
    text = (message.text or "").strip()
    written = []
    what, complaint = "rejected", None
    locale = setting("BABEL_DEFAULT_LOCALE", "id")
    if intake.is_empty(text, files):
        # no text and no file (none sent, or none could be fetched): nothing to open a case with
        with force_locale(locale):
            _answer(result, provider, message, intake.empty_answer(skipped))
        intake.set_outcome(provider.key, message.id, "empty")
        db.session.commit()
        return "empty", result
    try:
        with force_locale(locale):
            numbers = intake.tracking_numbers_in(text)
            mine = intake.cases_of(phone=message.sender, open_only=False)
            if STATUS_COMMAND.match(text):
                what = "status"
                if not _status_allowed(message.sender):
                    _answer(result, provider, message, _("Too many status requests. Please try again later."))
                else:
                    complaint = next((c for c in mine if c.tracking_number in numbers), None)
                    shown = complaint
                    if complaint is None and numbers:
                        found = intake.find_case(numbers[0])
                        shown = found if found is not None and access.trackable_without_code(found) else None
                    # the answer joins the case only when the sender is its reporter
                    _answer(result, provider, message, _status_text(shown) if shown is not None else _(
                        "No report found with that number. Send STATUS followed by the tracking number, "
                        "e.g. STATUS ABCD-EFGH-J."), complaint)
            else:
                # a number names one of the sender's cases or a main report they follow (never
                # another citizen's case); no number: their one open conversation, if only one
                target = intake.case_named(mine, numbers)
                if target is None and not numbers:
                    target = intake.only_open_case(mine)
                if target is not None:
                    complaint, what = target, "reply"
                    outcome, written = intake.add_reply(target, text or _("(attachment only)"), files)
                    result.add(outcome)
                    _answer(result, provider, message, _("Your message was added to report %(number)s.",
                                                         number=outcome.event.complaint.tracking_number), target)
                else:
                    reporter = intake.make_reporter(name=message.name or None, phone=message.sender)
                    outcome, written = intake.open_case(
                        intake.channel(provider.channel), title="", reporter=reporter, files=files,
                        description=text or _("(attachment only)"))
                    complaint, what = outcome.complaint, "case"
                    _thread(provider, message, outcome)
                    result.add(outcome)
                if skipped:
                    _answer(result, provider, message, _(
                        "%(count)d attachment(s) could not be received; please send them again.", count=skipped),
                        complaint)
            intake.set_outcome(provider.key, message.id, what, complaint)
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        attachments.discard(written)
        result = Outcome()
        with force_locale(locale):
            _answer(result, provider, message, _("Your message could not be processed: %(reason)s",
                                                 reason=str(exc.message)))
        intake.set_outcome(provider.key, message.id, "rejected")
        db.session.commit()
        return "rejected", result
    except Exception:
        db.session.rollback()
        attachments.discard(written)
        intake.release(provider.key, message.id)  # the provider's retry may process it again
        raise
    return what, result
