"""Indonesian formats through Babel (dates, numbers, durations), as Jinja filters."""
from flask import current_app
from flask_babel import format_date, format_datetime, format_decimal, gettext as _

from app.workflow.calendar import TZ_ABBREVIATIONS


def tz_label():
    name = current_app.config["TIMEZONE"]
    return TZ_ABBREVIATIONS.get(name, name)


def lapor_datetime(value):
    if value is None:
        return "-"
    return f"{format_datetime(value, 'EEEE, d MMMM yyyy HH.mm')} {tz_label()}"


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


def page_lang():
    """The language of the page for ``<html lang>`` ("id" or "en")."""
    from flask_babel import get_locale

    return str(get_locale() or "id")[:2]


def register_filters(app):
    app.jinja_env.globals["page_lang"] = page_lang
    app.jinja_env.filters["lapor_datetime"] = lapor_datetime
    app.jinja_env.filters["lapor_date"] = lapor_date
    app.jinja_env.filters["lapor_number"] = lapor_number
    app.jinja_env.filters["lapor_working_days"] = lapor_working_days
