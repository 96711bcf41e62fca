"""Seeding owns its rows: changed data updates them, creators' rows are never touched."""

from __future__ import annotations

import json
import shutil

from sqlmodel import select

from studio.db.engine import Database
from studio.db.migrate import upgrade_to_head
from studio.db.seed import DATA_DIR, seed_all
from studio.db.tables import ModelCatalog, Pose, User
from studio.enums import PoseSource


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
