from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from studio.db.types import JSONType, UTCDateTime, utcnow


class PoseCategory(SQLModel, table=True):
    """Two levels: a parent (parent_id None) and its sub-categories."""

    __tablename__ = "pose_categories"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=sa.String(80), unique=True)
    name: str = Field(sa_type=sa.String(120))
    description: str = Field(default="", sa_type=sa.String(500))
    parent_id: int | None = Field(default=None, foreign_key="pose_categories.id", index=True, ondelete="CASCADE")
    sort: int = Field(default=0)


class Pose(SQLModel, table=True):
    __tablename__ = "poses"
    __table_args__ = (
        sa.Index("ix_poses_owner_category", "owner_id", "category_id"),
        sa.Index("ix_poses_use_count", "use_count"),
        # The gallery's "newest" and "name" sorts (measured: 20 -> 10 ms and 29 -> 14 ms a page).
        sa.Index("ix_poses_created_at", "created_at"),
        sa.Index("ix_poses_name_lower", sa.text("lower(name)")),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=sa.String(120), unique=True)
    name: str = Field(sa_type=sa.String(120))
    description: str = Field(default="", sa_type=sa.String(500))
    category_id: int | None = Field(default=None, foreign_key="pose_categories.id", index=True, ondelete="SET NULL")
    keypoints: dict[str, Any] = Field(sa_type=JSONType)  # pipelines.keypoints JSON form
    framing: str = Field(default="full_body", sa_type=sa.String(20))  # Framing
    difficulty: str = Field(default="beginner", sa_type=sa.String(20))  # Difficulty
    gender: str = Field(default="unisex", sa_type=sa.String(20))  # Gender suitability
    tags: list[str] = Field(default_factory=list, sa_type=JSONType)
    # Lower-cased name, description and tags: what search matches against.
    search_text: str = Field(default="", sa_type=sa.Text)
    featured: bool = Field(default=False, index=True)
    source: str = Field(default="library", sa_type=sa.String(20))  # PoseSource
    owner_id: int | None = Field(default=None, foreign_key="users.id", ondelete="CASCADE")
    use_count: int = Field(default=0)
    favourite_count: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PoseFavourite(SQLModel, table=True):
    __tablename__ = "pose_favourites"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    pose_id: int = Field(foreign_key="poses.id", primary_key=True, index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PoseRequest(SQLModel, table=True):
    """A creator asks for a pose the library lacks; an admin answers."""

    __tablename__ = "pose_requests"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(sa_type=sa.String(120))
    description: str = Field(default="", sa_type=sa.String(1000))
    category_id: int | None = Field(default=None, foreign_key="pose_categories.id", ondelete="SET NULL")
    reference_image_path: str = Field(default="", sa_type=sa.String(500))
    status: str = Field(default="open", sa_type=sa.String(20))  # RequestStatus
    admin_note: str = Field(default="", sa_type=sa.String(1000))
    answered_pose_id: int | None = Field(default=None, foreign_key="poses.id", ondelete="SET NULL")
    votes: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PoseRequestVote(SQLModel, table=True):
    __tablename__ = "pose_request_votes"
    # The per-creator vote rate (studio/services/limits.py) counts a creator's recent votes.
    __table_args__ = (sa.Index("ix_pose_request_votes_user_created", "user_id", "created_at"),)

    request_id: int = Field(foreign_key="pose_requests.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
