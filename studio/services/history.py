"""History: the creator's batches, each with the avatar and the poses it used, narrowed by
project, avatar, status and preset, and sorted. Everything is read with the creator's own rows
only: a project or avatar id from a client that is not theirs is "not found" (access.own), and
the batches are those whose ``user_id`` is the creator's, whatever else a filter says.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from studio.db.engine import Database
from studio.db.tables import Avatar, AvatarProject, Generation, GenerationItem
from studio.enums import GenerationStatus as S
from studio.services import access
from studio.services.errors import InvalidInput

# What the status filter offers, in the creator's words, and the batch statuses each covers.
# "done" holds partial batches too: they finished, and some of their pictures are there.
STATUSES: dict[str, tuple[str, ...]] = {
    "done": (S.completed.value, S.partial.value),
    "failed": (S.failed.value,),
    "cancelled": (S.cancelled.value,),
    "running": (S.queued.value, S.running.value),
}
SORTS = ("newest", "oldest", "most pictures")
MOST = 100  # batches listed at once: the newest (or oldest...) of those the filter keeps
POSES_NAMED = 6  # pose names a listed batch spells out; the rest are counted


@dataclass(frozen=True)
class BatchFilter:
    """What the History tab narrows to; None (or "") for "any". Checked by ``list_batches``."""

    project_id: int | None = None
    avatar_id: int | None = None
    status: str | None = None  # a key of STATUSES
    preset_key: str | None = None
    sort: str = "newest"  # one of SORTS


@dataclass(frozen=True)
class BatchSummary:
    """One listed batch: the row itself, its avatar as it is now, and the poses it used."""

    id: int
    created_at: datetime
    status: str
    preset_key: str
    done_items: int
    total_items: int
    failed_items: int
    credits_charged: int
    credits_refunded: int
    avatar_id: int | None  # None: the avatar was deleted since (its batches keep their pictures)
    avatar_name: str
    avatar_thumbnail: str  # media path, "" when none
    project_name: str
    pose_names: tuple[str, ...]  # in the order the batch planned them, each once
    pose_count: int


@dataclass(frozen=True)
class FilterChoices:
    """The creator's own projects, avatars and presets that the filter menus offer."""

    projects: tuple[tuple[str, int], ...]
    avatars: tuple[tuple[str, int], ...]  # (name, id), those of the project given, if one was
    presets: tuple[str, ...]  # presets of the creator's batches, in the order first used


def list_batches(db: Database, *, user_id: int, wanted: BatchFilter = BatchFilter()) -> list[BatchSummary]:
    """The creator's batches that ``wanted`` keeps, sorted as it says (at most MOST)."""
    with db.reading() as session:
        query = select(Generation).where(Generation.user_id == user_id)
        if wanted.avatar_id not in (None, ""):
            avatar = access.own(session, Avatar, wanted.avatar_id, user_id=user_id, what="avatar")
            query = query.where(Generation.avatar_id == avatar.id)
        if wanted.project_id not in (None, ""):
            project = access.own(session, AvatarProject, wanted.project_id, user_id=user_id, what="project")
            in_project = select(Avatar.id).where(Avatar.project_id == project.id, Avatar.user_id == user_id)
            query = query.where(col(Generation.avatar_id).in_(in_project))
        if wanted.status not in (None, ""):
            query = query.where(col(Generation.status).in_(_statuses(wanted.status)))
        if wanted.preset_key not in (None, ""):
            query = query.where(Generation.preset_key == _preset(wanted.preset_key))
        batches = list(session.exec(query.order_by(*_order(wanted.sort)).limit(MOST)))
        return _summaries(session, user_id, batches)


def filter_choices(db: Database, *, user_id: int, project_id: Any = None) -> FilterChoices:
    """The menus of the History filter: the creator's projects, avatars (of ``project_id`` when
    one is given) and the presets their batches ran at."""
    with db.reading() as session:
        projects = session.exec(select(AvatarProject).where(AvatarProject.user_id == user_id)
                                .order_by(AvatarProject.name, AvatarProject.id)).all()
        avatars = select(Avatar).where(Avatar.user_id == user_id)
        if project_id not in (None, ""):
            project = access.own(session, AvatarProject, project_id, user_id=user_id, what="project")
            avatars = avatars.where(Avatar.project_id == project.id)
        avatar_rows = session.exec(avatars.order_by(Avatar.name, Avatar.id)).all()
        presets = session.exec(select(Generation.preset_key).where(Generation.user_id == user_id)
                               .order_by(Generation.id)).all()
    return FilterChoices(projects=tuple((p.name, p.id) for p in projects),
                         avatars=tuple((a.name, a.id) for a in avatar_rows),
                         presets=tuple(dict.fromkeys(presets)))


def _statuses(status: Any) -> tuple[str, ...]:
    if status not in STATUSES:
        raise InvalidInput(f"Status: choose one of {', '.join(STATUSES)} (you gave {status!r})")
    return STATUSES[status]


def _preset(preset_key: Any) -> str:
    if not isinstance(preset_key, str) or len(preset_key) > 50:
        raise InvalidInput("Preset: choose one of the presets in the list")
    return preset_key


def _order(sort: Any) -> tuple:
    newest = col(Generation.id).desc()
    if sort in (None, "", "newest"):
        return (newest,)
    if sort == "oldest":
        return (col(Generation.id).asc(),)
    if sort == "most pictures":
        return (col(Generation.done_items).desc(), newest)
    raise InvalidInput(f"Sort: choose one of {', '.join(SORTS)} (you gave {sort!r})")


def _summaries(session: Session, user_id: int, batches: list[Generation]) -> list[BatchSummary]:
    ids = [g.id for g in batches]
    avatar_ids = {g.avatar_id for g in batches if g.avatar_id is not None}
    # The user_id conditions are the access rule once more: a batch only ever names its owner's avatar.
    avatars = {a.id: a for a in session.exec(select(Avatar).where(col(Avatar.id).in_(avatar_ids),
                                                                  Avatar.user_id == user_id))}
    project_ids = {a.project_id for a in avatars.values()}
    projects = dict(session.exec(select(AvatarProject.id, AvatarProject.name).where(
        col(AvatarProject.id).in_(project_ids), AvatarProject.user_id == user_id)).all())
    poses: dict[int, dict[str, None]] = {i: {} for i in ids}
    for generation_id, name in session.exec(
            select(GenerationItem.generation_id, GenerationItem.pose_name)
            .where(col(GenerationItem.generation_id).in_(ids))
            .order_by(GenerationItem.generation_id, GenerationItem.position, GenerationItem.variation)):
        poses[generation_id].setdefault(name or "a pose", None)
    summaries = []
    for g in batches:
        avatar = avatars.get(g.avatar_id)
        names = tuple(poses[g.id])
        summaries.append(BatchSummary(
            id=g.id, created_at=g.created_at, status=g.status, preset_key=g.preset_key, done_items=g.done_items,
            total_items=g.total_items, failed_items=g.failed_items, credits_charged=g.credits_charged,
            credits_refunded=g.credits_refunded, avatar_id=avatar.id if avatar else None,
            avatar_name=avatar.name if avatar else "", avatar_thumbnail=(avatar.thumbnail_path or avatar.image_path)
            if avatar else "", project_name=projects.get(avatar.project_id, "") if avatar else "",
            pose_names=names, pose_count=len(names)))
    return summaries
