"""Importing OpenPose JSON, skeleton pictures and photos: round trips, bad files reported, the rest kept."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image
from sqlmodel import select

from pipelines.keypoints import JOINT, Keypoints
from pipelines.openpose_formats import BODY25_TO_COCO18, PoseFileError, keypoints_from_openpose, to_openpose_json
from pipelines.skeleton import fit_transform, render_pose
from studio.cli import main as cli_main
from studio.db.tables import Pose, PoseCategory
from studio.services import poses, users
from studio.services.errors import InvalidInput
from studio.services.pose_import import import_path
from studio.services.poses import PoseQuery
from tests.photos import ASTRONAUT, GRACE_HOPPER, astronaut

STANDING = Keypoints.from_json({"aspect": 0.75, "body": [
    [0.5, 0.12, 1], [0.5, 0.22, 1], [0.4, 0.22, 1], [0.37, 0.37, 1], [0.36, 0.5, 1], [0.6, 0.22, 1],
    [0.63, 0.37, 1], [0.64, 0.5, 1], [0.45, 0.52, 1], [0.45, 0.7, 1], [0.45, 0.88, 1], [0.55, 0.52, 1],
    [0.55, 0.7, 1], [0.55, 0.88, 1], [0.48, 0.1, 0], [0.52, 0.1, 1], [0.46, 0.11, 0], [0.54, 0.11, 1]]})


@pytest.fixture
def target(studio):
    with studio.db.session() as s:
        s.add(PoseCategory(slug="t-imported", name="Imported"))
    return studio


def _body(pose: Pose) -> Keypoints:
    return Keypoints.from_json(pose.keypoints)


def test_openpose_json_round_trip(target, tmp_path):
    doc = to_openpose_json(STANDING, 768, 1024)
    assert len(doc["people"][0]["pose_keypoints_2d"]) == 54
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "hero_stance-01.json").write_text(json.dumps(doc))
    result = import_path(target, tmp_path / "in", category="t-imported", owner=None)
    assert result.errors == []
    [pose] = result.imported
    assert pose.name == "Hero stance 01" and pose.owner_id is None and pose.source == "imported"
    back = _body(pose)
    assert back.aspect == pytest.approx(0.75)
    for (x, y, v), (bx, by, bv) in zip(STANDING.body, back.body):
        assert bv == v
        if v:
            assert (bx, by) == (pytest.approx(x, abs=1e-4), pytest.approx(y, abs=1e-4))
    # the library pose shows in everyone's gallery, in the chosen category
    ana = users.get_or_create(target.db, name="ana")
    page = poses.list_poses(target.db, user_id=ana.id, query=PoseQuery(category="t-imported"))
    assert [c.id for c in page.items] == [pose.id]


def test_body25_maps_to_body18_and_extent_normalises_without_canvas():
    # BODY_25 in pixels, no canvas size: mid-hip and feet are dropped, coordinates normalised
    # by the figure's extent, so the proportions (not the position) carry over.
    pixels = [(100 + x * 400, 50 + y * 600) for x, y, _ in STANDING.body]
    flat25 = [0.0] * 75
    for coco, b25 in enumerate(BODY25_TO_COCO18):
        x, y = pixels[coco]
        conf = 0.9 if STANDING.body[coco][2] else 0.0
        flat25[b25 * 3: b25 * 3 + 3] = [x, y, conf]
    flat25[8 * 3: 8 * 3 + 3] = [9999, 9999, 0.9]  # mid-hip far away: must not stretch the extent
    flat25[19 * 3: 19 * 3 + 3] = [-500, -500, 0.9]  # a foot point, likewise
    [kp] = keypoints_from_openpose({"people": [{"pose_keypoints_2d": flat25}]})
    kp.check_usable()
    assert kp.visible() == STANDING.visible()
    # distances between joints keep their ratios
    def d(k, a, b):
        (xa, ya, _), (xb, yb, _) = k.body[a], k.body[b]
        return ((xa - xb) * k.aspect) ** 2 + (ya - yb) ** 2
    src = Keypoints(body=tuple((x * 400, y * 600, v) for x, y, v in STANDING.body), aspect=1.0)
    assert d(kp, 1, 10) / d(kp, 2, 5) == pytest.approx(d(src, 1, 10) / d(src, 2, 5), rel=1e-6)
    xs = [kp.body[i][0] for i in kp.visible()]
    ys = [kp.body[i][1] for i in kp.visible()]
    assert min(xs) > 0.05 and max(xs) < 0.95 and min(ys) > 0.05 and max(ys) < 0.95


def test_low_confidence_joints_are_not_visible():
    doc = to_openpose_json(STANDING, 600, 800)
    flat = doc["people"][0]["pose_keypoints_2d"]
    flat[4 * 3 + 2] = 0.01  # right wrist barely seen
    [kp] = keypoints_from_openpose(doc)
    assert kp.body[4][2] == 0 and kp.body[3][2] == 1


def test_skeleton_picture_read_back_within_tolerance(target, tmp_path):
    width, height = 384, 512
    render_pose(STANDING, width, height).save(tmp_path / "skeleton.png")
    result = import_path(target, tmp_path / "skeleton.png", category="t-imported", owner=None)
    assert result.errors == []
    back = _body(result.imported[0])
    tf = fit_transform(STANDING, width, height)
    assert back.aspect == pytest.approx(width / height)
    for i, (x, y, v) in enumerate(STANDING.body):
        assert back.body[i][2] == v
        if v:
            px, py = tf.apply(x, y)
            assert abs(back.body[i][0] * width - px) <= 2.5, i
            assert abs(back.body[i][1] * height - py) <= 2.5, i


def test_bad_files_are_reported_and_the_rest_imported(target, tmp_path):
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.json").write_text(json.dumps(to_openpose_json(STANDING, 300, 400)))
    render_pose(STANDING, 300, 400).save(folder / "sub" / "good_picture.png")
    (folder / "broken.json").write_text("{\"people\": [")
    (folder / "wrong_shape.json").write_text(json.dumps({"people": [{"pose_keypoints_2d": [1, 2, 3]}]}))
    (folder / "not_openpose.json").write_text(json.dumps({"hello": "world"}))
    few = to_openpose_json(STANDING, 300, 400)
    flat = few["people"][0]["pose_keypoints_2d"]
    for joint in [4, *range(6, 18)]:  # nose, neck, both shoulders and one elbow left
        flat[joint * 3: joint * 3 + 3] = [0, 0, 0]
    (folder / "few.json").write_text(json.dumps(few))
    (folder / "fake.png").write_bytes(b"not a picture at all")
    Image.new("RGB", (64, 64), (200, 180, 160)).save(folder / "photo.jpg")
    (folder / "notes.txt").write_text("hi")
    (folder / ".hidden.json").write_text("{")

    ana = users.get_or_create(target.db, name="ana")
    result = import_path(target, folder, category="t-imported", owner="ana")
    assert sorted(p.name for p in result.imported) == ["Good", "Good picture"]
    assert all(p.owner_id == ana.id and p.source == "imported" for p in result.imported)
    reasons = dict(result.errors)
    assert set(reasons) == {"broken.json", "wrong_shape.json", "not_openpose.json", "few.json", "fake.png",
                            "photo.jpg", "notes.txt"}
    assert "not valid JSON" in reasons["broken.json"]
    assert "54 or 75 numbers" in reasons["wrong_shape.json"]
    assert "not an OpenPose JSON file" in reasons["not_openpose.json"]
    assert "shows only 5 joints; at least 6" in reasons["few.json"]
    assert "not a readable picture" in reasons["fake.png"]
    assert "at least 256 px" in reasons["photo.jpg"]  # not a skeleton: read as a photo, which it is too small for
    assert "unsupported file type .txt" in reasons["notes.txt"]
    lines = result.lines()
    assert lines[-1] == "2 imported into t-imported, 7 skipped"
    assert any(line.startswith("skipped few.json: ") for line in lines)
    # owned by ana: invisible to ben
    ben = users.get_or_create(target.db, name="ben")
    page = poses.list_poses(target.db, user_id=ben.id, query=PoseQuery(category="t-imported"))
    assert page.total == 0


def test_one_unusable_person_does_not_sink_the_file(target, tmp_path):
    doc = to_openpose_json(STANDING, 300, 400)
    doc["people"].append({"pose_keypoints_2d": [0.0] * 54})
    (tmp_path / "group.json").write_text(json.dumps(doc))
    result = import_path(target, tmp_path / "group.json", category="t-imported", owner=None)
    assert [p.name for p in result.imported] == ["Group"]
    assert result.errors == [("group.json", "person 2 has no joint with confidence above 0.05")]


def test_unknown_category_and_owner_are_clear_errors(target, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(to_openpose_json(STANDING, 300, 400)))
    with pytest.raises(InvalidInput, match=r"unknown pose category 'nope'; known categories include [a-z0-9-]+, "):
        import_path(target, tmp_path, category="nope", owner=None)
    with pytest.raises(Exception, match="no user called 'ghost'"):
        import_path(target, tmp_path, category="t-imported", owner="ghost")
    with pytest.raises(InvalidInput, match="does not exist"):
        import_path(target, tmp_path / "missing", category="t-imported", owner=None)
    with target.db.session() as s:
        assert s.exec(select(Pose).where(Pose.source == "imported")).all() == []


def test_keypoints_errors_name_the_problem():
    with pytest.raises(PoseFileError, match="lists no people"):
        keypoints_from_openpose({"people": []})
    with pytest.raises(PoseFileError, match="canvas size"):
        keypoints_from_openpose({"canvas_width": 0, "canvas_height": 10, "people": [{"pose_keypoints_2d": [0] * 54}]})


def test_cli_import(sqlite_studio, tmp_path, monkeypatch, capsys):
    studio = sqlite_studio
    with studio.db.session() as s:
        s.add(PoseCategory(slug="t-cli", name="CLI"))
    folder = tmp_path / "cli"
    folder.mkdir()
    (folder / "ok.json").write_text(json.dumps(to_openpose_json(STANDING, 300, 400)))
    (folder / "bad.json").write_text("[")
    monkeypatch.setenv("STUDIO_DATA_DIR", str(studio.settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", studio.settings.sqlalchemy_url)
    monkeypatch.setenv("STUDIO_PRESET", "tiny")
    from studio.settings import get_settings
    get_settings.cache_clear()
    try:
        assert cli_main(["poses", "import", str(folder), "--category", "t-cli"]) == 0
        out = capsys.readouterr().out
        assert "imported 'Ok'" in out and "skipped bad.json: not valid JSON" in out
        assert cli_main(["poses", "import", str(folder), "--category", "nope"]) == 2
        assert "unknown pose category 'nope'" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


# --- photos of people (pipelines.extraction) ---------------------------------------------------


def test_photos_become_poses_and_pictures_without_a_person_say_why(target, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(ASTRONAUT, folder / "astronaut_salute.png")
    astronaut().save(folder / "astronaut_again.webp", quality=90)
    shutil.copy(GRACE_HOPPER, folder / "hopper.jpg")
    Image.fromarray(np.tile(np.linspace(0, 255, 400, dtype=np.uint8), (300, 1))).convert("RGB").save(folder / "sky.jpg")
    result = import_path(target, folder, category="t-imported", owner=None)
    assert {p.name: p.description for p in result.imported} == {
        "Astronaut again": "Imported from astronaut_again.webp",
        "Astronaut salute": "Imported from astronaut_salute.png"}
    for pose in result.imported:
        assert pose.source == "extracted"
        body = _body(pose)
        assert body.aspect == pytest.approx(1.0)
        x, y, v = body.body[JOINT["nose"]]
        assert v == 1 and (x * 512, y * 512) == (pytest.approx(222, abs=26), pytest.approx(128, abs=26))
    reasons = dict(result.errors)
    assert set(reasons) == {"hopper.jpg", "sky.jpg"}
    assert reasons["sky.jpg"].startswith("no person was found in the photo; use a photo of one person")
    assert "nothing below the shoulders can be seen" in reasons["hopper.jpg"]


def test_importing_extraction_loads_no_torch():
    import subprocess
    import sys

    code = "import sys, pipelines.extraction; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
