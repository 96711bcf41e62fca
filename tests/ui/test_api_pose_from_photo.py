"""/pose_from_photo through gradio_client against a running studio: a real photo in, the pose
JSON the library stores out, nothing saved; a photo without a person refused in words."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from pipelines.keypoints import JOINT, Keypoints
from studio.db.tables import Pose
from tests.photos import ASTRONAUT
from tests.ui.studio_server import AUTH, client, running_studio


@pytest.fixture
def studio_url(tmp_path, pg_url):
    with running_studio(tmp_path / "data", pg_url, STUDIO_AUTH=AUTH) as (studio, url):
        yield studio, url


def _poses(studio) -> int:
    with studio.db.session() as session:
        return session.exec(select(func.count()).select_from(Pose)).one()


def test_a_photo_becomes_the_pose_json_and_nothing_is_saved(studio_url, tmp_path):
    studio, url = studio_url
    c = client(url, "ana")
    before, balance = _poses(studio), c.predict(api_name="/balance")["balance"]
    photo = shutil.copy(ASTRONAUT, tmp_path / "reference.png")
    found = c.predict(handle_file(str(photo)), api_name="/pose_from_photo")
    assert found["people"] == 1
    pose = Keypoints.from_json(found["keypoints"]).check_usable()
    assert found["keypoints"] == pose.to_json()  # exactly the form the library stores
    assert {"nose", "neck", "right_shoulder", "left_shoulder", "right_elbow"} <= set(found["joints_seen"])
    assert "left_wrist" not in found["joints_seen"]  # behind the helmet: not guessed
    x, y, _ = pose.body[JOINT["left_shoulder"]]
    assert (x * 512, y * 512) == (pytest.approx(310, abs=26), pytest.approx(260, abs=26))
    assert _poses(studio) == before and c.predict(api_name="/balance")["balance"] == balance


def test_a_photo_without_a_person_is_refused_in_words(studio_url, tmp_path):
    studio, url = studio_url
    c = client(url, "ana")
    before = _poses(studio)
    gradient = tmp_path / "sky.png"
    Image.fromarray(np.tile(np.linspace(0, 255, 512, dtype=np.uint8), (512, 1))).convert("RGB").save(gradient)
    with pytest.raises(AppError, match="no person was found in the photo; use a photo of one person"):
        c.predict(handle_file(str(gradient)), api_name="/pose_from_photo")
    notes = tmp_path / "notes.png"
    notes.write_text("hello")
    with pytest.raises(AppError, match="not a picture Pose Studio can read"):
        c.predict(handle_file(str(notes)), api_name="/pose_from_photo")
    assert _poses(studio) == before
