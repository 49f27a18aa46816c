"""Shared pieces of the staff screens."""
from flask_appbuilder.models.sqla.interface import SQLAInterface


class LaporInterface(SQLAInterface):
    """FAB marks NOT NULL booleans as required, which forces every checkbox to be ticked.

    An unticked checkbox is a valid ``False``; the column's default covers the rest.
    """

    def is_nullable(self, col_name):
        if self.is_boolean(col_name):
            return True
        return super().is_nullable(col_name)
