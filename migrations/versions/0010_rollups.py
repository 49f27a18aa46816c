"""rollups of the published figures (case_rollup, response_histogram)

Existing cases are summed by `flask lapor init` (or `flask lapor rebuild-rollups`) when the
tables are empty.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_rollup',
    sa.Column('grain', sa.String(length=1), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('received', sa.Integer(), server_default='0', nullable=False),
    sa.Column('confidential', sa.Integer(), server_default='0', nullable=False),
    sa.Column('st_received', sa.Integer(), server_default='0', nullable=False),
    sa.Column('st_on_hold', sa.Integer(), server_default='0', nullable=False),
    sa.Column('st_archived', sa.Integer(), server_default='0', nullable=False),
    sa.Column('st_forwarded', sa.Integer(), server_default='0', nullable=False),
    sa.Column('st_dispatched', sa.Integer(), server_default='0', nullable=False),
    sa.Column('st_in_progress', sa.Integer(), server_default='0', nullable=False),
    sa.Column('st_resolved', sa.Integer(), server_default='0', nullable=False),
    sa.Column('st_closed', sa.Integer(), server_default='0', nullable=False),
    sa.Column('resp_n', sa.Integer(), server_default='0', nullable=False),
    sa.Column('resp_seconds', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('resp_work_seconds', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('waiting', sa.Integer(), server_default='0', nullable=False),
    sa.Column('waiting_since', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('rating_n', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rating_sum', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ver_done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ver_on_time', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ver_pending', sa.Integer(), server_default='0', nullable=False),
    sa.Column('fr_done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('fr_on_time', sa.Integer(), server_default='0', nullable=False),
    sa.Column('fr_pending', sa.Integer(), server_default='0', nullable=False),
    sa.Column('res_done', sa.Integer(), server_default='0', nullable=False),
    sa.Column('res_on_time', sa.Integer(), server_default='0', nullable=False),
    sa.Column('res_pending', sa.Integer(), server_default='0', nullable=False),
    sa.Column('running_due', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('grain', 'day', 'agency_id', 'category_id', 'kind', 'channel_id', 'district')
    )
    with op.batch_alter_table('case_rollup', schema=None) as batch_op:
        batch_op.create_index('ix_case_rollup_grain_agency_day', ['grain', 'agency_id', 'day'], unique=False)

    op.create_table('response_histogram',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('measure', sa.String(length=1), nullable=False),
    sa.Column('tenths', sa.Integer(), nullable=False),
    sa.Column('cases', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('day', 'measure', 'tenths')
    )


def downgrade():
    op.drop_table('response_histogram')
    with op.batch_alter_table('case_rollup', schema=None) as batch_op:
        batch_op.drop_index('ix_case_rollup_grain_agency_day')

    op.drop_table('case_rollup')
