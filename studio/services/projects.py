"""Avatar projects: a creator's folders of avatars. Every function is scoped by ``user_id``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select

from studio.core import Studio
from studio.db.engine import Database
from studio.db.tables import Avatar, AvatarProject, AvatarUsage
from studio.db.types import utcnow
from studio.services import access, limits
from studio.services.errors import InvalidInput
from studio.services.fields import clean_text

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProjectSummary:
    id: int
    name: str
    description: str
    avatar_count: int
    cover_thumbnail: str  # the newest avatar's thumbnail (media path), "" for an empty project
    created_at: datetime
    updated_at: datetime


def create_project(studio: Studio, *, user_id: int, name: str, description: str = "") -> AvatarProject:
    name, description = _project_name(name), clean_text(description, "the description", 500)
    with studio.db.session() as session:
        limits.check(session, limits.PROJECTS, user_id=user_id, settings=studio.settings)
        project = AvatarProject(user_id=user_id, name=name, description=description)
        session.add(project)
        session.flush()
        return project


def get_project(db: Database, *, user_id: int, project_id: int) -> AvatarProject:
    with db.session() as session:
        return access.own(session, AvatarProject, project_id, user_id=user_id, what="project")


def list_projects(db: Database, *, user_id: int) -> list[ProjectSummary]:
    """The creator's projects, most recently changed first, with how many avatars each holds."""
    with db.session() as session:
        counts = dict(session.exec(
            select(Avatar.project_id, func.count(Avatar.id)).where(Avatar.user_id == user_id)
            .group_by(Avatar.project_id)).all())
        covers: dict[int, str] = {}
        for project_id, thumb in session.exec(
                select(Avatar.project_id, Avatar.thumbnail_path).where(Avatar.user_id == user_id)
                .order_by(col(Avatar.created_at).desc(), col(Avatar.id).desc())):
            covers.setdefault(project_id, thumb)
        projects = session.exec(select(AvatarProject).where(AvatarProject.user_id == user_id)
                                .order_by(col(AvatarProject.updated_at).desc(), col(AvatarProject.id).desc()))
        return [ProjectSummary(p.id, p.name, p.description, counts.get(p.id, 0), covers.get(p.id, ""),
                               p.created_at, p.updated_at) for p in projects]


def delete_project(studio: Studio, *, user_id: int, project_id: int) -> int:
    """Delete the project, its avatars and their pictures; returns how many avatars went.

    Generations made with those avatars stay, with their images: they lose only the link to
    the avatar (the database sets it to NULL), so nothing a creator already paid for vanishes.
    """
    with studio.db.session() as session:
        project = access.own(session, AvatarProject, project_id, user_id=user_id, what="project")
        avatars = session.exec(select(Avatar).where(Avatar.project_id == project.id,
                                                    Avatar.user_id == user_id)).all()
        files = [p for a in avatars for p in (a.image_path, a.thumbnail_path)]
        # Deleted explicitly rather than left to ON DELETE CASCADE, so the result does not
        # depend on a connection having foreign keys switched on.
        session.execute(sa.delete(AvatarUsage).where(col(AvatarUsage.avatar_id).in_([a.id for a in avatars])))
        session.execute(sa.delete(Avatar).where(Avatar.project_id == project.id, Avatar.user_id == user_id))
        session.delete(project)
    studio.media.delete(*files)
    log.info("user %s deleted project %s with %d avatars", user_id, project_id, len(avatars))
    return len(avatars)


def touch(project: AvatarProject) -> None:
    project.updated_at = utcnow()


def _project_name(name: Any) -> str:
    text = clean_text(name, "the project name", 120)
    if not text:
        raise InvalidInput("give the project a name")
    return text
