"""Shared fixtures: temporary databases (SQLite and a real PostgreSQL), Redis, and a studio.

PostgreSQL and Redis tests use the servers named by TEST_DATABASE_URL and TEST_REDIS_URL.
Without them those tests skip, unless STUDIO_REQUIRE_SERVICES=1 (as in CI), where a
missing service fails the run instead of hiding behind a skip.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from studio.core import Studio
from studio.settings import load_settings

REQUIRE_SERVICES = os.environ.get("STUDIO_REQUIRE_SERVICES") == "1"


def _unavailable(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (STUDIO_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


def _pg_server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        _unavailable("PostgreSQL (set TEST_DATABASE_URL)")
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


class PostgresDatabases:
    """Creates fresh databases on the test server and drops them afterwards."""

    def __init__(self, server_url: str):
        self.server = make_url(server_url)
        self.admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = f"studio_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.server.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresDatabases]:
    url = _pg_server_url()
    try:
        dbs = PostgresDatabases(url)
        with dbs.admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        _unavailable(f"PostgreSQL at {url} ({exc.orig})")
    yield dbs
    dbs.drop_all()


@pytest.fixture
def pg_url(postgres_server) -> str:
    return postgres_server.create()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'studio.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    """Run a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'studio.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        _unavailable("Redis (set TEST_REDIS_URL)")
    from redis import Redis

    client = Redis.from_url(url)
    try:
        client.ping()
    except Exception as exc:
        _unavailable(f"Redis at {url} ({exc})")
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def make_studio(tmp_path: Path, url: str, **overrides) -> Studio:
    """A migrated, seeded studio on ``url`` with its data under ``tmp_path``; no job queue."""
    from studio.startup import prepare_database

    # Tiny pictures are noise: every one drifts. Re-rolls are tested where they are the subject
    # (tests/jobs/test_quality_checks.py); elsewhere they would only triple the work.
    overrides.setdefault("STUDIO_MAX_REROLLS", 0)
    settings = load_settings(STUDIO_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=url, STUDIO_PRESET="tiny",
                             **overrides)
    settings.check_data_dir()
    db = prepare_database(settings)
    return Studio(settings=settings, db=db)


def studio_on(tmp_path: Path, url: str) -> Iterator[Studio]:
    s = make_studio(tmp_path, url)
    yield s
    s.db.dispose()


@pytest.fixture
def studio(tmp_path, db_url) -> Iterator[Studio]:
    """A studio on SQLite and on PostgreSQL (the test runs once for each)."""
    yield from studio_on(tmp_path, db_url)


@pytest.fixture
def sqlite_studio(tmp_path, sqlite_url) -> Iterator[Studio]:
    yield from studio_on(tmp_path, sqlite_url)


@pytest.fixture
def pg_studio(tmp_path, pg_url) -> Iterator[Studio]:
    yield from studio_on(tmp_path, pg_url)
