"""The pose gallery: categories, filtered and searched pages of poses, favourites, previews.

A creator sees the library (poses with no owner) and their own poses, never another
creator's. Every function takes the acting user's id and applies that rule
(``studio.services.access``) in the query itself, so no caller can forget it.

Listing a page costs three small queries whatever the page holds: the count, the page's
columns (never the keypoints, which only the editor and the engine need), and the
creator's favourites among the page's ids.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from studio.db.engine import Database
from studio.db.tables import Pose, PoseCategory, PoseFavourite
from studio.enums import Difficulty, Framing, Gender
from studio.services import access
from studio.services.errors import InvalidInput, NotFound
from studio.services.fields import MAX_ID, found_id, row_id

if TYPE_CHECKING:
    from studio.core import Studio

log = logging.getLogger(__name__)

SORTS = ("popular", "newest", "name")
PER_PAGE = 48
MAX_PER_PAGE = 96
MAX_SEARCH_WORDS = 8
# What search matches: runs of letters and digits. Everything else (punctuation, spaces)
# only separates words, so "arms-crossed!" finds what "crossed arms" finds.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class CategoryNode:
    id: int
    slug: str
    name: str
    description: str
    count: int  # poses the creator can see here, sub-categories included
    children: tuple["CategoryNode", ...] = ()


@dataclass(frozen=True)
class PoseQuery:
    """One gallery view. Empty / None fields do not filter."""

    category: str | None = None  # slug; a parent category includes its children
    difficulty: str | None = None
    gender: str | None = None
    framing: str | None = None
    featured: bool = False
    favourites_only: bool = False
    mine_only: bool = False
    search: str = ""
    sort: str = "popular"
    page: int = 1
    per_page: int = PER_PAGE

    def __post_init__(self) -> None:
        _check_choice("sort", self.sort, SORTS)
        _check_choice("difficulty", self.difficulty, [d.value for d in Difficulty], optional=True)
        _check_choice("gender", self.gender, [g.value for g in Gender], optional=True)
        _check_choice("framing", self.framing, [f.value for f in Framing], optional=True)
        if not isinstance(self.page, int) or self.page < 1:
            raise InvalidInput(f"page must be 1 or more, got {self.page!r}")
        if not isinstance(self.per_page, int) or not 1 <= self.per_page <= MAX_PER_PAGE:
            raise InvalidInput(f"per_page must be from 1 to {MAX_PER_PAGE}, got {self.per_page!r}")
        if len(self.search or "") > 200:
            raise InvalidInput("search text is too long; use at most 200 characters")

    @property
    def search_words(self) -> list[str]:
        return search_words(self.search)


@dataclass(frozen=True)
class PoseCard:
    id: int
    slug: str
    name: str
    description: str
    category: str | None  # slug
    framing: str
    difficulty: str
    gender: str
    tags: tuple[str, ...]
    featured: bool
    is_favourite: bool
    is_mine: bool
    use_count: int
    category_name: str | None = None
    favourite_count: int = 0
    source: str = "library"


@dataclass(frozen=True)
class PosePage:
    items: list[PoseCard]
    total: int
    page: int
    pages: int
    query: PoseQuery | None = field(default=None, compare=False)


def search_words(text: str | None) -> list[str]:
    """The distinct lower-cased words of a search, in order, at most MAX_SEARCH_WORDS."""
    words: list[str] = []
    for word in _WORD.findall((text or "").lower()):
        if word not in words:
            words.append(word)
    return words[:MAX_SEARCH_WORDS]


# --- categories ---------------------------------------------------------------------------


def categories(db: Database, *, user_id: int | None = None) -> list[CategoryNode]:
    """The two-level category tree with the number of poses the creator can see in each.

    Without a user the counts are of the library alone.
    """
    with db.session() as session:
        rows = session.exec(select(PoseCategory).order_by(PoseCategory.sort, PoseCategory.name)).all()
        visible = col(Pose.owner_id).is_(None) if user_id is None else access.poses_visible_to(user_id)
        counts = dict(session.exec(
            select(Pose.category_id, func.count()).where(visible).group_by(Pose.category_id)
        ).all())
    children: dict[int, list[PoseCategory]] = {}
    for row in rows:
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(row)
    tree = []
    for row in rows:
        if row.parent_id is not None:
            continue
        kids = tuple(
            CategoryNode(id=c.id, slug=c.slug, name=c.name, description=c.description, count=counts.get(c.id, 0))
            for c in children.get(row.id, [])
        )
        total = counts.get(row.id, 0) + sum(k.count for k in kids)
        tree.append(CategoryNode(id=row.id, slug=row.slug, name=row.name, description=row.description,
                                 count=total, children=kids))
    return tree


def category_ids(session: Session, slug: str) -> list[int]:
    """The category called ``slug`` and its sub-categories; NotFound when there is none."""
    row = session.exec(select(PoseCategory).where(PoseCategory.slug == slug)).first()
    if row is None:
        raise NotFound(f"no pose category {slug!r}")
    kids = session.exec(select(PoseCategory.id).where(PoseCategory.parent_id == row.id)).all()
    return [row.id, *kids]


def category_by_slug(session: Session, slug: str) -> PoseCategory:
    row = session.exec(select(PoseCategory).where(PoseCategory.slug == slug)).first()
    if row is None:
        known = session.exec(select(PoseCategory.slug).order_by(PoseCategory.slug)).all()
        more = f" ({len(known)} in all)" if len(known) > 12 else ""
        hint = (f"; known categories include {', '.join(known[:12])}{more}" if known
                else "; no categories are loaded yet (run `python -m studio seed`)")
        raise InvalidInput(f"unknown pose category {slug!r}{hint}")
    return row


# --- listing ------------------------------------------------------------------------------


def list_poses(db: Database, *, user_id: int, query: PoseQuery | None = None) -> PosePage:
    """One page of the gallery as the creator sees it (library + their own poses)."""
    query = query or PoseQuery()
    with db.session() as session:
        conditions = _conditions(session, user_id=user_id, query=query)
        if conditions is None:  # a search with no words, or an unknown category: nothing matches
            return PosePage(items=[], total=0, page=query.page, pages=0, query=query)
        total = session.exec(select(func.count()).select_from(Pose).where(*conditions)).one()
        pages = math.ceil(total / query.per_page)
        if total == 0 or query.page > pages:
            return PosePage(items=[], total=total, page=query.page, pages=pages, query=query)
        stmt = (
            select(Pose.id, Pose.slug, Pose.name, Pose.description, PoseCategory.slug, PoseCategory.name,
                   Pose.framing, Pose.difficulty, Pose.gender, Pose.tags, Pose.featured, Pose.owner_id,
                   Pose.use_count, Pose.favourite_count, Pose.source)
            .select_from(Pose)
            .outerjoin(PoseCategory, col(PoseCategory.id) == col(Pose.category_id))
            .where(*conditions)
            .order_by(*_order(query.sort))
            .offset((query.page - 1) * query.per_page)
            .limit(query.per_page)
        )
        rows = session.exec(stmt).all()
        favourites = _favourites_among(session, user_id=user_id, pose_ids=[r[0] for r in rows])
    items = [
        PoseCard(id=r[0], slug=r[1], name=r[2], description=r[3], category=r[4], category_name=r[5],
                 framing=r[6], difficulty=r[7], gender=r[8], tags=tuple(r[9] or ()), featured=r[10],
                 is_favourite=r[0] in favourites, is_mine=r[11] == user_id, use_count=r[12],
                 favourite_count=r[13], source=r[14])
        for r in rows
    ]
    return PosePage(items=items, total=total, page=query.page, pages=pages, query=query)


def _conditions(session: Session, *, user_id: int, query: PoseQuery) -> list | None:
    conditions: list = [access.poses_visible_to(user_id)]
    if query.mine_only:
        conditions.append(col(Pose.owner_id) == user_id)
    if query.category:
        try:
            conditions.append(col(Pose.category_id).in_(category_ids(session, query.category)))
        except NotFound:
            return None
    for column, value in ((Pose.difficulty, query.difficulty), (Pose.gender, query.gender),
                          (Pose.framing, query.framing)):
        if value:
            conditions.append(col(column) == value)
    if query.featured:
        conditions.append(col(Pose.featured).is_(True))
    if query.favourites_only:
        conditions.append(col(Pose.id).in_(
            select(PoseFavourite.pose_id).where(PoseFavourite.user_id == user_id)))
    if query.search.strip():
        words = query.search_words
        if not words:  # only punctuation: a search for nothing finds nothing, not everything
            return None
        for word in words:
            conditions.append(col(Pose.search_text).like(f"%{_escape_like(word)}%", escape="\\"))
    return conditions


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _order(sort: str) -> list:
    if sort == "newest":
        return [col(Pose.created_at).desc(), col(Pose.id).desc()]
    if sort == "name":
        return [func.lower(Pose.name), col(Pose.id)]
    return [col(Pose.use_count).desc(), col(Pose.favourite_count).desc(), func.lower(Pose.name), col(Pose.id)]


def _favourites_among(session: Session, *, user_id: int, pose_ids: list[int]) -> set[int]:
    if not pose_ids:
        return set()
    return set(session.exec(
        select(PoseFavourite.pose_id).where(PoseFavourite.user_id == user_id,
                                            col(PoseFavourite.pose_id).in_(pose_ids))
    ).all())


# --- one pose -----------------------------------------------------------------------------


def get_pose(db: Database, *, user_id: int, pose_id: int) -> Pose:
    """The pose row (with its keypoints) if the creator can see it; NotFound otherwise."""
    with db.session() as session:
        return access.visible_pose(session, user_id=user_id, pose_id=pose_id)


def still_visible(db: Database, *, user_id: int, pose_ids: Any, limit: int) -> list[int]:
    """Of ``pose_ids`` (a list a browser kept), those that are well-formed ids of poses this
    creator can see, in order, at most ``limit``; anything else is dropped, never an error."""
    if not isinstance(pose_ids, (list, tuple)):
        return []
    ids = [i for i in pose_ids[:limit] if isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID]
    if not ids:
        return []
    with db.session() as session:
        rows = access.visible_poses(session, user_id=user_id, pose_ids=ids)
    return [i for i in dict.fromkeys(ids) if i in rows]


def poses_for_batch(db: Database, *, user_id: int, pose_ids: Iterable[int]) -> list[Pose]:
    """The poses of a batch, in the order asked; NotFound naming how many are unknown.

    For the batch engineer: one query, the visibility rule applied, duplicates kept in order.
    """
    ids = [found_id(i, "pose") for i in pose_ids]
    if not ids:
        raise InvalidInput("pick at least one pose")
    with db.session() as session:
        rows = access.visible_poses(session, user_id=user_id, pose_ids=ids)
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFound(f"{len(missing)} of the chosen poses no longer exist; pick them again from the gallery")
    return [rows[i] for i in ids]


def record_use(session: Session, *, pose_ids: Iterable[int]) -> None:
    """Count one use of each pose inside the caller's transaction (a batch submit)."""
    counts: dict[int, int] = {}
    for pid in pose_ids:
        counts[int(pid)] = counts.get(int(pid), 0) + 1
    for pid, n in counts.items():
        session.execute(sa.update(Pose).where(col(Pose.id) == pid).values(use_count=Pose.use_count + n))


def preview_file(studio: "Studio", *, user_id: int, pose_id: int, size: int = 256) -> Path:
    """The gallery thumbnail of a pose, drawn once and then served from the preview cache."""
    from pipelines.preview import preview_path

    pose = get_pose(studio.db, user_id=user_id, pose_id=pose_id)
    return preview_path(studio.settings.previews_dir, pose.slug, pose.keypoints, size=size)


def preview_files(studio: "Studio", *, user_id: int, pose_ids: list[int], size: int = 256) -> dict[int, Path]:
    """Thumbnails of a page of poses: one query for their keypoints, then the disk cache."""
    from pipelines.preview import preview_path

    ids = {i for i in map(row_id, pose_ids) if i is not None}
    if not ids:
        return {}
    with studio.db.session() as session:
        rows = session.exec(select(Pose.id, Pose.slug, Pose.keypoints)
                            .where(col(Pose.id).in_(ids), access.poses_visible_to(user_id))).all()
    return {pid: preview_path(studio.settings.previews_dir, slug, keypoints, size=size)
            for pid, slug, keypoints in rows}


def warm_previews(studio: "Studio", size: int = 256) -> int:
    """Draw every library thumbnail not yet cached, so the first gallery page opens at once.

    Run in a background thread at start; drawing all ~240 takes a few seconds of one core.
    """
    from pipelines.preview import preview_path

    with studio.db.session() as session:
        rows = session.exec(select(Pose.slug, Pose.keypoints).where(Pose.owner_id.is_(None))
                            .order_by(col(Pose.use_count).desc(), func.lower(Pose.name))).all()
    for slug, keypoints in rows:
        preview_path(studio.settings.previews_dir, slug, keypoints, size=size)
    return len(rows)


# --- favourites ---------------------------------------------------------------------------


def toggle_favourite(db: Database, *, user_id: int, pose_id: int) -> bool:
    """Flip the pose's favourite mark; returns True when it is now a favourite.

    favourite_count moves only when a row really was inserted or deleted, so concurrent
    calls (two tabs, a double click) can never push the counter away from the row count.
    """
    with db.session() as session:
        access.visible_pose(session, user_id=user_id, pose_id=pose_id)
        # Try the delete first: a row gone means it was a favourite; otherwise make it one.
        if _delete_favourite(session, user_id=user_id, pose_id=pose_id):
            return False
        return _add_favourite(session, user_id=user_id, pose_id=pose_id)


def _add_favourite(session: Session, *, user_id: int, pose_id: int) -> bool:
    try:
        with session.begin_nested():
            session.add(PoseFavourite(user_id=user_id, pose_id=pose_id))
            session.flush()
    except IntegrityError:
        return True  # already a favourite (another request got there first)
    _bump_favourites(session, pose_id, +1)
    return True


def _delete_favourite(session: Session, *, user_id: int, pose_id: int) -> bool:
    deleted = session.execute(
        sa.delete(PoseFavourite).where(col(PoseFavourite.user_id) == user_id, col(PoseFavourite.pose_id) == pose_id)
    ).rowcount
    if deleted:
        _bump_favourites(session, pose_id, -1)
    return bool(deleted)


def _bump_favourites(session: Session, pose_id: int, delta: int) -> None:
    session.execute(sa.update(Pose).where(col(Pose.id) == pose_id)
                    .values(favourite_count=Pose.favourite_count + delta))


def _check_choice(name: str, value, choices, optional: bool = False) -> None:
    if optional and value in (None, ""):
        return
    if value not in choices:
        raise InvalidInput(f"{name} must be one of {', '.join(choices)}; got {value!r}")
