"""the public report form: the reply code kept (encrypted) for the browser that sent the form

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('sender', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_column('sender')
        batch_op.drop_column('secret')
