"""Users: created on first sight with their starter credits, exactly once.

Every page event looks the creator up; the visit is written (``last_seen_at``) at most once
a minute, because on SQLite each write takes the database's one write lock, which batch
workers and other creators' charges then wait for.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from studio.db.engine import Database
from studio.db.tables import User
from studio.db.types import utcnow
from studio.enums import AuthSource
from studio.services import credits
from studio.services.errors import InvalidInput, NotFound

LOCAL_USER = "local"
SEEN_EVERY = timedelta(minutes=1)  # how stale last_seen_at may be before a visit writes it again
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


def get_or_create(db: Database, *, name: str, display_name: str = "", auth_source: AuthSource = AuthSource.local,
                  starter_credits: int = 200, is_admin: bool = False, now: datetime | None = None) -> User:
    """The user called ``name``; a first visit creates them and grants the starter credits once.

    Two first requests at once both try to insert: the unique name lets one win, the other
    rolls back and reads the winner, and the starter grant's idempotency key makes a second
    grant impossible even so.
    """
    check_name(name)
    now = now or utcnow()
    with db.reading() as session:
        user = session.exec(select(User).where(User.name == name)).first()
    if user is not None:
        return _visited(db, user, is_admin=is_admin, now=now)
    try:
        with db.session() as session:
            user = User(name=name, display_name=display_name or name, auth_source=auth_source.value,
                        is_admin=is_admin, last_seen_at=now)
            session.add(user)
            session.flush()
            credits.open_account(session, user_id=user.id, starter_credits=starter_credits,
                                 key=f"starter:{name}")
            return user
    except IntegrityError:
        with db.session() as session:
            return session.exec(select(User).where(User.name == name)).one()


def check_name(name: str) -> str:
    """The rule every user name follows, for callers that take a name before the user exists."""
    if not _NAME.match(name or ""):
        raise InvalidInput(f"user name {name!r} is not valid: use letters, digits, '.', '_', '-' or '@'")
    return name


def find(db: Database, name: str) -> User | None:
    """The user called ``name``, or None before their first visit (or an admin's first grant)."""
    with db.reading() as session:
        return session.exec(select(User).where(User.name == check_name(name))).first()


def by_name(db: Database, name: str) -> User:
    with db.session() as session:
        user = session.exec(select(User).where(User.name == name)).first()
        if user is None:
            raise NotFound(f"no user called {name!r}; they appear after their first visit")
        return user


def _visited(db: Database, user: User, *, is_admin: bool, now: datetime) -> User:
    """Record the visit unless one within SEEN_EVERY already did (and the admin flag holds)."""
    if user.is_admin == is_admin and now - user.last_seen_at < SEEN_EVERY:
        return user
    with db.session() as session:
        session.execute(sa.update(User).where(User.id == user.id).values(is_admin=is_admin, last_seen_at=now))
    user.is_admin, user.last_seen_at = is_admin, now
    return user
