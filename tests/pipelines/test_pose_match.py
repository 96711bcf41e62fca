"""Pose match: the pose read back from a picture against the pose asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from pipelines.extraction import extract_pose
from pipelines.keypoints import JOINT, Keypoints
from pipelines.pose_match import NOBODY, POSE_BAR, pose_match, pose_match_of
from tests import photos

POSES = Path(__file__).resolve().parents[2] / "data" / "poses"


def library_pose(name: str) -> Keypoints:
    for file in POSES.glob("*.json"):
        data = json.loads(file.read_text())
        for pose in data["poses"] if isinstance(data, dict) else data:
            if pose["name"] == name:
                return Keypoints.from_json(pose["keypoints"])
    raise LookupError(name)


def standing() -> Keypoints:
    return library_pose("Menswear Walk")


def moved(keypoints: Keypoints, joints: dict[str, tuple[float, float]]) -> Keypoints:
    body = list(keypoints.body)
    for name, (dx, dy) in joints.items():
        x, y, v = body[JOINT[name]]
        body[JOINT[name]] = (x + dx, y + dy, v)
    return Keypoints(body=tuple(body), aspect=keypoints.aspect)


def test_a_pose_shifted_and_scaled_matches_fully():
    pose = standing()
    smaller = Keypoints(body=tuple((0.2 + x * 0.5, 0.1 + y * 0.5, v) for x, y, v in pose.body), aspect=pose.aspect)
    assert pose_match(pose, smaller) == 1.0


def test_an_arm_moved_loses_exactly_that_arms_share():
    pose = standing()
    counted = [i for i in pose.visible() if i not in {JOINT[n] for n in ("right_eye", "left_eye", "right_ear",
                                                                         "left_ear")}]
    arm = moved(pose, {"right_elbow": (0.0, -0.3), "right_wrist": (0.1, -0.5)})
    assert pose_match(pose, arm) == pytest.approx((len(counted) - 2) / len(counted), abs=1e-3)


def test_a_one_sided_pose_mirrored_or_nobody_does_not_match():
    pose = library_pose("Arabesque")  # standing on one leg: its mirror stands on the other
    assert pose_match(pose, pose.mirrored()) < POSE_BAR
    assert pose_match(pose, None) == 0.0


@pytest.fixture(scope="module")
def her_photo() -> tuple[Image.Image, Keypoints]:
    picture = photos.astronaut()
    return picture, extract_pose(picture).keypoints


def test_the_astronaut_photo_follows_its_own_pose(her_photo):
    picture, own = her_photo
    result = pose_match_of(own, picture)
    assert result.score >= 0.9 and result.note == ""
    assert pose_match_of(own, picture.resize((300, 300))).score >= 0.9


@pytest.mark.parametrize("name", ["Sprint", "Side View", "Jump for Joy"])
def test_the_astronaut_photo_does_not_follow_a_different_library_pose(her_photo, name):
    picture, _ = her_photo
    result = pose_match_of(library_pose(name), picture)
    assert result.score < POSE_BAR, (name, result)


def test_a_picture_with_nobody_in_it_scores_zero_and_says_so():
    empty = Image.new("RGB", (256, 256), (120, 170, 230))
    assert pose_match_of(standing(), empty).to_json() == {"pose_match": 0.0, "note": NOBODY}
