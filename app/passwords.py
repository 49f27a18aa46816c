"""The password policy, one rule for every path that sets a password.

Staff forms (add user, change my password, an admin resetting a password: FAB's
``FAB_PASSWORD_COMPLEXITY_VALIDATOR``) and ``flask lapor create-admin`` call :func:`problems`:

* at least ``PASSWORD_MIN_LENGTH`` characters (default 10);
* not the username, and not containing it;
* not a common password (a list of the most used ones, Indonesian ones included), also when a
  year or a few digits/symbols are added to it (``password2026!``);
* not one repeated character or an obvious sequence.
"""
import re

from flask import current_app, has_app_context
from flask_babel import gettext as _

COMMON = {
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "qwerty", "qwertyuiop", "asdfghjkl", "zxcvbnm",
    "123456", "1234567", "12345678", "123456789", "1234567890", "0123456789", "987654321", "111111",
    "000000", "123123", "abc123", "abcdef", "abcdefgh", "iloveyou", "admin", "administrator",
    "welcome", "letmein", "monkey", "dragon", "football", "sunshine", "princess", "master", "secret",
    "changeme", "default", "root", "toor", "superman", "batman", "trustno1", "login", "user",
    "indonesia", "jakarta", "bandung", "surabaya", "bismillah", "alhamdulillah", "merdeka",
    "rahasia", "sandi", "katasandi", "katakunci", "sayang", "sayangku", "cinta", "cintaku",
    "kucing", "anjing", "garuda", "pancasila", "pemda", "pemkab", "pemkot", "diskominfo", "kominfo",
    "lapor", "laporan", "pengaduan", "sp4nlapor", "admin123", "administrator1", "selamat", "selamatdatang",
    "qwerty123", "1q2w3e4r", "1qaz2wsx", "q1w2e3r4", "aaaaaa", "asdf1234", "zaq12wsx",
}
_SUFFIX = re.compile(r"[\d\W_]+$")
_PREFIX = re.compile(r"^[\d\W_]+")


def min_length():
    if has_app_context():
        return int(current_app.config.get("PASSWORD_MIN_LENGTH", 10))
    return 10


def policy():
    """The rule in one sentence, as the password fields' help text."""
    return _("At least %(count)d characters; not containing the username; not a common password or an "
             "obvious sequence.", count=min_length())


def _is_sequence(text):
    for alphabet in ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm"):
        if len(text) >= 4 and (text in alphabet or text in alphabet[::-1]):
            return True
    return False


def problems(password, username=None):
    """Indonesian messages of everything wrong with ``password`` (empty list = acceptable)."""
    password = password or ""
    found = []
    if len(password) < min_length():
        found.append(_("The password must be at least %(count)d characters long.", count=min_length()))
    lowered = password.lower()
    name = (username or "").strip().lower()
    if name and len(name) >= 3 and name in lowered:
        found.append(_("The password must not contain the username."))
    core = _PREFIX.sub("", _SUFFIX.sub("", lowered))
    if lowered in COMMON or core in COMMON or len(set(lowered)) <= 2 or _is_sequence(lowered):
        found.append(_("This password is too common or too easy to guess."))
    return found


def _username_in_request():
    """Whose password a FAB form is setting: the username typed, or the account in the URL."""
    from flask import g, has_request_context, request

    from app.workflow.numbers import whole_number

    if not has_request_context():
        return None
    if request.form.get("username"):
        return request.form["username"]
    user = None
    if whole_number(request.args.get("pk")) is not None:
        user = current_app.appbuilder.sm.get_user_by_id(whole_number(request.args["pk"]))
    elif getattr(g, "user", None) is not None and getattr(g.user, "is_authenticated", False):
        user = g.user
    return getattr(user, "username", None)


def fab_validator(password):
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: raise FAB's error with our messages."""
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    found = problems(password, _username_in_request())
    if found:
        raise PasswordComplexityValidationError(" ".join(found))
