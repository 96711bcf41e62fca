"""What a batch costs, charging it, and settling it: the money side of a generation.

- ``quote``: items x price (+ background per image), or the unlimited tier's quota. The catalog
  price covers the preset's default size and steps; larger sizes or more steps cost in
  proportion to pixels x steps (``work_of``), rounded up, never less than the catalog price.
  The estimate and the charge both take this quote, so the estimate shows what is charged.
- ``charge``: inside the submit transaction, one conditional update under the submission's
  idempotency key (a double click charges once), or one conditional quota update.
- ``settle``: the finishing step. Items that did not run are marked failed or cancelled,
  each failed or cancelled item is refunded once (a per-item flag flipped by a conditional
  update, plus a per-item ledger key) with exactly what it was charged (the price per item
  stored at charge), counters are recounted from the items, and the status is set. Running
  it twice, or twice at once, changes nothing the second time.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

import sqlalchemy as sa
from sqlmodel import Session, func, select

from pipelines.params import GenerationParams, ParamsError
from pipelines.presets import UnknownPresetError, get_preset
from studio.db.catalog import pose_price_key
from studio.db.tables import CreditAccount, Generation, GenerationItem
from studio.db.types import utcnow
from studio.enums import GenerationStatus, ItemStatus, LedgerKind
from studio.services import credits
from studio.services.errors import InsufficientCredits, InvalidInput, NotFound, QuotaExceeded

log = logging.getLogger(__name__)

BACKGROUND_KEY = "background.per_image"


@dataclass(frozen=True)
class Work:
    """One image's work against what a catalog price covers (the preset's default size and steps)."""

    factor: Fraction = Fraction(1)
    note: str = ""  # why it costs more, e.g. "2048x2048, 100 steps: 178x the work of the default (...)"

    def price(self, catalog_price: int) -> int:
        """In proportion to the work, rounded up to whole credits, never below the catalog price."""
        return max(catalog_price, math.ceil(catalog_price * self.factor))

    @property
    def quota_per_item(self) -> int:
        """Poses of the unlimited tier's daily quota one image takes: its work, rounded up."""
        return max(1, math.ceil(self.factor))


def work_of(preset_key: str, params: GenerationParams | None) -> Work:
    """The one definition of an image's work: the estimate, the charge and (through the price
    stored at charge) the refunds all come through here."""
    try:
        preset = get_preset(preset_key)
        resolved = (params or GenerationParams()).resolved(preset)
        factor = resolved.work_factor(preset)
    except (UnknownPresetError, ParamsError) as exc:
        raise InvalidInput(str(exc)) from None
    if factor <= 1:
        return Work(factor)
    times = f"{float(factor):.0f}" if factor >= 10 else f"{float(factor):.2f}".rstrip("0").rstrip(".")
    return Work(factor, f"{resolved.width}x{resolved.height}, {resolved.steps} steps: {times}x the work of "
                        f"the default ({preset.width}x{preset.height}, {preset.steps} steps) the price covers")


@dataclass(frozen=True)
class Quote:
    items: int
    pose_price: int  # price of one pose image for its work (0 when the unlimited tier pays)
    background_per_item: int
    uses_quota: bool
    balance: int
    quota_left: int | None  # None when the unlimited tier is not active
    quota_day: date | None
    work: Work = field(default_factory=Work)

    @property
    def quota_poses(self) -> int:
        """What the batch takes from the unlimited tier's quota (0 when it does not use it)."""
        return self.items * self.work.quota_per_item if self.uses_quota else 0

    @property
    def price_per_item(self) -> int:
        return self.pose_price + self.background_per_item

    @property
    def total(self) -> int:
        return self.items * self.price_per_item

    @property
    def affordable(self) -> bool:
        if self.uses_quota and (self.quota_left or 0) < self.quota_poses:
            return False
        return self.total <= self.balance

    def message(self) -> str:
        """What the creator sees beside the submit button: the figure the charge takes, and why."""
        return f"{self.work.note}; {self._figures()}" if self.work.note else self._figures()

    def _figures(self) -> str:
        n = f"{self.items} image{'s' if self.items != 1 else ''}"
        if self.uses_quota:
            left = self.quota_left or 0
            if left < self.quota_poses:
                return str(QuotaExceeded(self.quota_poses, left))
            each = f", {self.work.quota_per_item} poses each" if self.work.quota_per_item > 1 else ""
            extra = f" + {self.total} credits for backgrounds" if self.total else ""
            if self.total > self.balance:
                return str(InsufficientCredits(self.total, self.balance, f"{n} with new backgrounds"))
            return f"{n} from your unlimited quota{each} ({left} left today){extra}"
        if self.total > self.balance:
            return str(InsufficientCredits(self.total, self.balance, f"this batch of {n}"))
        bg = f" + {self.background_per_item} background" if self.background_per_item else ""
        return (f"{n} x {self.pose_price}{bg} = {self.total} credits "
                f"(balance {self.balance}, {self.balance - self.total} after)")


def quote(session: Session, *, user_id: int, items: int, preset_key: str, background: bool,
          params: GenerationParams | None = None, now: datetime | None = None) -> Quote:
    """``params``: the batch's generation parameters (None: the preset's defaults)."""
    account = session.get(CreditAccount, user_id)
    if account is None:
        raise NotFound("no credit account for this user")
    catalog_pose_price = credits.price(session, pose_price_key(preset_key))  # also proves the preset is sold
    work = work_of(preset_key, params)
    bg = credits.price(session, BACKGROUND_KEY) if background else 0
    unlimited = credits.unlimited_active(account, now)
    return Quote(
        items=items, pose_price=0 if unlimited else work.price(catalog_pose_price), background_per_item=bg,
        uses_quota=unlimited, balance=account.balance,
        quota_left=credits.quota_left(account, now) if unlimited else None,
        quota_day=credits.today_utc(now) if unlimited else None, work=work,
    )


def charge(session: Session, generation: Generation, q: Quote, *, now: datetime | None = None) -> None:
    """Pay for ``generation`` inside the submit transaction; raises and rolls back if it cannot."""
    if q.uses_quota:
        credits.consume_quota(session, user_id=generation.user_id, poses=q.quota_poses, now=now)
        generation.quota_charged = q.quota_poses
        generation.quota_day = q.quota_day
    if q.total:
        work = f" ({q.work.note})" if q.work.note else ""
        credits.post(session, user_id=generation.user_id, kind=LedgerKind.charge, amount=-q.total,
                     key=f"charge:generation:{generation.user_id}:{generation.submission_key}",
                     reason=f"{q.items} pose image(s), {generation.preset_key}{work}",
                     reference=f"generation:{generation.id}",
                     meta={"generation_id": generation.id, "items": q.items, "price_per_item": q.price_per_item,
                           "work_factor": str(q.work.factor)},
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
        generation.error = _batch_error(session, generation)
    session.add(generation)
    session.flush()
    return generation


def _batch_error(session: Session, generation: Generation) -> str:
    """What went wrong, read from the failed items: a batch whose items all ran has no error.

    The caller's ``reason`` is only for items it marks failed now; putting it on the batch showed
    "the engine returned no image" on batches where every image came back.
    """
    if not generation.failed_items:
        return ""
    reasons = session.exec(select(GenerationItem.error).where(
        GenerationItem.generation_id == generation.id, GenerationItem.status == ItemStatus.failed.value)
        .distinct()).all()
    summary = f"{generation.failed_items} of {generation.total_items} items failed"
    # One shared reason (a missing model, out of memory) is worth saying; several are on the items.
    if len(reasons) == 1 and reasons[0]:
        summary += f": {reasons[0]}"
    return summary[:1000]


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
            quota_back += _quota_per_item(generation)
    if quota_back and generation.quota_day is not None:
        credits.return_quota(session, user_id=generation.user_id, poses=quota_back, day=generation.quota_day)
    return len(candidates)


def _quota_per_item(generation: Generation) -> int:
    # Every item of a batch has the same work, so the quota it took is an even share of the batch's.
    return generation.quota_charged // generation.total_items if generation.total_items else 0
