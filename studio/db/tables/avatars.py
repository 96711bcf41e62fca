from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from studio.db.types import JSONType, UTCDateTime, utcnow


class AvatarProject(SQLModel, table=True):
    __tablename__ = "avatar_projects"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(sa_type=sa.String(120))
    description: str = Field(default="", sa_type=sa.String(500))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Avatar(SQLModel, table=True):
    __tablename__ = "avatars"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    project_id: int = Field(foreign_key="avatar_projects.id", index=True, ondelete="CASCADE")
    name: str = Field(sa_type=sa.String(120))
    source: str = Field(sa_type=sa.String(20))  # AvatarSource
    image_path: str = Field(default="", sa_type=sa.String(500))
    thumbnail_path: str = Field(default="", sa_type=sa.String(500))
    # Persona
    persona_name: str = Field(default="", sa_type=sa.String(120))
    persona_age: int | None = Field(default=None)
    persona_personality: str = Field(default="", sa_type=sa.String(500))
    persona_background: str = Field(default="", sa_type=sa.String(1000))
    # Visual attributes
    gender: str = Field(default="", sa_type=sa.String(40))
    age_range: str = Field(default="", sa_type=sa.String(40))
    ethnicity: str = Field(default="", sa_type=sa.String(80))
    body_type: str = Field(default="", sa_type=sa.String(40))
    hair_style: str = Field(default="", sa_type=sa.String(80))
    hair_colour: str = Field(default="", sa_type=sa.String(40))
    eye_colour: str = Field(default="", sa_type=sa.String(40))
    skin_tone: str = Field(default="", sa_type=sa.String(40))
    style: str = Field(default="", sa_type=sa.String(80))
    # What made it (for generated and preset avatars)
    prompt: str = Field(default="", sa_type=sa.Text)
    negative_prompt: str = Field(default="", sa_type=sa.Text)
    seed: int | None = Field(default=None, sa_type=sa.BigInteger)
    preset_slug: str | None = Field(default=None, sa_type=sa.String(80))
    # Likeness: the face's 128-number descriptor (pipelines.likeness), computed once when the avatar
    # is made; None with ``face_note`` saying why when its picture has no face that can be described.
    face_descriptor: list[float] | None = Field(default=None, sa_type=JSONType)
    face_note: str = Field(default="", sa_type=sa.String(200), sa_column_kwargs={"server_default": ""})
    usage_count: int = Field(default=0)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AvatarPreset(SQLModel, table=True):
    """Shipped starting points for an avatar (data/avatar_presets.json)."""

    __tablename__ = "avatar_presets"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=sa.String(80), unique=True)
    name: str = Field(sa_type=sa.String(120))
    description: str = Field(default="", sa_type=sa.String(500))
    persona: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    image: str = Field(default="", sa_type=sa.String(300))  # path under assets/
    seed: int = Field(default=0, sa_type=sa.BigInteger)
    sort: int = Field(default=0)
    enabled: bool = Field(default=True)


class PersonaExample(SQLModel, table=True):
    """Shipped personas a creator can start "avatar from words" with (data/personas.json)."""

    __tablename__ = "persona_examples"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(sa_type=sa.String(80), unique=True)
    name: str = Field(sa_type=sa.String(120))
    age: int | None = Field(default=None)
    personality: str = Field(default="", sa_type=sa.String(500))
    background: str = Field(default="", sa_type=sa.String(1000))
    attributes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    sort: int = Field(default=0)


class AvatarUsage(SQLModel, table=True):
    """One row each time an avatar is used in a generation."""

    __tablename__ = "avatar_usage"

    id: int | None = Field(default=None, primary_key=True)
    avatar_id: int = Field(foreign_key="avatars.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    generation_id: int | None = Field(default=None, foreign_key="generations.id", ondelete="SET NULL")
    poses: int = Field(default=0)
    used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
