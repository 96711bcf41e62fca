"""Pose requests: a creator asks for a pose the library lacks, others vote, an admin answers.

What others see: an open request's name, description, category, vote count and age, so
they can vote for it. Never who asked, nor the reference picture: a reference is often a
photo of the creator or of someone they know, uploaded for the admin who makes the pose.
Only the requester and admins see it. Answered (approved / rejected / completed) requests
are visible to their requester and admins only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from studio.db.engine import Database
from studio.db.tables import Pose, PoseCategory, PoseRequest, PoseRequestVote, User
from studio.db.types import utcnow
from studio.enums import RequestStatus
from studio.services import access, limits
from studio.services.errors import Forbidden, InvalidInput
from studio.services.fields import row_id
from studio.services.poses import category_by_slug

if TYPE_CHECKING:
    from studio.core import Studio

log = logging.getLogger(__name__)

MAX_NAME = 120
MAX_DESCRIPTION = 1000
MAX_NOTE = 1000
MAX_OPEN_PER_USER = 20  # keeps one creator from flooding the voting list
MEDIA_KIND = "pose-requests"


@dataclass(frozen=True)
class RequestView:
    """A request as its requester (or an admin) sees it."""

    id: int
    name: str
    description: str
    category: str | None
    status: str
    votes: int
    admin_note: str
    answered_pose_id: int | None
    reference_image_path: str  # relative to the media folder; "" when none
    created_at: datetime
    updated_at: datetime
    requester: str = ""  # filled for admins only


@dataclass(frozen=True)
class PublicRequest:
    """An open request as any creator sees it, for voting: nothing about who asked."""

    id: int
    name: str
    description: str
    category: str | None
    votes: int
    created_at: datetime
    voted: bool  # by the viewer
    is_mine: bool


# --- the requester ------------------------------------------------------------------------


def create_request(studio: "Studio", *, user_id: int, name: str, description: str,
                   category_slug: str | None = None, reference_image_path: str | Path | None = None) -> RequestView:
    """Ask for a pose. The optional reference picture is checked like any upload (JPEG, PNG or
    WebP, at most 10 MB) and stored re-encoded, without metadata, in the creator's media."""
    from studio.uploads import read_photo

    name = " ".join((name or "").split())
    description = (description or "").strip()
    if not name:
        raise InvalidInput("name the pose you would like (for example 'sitting on stairs, looking back')")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the name is {len(name)} characters; use at most {MAX_NAME}")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"the description is {len(description)} characters; use at most {MAX_DESCRIPTION}")
    photo = read_photo(reference_image_path) if reference_image_path else None
    with studio.db.session() as session:
        # Checked here too so a flood is refused before its pictures are stored; the check in
        # the insert's transaction below is the one that holds when requests race.
        limits.check(session, limits.POSE_REQUESTS, user_id=user_id, settings=studio.settings)
        category_id = category_by_slug(session, category_slug).id if category_slug else None
        open_count = session.exec(select(sa.func.count()).select_from(PoseRequest).where(
            PoseRequest.user_id == user_id, PoseRequest.status == RequestStatus.open.value)).one()
        if open_count >= MAX_OPEN_PER_USER:
            raise InvalidInput(f"you have {open_count} open requests; wait for some to be answered "
                               "or delete one before asking for more")
    relative = ""
    if photo is not None:
        relative = studio.media.save_jpeg(user_id, MEDIA_KIND, photo)
    try:
        with studio.db.session() as session:
            limits.check(session, limits.POSE_REQUESTS, user_id=user_id, settings=studio.settings)
            request = PoseRequest(user_id=user_id, name=name, description=description, category_id=category_id,
                                  reference_image_path=relative)
            session.add(request)
            session.flush()
            return _view(session, request)
    except BaseException:
        if relative:
            studio.media.delete(relative)
        raise


def list_my_requests(db: Database, *, user_id: int) -> list[RequestView]:
    with db.session() as session:
        rows = session.exec(select(PoseRequest).where(PoseRequest.user_id == user_id)
                            .order_by(col(PoseRequest.created_at).desc(), col(PoseRequest.id).desc())).all()
        return [_view(session, r) for r in rows]


def get_request(db: Database, *, user_id: int, request_id: int) -> RequestView:
    """The creator's own request in full; NotFound for anyone else's (use list_open_requests)."""
    with db.session() as session:
        return _view(session, access.own(session, PoseRequest, request_id, user_id=user_id, what="pose request"))


def delete_request(studio: "Studio", *, user_id: int, request_id: int) -> None:
    """Withdraw the creator's own request (any status); its reference picture is deleted too."""
    with studio.db.session() as session:
        request = access.own(session, PoseRequest, request_id, user_id=user_id, what="pose request")
        relative = request.reference_image_path
        session.delete(request)
    if relative:
        studio.media.delete(relative)


def list_open_requests(db: Database, *, user_id: int, sort: str = "votes", limit: int = 100) -> list[PublicRequest]:
    """Open requests of every creator, most voted (or newest) first, for voting."""
    if sort not in ("votes", "newest"):
        raise InvalidInput(f"sort must be votes or newest; got {sort!r}")
    order = ([col(PoseRequest.votes).desc(), col(PoseRequest.created_at).desc()] if sort == "votes"
             else [col(PoseRequest.created_at).desc()])
    with db.session() as session:
        rows = session.exec(
            select(PoseRequest.id, PoseRequest.name, PoseRequest.description, PoseCategory.slug, PoseRequest.votes,
                   PoseRequest.created_at, PoseRequest.user_id)
            .select_from(PoseRequest)
            .outerjoin(PoseCategory, col(PoseCategory.id) == col(PoseRequest.category_id))
            .where(PoseRequest.status == RequestStatus.open.value)
            .order_by(*order, col(PoseRequest.id).desc()).limit(max(1, min(limit, 500)))
        ).all()
        ids = [r[0] for r in rows]
        voted = set(session.exec(select(PoseRequestVote.request_id).where(
            PoseRequestVote.user_id == user_id, col(PoseRequestVote.request_id).in_(ids)))) if ids else set()
    return [PublicRequest(id=r[0], name=r[1], description=r[2], category=r[3], votes=r[4], created_at=r[5],
                          voted=r[0] in voted, is_mine=r[6] == user_id) for r in rows]


def vote(studio: "Studio", *, user_id: int, request_id: int) -> int:
    """Vote for another creator's open request, once (a second vote changes nothing).
    Returns the request's vote count."""
    with studio.db.session() as session:
        request = access.open_or_own_request(session, user_id=user_id, request_id=request_id)
        if request.user_id == user_id:
            raise InvalidInput("you cannot vote for your own request")
        if request.status != RequestStatus.open.value:
            raise InvalidInput("voting is closed: this request has been answered")
        limits.check(session, limits.VOTES, user_id=user_id, settings=studio.settings)
        try:
            with session.begin_nested():
                session.add(PoseRequestVote(request_id=request_id, user_id=user_id))
                session.flush()
        except IntegrityError:
            return _votes(session, request_id)
        # The counter moves only with a row really inserted, so it always equals the vote rows.
        session.execute(sa.update(PoseRequest).where(col(PoseRequest.id) == request_id)
                        .values(votes=PoseRequest.votes + 1))
        return _votes(session, request_id)


def unvote(db: Database, *, user_id: int, request_id: int) -> int:
    """Take a vote back (while the request is open); returns the vote count."""
    with db.session() as session:
        request = access.open_or_own_request(session, user_id=user_id, request_id=request_id)
        if request.status != RequestStatus.open.value:
            raise InvalidInput("voting is closed: this request has been answered")
        deleted = session.execute(sa.delete(PoseRequestVote).where(
            col(PoseRequestVote.request_id) == request_id, col(PoseRequestVote.user_id) == user_id)).rowcount
        if deleted:
            session.execute(sa.update(PoseRequest).where(col(PoseRequest.id) == request_id)
                            .values(votes=PoseRequest.votes - 1))
        return _votes(session, request_id)


# --- admins -------------------------------------------------------------------------------


def list_all_requests(db: Database, *, admin_id: int, status: str | None = None) -> list[RequestView]:
    """Every request in full (with its requester and reference picture), for admins."""
    if status is not None and status not in {s.value for s in RequestStatus}:
        raise InvalidInput(f"status must be one of {', '.join(s.value for s in RequestStatus)}; got {status!r}")
    with db.session() as session:
        _require_admin(session, admin_id)
        stmt = select(PoseRequest, User.name).join(User, col(User.id) == col(PoseRequest.user_id))
        if status:
            stmt = stmt.where(PoseRequest.status == status)
        rows = session.exec(stmt.order_by(col(PoseRequest.votes).desc(), col(PoseRequest.created_at))).all()
        return [_view(session, r, requester=who) for r, who in rows]


def approve(db: Database, *, admin_id: int, request_id: int, note: str = "") -> RequestView:
    """Accept the request for making; it leaves the voting list."""
    return _answer(db, admin_id=admin_id, request_id=request_id, status=RequestStatus.approved,
                   allowed_from={RequestStatus.open}, note=note)


def reject(db: Database, *, admin_id: int, request_id: int, note: str = "") -> RequestView:
    return _answer(db, admin_id=admin_id, request_id=request_id, status=RequestStatus.rejected,
                   allowed_from={RequestStatus.open, RequestStatus.approved}, note=note)


def complete(db: Database, *, admin_id: int, request_id: int, pose_id: int, note: str = "") -> RequestView:
    """The pose now exists in the library: link it, and the requester sees it in their list."""
    return _answer(db, admin_id=admin_id, request_id=request_id, status=RequestStatus.completed,
                   allowed_from={RequestStatus.open, RequestStatus.approved}, note=note, pose_id=pose_id)


def _answer(db: Database, *, admin_id: int, request_id: int, status: RequestStatus,
            allowed_from: set[RequestStatus], note: str, pose_id: int | None = None) -> RequestView:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"the note is {len(note)} characters; use at most {MAX_NOTE}")
    with db.session() as session:
        _require_admin(session, admin_id)
        request = access.found(session, PoseRequest, request_id, what="pose request")
        if RequestStatus(request.status) not in allowed_from:
            raise InvalidInput(f"this request is already {request.status}; it cannot be marked {status.value}")
        if pose_id is not None:
            pose_id = row_id(pose_id)
            pose = session.get(Pose, pose_id) if pose_id is not None else None
            if pose is None or pose.owner_id is not None:
                raise InvalidInput("answer the request with a library pose (a pose no creator owns)")
            request.answered_pose_id = pose_id
        request.status = status.value
        if note:
            request.admin_note = note
        request.updated_at = utcnow()
        session.add(request)
        session.flush()
        return _view(session, request)


def _require_admin(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    if user is None or not user.is_admin:
        raise Forbidden("only an admin can answer pose requests")


# --- shared -------------------------------------------------------------------------------


def _votes(session: Session, request_id: int) -> int:
    return session.exec(select(PoseRequest.votes).where(PoseRequest.id == request_id)).one()


def _view(session: Session, request: PoseRequest, requester: str = "") -> RequestView:
    category = session.get(PoseCategory, request.category_id) if request.category_id else None
    return RequestView(id=request.id, name=request.name, description=request.description,
                       category=category.slug if category else None, status=request.status, votes=request.votes,
                       admin_note=request.admin_note, answered_pose_id=request.answered_pose_id,
                       reference_image_path=request.reference_image_path, created_at=request.created_at,
                       updated_at=request.updated_at, requester=requester)
