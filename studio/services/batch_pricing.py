"""What a batch costs, charging it, and settling it: the money side of a generation.

- ``quote``: items x catalog price (+ background per image), or the unlimited tier's quota.
- ``charge``: inside the submit transaction, one conditional update under the submission's
  idempotency key (a double click charges once), or one conditional quota update.
- ``settle``: the finishing step. Items that did not run are marked failed or cancelled,
  each failed or cancelled item is refunded once (a per-item flag flipped by a conditional
  update, plus a per-item ledger key), counters are recounted from the items, and the status
  is set. Running it twice, or twice at once, changes nothing the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, func, select

from studio.db.tables import CreditAccount, Generation, GenerationItem
from studio.db.types import utcnow
from studio.enums import GenerationStatus, ItemStatus, LedgerKind
from studio.services import credits
from studio.services.errors import InsufficientCredits, NotFound, QuotaExceeded

log = logging.getLogger(__name__)

BACKGROUND_KEY = "background.per_image"


def pose_price_key(preset_key: str) -> str:
    return f"pose.{preset_key}"


@dataclass(frozen=True)
class Quote:
    items: int
    pose_price: int  # catalog price of one pose image (0 when the unlimited tier pays)
    background_per_item: int
    uses_quota: bool
    balance: int
    quota_left: int | None  # None when the unlimited tier is not active
    quota_day: date | None

    @property
    def price_per_item(self) -> int:
        return self.pose_price + self.background_per_item

    @property
    def total(self) -> int:
        return self.items * self.price_per_item

    @property
    def affordable(self) -> bool:
        if self.uses_quota and (self.quota_left or 0) < self.items:
            return False
        return self.total <= self.balance

    def message(self) -> str:
        """What the creator sees beside the submit button."""
        n = f"{self.items} image{'s' if self.items != 1 else ''}"
        if self.uses_quota:
            left = self.quota_left or 0
            if left < self.items:
                return str(QuotaExceeded(self.items, left))
            extra = f" + {self.total} credits for backgrounds" if self.total else ""
            if self.total > self.balance:
                return str(InsufficientCredits(self.total, self.balance, f"{n} with new backgrounds"))
            return f"{n} from your unlimited quota ({left} left today){extra}"
        if self.total > self.balance:
            return str(InsufficientCredits(self.total, self.balance, f"this batch of {n}"))
        bg = f" + {self.background_per_item} background" if self.background_per_item else ""
        return (f"{n} x {self.pose_price}{bg} = {self.total} credits "
                f"(balance {self.balance}, {self.balance - self.total} after)")


def quote(session: Session, *, user_id: int, items: int, preset_key: str, background: bool,
          now: datetime | None = None) -> Quote:
    account = session.get(CreditAccount, user_id)
    if account is None:
        raise NotFound("no credit account for this user")
    catalog_pose_price = credits.price(session, pose_price_key(preset_key))  # also proves the preset is sold
    bg = credits.price(session, BACKGROUND_KEY) if background else 0
    unlimited = credits.unlimited_active(account, now)
    return Quote(
        items=items, pose_price=0 if unlimited else catalog_pose_price, background_per_item=bg,
        uses_quota=unlimited, balance=account.balance,
        quota_left=credits.quota_left(account, now) if unlimited else None,
        quota_day=credits.today_utc(now) if unlimited else None,
    )


def charge(session: Session, generation: Generation, q: Quote, *, now: datetime | None = None) -> None:
    """Pay for ``generation`` inside the submit transaction; raises and rolls back if it cannot."""
    if q.uses_quota:
        credits.consume_quota(session, user_id=generation.user_id, poses=q.items, now=now)
        generation.quota_charged = q.items
        generation.quota_day = q.quota_day
    if q.total:
        credits.post(session, user_id=generation.user_id, kind=LedgerKind.charge, amount=-q.total,
                     key=f"charge:generation:{generation.user_id}:{generation.submission_key}",
                     reason=f"{q.items} pose image(s), {generation.preset_key}",
                     reference=f"generation:{generation.id}",
                     meta={"generation_id": generation.id, "items": q.items, "price_per_item": q.price_per_item},
                     what=f"this batch of {q.items} image(s)")
    generation.price_per_item = q.price_per_item
    generation.credits_charged = q.total
    session.add(generation)


_OPEN = (ItemStatus.pending.value, ItemStatus.running.value)
_REFUNDABLE = (ItemStatus.failed.value, ItemStatus.cancelled.value)


def settle(session: Session, generation_id: int, *, leftover: ItemStatus | None = None, reason: str = "",
           cancelled: bool = False) -> Generation | None:
    """Finish ``generation_id`` inside the caller's transaction (see the module docstring).

    ``leftover``: what items still pending become (failed after the last attempt, cancelled on
    cancel); None leaves them, and then the generation is only finished if none are left.
    """
    generation = session.exec(select(Generation).where(Generation.id == generation_id).with_for_update()).first()
    if generation is None:
        return None
    now = utcnow()
    if leftover is not None:
        session.execute(
            sa.update(GenerationItem)
            .where(GenerationItem.generation_id == generation_id, GenerationItem.status.in_(_OPEN))
            .values(status=leftover.value, error=reason[:1000], finished_at=now)
        )
    _refund_items(session, generation)
    counts = dict(session.execute(
        select(GenerationItem.status, func.count()).where(GenerationItem.generation_id == generation_id)
        .group_by(GenerationItem.status)).all())
    refunded = session.exec(select(func.count()).select_from(GenerationItem).where(
        GenerationItem.generation_id == generation_id, GenerationItem.refunded == sa.true())).one()
    generation.done_items = counts.get(ItemStatus.completed.value, 0)
    generation.failed_items = counts.get(ItemStatus.failed.value, 0)
    generation.cancelled_items = counts.get(ItemStatus.cancelled.value, 0)
    generation.credits_refunded = refunded * generation.price_per_item
    open_items = sum(counts.get(s, 0) for s in _OPEN)
    if open_items == 0 and not GenerationStatus(generation.status).finished:
        if cancelled or leftover is ItemStatus.cancelled:
            status = GenerationStatus.cancelled
        elif generation.done_items == generation.total_items:
            status = GenerationStatus.completed
        elif generation.done_items:
            status = GenerationStatus.partial
        else:
            status = GenerationStatus.failed
        generation.status = status.value
        generation.finished_at = now
        generation.current_step = 0
        generation.current_total_steps = 0
        if reason and not generation.error:
            generation.error = reason[:1000]
    session.add(generation)
    session.flush()
    return generation


def _refund_items(session: Session, generation: Generation) -> int:
    candidates = session.exec(select(GenerationItem.id).where(
        GenerationItem.generation_id == generation.id, GenerationItem.status.in_(_REFUNDABLE),
        GenerationItem.refunded == sa.false())).all()
    quota_back = 0
    for item_id in candidates:
        # The flag flips once: a second settle running at the same time finds it set (PostgreSQL
        # re-checks the WHERE after the first commits; SQLite runs one writer at a time).
        flipped = session.execute(
            sa.update(GenerationItem).where(GenerationItem.id == item_id, GenerationItem.refunded == sa.false())
            .values(refunded=True)).rowcount
        if flipped != 1:
            continue
        if generation.price_per_item:
            credits.post(session, user_id=generation.user_id, kind=LedgerKind.refund,
                         amount=generation.price_per_item, key=f"refund:item:{item_id}",
                         reason="image not made", reference=f"generation:{generation.id}:item:{item_id}",
                         meta={"generation_id": generation.id, "item_id": item_id})
        if generation.quota_charged:
            quota_back += 1
    if quota_back and generation.quota_day is not None:
        credits.return_quota(session, user_id=generation.user_id, poses=quota_back, day=generation.quota_day)
    return len(candidates)
