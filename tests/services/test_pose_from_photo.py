"""Pose from a reference photo (studio.services.pose_from_photo): a pose to check, nothing kept.

Real photos and the real MediaPipe models; each test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from pipelines.keypoints import JOINT, Keypoints
from studio.db.tables import CreditLedger, Pose
from studio.services import users
from studio.services.errors import InvalidInput
from studio.services.pose_from_photo import OVERLAY_MAX_SIDE, pose_from_photo
from tests.photos import ASTRONAUT, GRACE_HOPPER, astronaut


def _kept(studio) -> tuple[int, int, list[str]]:
    """What the studio keeps: pose rows, ledger rows and files under its data folder."""
    with studio.db.session() as session:
        poses = session.exec(select(func.count()).select_from(Pose)).one()
        ledger = session.exec(select(func.count()).select_from(CreditLedger)).one()
    files = sorted(str(Path(root, name)) for root, _, names in os.walk(studio.settings.media_dir) for name in names)
    return poses, ledger, files


@pytest.fixture
def ana(studio):
    return users.get_or_create(studio.db, name="ana").id


def test_the_astronaut_gives_her_pose_and_an_overlay_and_nothing_is_kept(studio, ana, tmp_path):
    photo = shutil.copy(ASTRONAUT, tmp_path / "astronaut.png")
    before = _kept(studio)
    found = pose_from_photo(studio, user_id=ana, file_path=photo)
    assert found.people == 1
    pose = Keypoints.from_json(found.keypoints).check_usable()  # what the library stores, as it stores it
    assert pose.aspect == pytest.approx(1.0)
    nose_x, nose_y, _ = pose.body[JOINT["nose"]]
    assert (nose_x * 512, nose_y * 512) == (pytest.approx(222, abs=26), pytest.approx(128, abs=26))
    assert found.overlay.size == (512, 512) and found.overlay.mode == "RGB"
    assert not np.array_equal(np.asarray(found.overlay), np.asarray(Image.open(photo).convert("RGB")))
    assert _kept(studio) == before


def test_a_large_photo_comes_back_with_a_screen_sized_overlay(studio, ana, tmp_path):
    photo = tmp_path / "big.jpg"
    astronaut().resize((2400, 2400), Image.LANCZOS).save(photo, quality=90)
    found = pose_from_photo(studio, user_id=ana, file_path=photo)
    assert max(found.overlay.size) == OVERLAY_MAX_SIDE
    assert Keypoints.from_json(found.keypoints).body[JOINT["neck"]][2] == 1


def test_a_photo_stored_on_its_side_is_read_the_way_it_is_shown(studio, ana, tmp_path):
    # Phones store the sensor's pixels and an EXIF orientation; the pose must come from the
    # picture as the creator sees it, not from the pixels lying on their side.
    upright = tmp_path / "upright.jpg"
    astronaut().save(upright, quality=92)
    sideways = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to show"
    astronaut().transpose(Image.Transpose.ROTATE_90).save(sideways, quality=92, exif=exif)
    shown = Keypoints.from_json(pose_from_photo(studio, user_id=ana, file_path=upright).keypoints)
    read = Keypoints.from_json(pose_from_photo(studio, user_id=ana, file_path=sideways).keypoints)
    for joint in ("nose", "neck", "right_shoulder", "left_shoulder"):
        (x1, y1, v1), (x2, y2, v2) = shown.body[JOINT[joint]], read.body[JOINT[joint]]
        assert v1 == v2 == 1 and abs(x1 - x2) < 0.05 and abs(y1 - y2) < 0.05, joint


def test_a_photo_without_a_person_says_what_kind_works_and_keeps_nothing(studio, ana, tmp_path):
    photo = tmp_path / "gradient.png"
    Image.fromarray(np.tile(np.linspace(0, 255, 512, dtype=np.uint8), (512, 1))).convert("RGB").save(photo)
    before = _kept(studio)
    with pytest.raises(InvalidInput, match=r"^no person was found in the photo; use a photo of one person, seen from "
                                           r"the head to at least the waist"):
        pose_from_photo(studio, user_id=ana, file_path=photo)
    assert _kept(studio) == before


def test_a_person_cut_off_at_the_chest_is_refused_in_words(studio, ana, tmp_path):
    photo = shutil.copy(GRACE_HOPPER, tmp_path / "hopper.jpg")
    before = _kept(studio)
    with pytest.raises(InvalidInput, match="cut off or hidden: nothing below the shoulders can be seen"):
        pose_from_photo(studio, user_id=ana, file_path=photo)
    assert _kept(studio) == before


def test_what_is_not_a_photo_is_refused_before_any_model_runs(studio, ana, tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    with pytest.raises(InvalidInput, match="not a picture Pose Studio can read"):
        pose_from_photo(studio, user_id=ana, file_path=text)
    tiny = tmp_path / "tiny.png"
    astronaut().resize((128, 128)).save(tiny)
    with pytest.raises(InvalidInput, match="at least 256 px"):
        pose_from_photo(studio, user_id=ana, file_path=tiny)
