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


def new_reply_code():
    """The reporter's private code (shown once); only its hash is stored."""
    return secrets.token_urlsafe(12)


def hash_reply_code(code):
    # the code carries 96 random bits, so a plain SHA-256 cannot be brute-forced
    return hashlib.sha256(code.strip().encode()).hexdigest()


def check_reply_code(code, stored_hash):
    if not code or not stored_hash or len(code) > 100:
        return False
    return hmac.compare_digest(hash_reply_code(code), stored_hash)
