"""gallery sort indexes: newest first and by name

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:40:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('poses', schema=None) as batch_op:
        batch_op.create_index('ix_poses_created_at', ['created_at'], unique=False)
        batch_op.create_index('ix_poses_name_lower', [sa.text('lower(name)')], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('poses', schema=None) as batch_op:
        batch_op.drop_index('ix_poses_name_lower')
        batch_op.drop_index('ix_poses_created_at')
