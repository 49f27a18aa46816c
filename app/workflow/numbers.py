"""Tracking numbers: random, not guessable, easy to read aloud (no 0/O, 1/I/L).

Format ``XXXX-XXXX-C``: eight random symbols and one check symbol that catches
any single mistyped symbol and most swaps of neighbours.
"""
import hashlib
import hmac
import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 symbols, a prime: good check digit
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_CLEAN = re.compile(r"[\s\-_.]")


def _check_symbol(body):
    total = sum((i + 1) * _INDEX[c] for i, c in enumerate(body))
    return ALPHABET[total % len(ALPHABET)]


def whole_number(text, max_digits=9):
    """A non-negative whole number typed as ASCII digits (an id, a page), or None.

    ``str.isdigit`` alone also accepts "²" or "١٢", which ``int`` then refuses or reads
    as another number: a 500 or a wrong row. ``max_digits`` keeps it inside the column's range."""
    text = str(text if text is not None else "").strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def new_tracking_number():
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{body[:4]}-{body[4:]}-{_check_symbol(body)}"


def normalise_tracking_number(raw):
    """Canonical form of user input, or None when it cannot be a valid number."""
    if not raw or len(raw) > 40:
        return None
    text = _CLEAN.sub("", raw).upper()
    if len(text) != 9 or any(c not in _INDEX for c in text):
        return None
    body, check = text[:8], text[8]
    if _check_symbol(body) != check:
        return None
    return f"{body[:4]}-{body[4:]}-{check}"


REPLY_CODE_GROUPS = 3  # three groups of four symbols: 12 * log2(31) = 59 bits


def new_reply_code():
    """The reporter's private code (shown once; only its hash is stored).

    Readable aloud and typed on a phone: the tracking-number alphabet (no 0/O, 1/I/L),
    grouped like ``K7PM-Q3XR-A2BC``; 59 random bits, and online guessing is limited
    per case and per address (``app.workflow.reply_codes``).
    """
    body = "".join(secrets.choice(ALPHABET) for _ in range(4 * REPLY_CODE_GROUPS))
    return "-".join(body[i:i + 4] for i in range(0, len(body), 4))


def normalise_reply_code(raw):
    """What people type (lower case, spaces, dashes) -> the canonical grouped code, else None."""
    if not raw or len(raw) > 100:
        return None
    text = _CLEAN.sub("", raw).upper()
    if len(text) != 4 * REPLY_CODE_GROUPS or any(c not in _INDEX for c in text):
        return None
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def hash_reply_code(code):
    # 59 random bits behind an attempt limit: a plain SHA-256 of the canonical form is enough
    return hashlib.sha256(code.strip().encode()).hexdigest()


def check_reply_code(code, stored_hash):
    if not code or not stored_hash or len(code) > 100:
        return False
    canonical = normalise_reply_code(code)
    if canonical is not None and hmac.compare_digest(hash_reply_code(canonical), stored_hash):
        return True
    # codes issued before the grouped format (16 mixed-case characters) stay valid as typed
    return hmac.compare_digest(hash_reply_code(code), stored_hash)
