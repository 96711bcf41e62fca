from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from studio.db.types import JSONType, UTCDateTime, utcnow


class Generation(SQLModel, table=True):
    """A batch: one avatar in many poses. Progress lives here so any process can show it."""

    __tablename__ = "generations"
    __table_args__ = (
        # A double click sends the same key twice: it must find the first batch, not make a second.
        sa.UniqueConstraint("user_id", "submission_key", name="uq_generations_user_submission"),
        sa.Index("ix_generations_status_heartbeat", "status", "heartbeat_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    avatar_id: int | None = Field(default=None, foreign_key="avatars.id", ondelete="SET NULL")
    preset_key: str = Field(sa_type=sa.String(50))
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)  # GenerationParams.to_json()
    background: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    export_formats: list[str] = Field(default_factory=list, sa_type=JSONType)
    submission_key: str = Field(sa_type=sa.String(100))
    status: str = Field(default="queued", sa_type=sa.String(20), index=True)  # GenerationStatus
    total_items: int = Field(default=0)
    done_items: int = Field(default=0)
    failed_items: int = Field(default=0)
    cancelled_items: int = Field(default=0)
    credits_charged: int = Field(default=0)
    credits_refunded: int = Field(default=0)
    quota_charged: int = Field(default=0)  # poses paid from the unlimited tier's quota
    quota_day: date | None = Field(default=None)  # the UTC day that quota was taken from
    price_per_item: int = Field(default=0)
    attempts: int = Field(default=0)
    cancel_requested: bool = Field(default=False)
    # The batch's quality checks (studio.services.quality.BatchChecks.to_json) and every picture its
    # worker made, re-rolls included: more than total_items when drifts were re-rolled (free).
    checks: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    pictures_made: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    error: str = Field(default="", sa_type=sa.String(1000))
    heartbeat_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The step of the chunk in flight, written by the worker so any process can show it.
    current_step: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    current_total_steps: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class GenerationItem(SQLModel, table=True):
    """One pose x one variation of a generation."""

    __tablename__ = "generation_items"
    __table_args__ = (
        sa.UniqueConstraint("generation_id", "resume_key", name="uq_generation_items_resume_key"),
        sa.Index("ix_generation_items_generation_status", "generation_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    generation_id: int = Field(foreign_key="generations.id", ondelete="CASCADE")
    pose_id: int | None = Field(default=None, foreign_key="poses.id", ondelete="SET NULL")
    # The pose as it was when submitted: later edits of a user pose do not change this batch.
    keypoints: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    pose_name: str = Field(default="", sa_type=sa.String(120))
    variation: int = Field(default=0)
    resume_key: str = Field(sa_type=sa.String(100))
    seed: int = Field(sa_type=sa.BigInteger)
    position: int = Field(default=0)
    status: str = Field(default="pending", sa_type=sa.String(20))  # ItemStatus
    image_path: str = Field(default="", sa_type=sa.String(500))
    thumbnail_path: str = Field(default="", sa_type=sa.String(500))
    exports: dict[str, str] = Field(default_factory=dict, sa_type=JSONType)  # format key -> path
    seconds: float | None = Field(default=None)
    error: str = Field(default="", sa_type=sa.String(1000))
    favourite: bool = Field(default=False)
    # Measured on the kept picture (0..1; None: not measured, e.g. no face visible), columns so
    # results sort and filter by them; ``quality`` holds the notes, distance and every attempt.
    likeness: float | None = Field(default=None)
    pose_match: float | None = Field(default=None)
    quality: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # Set in the same transaction as the refund of a failed or cancelled item: once per item.
    refunded: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
