"""login history (security log, keaktifan)

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('username', sa.String(length=100), nullable=False),
        sa.Column('success', sa.Boolean(), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('login_event', schema=None) as batch_op:
        batch_op.create_index('ix_login_event_user_time', ['user_id', 'created_at'], unique=False)
        batch_op.create_index('ix_login_event_username_time', ['username', 'created_at'], unique=False)
        batch_op.create_index('ix_login_event_address_time', ['address', 'created_at'], unique=False)
        batch_op.create_index('ix_login_event_time', ['created_at'], unique=False)


def downgrade():
    op.drop_table('login_event')
