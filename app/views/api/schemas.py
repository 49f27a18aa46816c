"""How the JSON API writes times: ISO 8601 with the offset (``2026-11-24T06:00:00+00:00``).

Stored times are naive UTC (app/clock.py). Written without an offset, a client reads them as its
own local time and is seven to nine hours off in Indonesia; with ``+00:00`` every client library
converts them correctly. A time sent to the API with an offset is stored as naive UTC; one without
is taken as UTC.
"""
import datetime

import sqlalchemy as sa
from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow import fields
from marshmallow_sqlalchemy import ModelConverter


class UtcDateTime(fields.DateTime):
    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return value


class UtcModelConverter(ModelConverter):
    SQLA_TYPE_MAPPING = {**ModelConverter.SQLA_TYPE_MAPPING, sa.DateTime: UtcDateTime}


class UtcSchemaConverter(Model2SchemaConverter):
    """Flask-AppBuilder's model-to-schema converter with :class:`UtcDateTime` for every datetime column."""

    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        field = super()._column2field(datamodel, column, nested=nested, parent_schema_name=parent_schema_name)
        if type(field) is fields.DateTime:  # a plain datetime column: the same field, with the offset
            utc = UtcModelConverter().field_for(datamodel.obj, column.name)
            utc.unique = field.unique
            return utc
        return field
