"""worker heartbeats (liveness that survives a Redis restart) and an index for the vote rate

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import studio.db.types  # noqa: F401  (UTCDateTime)

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('worker_heartbeats',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('pid', sa.Integer(), nullable=False),
    sa.Column('started_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.Column('heartbeat_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_heartbeats_heartbeat_at'), ['heartbeat_at'], unique=False)
    with op.batch_alter_table('pose_request_votes', schema=None) as batch_op:
        batch_op.create_index('ix_pose_request_votes_user_created', ['user_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('pose_request_votes', schema=None) as batch_op:
        batch_op.drop_index('ix_pose_request_votes_user_created')
    with op.batch_alter_table('worker_heartbeats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_heartbeats_heartbeat_at'))
    op.drop_table('worker_heartbeats')
