"""reporter contact data not confirmed as the writer's (an unconfirmed e-mail reply): never written to

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reporter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_unconfirmed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('reporter', schema=None) as batch_op:
        batch_op.drop_column('contact_unconfirmed')
