"""Encryption of personal data at rest (UU PDP 27/2022).

Values are encrypted with Fernet (AES-128-CBC + HMAC) using ``PII_KEY``; a list
of keys (comma-separated) allows rotation. Exact-match lookups (a reporter by
e-mail, phone or NIK) use a keyed blind index (HMAC-SHA256 of the normalised
value) so the plain value is never stored.
"""
import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

_cache = {}


def _keys():
    raw = current_app.config["PII_KEY"]
    if raw not in _cache:
        keys = [k.strip() for k in raw.split(",") if k.strip()]
        fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        index_key = hashlib.sha256(b"lapor-blind-index:" + keys[0].encode()).digest()
        _cache[raw] = (fernet, index_key)
    return _cache[raw]


def encrypt(value):
    if value is None or value == "":
        return None
    return _keys()[0].encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token):
    if token is None:
        return None
    try:
        return _keys()[0].decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        return None


def normalise_email(value):
    return (value or "").strip().lower() or None


def normalise_phone(value):
    """Indonesian phone numbers: +62 / 62 / 0 prefixes are the same number."""
    digits = re.sub(r"\D", "", value or "")
    if not digits:
        return None
    if digits.startswith("62"):
        digits = "0" + digits[2:]
    elif not digits.startswith("0"):
        digits = "0" + digits
    return digits


def normalise_nik(value):
    digits = re.sub(r"\D", "", value or "")
    return digits or None


def blind_index(value):
    if not value:
        return None
    return hmac.new(_keys()[1], value.encode("utf-8"), hashlib.sha256).hexdigest()


def mask(value, keep=2):
    """``08123456789`` -> ``08*******89`` for display."""
    if not value:
        return ""
    if len(value) <= keep * 2:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - keep * 2) + value[-keep:]


class EncryptedText(TypeDecorator):
    """A text column stored as a Fernet token."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return encrypt(value)

    def process_result_value(self, value, dialect):
        return decrypt(value)


def email_reply_token(complaint_id, secret_key=None):
    """The token the portal puts in the Message-ID of its e-mails about a case (so a reply
    carries it in ``In-Reply-To``/``References``): HMAC of the case id with ``SECRET_KEY``, which
    only the portal can compute. 20 base-32 symbols (100 bits), lowercase, safe in a Message-ID."""
    import base64

    secret_key = current_app.config["SECRET_KEY"] if secret_key is None else secret_key
    key = hashlib.sha256(b"lapor-email-reply:" + str(secret_key).encode()).digest()
    digest = hmac.new(key, f"complaint:{int(complaint_id)}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:20].lower()


def is_email_reply_token(complaint_id, token):
    """A token of ``SECRET_KEY`` or of one of ``SECRET_KEY_FALLBACKS`` (the keys before a rotation:
    replies to the mails sent before it are still recognised). Every key is compared."""
    if not token:
        return False
    token = token.lower()
    fallbacks = current_app.config.get("SECRET_KEY_FALLBACKS") or ()
    if isinstance(fallbacks, str):
        fallbacks = [key.strip() for key in fallbacks.split(",")]
    keys = [current_app.config["SECRET_KEY"], *fallbacks]
    matches = [hmac.compare_digest(email_reply_token(complaint_id, key), token) for key in keys if key]
    return any(matches)
