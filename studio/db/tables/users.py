from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from studio.db.types import UTCDateTime, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    # The login name: OAuth username, password-login user name, or "local".
    name: str = Field(sa_type=sa.String(100), unique=True, index=True)
    display_name: str = Field(default="", sa_type=sa.String(200))
    auth_source: str = Field(default="local", sa_type=sa.String(20))
    is_admin: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
