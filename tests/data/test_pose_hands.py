"""The hands of the library's gesture poses: both drawn, on their own wrists, hand-sized,
pointing away from the arm; the gestures creators ask for are there; a bad hand fails the build."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from pipelines.keypoints import HAND_SIDES, JOINT
from tests.data.test_pose_library import CATEGORIES, DATA, POSES, ROOT, _core_unit, _points

HAND_SUBCATEGORIES = {c["slug"] for parent in CATEGORIES for c in parent["children"] if c.get("hands")}
WITH_HANDS = [p for p in POSES if p["keypoints"]["hands"]]
# OpenPose hand points: 0 the wrist, then four per digit, thumb first.
DIGITS = ((1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
MIDDLE_KNUCKLE = 9
# Longest each bone of a hand may look, head units (an adult hand is ~0.8 head long: palm
# ~0.42, finger bones ~0.2, 0.12, 0.09), with the same 1.5 slack as the body's segments.
MAX_PALM, MAX_FINGER_BONE, MAX_REACH = 0.45 * 1.5, 0.22 * 1.5, 0.9 * 1.3
FOREARM = 1.2  # head units, as the body checks use

# What sellers and creators ask for, as the tags the gallery's search finds.
GESTURES = {
    "pointing at the camera": {"pointing", "camera"},
    "pointing to the side": {"pointing", "side"},
    "pointing up": {"pointing", "up"},
    "waving": {"waving"},
    "thumbs up": {"thumbs-up"},
    "a product to the camera in one hand": {"product", "camera", "one-hand"},
    "a product to the camera in two hands": {"product", "camera", "two-hands"},
    "hand on chin": {"chin"},
    "peace sign": {"peace-sign"},
    "OK sign": {"ok-sign"},
    "arms crossed": {"crossed"},
    "hands on hips": {"hips"},
    "phone selfie": {"selfie", "phone"},
}


def _hands(pose: dict) -> dict[str, list[tuple[float, float] | None]]:
    """Each side's 21 hand points in canvas units (x scaled by the aspect), None where hidden."""
    kp = pose["keypoints"]
    return {side: [(x * kp["aspect"], y) if v > 0 else None for x, y, v in hand]
            for side, hand in zip(HAND_SIDES, kp["hands"])}


def test_the_library_has_gesture_sub_categories():
    assert len(HAND_SUBCATEGORIES) >= 5
    assert len(WITH_HANDS) >= 60, f"{len(WITH_HANDS)} poses with hands"


@pytest.mark.parametrize("gesture", GESTURES, ids=list(GESTURES))
def test_the_gestures_creators_ask_for_are_there_with_hands(gesture):
    found = [p["slug"] for p in WITH_HANDS if GESTURES[gesture] <= set(p["tags"])]
    assert found, f"no pose with hands drawn for {gesture}"


def test_every_pose_of_a_gesture_sub_category_shows_both_hands_whole():
    for pose in POSES:
        if pose["category"] in HAND_SUBCATEGORIES:
            hands = pose["keypoints"]["hands"]
            assert hands and len(hands) == 2, f"{pose['slug']}: both hands drawn"
            for side, hand in zip(HAND_SIDES, hands):
                assert len(hand) == 21 and all(v > 0 for _, _, v in hand), f"{pose['slug']}: {side} hand whole"


@pytest.mark.parametrize("pose", WITH_HANDS, ids=[p["slug"] for p in WITH_HANDS])
def test_hands_are_attached_hand_sized_and_point_away_from_the_arm(pose):
    slug, pts = pose["slug"], _points(pose)
    unit = _core_unit(pts)
    for side, hand in _hands(pose).items():
        wrist, elbow = f"{side}_wrist", f"{side}_elbow"
        if hand[0] is None:
            assert all(p is None for p in hand), f"{slug}: {side} fingers without a wrist"
            continue
        # On its own wrist: the hand's wrist point is the body's wrist of the same side.
        assert wrist in pts and math.dist(hand[0], pts[wrist]) < 1e-3, f"{slug}: {side} hand off its wrist"
        for digit in DIGITS:
            chain = [0, *digit]
            for a, b in zip(chain, chain[1:]):
                if hand[a] is None or hand[b] is None:
                    continue
                longest = MAX_PALM if a == 0 else MAX_FINGER_BONE
                assert math.dist(hand[a], hand[b]) <= longest * unit, f"{slug}: {side} hand bone {a}-{b} too long"
        reach = max(math.dist(hand[0], p) for p in hand if p is not None)
        assert 0.12 * unit <= reach <= MAX_REACH * unit, f"{slug}: {side} hand spans {reach / unit:.2f} head units"
        # Fingers run on from the forearm, never back into it (checked where the forearm lies
        # flat enough to the picture for its direction to show).
        knuckle = hand[MIDDLE_KNUCKLE]
        if elbow in pts and knuckle is not None and math.dist(pts[elbow], pts[wrist]) >= 0.6 * FOREARM * unit:
            assert math.dist(pts[elbow], knuckle) > math.dist(pts[elbow], pts[wrist]) - 0.1 * unit, \
                f"{slug}: {side} hand bent back into the forearm"


def test_a_hand_on_the_wrong_wrist_would_be_seen():
    """The attachment check compares each hand with its own side: swapping them fails it."""
    pose = next(p for p in WITH_HANDS if p["slug"] == "wave-hello-hands")
    pts, hands = _points(pose), _hands(pose)
    assert math.dist(hands["left"][0], pts["right_wrist"]) > 0.1


BREAKS = {
    "a wave with the hand bent back": (
        'wave = { shape = "open", fingers = "up", palm = "camera" }',
        'wave = { shape = "open", fingers = "down", palm = "camera" }',
        "wave-hello-hands", "point back along the forearm"),
    "a thumbs up turned past what a forearm turns": (
        'thumbs_up = { shape = "thumbs_up", fingers = "forward", palm = "in" }',
        'thumbs_up = { shape = "thumbs_up", fingers = "forward", palm = "out" }',
        "thumbs-up", "forearm turned"),
    "a gesture pose with one hand": (
        'stance = "contra", r_arm = "point_camera", r_hand = "point_camera", l_arm = "relaxed", l_hand = "rest"',
        'stance = "contra", r_arm = "point_camera", r_hand = "point_camera", l_arm = "relaxed"',
        "point-at-camera", "both"),
    "a hand cut off by the framing": (
        'slug = "thumbs-up"\nname = "Thumbs Up"\ndescription = "A thumbs up towards the camera, the other hand relaxed."\n'
        'framing = "three_quarter"',
        'slug = "thumbs-up"\nname = "Thumbs Up"\ndescription = "A thumbs up towards the camera, the other hand relaxed."\n'
        'framing = "half_body"',
        "thumbs-up", "outside the half_body picture"),
}


@pytest.mark.parametrize("case", BREAKS, ids=list(BREAKS))
def test_a_bad_hand_fails_the_build_naming_the_pose(tmp_path, case):
    old, new, slug, words = BREAKS[case]
    recipes = (DATA / "pose_recipes.toml").read_text(encoding="utf-8")
    assert old in recipes
    (tmp_path / "recipes.toml").write_text(recipes.replace(old, new, 1), encoding="utf-8")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pose_library.py"), "--out",
                          str(tmp_path / "out"), "--recipes", str(tmp_path / "recipes.toml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode != 0
    assert f"pose {slug!r}" in run.stderr and words in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists(), "nothing written"


def test_joint_names_used_here_exist():
    assert {"left_wrist", "right_wrist", "left_elbow", "right_elbow"} <= set(JOINT)
