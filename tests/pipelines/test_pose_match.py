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
HEAD_DETAIL = {JOINT[n] for n in ("right_eye", "left_eye", "right_ear", "left_ear")}  # not counted


def library_pose(name: str) -> Keypoints:
    for file in POSES.glob("*.json"):
        data = json.loads(file.read_text())
        for pose in data["poses"] if isinstance(data, dict) else data:
            if pose["name"] == name:
                return Keypoints.from_json(pose["keypoints"])
    raise LookupError(name)


def standing() -> Keypoints:
    return library_pose("Menswear Walk")


def counted(pose: Keypoints) -> list[int]:
    return [i for i in pose.visible() if i not in HEAD_DETAIL]


def moved(keypoints: Keypoints, joints: dict[str, tuple[float, float]]) -> Keypoints:
    body = list(keypoints.body)
    for name, (dx, dy) in joints.items():
        x, y, v = body[JOINT[name]]
        body[JOINT[name]] = (x + dx, y + dy, v)
    return Keypoints(body=tuple(body), aspect=keypoints.aspect)


def hidden(keypoints: Keypoints, *names: str) -> Keypoints:
    body = [(0.0, 0.0, 0.0) if i in {JOINT[n] for n in names} else row for i, row in enumerate(keypoints.body)]
    return Keypoints(body=tuple(body), aspect=keypoints.aspect)


def test_a_pose_shifted_and_scaled_matches_fully():
    pose = standing()
    smaller = Keypoints(body=tuple((0.2 + x * 0.5, 0.1 + y * 0.5, v) for x, y, v in pose.body), aspect=pose.aspect)
    assert pose_match(pose, smaller) == 1.0


def test_the_same_pose_in_a_wider_picture_matches_fully():
    # Drawn into a square picture with margins either side: x in picture widths changes, the
    # figure's shape does not (fitting in pixel-like units, x times the aspect).
    pose = standing()
    square = Keypoints(body=tuple(((x * pose.aspect + (1 - pose.aspect) / 2), y, v) for x, y, v in pose.body),
                       aspect=1.0)
    assert pose_match(pose, square) == 1.0
    # The same numbers in a 2:1 picture (drawn for 3:4) are a figure more than twice as wide: limbs
    # spread out of place, which a fit in picture widths and heights would not see.
    star = library_pose("Jumping Jack")
    assert star.aspect == 0.75 and pose_match(star, Keypoints(body=star.body, aspect=2.0)) < POSE_BAR


def test_an_arm_moved_loses_exactly_that_arms_share():
    pose = standing()
    arm = moved(pose, {"right_elbow": (0.0, -0.3), "right_wrist": (0.1, -0.5)})
    assert pose_match(pose, arm) == pytest.approx((len(counted(pose)) - 2) / len(counted(pose)), abs=1e-3)


def test_joints_the_picture_does_not_show_are_misses_and_extra_ones_do_not_count():
    pose = standing()
    assert pose_match(pose, hidden(pose, "left_knee", "left_ankle")) == pytest.approx(
        (len(counted(pose)) - 2) / len(counted(pose)), abs=1e-3)
    # Asked without the legs, a picture that shows them follows the pose.
    assert pose_match(hidden(pose, "right_knee", "right_ankle", "left_knee", "left_ankle"), pose) == 1.0


def test_a_one_sided_pose_mirrored_does_not_match():
    pose = library_pose("Arabesque")  # standing on one leg: its mirror stands on the other
    assert pose_match(pose, pose) == 1.0
    assert pose_match(pose, pose.mirrored()) < POSE_BAR


def test_nobody_seen_scores_zero_and_a_pose_of_too_few_joints_is_not_judged():
    pose = standing()
    assert pose_match(pose, None) == 0.0
    head = hidden(pose, *(name for name in JOINT if name not in ("nose", "neck", "right_shoulder")))
    assert pose_match(head, pose) is None
    result = pose_match_of(head, Image.new("RGB", (64, 64)))
    assert result.score is None and result.note.startswith("the pose shows only 3 of the nose, neck and limb joints")


@pytest.fixture(scope="module")
def her_photo() -> tuple[Image.Image, Keypoints]:
    picture = photos.astronaut()
    return picture, extract_pose(picture).keypoints


def test_the_astronaut_photo_follows_its_own_pose(her_photo):
    picture, own = her_photo
    result = pose_match_of(own, picture)
    assert result.score >= 0.8 and result.note == ""
    assert pose_match_of(own, picture.resize((300, 300), Image.Resampling.LANCZOS)).score >= 0.8


@pytest.mark.parametrize("name", ["Relaxed on a Chair", "Mountain, Arms Up", "Walking Towards"],
                         ids=["sitting", "arms up", "walking"])
def test_the_astronaut_photo_does_not_follow_a_different_library_pose(her_photo, name):
    picture, _ = her_photo
    result = pose_match_of(library_pose(name), picture)
    assert result.score < POSE_BAR and result.note == "", (name, result)


def test_a_headshot_is_read_back_though_it_could_not_steer_a_generation(her_photo):
    # Cut at the chest, MediaPipe sees head and shoulders only: too little for a pose to steer with,
    # and just what a headshot pose asks for.
    picture, _ = her_photo
    head = picture.crop((130, 0, 330, 230))
    assert pose_match_of(library_pose("Straight On"), head).score >= POSE_BAR


def test_a_picture_with_nobody_in_it_scores_zero_and_says_so():
    empty = Image.new("RGB", (256, 256), (120, 170, 230))
    assert pose_match_of(standing(), empty).to_json() == {"pose_match": 0.0, "note": NOBODY}
