from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from studio.db.types import JSONType, UTCDateTime, utcnow


class CreditAccount(SQLModel, table=True):
    """One per user: the balance and the unlimited tier's daily quota."""

    __tablename__ = "credit_accounts"
    # The database itself refuses an overdraft, whatever a service gets wrong.
    __table_args__ = (
        sa.CheckConstraint("balance >= 0", name="ck_credit_accounts_balance_not_negative"),
        sa.CheckConstraint("quota_used >= 0", name="ck_credit_accounts_quota_used_not_negative"),
    )

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    balance: int = Field(default=0)
    unlimited_active: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    unlimited_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    daily_quota: int = Field(default=100, sa_column_kwargs={"server_default": "100"})
    quota_used: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # The UTC day quota_used counts for; a new day starts the count again.
    quota_day: date | None = Field(default=None)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CreditLedger(SQLModel, table=True):
    """Append-only: every change to a balance is one row, and the balance is their sum."""

    __tablename__ = "credit_ledger"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    kind: str = Field(sa_type=sa.String(20))  # LedgerKind
    amount: int  # positive adds credits, negative spends them
    balance_after: int
    reason: str = Field(default="", sa_type=sa.String(300))
    reference: str = Field(default="", sa_type=sa.String(200), index=True)
    idempotency_key: str = Field(sa_type=sa.String(200), unique=True)
    meta: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
