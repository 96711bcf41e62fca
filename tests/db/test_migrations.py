"""Migrations: fresh databases reach head, old ones upgrade without loss, processes race safely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import studio.db.tables  # noqa: F401
from studio.db.engine import Database, DatabaseError
from studio.db.migrate import SchemaError, current_revision, head_revision, upgrade_to_head
from studio.db.seed import seed_all

ROOT = Path(__file__).resolve().parents[2]
SEEDED_TABLES = ("model_catalog", "pose_categories", "poses", "avatar_presets", "persona_examples")


def row_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in SEEDED_TABLES}


def test_fresh_database_migrates_to_head_and_seeds_once(db_url):
    db = Database(db_url)
    assert current_revision(db) is None
    assert upgrade_to_head(db) == head_revision()
    first = seed_all(db)
    assert first.changed
    counts = row_counts(db)
    shipped = json.loads((Path(__file__).resolve().parents[2] / "data" / "model_catalog.json").read_text())
    assert counts["model_catalog"] == len(shipped) and counts["persona_examples"] >= 5 and counts["avatar_presets"] >= 5
    assert counts["poses"] >= 200 and counts["pose_categories"] >= 28

    # A second start: nothing to migrate, nothing to seed, the same rows.
    assert upgrade_to_head(db) == head_revision()
    assert not seed_all(db).changed
    assert row_counts(db) == counts


def test_models_and_migrations_do_not_drift(db_url):
    db = Database(db_url)
    upgrade_to_head(db)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == [], f"tables and migrations differ; make a migration: {diff}"


def test_database_at_first_revision_with_rows_upgrades_without_loss(db_url):
    db = Database(db_url)
    upgrade_to_head(db, "0001")
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO users (name, display_name, auth_source, is_admin, created_at, last_seen_at) "
                             "VALUES ('ana', 'Ana', 'local', false, :t, :t)"), {"t": "2026-01-02T03:04:05+00:00"})
        uid = conn.execute(sa.text("SELECT id FROM users WHERE name='ana'")).scalar_one()
        conn.execute(sa.text("INSERT INTO credit_accounts (user_id, balance, unlimited_active, daily_quota, quota_used,"
                             " updated_at) VALUES (:u, 150, false, 100, 0, :t)"), {"u": uid, "t": "2026-01-02T03:04:05+00:00"})
        conn.execute(sa.text("INSERT INTO credit_ledger (user_id, kind, amount, balance_after, reason, reference,"
                             " idempotency_key, meta, created_at) VALUES (:u, 'grant', 150, 150, 'hello', 'starter',"
                             " 'starter:ana', '{}', :t)"), {"u": uid, "t": "2026-01-02T03:04:05+00:00"})
    assert current_revision(db) == "0001"

    upgrade_to_head(db)

    assert current_revision(db) == head_revision()
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT display_name FROM users WHERE id=:u"), {"u": uid}).scalar_one() == "Ana"
        assert conn.execute(sa.text("SELECT balance FROM credit_accounts WHERE user_id=:u"), {"u": uid}).scalar_one() == 150
        assert conn.execute(sa.text("SELECT count(*) FROM credit_ledger")).scalar_one() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM generations")).scalar_one() == 0


def test_unknown_newer_revision_stops_with_a_clear_message(db_url):
    db = Database(db_url)
    upgrade_to_head(db)
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num='9999future'"))
    with pytest.raises(SchemaError, match="9999future.*does not know"):
        upgrade_to_head(db)


def test_unreachable_database_names_the_problem():
    db = Database("postgresql+psycopg://nobody@127.0.0.1:9/none")
    with pytest.raises(DatabaseError, match="cannot reach the database at 127.0.0.1:9/none.*start PostgreSQL"):
        upgrade_to_head(db)


def test_malformed_database_url_is_refused():
    with pytest.raises(DatabaseError, match="not a database URL"):
        Database("this is not a url")


def test_three_processes_starting_at_once_leave_one_clean_schema(pg_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": pg_url, "STUDIO_DATA_DIR": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-m", "studio", "seed"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(3)]
    outputs = [p.communicate(timeout=180)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    # Exactly one process seeded; the others found nothing to do.
    assert sorted(o.strip().splitlines()[-1] for o in outputs) == ["nothing to do", "nothing to do", "seeded"]
    db = Database(pg_url)
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    assert current_revision(db) == head_revision()
    reference = Database(f"sqlite:///{tmp_path / 'ref.db'}")
    upgrade_to_head(reference)
    seed_all(reference)
    assert row_counts(db) == row_counts(reference)
