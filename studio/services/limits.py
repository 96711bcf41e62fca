"""Per-creator limits on free writes: so many a minute, and at most so many kept.

Projects, poses, pose requests, votes and background pictures cost nothing, so without a
limit one script could make hundreds a second (issue 9: 426 projects in 12 s). The numbers
live in ``studio.settings`` (``STUDIO_PROJECTS_PER_MINUTE`` and friends); this module is the
one place that enforces them.

Counted in the database, not in memory: several web processes may serve one database, and a
counter per process would let each allow the full rate. The count runs in the insert's own
transaction after the creator's user row is locked, so two requests at once cannot both see
room for one more. Background pictures have no row until a batch uses them; their files in
the creator's folder (on the media disk every process shares) are the record instead.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from studio.db.tables import AvatarProject, Pose, PoseRequest, PoseRequestVote, User
from studio.db.types import utcnow
from studio.services.errors import AccountFull, TooManyAtOnce
from studio.settings import Settings

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True, eq=False)  # eq=False: its fields are columns, whose == builds SQL
class Limit:
    """One kind of free write. ``key`` names its settings: ``<key>_per_minute``, ``<key>_max``."""

    key: str
    made: str  # "You made {n} projects": what the creator did, for the rate message
    kept: str | None  # "You have {n} projects": for the quota message; None when there is no quota
    owner: Any = None  # the table's user column and created_at column (None: counted as files)
    created: Any = None
    make_room: str = "delete some first"  # how a creator at the quota gets room again

    def per_minute(self, settings: Settings) -> int:
        return getattr(settings, f"{self.key}_per_minute")

    def most(self, settings: Settings) -> int | None:
        return getattr(settings, f"{self.key}_max") if self.kept else None


PROJECTS = Limit("projects", "You made {n} projects", "You have {n} projects",
                 AvatarProject.user_id, AvatarProject.created_at)
POSES = Limit("poses", "You saved {n} poses", "You have {n} poses of your own", Pose.owner_id, Pose.created_at)
POSE_REQUESTS = Limit("pose_requests", "You asked for {n} poses", "You have {n} pose requests",
                      PoseRequest.user_id, PoseRequest.created_at)
# One vote per request already bounds how many a creator keeps: only the rate needs a limit.
VOTES = Limit("votes", "You voted {n} times", None, PoseRequestVote.user_id, PoseRequestVote.created_at)
# Backdrops have no delete button: the orphan sweep clears those no batch uses after a day.
BACKDROPS = Limit("backdrops", "You uploaded {n} background pictures", "You have {n} background pictures",
                  make_room="pictures no batch uses are cleared after a day, or delete batches that used them")


def check(session: Session, limit: Limit, *, user_id: int, settings: Settings, now: datetime | None = None) -> None:
    """Refuse one more ``limit`` row for ``user_id`` when the creator is at the rate or the quota.

    Call it inside the transaction that inserts the row, before the insert.
    """
    now = now or utcnow()
    _hold_creator(session, user_id)
    per_minute = limit.per_minute(settings)
    # The per_minute-th newest row inside the window: while it is there, the creator is at the
    # rate; the moment it leaves the window, there is room again.
    nth_newest = session.execute(
        sa.select(limit.created).where(limit.owner == user_id, limit.created >= now - WINDOW)
        .order_by(limit.created.desc()).offset(per_minute - 1).limit(1)).scalar_one_or_none()
    if nth_newest is not None:
        _too_many(limit, per_minute, (nth_newest + WINDOW - now).total_seconds())
    most = limit.most(settings)
    if most is not None:
        kept = session.execute(sa.select(sa.func.count()).where(limit.owner == user_id)).scalar_one()
        if kept >= most:
            _full(limit, kept)


def check_files(folder: Path, limit: Limit, *, settings: Settings, now: datetime | None = None) -> None:
    """The same limits for a kind of file kept without a row (background pictures): the files in
    the creator's ``folder`` and their modification times are the count."""
    now_s = (now or utcnow()).timestamp()
    written = sorted(_written_at(folder), reverse=True)
    per_minute = limit.per_minute(settings)
    if len(written) >= per_minute and written[per_minute - 1] >= now_s - WINDOW.total_seconds():
        _too_many(limit, per_minute, written[per_minute - 1] + WINDOW.total_seconds() - now_s)
    most = limit.most(settings)
    if most is not None and len(written) >= most:
        _full(limit, len(written))


def _written_at(folder: Path) -> list[float]:
    times = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".part") or not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    times.append(entry.stat(follow_symlinks=False).st_mtime)
                except FileNotFoundError:  # deleted meanwhile: no longer kept
                    pass
    except FileNotFoundError:  # no upload yet
        pass
    return times


def _too_many(limit: Limit, n: int, wait_s: float) -> None:
    seconds = max(1, math.ceil(wait_s))
    wait = "a minute" if seconds >= 60 else f"{seconds} second{'' if seconds == 1 else 's'}"
    raise TooManyAtOnce(f"{limit.made.format(n=n)} in the last minute; wait {wait} and try again.", seconds)


def _full(limit: Limit, n: int) -> None:
    raise AccountFull(f"{limit.kept.format(n=n)}, the most one account can hold; {limit.make_room}.")


def _hold_creator(session: Session, user_id: int) -> None:
    # Lock the creator's user row so their limited writes queue up one behind the other and
    # each counts what the one before it inserted. FOR NO KEY UPDATE (key_share) does not block
    # the foreign-key checks of the creator's other writes. SQLite has no row locks, but the
    # studio opens every write transaction with BEGIN IMMEDIATE, which serialises them anyway.
    session.execute(sa.select(User.id).where(User.id == user_id).with_for_update(key_share=True))
