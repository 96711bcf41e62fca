"""batch progress and refunds: step of the chunk in flight, quota day, per-item refund flag

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quota_day', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('current_step', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('current_total_steps', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('generation_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refunded', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('generation_items', schema=None) as batch_op:
        batch_op.drop_column('refunded')
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_column('current_total_steps')
        batch_op.drop_column('current_step')
        batch_op.drop_column('quota_day')
