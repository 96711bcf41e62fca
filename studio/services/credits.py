"""Credits: one account balance and an append-only ledger.

Every change is one conditional UPDATE (it cannot overdraw: the WHERE clause refuses, and
the database CHECK is the backstop) plus one ledger row whose idempotency key is unique, so
a retried or doubled call changes nothing the second time. The balance always equals the
sum of the ledger.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from studio.db.engine import Database
from studio.db.sql import greatest
from studio.db.tables import CreditAccount, CreditLedger, ModelCatalog
from studio.db.types import utcnow
from studio.enums import LedgerKind
from studio.services.errors import InsufficientCredits, InvalidInput, NotFound, QuotaExceeded

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Posting:
    entry: CreditLedger
    created: bool  # False when the idempotency key had been used already


def post(session: Session, *, user_id: int, kind: LedgerKind, amount: int, key: str, reason: str = "",
         reference: str = "", meta: dict[str, Any] | None = None, what: str = "this") -> Posting:
    """Apply one ledger entry inside the caller's transaction, exactly once per key."""
    existing = session.exec(select(CreditLedger).where(CreditLedger.idempotency_key == key)).first()
    if existing is not None:
        return Posting(existing, created=False)
    try:
        with session.begin_nested():
            balance = session.execute(
                sa.update(CreditAccount)
                .where(CreditAccount.user_id == user_id, CreditAccount.balance + amount >= 0)
                .values(balance=CreditAccount.balance + amount, updated_at=utcnow())
                .returning(CreditAccount.balance)
            ).scalar_one_or_none()
            if balance is None:
                current = session.exec(select(CreditAccount.balance).where(CreditAccount.user_id == user_id)).first()
                if current is None:
                    raise NotFound("no credit account for this user")
                raise InsufficientCredits(-amount, current, what)
            entry = CreditLedger(user_id=user_id, kind=kind.value, amount=amount, balance_after=balance,
                                 reason=reason, reference=reference, idempotency_key=key, meta=meta or {})
            session.add(entry)
            session.flush()
    except IntegrityError:
        # Someone else posted the same key first (a double click): theirs stands, ours rolled back.
        existing = session.exec(select(CreditLedger).where(CreditLedger.idempotency_key == key)).one()
        return Posting(existing, created=False)
    return Posting(entry, created=True)


def open_account(session: Session, *, user_id: int, starter_credits: int, key: str) -> None:
    session.add(CreditAccount(user_id=user_id, balance=0))
    session.flush()
    if starter_credits:
        post(session, user_id=user_id, kind=LedgerKind.grant, amount=starter_credits, key=key,
             reason="Welcome credits", reference="starter")


def grant(db: Database, *, user_id: int, amount: int, reason: str, key: str | None = None,
          kind: LedgerKind = LedgerKind.grant) -> CreditLedger:
    if amount <= 0:
        raise InvalidInput(f"a grant must add credits; got {amount}")
    if not reason.strip():
        raise InvalidInput("say why the credits are granted (a reason is kept in the ledger)")
    with db.session() as session:
        return post(session, user_id=user_id, kind=kind, amount=amount, reason=reason.strip(),
                    key=key or f"{kind.value}:{user_id}:{utcnow().isoformat()}", reference="admin").entry


def balance(db: Database, *, user_id: int) -> int:
    with db.session() as session:
        account = session.get(CreditAccount, user_id)
        if account is None:
            raise NotFound("no credit account for this user")
        return account.balance


def ledger(db: Database, *, user_id: int, limit: int = 100, offset: int = 0) -> list[CreditLedger]:
    with db.session() as session:
        return list(session.exec(
            select(CreditLedger).where(CreditLedger.user_id == user_id)
            .order_by(col(CreditLedger.id).desc()).limit(limit).offset(offset)
        ))


def ledger_sum(db: Database, *, user_id: int) -> int:
    with db.session() as session:
        return int(session.exec(select(func.coalesce(func.sum(CreditLedger.amount), 0))
                                .where(CreditLedger.user_id == user_id)).one())


def price(session: Session, key: str) -> int:
    """The one place prices are read: estimate, charge and refund all come through here."""
    entry = session.get(ModelCatalog, key)
    if entry is None or not entry.enabled:
        raise NotFound(f"{key} is not available in this studio's model catalog")
    return entry.credit_cost


def price_of(db: Database, key: str) -> int:
    """The catalog price of ``key`` (``avatar.upload``, ``pose.fast``...), for a label or a message."""
    with db.session() as session:
        return price(session, key)


def today_utc(now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date()


def unlimited_active(account: CreditAccount, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return account.unlimited_active and (account.unlimited_expires_at is None or account.unlimited_expires_at > now)


def quota_left(account: CreditAccount, now: datetime | None = None) -> int:
    """Poses left today; the count starts again on a new UTC day, never on a request."""
    used = account.quota_used if account.quota_day == today_utc(now) else 0
    return max(0, account.daily_quota - used)


def consume_quota(session: Session, *, user_id: int, poses: int, now: datetime | None = None) -> None:
    """Take ``poses`` from today's quota in one conditional update, or raise QuotaExceeded."""
    day = today_utc(now)
    same_day = CreditAccount.quota_day == day
    result = session.execute(
        sa.update(CreditAccount)
        .where(CreditAccount.user_id == user_id,
               sa.or_(sa.and_(same_day, CreditAccount.quota_used + poses <= CreditAccount.daily_quota),
                      sa.and_(sa.or_(CreditAccount.quota_day.is_(None), CreditAccount.quota_day != day),
                              poses <= CreditAccount.daily_quota)))
        .values(quota_used=sa.case((same_day, CreditAccount.quota_used + poses), else_=poses),
                quota_day=day, updated_at=utcnow())
    )
    if result.rowcount != 1:
        account = session.get(CreditAccount, user_id)
        raise QuotaExceeded(poses, quota_left(account, now) if account else 0)


def return_quota(session: Session, *, user_id: int, poses: int, day: date) -> None:
    """Give back quota for poses that did not run, if it is still the day they were taken from."""
    session.execute(
        sa.update(CreditAccount)
        .where(CreditAccount.user_id == user_id, CreditAccount.quota_day == day)
        .values(quota_used=greatest(CreditAccount.quota_used - poses, 0))
    )


def set_unlimited(db: Database, *, user_id: int, active: bool, daily_quota: int = 100,
                  expires_at: datetime | None = None) -> None:
    if daily_quota < 1:
        raise InvalidInput("the daily quota must be at least 1 pose")
    with db.session() as session:
        account = session.get(CreditAccount, user_id)
        if account is None:
            raise NotFound("no credit account for this user")
        account.unlimited_active = active
        account.daily_quota = daily_quota
        account.unlimited_expires_at = expires_at
        account.updated_at = utcnow()
        session.add(account)


def catalog(db: Database, *, kind: str | None = None) -> list[ModelCatalog]:
    """The enabled price list entries (of one kind), in display order."""
    with db.session() as session:
        query = select(ModelCatalog).where(ModelCatalog.enabled == True)  # noqa: E712
        if kind:
            query = query.where(ModelCatalog.kind == kind)
        return list(session.exec(query.order_by(col(ModelCatalog.sort))))
