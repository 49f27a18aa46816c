"""Shared pieces of the staff screens."""
from flask_appbuilder.models.filters import Filters
from flask_appbuilder.models.sqla.interface import SQLAInterface


class SafeFilters(Filters):
    """FAB's filters, with two fixes.

    * custom ``search_filters`` get an index in the URL arguments like the built-in ones;
    * an unknown filter index in the URL (``?_flt_9_status=x``) is ignored instead of
      raising IndexError (a 500 for a mistyped or forged link).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for column, filters in self._search_filters.items():
            known = self._all_filters.setdefault(column, [])
            for flt in filters:
                if not any(type(existing) is type(flt) for existing in known):
                    known.append(flt)

    def add_filter_index(self, column_name, filter_instance_index, value):
        filters = self._all_filters.get(column_name, [])
        if 0 <= filter_instance_index < len(filters):
            self._add_filter(filters[filter_instance_index], value)


class IntegrityProblem(Exception):
    """What a person reads when the database refused a change."""

    def __init__(self, cause=None):
        from flask_babel import gettext as _

        text = str(getattr(cause, "orig", cause) or "").lower()
        if "unique" in text or "duplicate" in text:
            message = _("This data already exists. Change the value that must be unique and save again.")
        elif "foreign key" in text or "violates" in text and "reference" in text:
            message = _("This data is still in use by other data, so it cannot be changed or deleted.")
        else:
            message = _("The data could not be saved. Check the entries and try again.")
        super().__init__(message)


class LaporInterface(SQLAInterface):
    """The SQLAlchemy interface of every staff screen.

    FAB marks NOT NULL booleans as required, which forces every checkbox to be
    ticked: an unticked checkbox is a valid ``False`` (the column default covers
    the rest). Filters are :class:`SafeFilters`.
    """

    def is_nullable(self, col_name):
        if self.is_boolean(col_name):
            return True
        return super().is_nullable(col_name)

    def get_filters(self, search_columns=None, search_filters=None):
        return SafeFilters(self.filter_converter_class, self, search_columns=search_columns or [],
                           search_filters=search_filters)

    # a database integrity error (a duplicate that slipped past the form's checks, a row still
    # referenced) reads as an Indonesian message, never as SQL; the forms check the common cases
    # first so that the user's input stays on the page
    def add(self, item, commit=True):
        return self._plainly(super().add, item, commit)

    def edit(self, item, commit=True):
        return self._plainly(super().edit, item, commit)

    def delete(self, item, commit=True):
        return self._plainly(super().delete, item, commit)

    @staticmethod
    def _plainly(operation, item, commit):
        from flask_appbuilder.exceptions import DatabaseException
        from sqlalchemy.exc import IntegrityError

        try:
            return operation(item, commit)
        except (IntegrityError, DatabaseException) as exc:
            cause = exc if isinstance(exc, IntegrityError) else exc.__cause__
            raise IntegrityProblem(cause) from None

    def get(self, id, filters=None, *args, **kwargs):
        """A primary key that is not a sane integer finds nothing (404), not a database error."""
        try:
            pk = int(id)
        except (TypeError, ValueError):
            return None
        if not 0 < pk < 2**31:
            return None
        return super().get(pk, filters, *args, **kwargs)
