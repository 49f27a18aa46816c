"""Indonesian formats as Jinja filters (the functions live in :mod:`app.formats`)."""
from app.formats import (  # noqa: F401  (re-exported for the screens)
    lapor_date,
    lapor_datetime,
    lapor_number,
    lapor_working_days,
    tz_label,
)


def register_filters(app):
    app.jinja_env.filters["lapor_datetime"] = lapor_datetime
    app.jinja_env.filters["lapor_date"] = lapor_date
    app.jinja_env.filters["lapor_number"] = lapor_number
    app.jinja_env.filters["lapor_working_days"] = lapor_working_days
