"""The Alembic migrations build the whole schema and agree with the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_appbuilder import Model
from sqlalchemy import inspect

from app.extensions import db


def test_migrations_build_every_table(ctx):
    tables = set(inspect(db.engine).get_table_names())
    assert set(Model.metadata.tables) <= tables
    assert {"complaint", "complaint_event", "reporter", "agency", "holiday", "sla_setting", "ab_user"} <= tables


def test_autogenerate_finds_no_difference(ctx):
    with db.engine.connect() as connection:
        from app.models.complaint import autogenerate_filter

        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": autogenerate_filter(connection.dialect.name)})
        diff = compare_metadata(context, Model.metadata)
    assert diff == []


def test_deadline_columns_are_indexed(ctx):
    indexed = {tuple(ix["column_names"]) for ix in inspect(db.engine).get_indexes("complaint")}
    for column in ("verification_due", "first_response_due", "resolution_due", "auto_close_due"):
        assert (column,) in indexed
