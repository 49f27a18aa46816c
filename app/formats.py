"""Locale-aware formats (Babel) of dates, times and numbers: a module below every layer.

The domain (e.g. notification texts) and the screens (Jinja filters, registered by
:mod:`app.formatting`) format the same way; this module imports nothing of ours.
"""
import datetime
import re

from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone, gettext as _

# the installation's time zones and how Indonesians write them
TZ_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def tz_label():
    name = current_app.config["TIMEZONE"]
    return TZ_ABBREVIATIONS.get(name, name)


def lapor_datetime(value):
    """A time on a case page or a timeline: "Senin, 23 November 2026 14.05 WIB"."""
    if value is None:
        return "-"
    local = _local_time(value)
    if local is None:
        return f"{format_datetime(value, 'EEEE, d MMMM yyyy HH.mm')} {tz_label()}"
    names, local = local
    return (f"{names.weekdays[local.weekday()]}, {local.day} {names.months[local.month]} {local.year:04d} "
            f"{local.hour:02d}.{local.minute:02d} {tz_label()}")


def lapor_datetime_short(value):
    """A time in a list cell: "23 Nov 2026 13.04 WIB", breaking only between the day and the time."""
    if value is None:
        return "-"
    nbsp = "\u00a0"
    local = _local_time(value)
    if local is None:
        day, time = format_datetime(value, "d MMM yyyy"), format_datetime(value, "HH.mm")
    else:
        day, time = _short_day(*local), f"{local[1].hour:02d}.{local[1].minute:02d}"
    return f"{day.replace(' ', nbsp)} {time}{nbsp}{tz_label()}"


def lapor_day_short(value):
    """The local day of a time, short: "23 Nov 2026" (e.g. a deadline under a list row's badge)."""
    local = _local_time(value)
    return format_datetime(value, "d MMM yyyy") if local is None else _short_day(*local)


# A list page formats a few times per row, and Babel's pattern machinery costs ~50 us a call (a
# tenth of a staff list's rendering): the patterns above ("EEEE, d MMMM yyyy HH.mm", "d MMM yyyy",
# "HH.mm") are written here directly from the same locale data and time zone (tests/test_formats.py
# holds them equal to Babel's).
_NAMES = {}


class _Names:
    def __init__(self, locale):
        self.months = dict(locale.months["format"]["wide"])
        self.short_months = dict(locale.months["format"]["abbreviated"])
        self.weekdays = dict(locale.days["format"]["wide"])  # 0 = Monday, as datetime.weekday()


def _local_time(value):
    """``(the names of the page's language, value in the page's time zone)`` for a time (naive =
    UTC, as stored); None for what Babel must format itself (a date, no language)."""
    locale = get_locale() if isinstance(value, datetime.datetime) else None
    if locale is None:
        return None
    key = str(locale)
    names = _NAMES.get(key)
    if names is None:
        names = _NAMES[key] = _Names(locale)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return names, value.astimezone(get_timezone())


class PageTimes:
    """The page's language, time zone and zone label read once, for a page that formats many times
    (a list: a time and a deadline per row). The same texts as :func:`lapor_datetime_short` and
    :func:`lapor_day_short`, without asking Flask-Babel for the language and zone on every call."""

    def __init__(self):
        locale = get_locale()
        self.names = None
        if locale is not None:
            key = str(locale)
            self.names = _NAMES.get(key)
            if self.names is None:
                self.names = _NAMES[key] = _Names(locale)
        self.zone = get_timezone()
        self.label = tz_label()

    def _local(self, value):
        if self.names is None or not isinstance(value, datetime.datetime):
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return self.names, value.astimezone(self.zone)

    def datetime_short(self, value):
        """:func:`lapor_datetime_short`."""
        local = self._local(value) if value is not None else None
        if local is None:
            return lapor_datetime_short(value)
        nbsp = "\u00a0"
        return f"{_short_day(*local).replace(' ', nbsp)} {local[1].hour:02d}.{local[1].minute:02d}{nbsp}{self.label}"

    def day_short(self, value):
        """:func:`lapor_day_short`."""
        local = self._local(value)
        return lapor_day_short(value) if local is None else _short_day(*local)


def _short_day(names, local):
    """Babel's "d MMM yyyy"."""
    return f"{local.day} {names.short_months[local.month]} {local.year:04d}"


def lapor_date(value):
    if value is None:
        return "-"
    return format_date(value, "d MMMM yyyy")


def lapor_number(value, digits=1):
    if value is None:
        return "-"
    return format_decimal(value, format="#,##0." + "#" * digits if digits else "#,##0")


def lapor_working_days(value):
    """``1.8912`` -> "1,89 hari kerja" (locale-aware)."""
    if value is None:
        return "-"
    return _("%(days)s working days", days=format_decimal(value, format="#,##0.##"))


# --- how staff type dates (forms: app/views/fields.py; list filters: app/interface.py) ----------
# ``dd/mm/yyyy`` (what people type and what the picker writes) or ISO ``yyyy-mm-dd``; a date and
# time also with ``HH:MM`` or ``HH.MM``. Anything else is no date (never a silently different one).
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y")
TIME_FORMATS = ("%H:%M", "%H.%M")


def parse_date(text):
    text = (text or "").strip()
    for fmt in DATE_FORMATS:
        try:
            value = datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if value.year >= 1900:
            return value
    raise ValueError(text)


def parse_datetime(text):
    text = " ".join((text or "").replace("T", " ").split())
    for date_fmt in DATE_FORMATS:
        for time_fmt in TIME_FORMATS:
            try:
                value = datetime.datetime.strptime(text, f"{date_fmt} {time_fmt}")
            except ValueError:
                continue
            if value.year >= 1900:
                return value
    raise ValueError(text)


# a time with an offset whose "+" was not URL-encoded in a query string (and so became a space)
UNENCODED_PLUS = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?) (\d{2}:\d{2})$")


def parse_instant(text):
    """A date and time as a person types it (``dd/mm/yyyy``, ``dd/mm/yyyy HH:MM``, see above) or a
    client sends it (ISO 8601: ``2026-07-06T09:00:00+07:00``, ``...Z``, ``2026-07-06T09:00``); a day
    alone is its start (00:00). Aware when written with an offset, naive otherwise: the caller
    turns it into the stored naive UTC with ``WorkingCalendar.utc_of`` (naive = local time)."""
    text = (text or "").strip()
    try:
        return datetime.datetime.combine(parse_date(text), datetime.time())
    except ValueError:
        pass
    try:
        return parse_datetime(text)
    except ValueError:
        pass
    try:
        value = datetime.datetime.fromisoformat(UNENCODED_PLUS.sub(r"\1+\2", text))
    except ValueError:
        raise ValueError(text) from None
    if value.year < 1900:
        raise ValueError(text)
    return value
