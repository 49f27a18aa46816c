"""Delivery of one outbox message: SMTP e-mail, the WhatsApp/SMS HTTP gateway, or the log.

The gateway contract (any provider's adapter can implement it)::

    POST {NOTIFY_GATEWAY_URL}
    Authorization: Bearer {NOTIFY_GATEWAY_TOKEN}
    Idempotency-Key: lapor-outbox-{id}
    Content-Type: application/json

    {"id": "lapor-outbox-{id}", "channel": "whatsapp" | "sms", "to": "+628123456789",
     "subject": "...", "text": "..."}

Any 2xx answer means accepted (an optional JSON body ``{"id": "<provider id>"}`` is
recorded). A 4xx answer other than 408, 425 and 429 refuses the message for good (a bad
number, a wrong token, an unknown template): it fails at once and is not retried. Anything
else (5xx, 408/425/429, a timeout, no connection) is retried with backoff. The key is the
same on every retry of a message: the gateway must not send a second message
for a key it has already accepted.
"""
import json
import logging
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app

from app.crypto import email_reply_token, mask

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A failed delivery. ``permanent``: the receiving side refused the message for good (an SMTP
    5xx answer such as 550 "no such user", a gateway's HTTP 4xx such as 400 "invalid number"):
    sending it again cannot succeed, so it is not retried. Temporary refusals (SMTP 4xx, HTTP 5xx,
    408, 425, 429) and connection errors are retried with backoff."""

    def __init__(self, message, permanent=False):
        super().__init__(message)
        self.permanent = permanent


def _permanent(code):
    return 500 <= int(code or 0) < 600


# HTTP 4xx answers that ask to try again later: request timeout, too early, too many requests
HTTP_RETRY_LATER = (408, 425, 429)


def _permanent_http(code):
    """A gateway's HTTP answer refuses the message for good: 4xx, except the ones asking to try
    again later. 5xx (the gateway's own trouble) is retried."""
    return 400 <= int(code or 0) < 500 and int(code) not in HTTP_RETRY_LATER


def send(row):
    """Deliver ``row``; returns (transport, provider reference). Raises on failure."""
    config = current_app.config
    if row.channel == "email":
        if (config.get("NOTIFY_EMAIL_TRANSPORT") or "log") == "smtp":
            return "smtp", send_email(row, config)
        return "log", log_only(row)
    if row.channel in ("whatsapp", "sms"):
        if config.get("NOTIFY_GATEWAY_URL"):
            return "gateway", send_gateway(row, config)
        return "log", log_only(row)
    raise DeliveryError(f"unknown channel {row.channel}")


def log_only(row):
    log.info("notification %s (%s) to %s: %s", row.id, row.channel, mask(row.recipient or "", 3), row.subject)
    return "log"


def _domain(sender):
    return sender.rsplit("@", 1)[-1].strip("> ") if "@" in sender else "localhost"


def message_id_local_part(row):
    complaint_id = getattr(row, "complaint_id", None)
    if complaint_id is None:
        return row.idempotency_key
    return f"{row.idempotency_key}.{email_reply_token(complaint_id)}"


def send_email(row, config):
    sender = config.get("MAIL_DEFAULT_SENDER") or "lapor@localhost"
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.recipient
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    # stable across retries: lets mail systems recognise a resent copy; a mail about a case carries
    # the case's reply token, which the reporter's answer quotes (In-Reply-To/References) and
    # app.channels.email checks before adding that answer to the case
    message["Message-ID"] = f"<{message_id_local_part(row)}@{_domain(sender)}>"
    message["Auto-Submitted"] = "auto-generated"
    if getattr(row, "reply_to", None):  # an answer to the reporter's own e-mail: same thread
        message["In-Reply-To"] = row.reply_to
        message["References"] = row.reply_to
    message.set_content(row.body)
    timeout = float(config.get("NOTIFY_SMTP_TIMEOUT", 30))
    host, port = config.get("MAIL_SERVER") or "localhost", int(config.get("MAIL_PORT") or 25)
    smtp_class = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
    try:
        with smtp_class(host, port, timeout=timeout) as smtp:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            refused = smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP {exc.smtp_code} {_text(exc.smtp_error)}", _permanent(exc.smtp_code)) from None
    if refused:
        code, text = next(iter(refused.values()))
        raise DeliveryError(f"SMTP {code} {_text(text)}", _permanent(code))
    return message["Message-ID"]


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def e164(phone):
    """Indonesian numbers as stored ("0812...") -> "+62812..."."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return "+" + digits if digits else ""


def gateway_request(row, config):
    """(url, payload, headers) of one message in the configured provider's shape.

    ``NOTIFY_GATEWAY_PROVIDER``: ``generic`` (the contract above), ``cloud_api`` (WhatsApp
    Business Cloud API ``/<phone-number-id>/messages``), ``waha`` (``/api/sendText``) or
    ``gowa`` (go-whatsapp-web-multidevice ``/send/message``). SMS always uses the generic
    shape (``NOTIFY_SMS_GATEWAY_URL`` when set, else ``NOTIFY_GATEWAY_URL``). A reply to an
    inbound message quotes it (``reply_to``) where the provider can thread replies.
    """
    provider = (config.get("NOTIFY_GATEWAY_PROVIDER") or "generic").strip().lower()
    token = config.get("NOTIFY_GATEWAY_TOKEN")
    headers = {"Content-Type": "application/json", "Idempotency-Key": row.idempotency_key,
               "User-Agent": "LAPOR-notifier/1"}
    to = e164(row.recipient)
    reply_to = getattr(row, "reply_to", None)
    url = config["NOTIFY_GATEWAY_URL"]
    if row.channel == "sms" or provider == "generic":
        if row.channel == "sms" and config.get("NOTIFY_SMS_GATEWAY_URL"):
            url = config["NOTIFY_SMS_GATEWAY_URL"]
        payload = {"id": row.idempotency_key, "channel": row.channel, "to": to,
                   "subject": row.subject, "text": row.body}
        if reply_to:
            payload["reply_to"] = reply_to
        if token:
            headers["Authorization"] = f"Bearer {token}"
    elif provider == "cloud_api":
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to.lstrip("+"),
                   "type": "text", "text": {"preview_url": False, "body": row.body}}
        if reply_to:
            payload["context"] = {"message_id": reply_to}
        if token:
            headers["Authorization"] = f"Bearer {token}"
    elif provider == "waha":
        payload = {"session": config.get("WAHA_SESSION") or "default", "chatId": to.lstrip("+") + "@c.us",
                   "text": row.body}
        if reply_to:
            payload["reply_to"] = reply_to
        if token:
            headers["X-Api-Key"] = token
    elif provider == "gowa":
        payload = {"phone": to.lstrip("+") + "@s.whatsapp.net", "message": row.body}
        if reply_to:
            payload["reply_message_id"] = reply_to
        if token:  # "user:password" of the gateway's basic auth
            import base64

            headers["Authorization"] = "Basic " + base64.b64encode(token.encode("utf-8")).decode("ascii")
    else:
        raise DeliveryError(f"unknown gateway provider {provider}")
    return url, payload, headers


def send_gateway(row, config):
    url, payload, headers = gateway_request(row, config)
    request = urllib.request.Request(url, data=json.dumps(payload).encode("utf-8"),
                                     headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=float(config.get("NOTIFY_GATEWAY_TIMEOUT", 10))) as response:
            body = response.read(65536)
    except urllib.error.HTTPError as exc:
        detail = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
        raise DeliveryError(f"gateway answered HTTP {exc.code} {detail}".strip(),
                            _permanent_http(exc.code)) from None
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        return ""
    messages = answer.get("messages")  # Cloud API: {"messages": [{"id": "wamid..."}]}
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        return str(messages[0].get("id") or "")
    results = answer.get("results")  # go-whatsapp-web-multidevice: {"results": {"message_id": ...}}
    if isinstance(results, dict):
        return str(results.get("message_id") or "")
    return str(answer.get("id") or answer.get("message_id") or "")
