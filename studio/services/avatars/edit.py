"""Avatars once made: read, listed, edited, deleted, and their uses counted."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from studio.core import Studio
from studio.db.engine import Database
from studio.db.tables import Avatar, AvatarProject, AvatarUsage
from studio.db.types import utcnow
from studio.services import access
from studio.services.avatars.persona import EDITABLE_FIELDS, avatar_name, clean_age, column_length
from studio.services.errors import InvalidInput, NotFound
from studio.services.fields import clean_text

log = logging.getLogger(__name__)


def get_avatar(db: Database, *, user_id: int, avatar_id: int) -> Avatar:
    with db.session() as session:
        return access.own(session, Avatar, avatar_id, user_id=user_id, what="avatar")


def list_avatars(db: Database, *, user_id: int, project_id: int | None = None) -> list[Avatar]:
    """The creator's avatars (of one project, if given), newest first."""
    with db.session() as session:
        query = select(Avatar).where(Avatar.user_id == user_id)
        if project_id is not None:
            access.own(session, AvatarProject, project_id, user_id=user_id, what="project")
            query = query.where(Avatar.project_id == project_id)
        return list(session.exec(query.order_by(col(Avatar.created_at).desc(), col(Avatar.id).desc())))


def update_avatar(db: Database, *, user_id: int, avatar_id: int, **changes: Any) -> Avatar:
    """Change the name, persona (``persona_name``, ``persona_age``...) or visual attributes.

    ``project_id`` moves the avatar to another of the creator's projects.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS) - {"project_id"})
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(unknown)}; an avatar's editable fields are "
                           f"{', '.join(EDITABLE_FIELDS)} and project_id")
    values: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "name":
            values["name"] = avatar_name(value)
        elif field == "persona_age":
            values[field] = clean_age(value)
        elif field != "project_id":
            values[field] = clean_text(value, field.replace("_", " "), column_length(field))
    with db.session() as session:
        avatar = access.own(session, Avatar, avatar_id, user_id=user_id, what="avatar")
        if changes.get("project_id") is not None:
            project = access.own(session, AvatarProject, changes["project_id"], user_id=user_id, what="project")
            values["project_id"] = project.id
        for field, value in values.items():
            setattr(avatar, field, value)
        avatar.updated_at = utcnow()
        session.add(avatar)
        return avatar


def delete_avatar(studio: Studio, *, user_id: int, avatar_id: int) -> None:
    """Delete the avatar and its pictures; generations made with it keep their images."""
    with studio.db.session() as session:
        avatar = access.own(session, Avatar, avatar_id, user_id=user_id, what="avatar")
        files = (avatar.image_path, avatar.thumbnail_path)
        session.execute(sa.delete(AvatarUsage).where(AvatarUsage.avatar_id == avatar.id))
        session.delete(avatar)
    studio.media.delete(*files)
    log.info("user %s deleted avatar %s", user_id, avatar_id)


def record_usage(session: Session, *, avatar_id: int, user_id: int, generation_id: int | None, poses: int) -> None:
    """Count one use of the avatar in a generation, inside the caller's (submit) transaction."""
    bumped = session.execute(
        sa.update(Avatar).where(Avatar.id == avatar_id, Avatar.user_id == user_id)
        .values(usage_count=Avatar.usage_count + 1, last_used_at=utcnow())
    )
    if bumped.rowcount != 1:
        raise NotFound("avatar not found")
    session.add(AvatarUsage(avatar_id=avatar_id, user_id=user_id, generation_id=generation_id, poses=poses))
    session.flush()


def avatar_at(session: Session, user_id: int, image_path: str) -> Avatar | None:
    return session.exec(select(Avatar).where(Avatar.user_id == user_id, Avatar.image_path == image_path)).first()
