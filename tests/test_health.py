"""/healthz says what is wrong, with the right status code."""

from __future__ import annotations

from fastapi.testclient import TestClient

from studio.core import Studio
from studio.db.engine import Database
from studio.db.migrate import upgrade_to_head
from studio.settings import load_settings
from studio.web import build_asgi, health_app


def test_healthz_at_head(studio):
    body = TestClient(build_asgi(studio)).get("/healthz")
    assert body.status_code == 200, body.json()
    data = body.json()
    assert data["ok"] is True and data["schema_at_head"] is True
    assert data["database"] == {"reachable": True, "dialect": studio.db.dialect}
    assert data["counts"]["poses"] >= 200 and data["counts"]["model_catalog"] == 9
    assert data["queue"]["backend"] == "none"


def test_healthz_behind_head_answers_503_with_the_fix(tmp_path, db_url):
    db = Database(db_url)
    upgrade_to_head(db, "0001")
    studio = Studio(settings=load_settings(STUDIO_DATA_DIR=str(tmp_path), DATABASE_URL=db_url), db=db)
    # The studio never serves its UI on an old schema (it migrates first); /healthz must still answer.
    response = TestClient(health_app(studio)).get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["ok"] is False and data["schema_at_head"] is False and data["schema_revision"] == "0001"
    assert any("python -m studio db upgrade" in p for p in data["problems"])
