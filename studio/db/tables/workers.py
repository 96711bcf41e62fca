from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from studio.db.types import UTCDateTime, utcnow


class WorkerHeartbeat(SQLModel, table=True):
    """One row per running ``python -m studio worker`` process, beaten every few seconds.

    /healthz counts workers from these rows, not from RQ's registry in Redis: see
    studio/jobs/liveness.py for why.
    """

    __tablename__ = "worker_heartbeats"

    name: str = Field(primary_key=True, sa_type=sa.String(100))  # the RQ worker's name
    host: str = Field(default="", sa_type=sa.String(255))
    pid: int = Field(default=0)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    heartbeat_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
