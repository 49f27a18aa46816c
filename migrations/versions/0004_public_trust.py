"""public trust: public-name opt-in, reply-code lockout, identity access log, report PDF

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_reporter_name', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('reply_code_failures', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('reply_code_locked_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('transparency_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_file', sa.LargeBinary(), nullable=True))
    op.create_table(
        'identity_access',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaint.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('identity_access', schema=None) as batch_op:
        batch_op.create_index('ix_identity_access_complaint', ['complaint_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_identity_access_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('identity_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_access_user_id'))
        batch_op.drop_index('ix_identity_access_complaint')
    op.drop_table('identity_access')
    with op.batch_alter_table('transparency_report', schema=None) as batch_op:
        batch_op.drop_column('pdf_file')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('reply_code_locked_at')
        batch_op.drop_column('reply_code_failures')
        batch_op.drop_column('show_reporter_name')
