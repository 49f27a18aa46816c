"""public map: partial index over the cases that have a point

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.create_index('ix_complaint_mapped_time', ['received_at'], unique=False,
                              postgresql_where=sa.text('latitude IS NOT NULL'),
                              sqlite_where=sa.text('latitude IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_mapped_time')
