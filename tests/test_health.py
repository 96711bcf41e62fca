"""/healthz says what is wrong, with the right status code."""

from __future__ import annotations

import json
from pathlib import Path

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
    shipped = json.loads((Path(__file__).resolve().parents[1] / "data" / "model_catalog.json").read_text())
    assert data["counts"]["poses"] >= 200 and data["counts"]["model_catalog"] == len(shipped)
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


def test_healthz_reports_the_compute_path_the_models_run_with(studio):
    """The number type and memory layout /healthz names are those of the loaded models."""
    import torch

    from pipelines.compute import choose
    from pipelines.torch_thread import on_torch_thread
    from studio.engine import engine_for

    client = TestClient(build_asgi(studio))
    before = client.get("/healthz").json()["compute"]
    assert before["loaded"] is False and before["path"] == choose("cpu").label  # this machine has no GPU
    engine = engine_for(studio)
    after = client.get("/healthz").json()["compute"]
    assert after["loaded"] is True and after["preset"] == "tiny"
    convs = [m.weight for m in engine.pipe.unet.modules() if isinstance(m, torch.nn.Conv2d) and m.weight.shape[-1] > 1]
    assert {str(w.dtype) for w in convs} == {f"torch.{after['dtype']}"}
    assert {w.is_contiguous(memory_format=torch.channels_last) for w in convs} == {after["channels_last"]}
    assert after["threads"] == on_torch_thread(torch.get_num_threads)  # the team that runs the models
