"""Seeding owns its rows: changed data updates them, creators' rows are never touched."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest
from sqlmodel import func, select

from pipelines.presets import PRESETS
from studio.db.catalog import CatalogError
from studio.db.engine import Database
from studio.db.migrate import upgrade_to_head
from studio.db.seed import DATA_DIR, seed_all
from studio.db.tables import ModelCatalog, Pose, User
from studio.enums import PoseSource
from studio.settings import load_settings
from studio.startup import StartupError, start


def test_changed_data_updates_owned_rows_and_leaves_user_rows(db_url, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    db = Database(db_url)
    upgrade_to_head(db)
    seed_all(db, data)

    with db.session() as s:
        user = User(name="ana")
        s.add(user)
        s.flush()
        library_pose = s.exec(select(Pose).where(Pose.source == "library")).first()
        mine = Pose(slug="u-ana-my-pose", name="My pose", keypoints=library_pose.keypoints,
                    source=PoseSource.user.value, owner_id=user.id, category_id=library_pose.category_id)
        s.add(mine)

    catalog = json.loads((data / "model_catalog.json").read_text())
    for entry in catalog:
        if entry["key"] == "pose.standard":
            entry["credit_cost"] = 33
    (data / "model_catalog.json").write_text(json.dumps(catalog))

    report = seed_all(db, data)
    assert report.updated == {"model_catalog": 1} and report.inserted == {}
    with db.session() as s:
        assert s.get(ModelCatalog, "pose.standard").credit_cost == 33
        assert s.exec(select(Pose).where(Pose.slug == "u-ana-my-pose")).one().name == "My pose"
    assert not seed_all(db, data).changed


def test_catalog_prices_match_the_design(sqlite_url):
    db = Database(sqlite_url)
    upgrade_to_head(db)
    seed_all(db)
    with db.session() as s:
        prices = {row.key: row.credit_cost for row in s.exec(select(ModelCatalog))}
    assert prices["avatar.upload"] == 2 and prices["avatar.words"] == 10 and prices["avatar.preset"] == 8
    assert prices["pose.fast"] == 15 and prices["pose.standard"] == 30 and prices["pose.pro"] == 40
    assert prices["background.per_image"] == 10 and prices["background.change"] == 10


def test_a_catalog_that_disagrees_with_the_presets_stops_the_seed_and_writes_nothing(sqlite_url, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    catalog = [e for e in json.loads((data / "model_catalog.json").read_text()) if e["key"] != "pose.standard"]
    (data / "model_catalog.json").write_text(json.dumps(catalog))
    db = Database(sqlite_url)
    upgrade_to_head(db)
    with pytest.raises(CatalogError) as raised:
        seed_all(db, data)
    message = str(raised.value)
    assert "\n" not in message and "model_catalog.json does not match the presets" in message
    assert "preset standard has no price: add a row with key pose.standard" in message
    with db.session() as s:
        assert s.exec(select(func.count()).select_from(ModelCatalog)).one() == 0


def test_a_preset_without_a_price_stops_the_start_with_a_startup_error(monkeypatch, tmp_path):
    monkeypatch.setitem(PRESETS, "huge", replace(PRESETS["fast"], key="huge", label="Huge"))
    settings = load_settings(STUDIO_DATA_DIR=str(tmp_path / "data"), STUDIO_PRESET="tiny")
    with pytest.raises(StartupError, match="preset huge has no price: add a row with key pose.huge"):
        start(settings, with_queue=False)
