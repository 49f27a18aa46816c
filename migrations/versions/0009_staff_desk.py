"""staff desk: background case exports, public flag of attachments, report publication audit

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_export',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('fmt', sa.String(length=10), nullable=False),
        sa.Column('view_name', sa.String(length=80), nullable=False),
        sa.Column('arguments', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('job_id', sa.String(length=64), nullable=True),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('filename', sa.String(length=120), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    with op.batch_alter_table('case_export', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_export_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_export_expires_at'), ['expires_at'], unique=False)
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_public', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'report_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('report_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_audit_period'), ['period'], unique=False)


def downgrade():
    op.drop_table('report_audit')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('is_public')
    op.drop_table('case_export')
