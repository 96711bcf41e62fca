"""quality checks: the avatar's face descriptor, each picture's likeness and pose match, re-rolls

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 13:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table('avatars', schema=None) as batch_op:
        batch_op.add_column(sa.Column('face_descriptor', JSON, nullable=True))
        batch_op.add_column(sa.Column('face_note', sa.String(length=200), server_default='', nullable=False))
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checks', JSON, server_default='{}', nullable=False))
        batch_op.add_column(sa.Column('pictures_made', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('generation_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('likeness', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('pose_match', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('quality', JSON, server_default='{}', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('generation_items', schema=None) as batch_op:
        batch_op.drop_column('quality')
        batch_op.drop_column('pose_match')
        batch_op.drop_column('likeness')
    with op.batch_alter_table('generations', schema=None) as batch_op:
        batch_op.drop_column('pictures_made')
        batch_op.drop_column('checks')
    with op.batch_alter_table('avatars', schema=None) as batch_op:
        batch_op.drop_column('face_note')
        batch_op.drop_column('face_descriptor')
