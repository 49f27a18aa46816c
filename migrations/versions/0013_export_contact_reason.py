"""staff exports with full contact data: the reason (and address) recorded per unmasked case

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_export', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('contact_address', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('case_export', schema=None) as batch_op:
        batch_op.drop_column('contact_address')
        batch_op.drop_column('contact_reason')
