"""staff exports stored in chunks (a million-row file is never held in memory whole)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_export_chunk',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('export_id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['export_id'], ['case_export.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('export_id', 'seq', name='uq_case_export_chunk_seq'),
    )
    # finished files are short-lived (EXPORT_TTL_HOURS): old single-blob files are dropped
    op.execute("DELETE FROM case_export WHERE status = 'ready'")
    with op.batch_alter_table('case_export', schema=None) as batch_op:
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
        batch_op.drop_column('content')


def downgrade():
    op.execute("DELETE FROM case_export WHERE status = 'ready'")
    with op.batch_alter_table('case_export', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content', sa.LargeBinary(), nullable=True))
        batch_op.drop_column('size')
    op.drop_table('case_export_chunk')
