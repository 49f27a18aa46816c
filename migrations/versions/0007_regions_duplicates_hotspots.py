"""official regions, case location codes, duplicates (merge), hotspot alerts; pg_trgm on PostgreSQL

Revision ID: 0007
Revises: 0006

The free-text locations of existing cases are mapped to the regions when the regions are
loaded (``flask lapor init --region <kode>`` runs ``regions.map_free_text``): the region list
comes from the data package, not from this schema migration.
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        # trigram similarity for duplicate suggestions (contrib extension shipped with PostgreSQL)
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_table(
        'region',
        sa.Column('code', sa.String(length=13), nullable=False),
        sa.Column('parent_code', sa.String(length=13), nullable=True),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('normalised_name', sa.String(length=100), nullable=False),
        sa.Column('postal_code', sa.String(length=5), nullable=True),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(['parent_code'], ['region.code']),
        sa.PrimaryKeyConstraint('code'),
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index('ix_region_parent_name', ['parent_code', 'name'], unique=False)
        batch_op.create_index(batch_op.f('ix_region_normalised_name'), ['normalised_name'], unique=False)

    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('region_code', sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column('district_code', sa.String(length=13), nullable=True))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('merged_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('status_before_merge', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('duplicate_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_foreign_key('fk_complaint_region_code', 'region', ['region_code'], ['code'])
        batch_op.create_foreign_key('fk_complaint_district_code', 'region', ['district_code'], ['code'])
        batch_op.create_foreign_key('fk_complaint_parent_id', 'complaint', ['parent_id'], ['id'])
        batch_op.create_index('ix_complaint_region_category_received',
                              ['region_code', 'category_id', 'received_at'], unique=False)
        batch_op.create_index('ix_complaint_district_code_time', ['district_code', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaint_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_complaint_category_district_received',
                              ['category_id', 'district_code', 'received_at'], unique=False)

    op.create_table(
        'hotspot_alert',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('district_code', sa.String(length=13), nullable=True),
        sa.Column('window_start', sa.DateTime(), nullable=False),
        sa.Column('window_end', sa.DateTime(), nullable=False),
        sa.Column('case_count', sa.Integer(), nullable=False),
        sa.Column('baseline', sa.Float(), nullable=True),
        sa.Column('threshold', sa.Integer(), nullable=True),
        sa.Column('latitude', sa.Float(), nullable=True),
        sa.Column('longitude', sa.Float(), nullable=True),
        sa.Column('radius_m', sa.Integer(), nullable=True),
        sa.Column('case_ids', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
        sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
        sa.Column('action_taken', sa.Text(), nullable=True),
        sa.Column('digest_sent_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['acknowledged_by_id'], ['ab_user.id']),
        sa.ForeignKeyConstraint(['category_id'], ['category.id']),
        sa.ForeignKeyConstraint(['district_code'], ['region.code']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('hotspot_alert', schema=None) as batch_op:
        batch_op.create_index('ix_hotspot_alert_open', ['acknowledged_at', 'created_at'], unique=False)
        batch_op.create_index('ix_hotspot_alert_key', ['kind', 'category_id', 'district_code', 'window_end'], unique=False)


def downgrade():
    op.drop_table('hotspot_alert')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_category_district_received')
        batch_op.drop_index(batch_op.f('ix_complaint_parent_id'))
        batch_op.drop_index('ix_complaint_district_code_time')
        batch_op.drop_index('ix_complaint_region_category_received')
        batch_op.drop_constraint('fk_complaint_parent_id', type_='foreignkey')
        batch_op.drop_constraint('fk_complaint_district_code', type_='foreignkey')
        batch_op.drop_constraint('fk_complaint_region_code', type_='foreignkey')
        for column in ('duplicate_count', 'status_before_merge', 'merged_at', 'parent_id', 'district_code', 'region_code'):
            batch_op.drop_column(column)
    op.drop_table('region')
