"""Indonesian formats as Jinja filters (the functions live in :mod:`app.formats`)."""
from app.formats import (  # noqa: F401  (re-exported for the screens)
    lapor_date,
    lapor_datetime,
    lapor_datetime_short,
    lapor_number,
    lapor_working_days,
)


def page_lang():
    """The language of the page for ``<html lang>`` ("id" or "en")."""
    from flask_babel import get_locale

    return str(get_locale() or "id")[:2]


def shown(value):
    """How a stored value reads on a staff screen: an empty value is "—", booleans are Ya/Tidak,
    lists are joined, times are local ("24 Nov 2026 19.25 WIB") and days Indonesian; never None,
    True, False, [x] or an ISO/UTC time. (A filter, not a macro: it runs for every cell of every
    list.) Plain strings are escaped by the template's autoescape; Markup stays."""
    import datetime

    from flask_babel import gettext

    if value is None or (isinstance(value, str) and value.strip() in ("", "-", "None")):
        return "—"
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    if isinstance(value, (list, tuple, set)) or type(value).__name__ == "InstrumentedList":
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, datetime.datetime):
        return lapor_datetime_short(value)
    if isinstance(value, datetime.date):
        return lapor_date(value)
    return value


def register_filters(app):
    from app.workflow import periods

    app.jinja_env.globals["page_lang"] = page_lang
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.filters["lapor_datetime"] = lapor_datetime
    app.jinja_env.filters["lapor_date"] = lapor_date
    app.jinja_env.filters["period_label"] = periods.label_of
    app.jinja_env.filters["lapor_number"] = lapor_number
    app.jinja_env.filters["lapor_working_days"] = lapor_working_days
