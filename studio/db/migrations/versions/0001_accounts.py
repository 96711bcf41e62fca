"""accounts and the price list: users, credits, model catalog

Revision ID: 0001
Revises: 
Create Date: 2026-11-23 16:10:18.360589
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate writes sqlmodel.sql.sqltypes.AutoString)
import studio.db.types  # noqa: F401  (UTCDateTime and the JSON type)

revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('model_catalog',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('credit_cost', sa.Integer(), nullable=False),
    sa.Column('preset', sa.String(length=50), nullable=True),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.CheckConstraint('credit_cost >= 0', name='ck_model_catalog_cost_not_negative'),
    sa.PrimaryKeyConstraint('key')
    )

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('auth_source', sa.String(length=20), nullable=False),
    sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_name'), ['name'], unique=True)

    op.create_table('credit_accounts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.Column('unlimited_active', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('unlimited_expires_at', studio.db.types.UTCDateTime(), nullable=True),
    sa.Column('daily_quota', sa.Integer(), server_default='100', nullable=False),
    sa.Column('quota_used', sa.Integer(), server_default='0', nullable=False),
    sa.Column('quota_day', sa.Date(), nullable=True),
    sa.Column('updated_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('balance >= 0', name='ck_credit_accounts_balance_not_negative'),
    sa.CheckConstraint('quota_used >= 0', name='ck_credit_accounts_quota_used_not_negative'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )

    op.create_table('credit_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('meta', studio.db.types.JSONType, nullable=False),
    sa.Column('created_at', studio.db.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('credit_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_ledger_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_credit_ledger_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    op.drop_table('credit_ledger')
    op.drop_table('credit_accounts')
    op.drop_table('users')
    op.drop_table('model_catalog')
