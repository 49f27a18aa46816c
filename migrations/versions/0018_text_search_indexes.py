"""public search: trigram (pg_trgm) indexes on the case title and description, PostgreSQL only

A rare word searched on /laporan?q= read the whole case table (6 s at 1,000,000 cases); with
these it is found through the indexes (~10 ms). SQLite has no such index type and keeps scanning.

Revision ID: 0018
Revises: 0017
"""
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

INDEXES = {"ix_complaint_title_trgm": "title", "ix_complaint_description_trgm": "description"}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    for name, column in INDEXES.items():
        op.create_index(name, 'complaint', [column], unique=False, postgresql_using='gin',
                        postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.drop_index(name, table_name='complaint')
