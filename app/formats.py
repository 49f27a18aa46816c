"""Locale-aware formats (Babel) of dates, times and numbers: a module below every layer.

The domain (e.g. notification texts) and the screens (Jinja filters, registered by
:mod:`app.formatting`) format the same way; this module imports nothing of ours.
"""
from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, gettext as _

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
    if value is None:
        return "-"
    return f"{format_datetime(value, 'EEEE, d MMMM yyyy HH.mm')} {tz_label()}"


def lapor_datetime_short(value):
    """A time in a list cell: "23 Nov 2026 13.04 WIB", breaking only between the day and the time."""
    if value is None:
        return "-"
    nbsp = "\u00a0"
    day, time = format_datetime(value, "d MMM yyyy"), format_datetime(value, "HH.mm")
    return f"{day.replace(' ', nbsp)} {time}{nbsp}{tz_label()}"


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
