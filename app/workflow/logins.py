"""Brute force on staff sign-in (web form and JWT API alike), decided from the login history.

Every attempt is a :class:`LoginEvent` row (success or failure, account, address, time). Before a
password is even checked, :func:`check` reads the recent history:

* **per account** — failures since its last successful sign-in within ``LOGIN_WINDOW_MINUTES``:
  from the ``LOGIN_DELAY_AFTER``-th failure on, each further attempt must wait longer
  (1, 2, 4, 8 ... seconds after the previous failure, at most ``LOGIN_MAX_DELAY_SECONDS``);
  at ``LOGIN_LOCK_AFTER`` failures the account is locked for ``LOGIN_LOCK_MINUTES``;
* **per address** — failures from one address within the window, whatever the account (password
  spraying over many accounts): at ``LOGIN_ADDRESS_LOCK_AFTER`` the address is locked for the
  same period; a success does not reset it.
* **a known address keeps its owner in** — from an address this account signed in from within
  ``LOGIN_TRUSTED_DAYS``, only the failures from that address count towards the account's delay and
  lock: someone guessing from elsewhere cannot lock the owner out of their own office or phone
  (a denial of service anyone could run against the head of an agency), while guessing from the
  known address itself is limited as before.

No request sleeps (a sleeping worker is a denial of service of its own): an attempt that comes
too early is refused without checking the password, and recorded like any failure.

The moment an account or an address becomes locked, every coordinator and admin gets an in-app
notice (:func:`alert_burst`), once per lock.
"""
import datetime
from dataclasses import dataclass
from typing import Optional

from flask_babel import force_locale, gettext as _
from sqlalchemy import func, select

from app import clock
from app.settings import setting  # the LOGIN_* limits: whole numbers read by config.py
from app.extensions import db
from app.models import LaporUser, LoginEvent, Notification


@dataclass
class Verdict:
    allowed: bool
    reason: Optional[str] = None        # "account_locked", "address_locked", "too_fast"
    retry_after: int = 0                # seconds

    @property
    def message(self):
        if self.allowed:
            return ""
        if self.reason == "too_fast":
            return _("Too many failed sign-in attempts. Wait %(seconds)d seconds and try again.",
                     seconds=max(1, self.retry_after))
        return _("Too many failed sign-in attempts: sign-in is locked for %(minutes)d minutes. "
                 "Contact the administrator if this was not you.", minutes=max(1, -(-self.retry_after // 60)))


def _account_clause(user_id, username):
    if user_id is not None:
        return LoginEvent.user_id == user_id
    return LoginEvent.username == (username or "")[:100]


def account_failures(user_id, username, now, address=None):
    """(number of failures since the last success inside the window, time of the last failure);
    with ``address``: only the failures from that address."""
    window_start = now - datetime.timedelta(minutes=setting("LOGIN_WINDOW_MINUTES"))
    last_success = db.session.execute(
        select(func.max(LoginEvent.created_at))
        .where(_account_clause(user_id, username), LoginEvent.success.is_(True),
               LoginEvent.created_at >= window_start, LoginEvent.created_at <= now)
    ).scalar()
    since = max(window_start, last_success) if last_success else window_start
    count, last = db.session.execute(
        select(func.count(), func.max(LoginEvent.created_at))
        .where(_account_clause(user_id, username), LoginEvent.success.is_(False),
               LoginEvent.created_at >= since, LoginEvent.created_at <= now,
               *([LoginEvent.address == address] if address else []))
    ).one()
    return count, last


def known_address(user_id, address, now):
    """The account signed in successfully from ``address`` within ``LOGIN_TRUSTED_DAYS``."""
    if user_id is None or not address:
        return False
    since = now - datetime.timedelta(days=setting("LOGIN_TRUSTED_DAYS"))
    return db.session.execute(
        select(LoginEvent.id).where(LoginEvent.user_id == user_id, LoginEvent.address == address,
                                    LoginEvent.success.is_(True), LoginEvent.created_at >= since,
                                    LoginEvent.created_at <= now).limit(1)
    ).first() is not None


def address_failures(address, now):
    if not address:
        return 0, None
    window_start = now - datetime.timedelta(minutes=setting("LOGIN_WINDOW_MINUTES"))
    count, last = db.session.execute(
        select(func.count(), func.max(LoginEvent.created_at))
        .where(LoginEvent.address == address, LoginEvent.success.is_(False),
               LoginEvent.created_at >= window_start, LoginEvent.created_at <= now)
    ).one()
    return count, last


def delay_after(failures):
    """Seconds an attempt must wait after the previous failure (0 below the threshold)."""
    over = failures - setting("LOGIN_DELAY_AFTER")
    if over < 0:
        return 0
    return min(2 ** over, setting("LOGIN_MAX_DELAY_SECONDS"))


def check(user_id, username, address, now=None):
    """May this attempt be checked at all? Read-only."""
    now = now or clock.utcnow()
    lock = datetime.timedelta(minutes=setting("LOGIN_LOCK_MINUTES"))
    count, last = address_failures(address, now)
    if count >= setting("LOGIN_ADDRESS_LOCK_AFTER") and last + lock > now:
        return Verdict(False, "address_locked", int((last + lock - now).total_seconds()) + 1)
    count, last = account_failures(user_id, username, now)
    if count and known_address(user_id, address, now):  # failures from elsewhere do not lock the owner out
        count, last = account_failures(user_id, username, now, address=address)
    if count >= setting("LOGIN_LOCK_AFTER") and last + lock > now:
        return Verdict(False, "account_locked", int((last + lock - now).total_seconds()) + 1)
    wait = delay_after(count)
    if wait and last + datetime.timedelta(seconds=wait) > now:
        return Verdict(False, "too_fast", int((last + datetime.timedelta(seconds=wait) - now).total_seconds()) + 1)
    return Verdict(True)


def record(user_id, username, success, method, address, now=None):
    """One row of the login history; on the failure that starts a lock, the coordinators are told."""
    now = now or clock.utcnow()
    db.session.add(LoginEvent(user_id=user_id, username=(username or "")[:100], success=bool(success),
                              method=method, address=address, created_at=now))
    db.session.flush()
    if not success:
        if account_failures(user_id, username, now)[0] == setting("LOGIN_LOCK_AFTER"):
            alert_burst(_account_text(user_id, username, address), now)
        elif address and address_failures(address, now)[0] == setting("LOGIN_ADDRESS_LOCK_AFTER"):
            alert_burst(_address_text(address), now)
    db.session.commit()


def _locale():
    return setting("BABEL_DEFAULT_LOCALE", "id")


def _account_text(user_id, username, address):
    with force_locale(_locale()):
        return _("%(count)d failed sign-ins to the account %(username)s (last from %(address)s): the account "
                 "is locked for %(minutes)d minutes.", count=setting("LOGIN_LOCK_AFTER"),
                 username=(username or "")[:100], address=address or "?", minutes=setting("LOGIN_LOCK_MINUTES"))


def _address_text(address):
    with force_locale(_locale()):
        return _("%(count)d failed sign-ins from the address %(address)s to several accounts: the address is "
                 "locked for %(minutes)d minutes.", count=setting("LOGIN_ADDRESS_LOCK_AFTER"), address=address,
                 minutes=setting("LOGIN_LOCK_MINUTES"))


def alert_burst(text, now):
    """An in-app notice to every active coordinator and admin."""
    from app.workflow.access import ROLE_ADMIN, ROLE_COORDINATOR

    Role = LaporUser.roles.property.mapper.class_  # FAB's role model, without importing FAB here
    users = db.session.execute(
        select(LaporUser.id).join(LaporUser.roles)
        .where(Role.name.in_([ROLE_ADMIN, ROLE_COORDINATOR]), LaporUser.active.is_(True))
    ).scalars().unique().all()
    for user_id in sorted(set(users)):
        db.session.add(Notification(user_id=user_id, topic="login_burst", text=text[:2000], created_at=now))
