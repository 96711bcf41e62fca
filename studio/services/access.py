"""Who may see which row: the one access rule every service applies to an id a client sent.

A creator sees their own rows; of poses, the library's (no owner) and their own. Anything
else, whether another creator's row, no row at all or an id no row can have, is
NotFound("<what> not found"), never Forbidden, so ids of other creators' things reveal nothing.
"""

from __future__ import annotations

from typing import Any, Iterable, TypeVar

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from studio.db.tables import Generation, GenerationItem, Pose, PoseRequest
from studio.enums import RequestStatus
from studio.services.errors import NotFound
from studio.services.fields import found_id, row_id

Row = TypeVar("Row", bound=SQLModel)


def found(session: Session, table: type[Row], row: Any, *, what: str) -> Row:
    """The row of ``table`` with id ``row``, whoever owns it; NotFound("``what`` not found") if none."""
    found_row = session.get(table, found_id(row, what))
    if found_row is None:
        raise NotFound(f"{what} not found")
    return found_row


def own(session: Session, table: type[Row], row: Any, *, user_id: int, what: str, note: str = "") -> Row:
    """The creator's own row of ``table`` (its ``user_id`` is theirs), else NotFound naming ``what``;
    ``note`` is added in brackets where the creator needs to know why a row they see is refused."""
    number = row_id(row)
    mine = session.get(table, number) if number is not None else None
    if mine is None or _owner(mine) != user_id:
        raise NotFound(f"{what} not found" + (f" ({note})" if note else ""))
    return mine


def _owner(row: SQLModel) -> int | None:
    # Poses have an owner_id rather than a user_id: library poses have none.
    return row.owner_id if isinstance(row, Pose) else row.user_id  # type: ignore[attr-defined]


def own_item(session: Session, item: Any, *, user_id: int) -> tuple[GenerationItem, Generation]:
    """One image of the creator's batches, with its batch; NotFound("image not found") otherwise."""
    number = row_id(item)
    image = session.get(GenerationItem, number) if number is not None else None
    generation = session.get(Generation, image.generation_id) if image is not None else None
    if generation is None or generation.user_id != user_id:
        raise NotFound("image not found")
    return image, generation


# --- poses: the library's and the creator's own ------------------------------------------


def poses_visible_to(user_id: int) -> sa.ColumnElement[bool]:
    """The pose visibility rule as a query condition: library poses and the creator's own."""
    return sa.or_(col(Pose.owner_id).is_(None), Pose.owner_id == user_id)


def visible_pose(session: Session, *, user_id: int, pose_id: Any) -> Pose:
    """The pose if the creator can see it; NotFound("pose not found") otherwise."""
    number = row_id(pose_id)
    pose = session.exec(select(Pose).where(Pose.id == number, poses_visible_to(user_id))).first() \
        if number is not None else None
    if pose is None:
        raise NotFound("pose not found")
    return pose


def visible_poses(session: Session, *, user_id: int, pose_ids: Iterable[Any]) -> dict[int, Pose]:
    """The poses of ``pose_ids`` the creator can see, by id, in one query; the caller says what a
    missing one means. An id no row can have is NotFound("pose not found")."""
    wanted = {found_id(p, "pose") for p in pose_ids}
    return {p.id: p for p in session.exec(select(Pose).where(col(Pose.id).in_(wanted),
                                                              poses_visible_to(user_id)))}


# --- pose requests: open ones are everyone's to see and vote on ----------------------------


def open_or_own_request(session: Session, *, user_id: int, request_id: Any) -> PoseRequest:
    """A pose request that is still open, or one of the creator's own in any state."""
    request = session.get(PoseRequest, found_id(request_id, "pose request"))
    if request is None or (request.user_id != user_id and request.status != RequestStatus.open.value):
        raise NotFound("pose request not found")
    return request
