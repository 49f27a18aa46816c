"""API keys of Open311 clients: created once (the key is shown once, only its hash is kept),
looked up by hash, revocable, counted on every use."""
import hashlib
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.clock import utcnow
from app.extensions import db
from app.models import ApiClientKey, Channel
from app.workflow.errors import ValidationFailed

KEY_PREFIX = "lpr_"
DEFAULT_RATE_LIMIT = "60 per minute"
DEFAULT_CHANNEL = "mobile_app"


def hash_key(plaintext):
    # keys are 256-bit random strings: a plain SHA-256 is enough (no dictionary to guess from)
    return hashlib.sha256((plaintext or "").encode("utf-8")).hexdigest()


def valid_rate_limit(value):
    from limits import parse

    if len(value) > ApiClientKey.rate_limit.type.length:  # "99999…9 per second" would not fit the column
        return False
    try:
        parse(value)
    except ValueError:
        return False
    return True


def new_key():
    return KEY_PREFIX + secrets.token_urlsafe(32)


def create(name, channel_code=DEFAULT_CHANNEL, rate_limit=DEFAULT_RATE_LIMIT, created_by=None, now=None):
    """A new key for client ``name``; returns ``(row, plaintext key)``. The caller commits."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_l("Enter the client's name."))
    if len(name) > 100:  # the length of ApiClientKey.name: refused, never cut
        raise ValidationFailed(_l("The client's name may be at most 100 characters."))
    if db.session.execute(select(ApiClientKey.id).where(ApiClientKey.name == name)).first():
        raise ValidationFailed(_l("An API key with this name already exists."))
    rate_limit = (rate_limit or DEFAULT_RATE_LIMIT).strip()
    if not valid_rate_limit(rate_limit):
        raise ValidationFailed(_l("Rate limit must look like \"60 per minute\"."))
    channel = db.session.execute(select(Channel).where(Channel.code == channel_code)).scalar_one_or_none()
    if channel is None:
        raise ValidationFailed(_l("Unknown channel."))
    plaintext = new_key()
    row = ApiClientKey(name=name, channel=channel, prefix=plaintext[:10], key_hash=hash_key(plaintext),
                       rate_limit=rate_limit, created_at=now or utcnow(),
                       created_by_id=getattr(created_by, "id", None), request_count=0)
    db.session.add(row)
    db.session.flush()
    return row, plaintext


def assign(row, plaintext):
    """Give an existing (new, unsaved) row a fresh key; returns the plaintext."""
    row.prefix = plaintext[:10]
    row.key_hash = hash_key(plaintext)


def find_active(plaintext):
    """The active key matching ``plaintext``, or None (unknown or revoked)."""
    if not plaintext or not plaintext.startswith(KEY_PREFIX) or len(plaintext) > 200:
        return None
    row = db.session.execute(
        select(ApiClientKey).where(ApiClientKey.key_hash == hash_key(plaintext))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None:
        return None
    return row


def record_use(row, now=None):
    """Count one request of the key (atomic increment; no lost updates under load)."""
    db.session.execute(
        update(ApiClientKey).where(ApiClientKey.id == row.id)
        .values(request_count=ApiClientKey.request_count + 1, last_used_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def revoke(row, now=None):
    if row.revoked_at is None:
        row.revoked_at = now or utcnow()
