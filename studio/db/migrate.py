"""Bring the database schema to head, exactly once even when several processes start together.

PostgreSQL: an advisory lock held for the upgrade, and the whole upgrade in one transaction
(PostgreSQL DDL is transactional, so a failure leaves nothing half-migrated).
SQLite: a file lock beside the database file.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock

from studio.db.engine import Database, DatabaseError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Any fixed 64-bit number; it names Pose Studio's migration lock among other advisory locks.
ADVISORY_LOCK_KEY = 7_142_015_606


class SchemaError(DatabaseError):
    """The schema is at a revision this code does not know, or the upgrade failed."""


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_known_revision(revision: str) -> bool:
    script = ScriptDirectory.from_config(alembic_config())
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


@contextmanager
def migration_lock(db: Database) -> Iterator[None]:
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({ADVISORY_LOCK_KEY})")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")
                conn.commit()
    else:
        path = db.url.database
        lock_path = f"{path}.migrate.lock" if path and path != ":memory:" else None
        if lock_path is None:
            yield
        else:
            with FileLock(lock_path, timeout=300):
                yield


def upgrade_to_head(db: Database, revision: str = "head") -> str:
    """Upgrade under the lock; return the revision the database is at afterwards."""
    db.check_reachable()
    with migration_lock(db):
        # Re-check after taking the lock: another process may have migrated meanwhile.
        current = current_revision(db)
        if current is not None and not is_known_revision(current):
            raise SchemaError(
                f"the database is at schema revision {current}, which this version of Pose Studio "
                f"does not know (newest here: {head_revision()}); run the newer Pose Studio that "
                "migrated it, or point DATABASE_URL at another database"
            )
        target = head_revision() if revision == "head" else revision
        if current == target:
            return current
        log.info("migrating %s from %s to %s", db.display_url, current or "empty", target)
        cfg = alembic_config()
        with db.engine.connect() as conn:
            cfg.attributes["connection"] = conn
            try:
                command.upgrade(cfg, revision)
                conn.commit()
            except Exception as exc:
                conn.rollback()
                raise SchemaError(f"the database upgrade to {target} failed: {exc}") from exc
        return current_revision(db) or ""
