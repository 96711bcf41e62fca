"""One SQLAlchemy engine per database URL, and sessions that commit or roll back whole."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import Session

log = logging.getLogger(__name__)


class DatabaseError(RuntimeError):
    """The database cannot be used; the message names the problem and the fix."""


class Database:
    def __init__(self, url: str):
        try:
            parsed = make_url(url)
        except sa.exc.ArgumentError:
            raise DatabaseError(
                f"DATABASE_URL={url!r} is not a database URL; use sqlite:///path/studio.db "
                "or postgresql://user@host:5432/dbname"
            ) from None
        self.url = parsed
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(parsed, connect_args={"check_same_thread": False, "timeout": 30})
            _sqlite_pragmas(self.engine)
        else:
            self.engine = sa.create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
        self.reader = self.engine.execution_options(studio_read_only=True)

    @property
    def display_url(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only look (progress polls, listings): never commits.

        On SQLite it starts a plain deferred transaction instead of taking the write lock, so a
        page polling progress never makes the worker's writes wait.
        """
        # Closing (not rolling back) keeps loaded rows readable; the pool ends the transaction.
        with Session(self.reader, expire_on_commit=False) as session:
            yield session

    def check_reachable(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except sa.exc.OperationalError as exc:
            where = f"{self.url.host}:{self.url.port or 5432}/{self.url.database}" if self.dialect != "sqlite" \
                else str(self.url.database)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            fix = ("start PostgreSQL or correct DATABASE_URL" if self.dialect != "sqlite"
                   else "check that STUDIO_DATA_DIR or DATABASE_URL points at a writable folder")
            raise DatabaseError(f"cannot reach the database at {where} ({reason}); {fix}") from None

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(engine: sa.Engine) -> None:
    # pysqlite's own transaction handling starts a deferred transaction lazily, and two
    # writers that both read first then deadlock ("database is locked"). Take the write lock
    # at BEGIN instead, so concurrent credit charges queue up rather than fail.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        read_only = conn.get_execution_options().get("studio_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
