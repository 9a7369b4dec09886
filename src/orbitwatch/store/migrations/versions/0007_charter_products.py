# ruff: noqa: E501
"""Charter operations and shared Earth-observation products: activations, their actors,
history and tasking requests, agencies' own fleet rows, STAC collections, items and uploaded
asset blobs (see orbitwatch.store.charter_schema).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('charter_activations',
    sa.Column('id', _Id, autoincrement=True, nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('hazard', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('geojson', sa.Text(), nullable=False, comment='the area, GeoJSON text'),
    sa.Column('start_ns', sa.BigInteger(), nullable=False),
    sa.Column('hours', sa.Double(), nullable=False),
    sa.Column('options', sa.Text(), server_default=sa.text("'{}'"), nullable=False, comment='JSON: planning options (coverage, profile, max_resolution_m, types)'),
    sa.Column('reason', sa.Text(), server_default=sa.text("''"), nullable=False, comment='why rejected'),
    sa.Column('plan', sa.Text(), nullable=True, comment='JSON summary of the current plan'),
    sa.Column('plan_version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('plan_job_id', _Id, nullable=True, comment='the last planning job'),
    sa.Column('created_by', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('created_at_ns', sa.BigInteger(), nullable=False),
    sa.Column('updated_at_ns', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status IN ('requested', 'accepted', 'rejected', 'planned', 'tasked', 'acquired', 'delivered', 'closed')", name=op.f('ck_charter_activations_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charter_activations'))
    )
    op.create_table('charter_actors',
    sa.Column('id', _Id, autoincrement=True, nullable=False),
    sa.Column('activation_id', _Id, nullable=False),
    sa.Column('agency_id', _Id, nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.CheckConstraint("role IN ('authorized_user', 'on_call_officer', 'member', 'project_manager')", name=op.f('ck_charter_actors_role')),
    sa.ForeignKeyConstraint(['activation_id'], ['charter_activations.id'], name=op.f('fk_charter_actors_activation_id_charter_activations')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_charter_actors_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charter_actors')),
    sa.UniqueConstraint('activation_id', 'agency_id', 'role', name=op.f('uq_charter_actors_activation_id_agency_id_role'))
    )
    op.create_index(op.f('ix_charter_actors_agency_id_activation_id'), 'charter_actors', ['agency_id', 'activation_id'], unique=False)
    op.create_table('charter_fleet',
    sa.Column('id', _Id, autoincrement=True, nullable=False),
    sa.Column('agency_id', _Id, nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('csv', sa.Text(), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('updated_at_ns', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind IN ('satellites', 'sensors')", name=op.f('ck_charter_fleet_kind')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_charter_fleet_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charter_fleet')),
    sa.UniqueConstraint('agency_id', 'kind', name=op.f('uq_charter_fleet_agency_id_kind'))
    )
    op.create_table('charter_history',
    sa.Column('id', _Id, autoincrement=True, nullable=False),
    sa.Column('activation_id', _Id, nullable=False),
    sa.Column('at_ns', sa.BigInteger(), nullable=False),
    sa.Column('status_from', sa.Text(), nullable=True),
    sa.Column('status_to', sa.Text(), nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('agency_id', _Id, nullable=True),
    sa.Column('detail', sa.Text(), server_default=sa.text("'{}'"), nullable=False, comment='JSON'),
    sa.ForeignKeyConstraint(['activation_id'], ['charter_activations.id'], name=op.f('fk_charter_history_activation_id_charter_activations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charter_history'))
    )
    op.create_index(op.f('ix_charter_history_activation_id_id'), 'charter_history', ['activation_id', 'id'], unique=False)
    op.create_table('charter_tasking',
    sa.Column('id', _Id, autoincrement=True, nullable=False),
    sa.Column('activation_id', _Id, nullable=False),
    sa.Column('agency_id', _Id, nullable=True, comment="the service agency asked (NULL: the satellite's agency is not a member of the service)"),
    sa.Column('fleet_agency', sa.Text(), nullable=False, comment="the satellite's agency as the fleet names it"),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('satellite', sa.Text(), nullable=False),
    sa.Column('norad_id', sa.BigInteger(), nullable=False),
    sa.Column('sensor', sa.Text(), nullable=False),
    sa.Column('sensor_type', sa.Text(), nullable=False),
    sa.Column('resolution_m', sa.Double(), nullable=False),
    sa.Column('acquisition_start_ns', sa.BigInteger(), nullable=False),
    sa.Column('acquisition_end_ns', sa.BigInteger(), nullable=False),
    sa.Column('request', sa.Text(), nullable=False, comment='JSON: the tasking request (geometry, angles, footprint)'),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('item_pk', _Id, nullable=True, comment='the STAC item registered when acquired'),
    sa.Column('created_at_ns', sa.BigInteger(), nullable=False),
    sa.Column('updated_at_ns', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("status IN ('sent', 'accepted', 'scheduled', 'acquired', 'failed', 'declined', 'cancelled')", name=op.f('ck_charter_tasking_status')),
    sa.ForeignKeyConstraint(['activation_id'], ['charter_activations.id'], name=op.f('fk_charter_tasking_activation_id_charter_activations')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_charter_tasking_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charter_tasking'))
    )
    op.create_index(op.f('ix_charter_tasking_activation_id'), 'charter_tasking', ['activation_id'], unique=False)
    op.create_index(op.f('ix_charter_tasking_agency_id'), 'charter_tasking', ['agency_id'], unique=False)
    op.create_table('stac_blobs',
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('agency_id', _Id, nullable=False, comment='who uploaded it first'),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('created_at_ns', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_stac_blobs_agency_id_agencies')),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_stac_blobs'))
    )
    op.create_table('stac_collections',
    sa.Column('id', sa.Text(), nullable=False, comment='the STAC collection id'),
    sa.Column('agency_id', _Id, nullable=False, comment='the owner'),
    sa.Column('title', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('license', sa.Text(), server_default=sa.text("'proprietary'"), nullable=False),
    sa.Column('created_at_ns', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_stac_collections_agency_id_agencies')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stac_collections'))
    )
    op.create_table('stac_items',
    sa.Column('pk', _Id, autoincrement=True, nullable=False),
    sa.Column('collection_id', sa.Text(), nullable=False),
    sa.Column('item_id', sa.Text(), nullable=False),
    sa.Column('agency_id', _Id, nullable=False, comment="the owner (collection's)"),
    sa.Column('activation_id', _Id, nullable=True),
    sa.Column('datetime_ns', sa.BigInteger(), nullable=False),
    sa.Column('min_lon', sa.Double(), nullable=False),
    sa.Column('min_lat', sa.Double(), nullable=False),
    sa.Column('max_lon', sa.Double(), nullable=False),
    sa.Column('max_lat', sa.Double(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False, comment='the STAC Item JSON (links are added when served)'),
    sa.Column('created_at_ns', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['activation_id'], ['charter_activations.id'], name=op.f('fk_stac_items_activation_id_charter_activations')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_stac_items_agency_id_agencies')),
    sa.ForeignKeyConstraint(['collection_id'], ['stac_collections.id'], name=op.f('fk_stac_items_collection_id_stac_collections')),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_stac_items')),
    sa.UniqueConstraint('collection_id', 'item_id', name=op.f('uq_stac_items_collection_id_item_id'))
    )
    op.create_index(op.f('ix_stac_items_activation_id'), 'stac_items', ['activation_id'], unique=False)
    op.create_index(op.f('ix_stac_items_collection_id_datetime_ns'), 'stac_items', ['collection_id', 'datetime_ns'], unique=False)
    op.create_index('ix_stac_items_search', 'stac_items', ['datetime_ns', 'pk', 'min_lon', 'max_lon', 'min_lat', 'max_lat', 'agency_id', 'activation_id', 'collection_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_stac_items_search', table_name='stac_items')
    op.drop_index(op.f('ix_stac_items_collection_id_datetime_ns'), table_name='stac_items')
    op.drop_index(op.f('ix_stac_items_activation_id'), table_name='stac_items')
    op.drop_table('stac_items')
    op.drop_table('stac_collections')
    op.drop_table('stac_blobs')
    op.drop_index(op.f('ix_charter_tasking_agency_id'), table_name='charter_tasking')
    op.drop_index(op.f('ix_charter_tasking_activation_id'), table_name='charter_tasking')
    op.drop_table('charter_tasking')
    op.drop_index(op.f('ix_charter_history_activation_id_id'), table_name='charter_history')
    op.drop_table('charter_history')
    op.drop_table('charter_fleet')
    op.drop_index(op.f('ix_charter_actors_agency_id_activation_id'), table_name='charter_actors')
    op.drop_table('charter_actors')
    op.drop_table('charter_activations')
