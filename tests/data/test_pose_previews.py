"""Gallery thumbnails drawn from the library's keypoints, and their disk cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from PIL import Image

from pipelines import preview
from pipelines.keypoints import Keypoints

DATA = Path(__file__).resolve().parents[2] / "data"
BACKGROUND = (245, 245, 247)


def _pose(slug: str) -> dict:
    for path in sorted((DATA / "poses").glob("*.json")):
        for pose in json.loads(path.read_text(encoding="utf-8")):
            if pose["slug"] == slug:
                return pose
    raise KeyError(slug)


def _figure_mask(image: Image.Image) -> np.ndarray:
    """Pixels that are neither the background nor the white card: the figure."""
    a = np.asarray(image.convert("RGB")).astype(int)
    return (np.abs(a - 255).sum(axis=2) > 40) & (np.abs(a - np.array(BACKGROUND)).sum(axis=2) > 40)


def test_preview_draws_a_figure():
    image = preview.render_preview(Keypoints.from_json(_pose("outfit-front-classic")["keypoints"]), 128)
    assert image.size == (128, 128) and image.mode == "RGB"
    figure = _figure_mask(image)
    assert 0.08 < figure.mean() < 0.6, "a filled figure, not a few sticks and not a blob"
    assert figure[40:88, 56:72].mean() > 0.5, "the body fills the middle of the thumbnail"


def test_every_framing_and_aspect_renders():
    for slug in ("headshot-straight", "business-arms-crossed", "product-hold-chest", "yoga-warrior-two"):
        image = preview.render_preview(Keypoints.from_json(_pose(slug)["keypoints"]), 96)
        assert _figure_mask(image).mean() > 0.05, slug


def test_different_poses_look_different():
    a = np.asarray(preview.render_preview(Keypoints.from_json(_pose("yoga-tree")["keypoints"]), 96)).astype(int)
    b = np.asarray(preview.render_preview(Keypoints.from_json(_pose("run-stride-side")["keypoints"]), 96)).astype(int)
    assert np.abs(a - b).mean() > 3


def test_hidden_joints_are_skipped():
    kp = _pose("headshot-straight")["keypoints"]  # hips, knees, ankles out of frame
    assert any(row[2] == 0 for row in kp["body"])
    image = preview.render_preview(Keypoints.from_json(kp), 64)
    assert _figure_mask(image).any()


def test_preview_is_cached_on_disk(tmp_path, monkeypatch):
    kp = _pose("live-wave-hello")["keypoints"]
    path = preview.preview_path(tmp_path, "live-wave-hello", kp)
    assert path.exists() and path.parent == tmp_path
    assert Image.open(path).size == (256, 256)

    calls = []
    monkeypatch.setattr(preview, "render_preview", lambda *a, **k: calls.append(a))
    again = preview.preview_path(tmp_path, "live-wave-hello", kp)
    assert again == path and calls == [], "a second call reuses the file"
    assert [p.name for p in tmp_path.iterdir()] == [path.name], "no temporary files left behind"


def test_changed_keypoints_render_a_new_preview(tmp_path):
    kp = _pose("live-wave-hello")["keypoints"]
    first = preview.preview_path(tmp_path, "live-wave-hello", kp)
    moved = json.loads(json.dumps(kp))
    moved["body"][4][1] = round(moved["body"][4][1] + 0.05, 4)  # lower the right wrist
    second = preview.preview_path(tmp_path, "live-wave-hello", moved)
    assert second != first and second.exists()
    assert Image.open(first).tobytes() != Image.open(second).tobytes()


def test_concurrent_writers_leave_one_whole_file(tmp_path, monkeypatch):
    """A writer that finds the file already there (another process won) still returns it."""
    kp = _pose("fitness-squat")["keypoints"]
    path = preview.preview_path(tmp_path, "fitness-squat", kp)
    before = path.read_bytes()
    os.utime(path, (0, 0))
    monkeypatch.setattr(Path, "exists", lambda self: False)  # pretend it was not there yet
    assert preview.preview_path(tmp_path, "fitness-squat", kp) == path
    assert path.read_bytes() == before and not list(tmp_path.glob(".*"))


def test_a_gesture_pose_shows_its_fingers():
    """A peace sign's thumbnail draws the two raised fingers above the hand, where a pose
    without hand keypoints shows only the arm."""
    kp = _pose("peace-sign")["keypoints"]
    without = dict(kp, hands=None)
    size = 128
    a = np.asarray(preview.render_preview(Keypoints.from_json(kp), size)).astype(int)
    b = np.asarray(preview.render_preview(Keypoints.from_json(without), size)).astype(int)
    changed = np.abs(a - b).sum(axis=2) > 40
    assert changed.sum() > 20, "the hand adds pixels"
    # Where the fingertips are (index 8 and middle 12 of the right hand), the hand is drawn.
    card = size * (1 - 2 * 0.06)
    left = (size - card * kp["aspect"]) / 2
    for tip in (8, 12):
        x, y, _ = kp["hands"][1][tip]
        px, py = int(left + x * card * kp["aspect"]), int(size * 0.06 + y * card)
        assert _figure_mask(Image.fromarray(a.astype(np.uint8)))[py - 1:py + 2, px - 1:px + 2].any(), tip
        assert not _figure_mask(Image.fromarray(b.astype(np.uint8)))[py - 1:py + 2, px - 1:px + 2].any(), \
            "without hands the fingertips are empty card"
