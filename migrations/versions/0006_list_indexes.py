"""indexes for keyset lists (filter + time) and partial indexes of the running clocks

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

CLOCKS = (("received", "verification_due"), ("dispatched", "first_response_due"),
          ("in_progress", "resolution_due"), ("resolved", "auto_close_due"))


def upgrade():
    for name in ('ix_complaint_received_at', 'ix_complaint_agency_status', 'ix_complaint_status',
                 'ix_complaint_category_id', 'ix_complaint_channel_id', 'ix_complaint_district'):
        op.drop_index(name, table_name='complaint')
    op.create_index('ix_complaint_received_at', 'complaint', ['received_at', 'id'])
    op.create_index('ix_complaint_status_time', 'complaint', ['status', 'received_at', 'id'])
    op.create_index('ix_complaint_agency_time', 'complaint', ['agency_id', 'received_at'])
    op.create_index('ix_complaint_agency_status', 'complaint', ['agency_id', 'status', 'received_at'])
    op.create_index('ix_complaint_category_time', 'complaint', ['category_id', 'received_at'])
    op.create_index('ix_complaint_channel_time', 'complaint', ['channel_id', 'received_at'])
    op.create_index('ix_complaint_district_time', 'complaint', ['district', 'received_at'])
    op.create_index('ix_complaint_kind_time', 'complaint', ['kind', 'received_at'])
    for status, column in CLOCKS:
        where = sa.text(f"status = '{status}'")
        op.create_index(f'ix_complaint_due_{column}', 'complaint', [column],
                        postgresql_where=where, sqlite_where=where)


def downgrade():
    for _status, column in CLOCKS:
        op.drop_index(f'ix_complaint_due_{column}', table_name='complaint')
    for name in ('ix_complaint_kind_time', 'ix_complaint_district_time', 'ix_complaint_channel_time',
                 'ix_complaint_category_time', 'ix_complaint_agency_status', 'ix_complaint_agency_time',
                 'ix_complaint_status_time', 'ix_complaint_received_at'):
        op.drop_index(name, table_name='complaint')
    op.create_index('ix_complaint_received_at', 'complaint', ['received_at'])
    op.create_index('ix_complaint_agency_status', 'complaint', ['agency_id', 'status'])
    op.create_index('ix_complaint_status', 'complaint', ['status'])
    op.create_index('ix_complaint_category_id', 'complaint', ['category_id'])
    op.create_index('ix_complaint_channel_id', 'complaint', ['channel_id'])
    op.create_index('ix_complaint_district', 'complaint', ['district'])
