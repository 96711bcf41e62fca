"""The read side of batches: a batch's progress as the Batch tab and the API show it (with its
quality checks and summary), its images (sorted and filtered by score), the creator's batches.
Every read is scoped by the user (another user's id is "not found"). ``generations`` re-exports
these, so callers keep writing ``generations.progress(...)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from studio.db.engine import Database
from studio.db.tables import Generation, GenerationItem
from studio.enums import GenerationStatus, ItemStatus
from studio.services import access
from studio.services.quality import BatchChecks, QualitySummary, order_results, summarise

ACTIVE = (GenerationStatus.queued.value, GenerationStatus.running.value)


@dataclass(frozen=True)
class FinishedItem:
    item_id: int
    pose_name: str
    variation: int
    path: str  # thumbnail (or image) relative to the media folder; "" when none
    status: str
    error: str
    likeness: float | None = None  # 0..1 of the kept picture; None: not measured
    pose_match: float | None = None
    likeness_note: str = ""  # why likeness is None ("face not visible", ...)
    pose_note: str = ""
    attempts: int = 1  # pictures made for this image: more than 1 when a drift was re-rolled
    favourite: bool = False  # starred by the creator


@dataclass(frozen=True)
class PlannedItem:
    """One image of a batch as its creator follows it: which pose and variation, and where it is
    (``ItemStatus``: pending, running, completed, failed, cancelled) with the reason it failed."""

    item_id: int
    pose_name: str
    variation: int
    status: str
    error: str = ""


@dataclass(frozen=True)
class BatchProgress:
    generation_id: int
    status: str
    total: int
    done: int
    failed: int
    cancelled: int
    left: int
    fraction: float
    eta_seconds: float | None
    step: int
    total_steps: int
    items: tuple[FinishedItem, ...]
    error: str = ""
    pictures_made: int = 0  # re-rolls included
    checks: BatchChecks | None = None
    quality: QualitySummary | None = None
    plan: tuple[PlannedItem, ...] = ()  # every image, in the order it was planned

    @property
    def finished(self) -> bool:
        return GenerationStatus(self.status).finished


def _owned(session: Session, user_id: int, generation_id: int) -> Generation:
    return access.own(session, Generation, generation_id, user_id=user_id, what="generation")


def get_generation(db: Database, *, user_id: int, generation_id: int) -> Generation:
    with db.reading() as session:
        return _owned(session, user_id, generation_id)


def list_generations(db: Database, *, user_id: int, limit: int = 20, offset: int = 0) -> list[Generation]:
    with db.reading() as session:
        return list(session.exec(select(Generation).where(Generation.user_id == user_id)
                                 .order_by(col(Generation.id).desc()).limit(max(1, min(limit, 200)))
                                 .offset(max(0, offset))))


def list_items(db: Database, *, user_id: int, generation_id: int, sort: str = "made",
               show: str = "all") -> list[GenerationItem]:
    """The batch's images in the order they were planned, or ``sort``ed by a score (best first,
    not measured last) and narrowed by ``show`` (``quality.RESULT_SORTS`` / ``RESULT_SHOWS``)."""
    with db.reading() as session:
        checks = BatchChecks.from_json(_owned(session, user_id, generation_id).checks)
        items = list(session.exec(select(GenerationItem).where(GenerationItem.generation_id == generation_id)
                                  .order_by(GenerationItem.position, GenerationItem.variation)))
    return order_results(items, checks, sort=sort, show=show)


def latest_active(db: Database, *, user_id: int) -> Generation | None:
    """The queued or running batch to show again after a page reload (the newest one)."""
    with db.reading() as session:
        return session.exec(select(Generation).where(Generation.user_id == user_id,
                                                     col(Generation.status).in_(ACTIVE))
                            .order_by(col(Generation.id).desc())).first()


def progress(db: Database, *, user_id: int, generation_id: int) -> BatchProgress:
    with db.reading() as session:
        g = _owned(session, user_id, generation_id)
        planned = list(session.exec(select(GenerationItem).where(GenerationItem.generation_id == generation_id)
                                    .order_by(GenerationItem.position, GenerationItem.variation, GenerationItem.id)))
    # The results show in the order they were finished (a new one joins the end).
    finished = sorted((i for i in planned if i.status not in (ItemStatus.pending.value, ItemStatus.running.value)),
                      key=lambda i: (i.finished_at or g.created_at, i.id))
    done = sum(i.status == ItemStatus.completed.value for i in finished)
    failed = sum(i.status == ItemStatus.failed.value for i in finished)
    cancelled = sum(i.status == ItemStatus.cancelled.value for i in finished)
    left = max(0, g.total_items - done - failed - cancelled)
    seconds = [i.seconds for i in finished if i.seconds]
    eta = round(sum(seconds) / len(seconds) * left, 1) if seconds and left else (0.0 if not left else None)
    in_step = g.current_step / g.current_total_steps if g.status == "running" and g.current_total_steps else 0.0
    fraction = min(1.0, (g.total_items - left + in_step) / g.total_items) if g.total_items else 1.0
    checks = BatchChecks.from_json(g.checks)
    return BatchProgress(
        generation_id=g.id, status=g.status, total=g.total_items, done=done, failed=failed, cancelled=cancelled,
        left=left, fraction=round(fraction, 4), eta_seconds=eta, step=g.current_step,
        total_steps=g.current_total_steps, error=g.error, pictures_made=g.pictures_made,
        items=tuple(finished_item(i) for i in finished), checks=checks,
        quality=summarise([i for i in finished if i.status == ItemStatus.completed.value], checks),
        plan=tuple(PlannedItem(i.id, i.pose_name, i.variation, i.status, i.error) for i in planned),
    )


def finished_item(i: GenerationItem) -> FinishedItem:
    quality = i.quality or {}
    return FinishedItem(i.id, i.pose_name, i.variation, i.thumbnail_path or i.image_path, i.status, i.error,
                        likeness=i.likeness, pose_match=i.pose_match,
                        likeness_note=(quality.get("likeness") or {}).get("note", ""),
                        pose_note=(quality.get("pose") or {}).get("note", ""),
                        attempts=max(1, len(quality.get("attempts") or ())), favourite=bool(i.favourite))


def get_item(db: Database, *, user_id: int, item_id: int) -> GenerationItem:
    with db.session() as session:
        return access.own_item(session, item_id, user_id=user_id)[0]
