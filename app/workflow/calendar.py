"""Working days (hari kerja): Monday-Friday minus holidays, in the installation's time zone.

Deadlines are the *end* of the N-th working day after the day of the event
(23:59:59.999999 local time), which is how offices read "3 hari kerja".
All inputs and outputs are naive UTC datetimes, as stored in the database.
"""
import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_name
from flask import current_app, g, has_app_context

from app.formats import TZ_ABBREVIATIONS  # noqa: F401  (re-exported)

END_OF_DAY = datetime.time(23, 59, 59, 999999)


class WorkingCalendar:
    def __init__(self, holidays=(), tz="Asia/Jakarta"):
        self.holidays = frozenset(holidays)
        self.tz = ZoneInfo(tz)
        self.tz_name = tz

    # -- conversions -------------------------------------------------------
    def to_local(self, utc_naive):
        return utc_naive.replace(tzinfo=datetime.timezone.utc).astimezone(self.tz)

    def to_utc(self, local_aware):
        return local_aware.astimezone(datetime.timezone.utc).replace(tzinfo=None)

    def utc_of(self, moment):
        """A time a person typed or a client sent -> naive UTC, as stored: with an offset
        (``+07:00``, ``Z``) converted; without one read as this installation's local time (WIB,
        WITA or WIT), the time every screen shows. OverflowError past the last (or before the
        first) instant a datetime can hold in UTC."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return self.to_utc(moment)

    def local_date(self, utc_naive):
        return self.to_local(utc_naive).date()

    def start_of_local_day(self, day):
        return self.to_utc(datetime.datetime.combine(day, datetime.time.min, tzinfo=self.tz))

    def end_of_local_day(self, day):
        return self.to_utc(datetime.datetime.combine(day, END_OF_DAY, tzinfo=self.tz))

    def month_range(self, year, month, months=1):
        """[first day of the month, first day ``months`` later) in local time, as naive UTC."""
        end_index = year * 12 + (month - 1) + months
        start = datetime.datetime(year, month, 1, tzinfo=self.tz)
        end = datetime.datetime(end_index // 12, end_index % 12 + 1, 1, tzinfo=self.tz)
        return self.to_utc(start), self.to_utc(end)

    @property
    def abbreviation(self):
        return TZ_ABBREVIATIONS.get(self.tz_name) or get_timezone_name(self.tz_name)

    # -- working days ------------------------------------------------------
    def is_working_day(self, day):
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days_to_date(self, day, n):
        """The N-th working day strictly after ``day`` (N >= 1); ``day`` itself if N == 0."""
        current = day
        remaining = n
        while remaining > 0:
            current += datetime.timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def deadline(self, start_utc, n):
        """End of the N-th working day after the local day of ``start_utc``."""
        return self.end_of_local_day(self.add_working_days_to_date(self.local_date(start_utc), n))

    def working_days_between(self, start_day, end_day):
        """Working days in (start_day, end_day]: how many working days a pause consumed."""
        if end_day <= start_day:
            return 0
        count = 0
        current = start_day
        while current < end_day:
            current += datetime.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    def shift_for_pause(self, deadline_utc, paused_from_utc, paused_until_utc):
        """Move a deadline later by the working days spent on hold."""
        if deadline_utc is None:
            return None
        days = self.working_days_between(
            self.local_date(paused_from_utc), self.local_date(paused_until_utc)
        )
        if days == 0:
            return deadline_utc
        return self.end_of_local_day(
            self.add_working_days_to_date(self.local_date(deadline_utc), days)
        )

    def elapsed_working_days(self, start_utc, end_utc):
        """Working days from start to end, fractional (for response-time KPIs)."""
        start = self.to_local(start_utc)
        end = self.to_local(end_utc)
        if end <= start:
            return 0.0
        total = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                day_start = datetime.datetime.combine(day, datetime.time(0), tzinfo=self.tz)
                day_end = day_start + datetime.timedelta(days=1)
                lo = max(start, day_start)
                hi = min(end, day_end)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 86400.0
            day += datetime.timedelta(days=1)
        return total


FIRST_HOLIDAY_YEAR = 2000
HOLIDAY_YEARS_AHEAD = 5


def check_holiday_date(day, now=None):
    """A holiday is a day of a plausible year: from 2000 to five years after the current local year
    (a typo such as 9999 or 0202 would silently shift no deadline and clutter the list)."""
    from flask_babel import lazy_gettext as _l

    from app.clock import utcnow
    from app.workflow.errors import ValidationFailed

    last = current_calendar().local_date(now or utcnow()).year + HOLIDAY_YEARS_AHEAD
    if day is not None and not FIRST_HOLIDAY_YEAR <= day.year <= last:
        raise ValidationFailed(_l("A holiday must fall between the years %(first)s and %(last)s.",
                                  first=FIRST_HOLIDAY_YEAR, last=last))
    return day


def load_holidays(session):
    from app.models import Holiday

    return [row[0] for row in session.query(Holiday.date).all()]


def current_calendar():
    """The installation's calendar (holidays from the database), cached per request/job; the
    holidays themselves per process (:func:`_process_holidays`)."""
    if has_app_context() and "lapor_calendar" in g:
        return g.lapor_calendar
    cal = WorkingCalendar(_process_holidays(), current_app.config["TIMEZONE"])
    if has_app_context():
        g.lapor_calendar = cal
    return cal


def invalidate_calendar():
    if has_app_context():
        g.pop("lapor_calendar", None)
    _holidays_cache.update(generation=None, days=None)


# The holiday days, read once per process instead of once per request (a staff page asked for
# them on every view: the "due soon" badge). Kept with the shared generation of the cached
# permissions (``app/permission_cache.py``, checked once per request); any change of a holiday
# through the ORM (a screen, ``ensure_reference_data``, a bulk ``delete(Holiday)``) drops this
# process's copy when flushed, committed or rolled back, and a commit moves the generation, so
# every other process reads them again. (A change by raw SQL outside the ORM: ``flask lapor init``.)
_holidays_cache = {"generation": None, "days": None}


def _process_holidays():
    from app import permission_cache
    from app.extensions import db

    generation = permission_cache.generation()
    days = _holidays_cache["days"]
    if days is None or _holidays_cache["generation"] != generation:
        days = frozenset(load_holidays(db.session))
        _holidays_cache.update(generation=generation, days=days)
    return days


_CHANGED = "lapor_holidays_changed"


def _holidays_flushed(session, _flush_context):
    from app.models import Holiday

    if any(isinstance(row, Holiday) for rows in (session.new, session.dirty, session.deleted) for row in rows):
        session.info[_CHANGED] = True
        _holidays_cache.update(generation=None, days=None)


def _holidays_written(state):
    """A bulk UPDATE/DELETE of holidays through the session (``delete(Holiday)``, ``query.delete()``)."""
    if (state.is_update or state.is_delete) and state.bind_mapper is not None:
        from app.models import Holiday

        if state.bind_mapper.class_ is Holiday:
            state.session.info[_CHANGED] = True
            _holidays_cache.update(generation=None, days=None)


def _holidays_committed(session):
    if session.info.pop(_CHANGED, False):
        _holidays_cache.update(generation=None, days=None)
        if has_app_context():
            from app import permission_cache

            permission_cache.publish(current_app._get_current_object())


def _holidays_rolled_back(session):
    if session.info.pop(_CHANGED, False):
        _holidays_cache.update(generation=None, days=None)


def watch_holidays():
    """Listen for holiday changes on every session (called once by the application factory)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    for name, listener in (("after_flush", _holidays_flushed), ("do_orm_execute", _holidays_written),
                           ("after_commit", _holidays_committed), ("after_rollback", _holidays_rolled_back)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


@lru_cache(maxsize=8)
def national_holidays(years, subdiv=None):
    """National holidays of Indonesia for the given years, from the ``holidays`` package."""
    import holidays as holidays_lib

    return sorted(holidays_lib.country_holidays("ID", years=list(years)).items())
