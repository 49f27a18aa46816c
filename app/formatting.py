"""Indonesian formats as Jinja filters (the functions live in :mod:`app.formats`)."""
from app.formats import (  # noqa: F401  (re-exported for the screens)
    lapor_date,
    lapor_datetime,
    lapor_number,
    lapor_working_days,
    tz_label,
)


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
