"""outbox: the reporter a message is addressed to (a merged duplicate's reporter follows the main
report: erasure and cancellation go by the addressee, not by the case's own reporter)

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reporter_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_foreign_key('fk_outbox_reporter_id_reporter', 'reporter', ['reporter_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outbox_reporter_id_reporter', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_reporter_id'))
        batch_op.drop_column('reporter_id')
