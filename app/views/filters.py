"""Flask-AppBuilder adapters of the domain's rules (``base_filters`` of views and APIs).

The rules themselves live in :mod:`app.workflow.access` and :mod:`app.workflow.queues`;
these classes only hand FAB's query to them, so the domain never imports FAB.
"""
from flask_appbuilder.models.filters import BaseFilter
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.workflow import access
from app.workflow.queues import QUEUES


def request_user():
    """Who is asking: the session's user, or the JWT's user on an API call (FAB resolves both)."""
    from flask import current_app

    try:
        user = current_app.appbuilder.sm.current_user
    except (RuntimeError, AttributeError):  # no JWT verified / no FAB request hook ran (a job)
        user = None
    return user if user is not None else current_user


class CaseAccessFilter(BaseFilter):
    """The access rule: only the cases the user asking may see, the same under a session cookie
    and under a JWT."""

    name = "Akses"
    arg_name = "lapor_access"

    def apply(self, query, value):
        return query.filter(access.case_scope_clause(request_user()))


class QueueFilter(BaseFilter):
    """One work queue of :data:`app.workflow.queues.QUEUES`; the value is the queue's name."""

    name = "Antrean"
    arg_name = "lapor_queue"

    def apply(self, query, value):
        return query.filter(QUEUES[value]())


ACCESS_BASE_FILTERS = [["id", CaseAccessFilter, None]]


def queue_base_filters(queue_name):
    """``base_filters`` of a queue screen: the access rule, then the queue."""
    if queue_name not in QUEUES:
        raise KeyError(f"unknown work queue {queue_name!r}; known: {sorted(QUEUES)}")
    return ACCESS_BASE_FILTERS + [["id", QueueFilter, queue_name]]


class LocalDayFilter(BaseFilter):
    """A time column (stored in UTC) filtered by a day of the installation's calendar, typed as
    staff write dates (``dd/mm/yyyy`` or ISO; ``app.views.fields.parse_date``). These replace
    FAB's operators on such columns, which compared the typed text, read month first and as UTC.
    A value that is not a date is named in a message and the filter left out."""

    replaces_defaults = True

    def bounds(self, value):
        from app.interface import bad_date_message, warn_once
        from app.views.fields import parse_date
        from app.workflow.calendar import current_calendar

        try:
            day = parse_date(value)
        except ValueError:
            warn_once(bad_date_message(value))
            return None
        calendar = current_calendar()
        return calendar.start_of_local_day(day), calendar.end_of_local_day(day)

    def apply(self, query, value):
        found = self.bounds(value)
        if found is None:
            return query
        column = getattr(self.datamodel.obj, self.column_name)
        return query.filter(self.clause(column, *found))


class OnDayFilter(LocalDayFilter):
    name = _l("On the date")
    arg_name = "on_day"

    def clause(self, column, start, end):
        return column.between(start, end)


class FromDayFilter(LocalDayFilter):
    name = _l("On or after the date")
    arg_name = "from_day"

    def clause(self, column, start, end):
        return column >= start


class UntilDayFilter(LocalDayFilter):
    name = _l("On or before the date")
    arg_name = "until_day"

    def clause(self, column, start, end):
        return column <= end


LOCAL_DAY_FILTERS = [OnDayFilter, FromDayFilter, UntilDayFilter]


class OwnSearchFilters:
    """Mixin of a staff list whose ``search_filters`` (e.g. :data:`LOCAL_DAY_FILTERS` on its time
    columns) must be offered: FAB 5 ModelViews ignore that attribute, so they are wired in here,
    for the list and for the background export (:meth:`export_filters`)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._filters = self.export_filters()

    def export_filters(self):
        """A fresh set of this screen's search filters (the exporter fills it from URL arguments)."""
        return self.datamodel.get_filters(self.search_columns, search_filters={
            column: [flt(column, self.datamodel) for flt in filters] for column, filters in self.search_filters.items()
        })


class TrackingNumberFilter(BaseFilter):
    """The case a tracking number names, typed as staff have it (lower case, spaces, without the
    dash): one look-up in the number's unique index. FAB's text operators on it (starts with,
    contains ...: ``ILIKE``) read the whole case table, and a number is never searched by a part.
    A text that is not a tracking number is named in a message and the filter left out."""

    replaces_defaults = True
    name = _l("Equal to")
    arg_name = "number"

    def apply(self, query, value):
        from app.interface import bad_tracking_number_message, warn_once
        from app.workflow.numbers import normalise_tracking_number

        number = normalise_tracking_number(value or "")
        if number is None:
            warn_once(bad_tracking_number_message(value))
            return query
        return query.filter(self.datamodel.obj.tracking_number == number)
