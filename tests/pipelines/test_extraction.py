"""Pose from a photo on real photos with the real MediaPipe models (pipelines.extraction).

The expected joints were read off the astronaut photo by eye (x, y in pixels of its 512x512):
her face is frontal, the shoulders are the tops of the orange suit's arms, the right arm (on
the picture's left) hangs down to an elbow under the loose sleeve at about the pocket's height,
and her left arm disappears behind the helmet below the patch. Hips and legs are below the frame.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageOps

from pipelines.extraction import (HAND_POINTS, NoPersonFound, PersonCutOff, assign_hands, check_usable_photo_pose,
                                  extract_pose)
from pipelines.keypoints import HAND_SIDES, JOINT, Keypoints
from pipelines.skeleton import draw_over
from tests import photos

SIDE = 512
# Read off the picture (see the module's docstring); the neck is the shoulders' midpoint, as OpenPose has it.
ASTRONAUT = {
    "nose": (222, 128), "right_eye": (201, 101), "left_eye": (246, 103),
    "right_shoulder": (100, 250), "left_shoulder": (310, 260), "neck": (205, 255),
    "right_elbow": (55, 420),
}
# Hidden behind the helmet (left wrist) or below the frame (legs): never guessed.
ASTRONAUT_UNSEEN = ("left_wrist", "right_knee", "left_knee", "right_ankle", "left_ankle")
TOLERANCE = 0.05  # of the picture's width and height


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    return photos.astronaut()


@pytest.fixture(scope="module")
def hopper() -> Image.Image:
    return photos.grace_hopper()


def assert_astronaut(keypoints: Keypoints, *, left: float = 0, width: float = SIDE, height: float = SIDE) -> None:
    """Every joint read off the photo is seen and within TOLERANCE of where it was read, on a
    picture of ``width`` x ``height`` px with the astronaut's photo pasted ``left`` px from its left."""
    scale = height / SIDE
    for name, (x, y) in ASTRONAUT.items():
        px, py, v = keypoints.body[JOINT[name]]
        assert v == 1, f"{name} not seen"
        assert abs(px * width - (left + x * scale)) <= TOLERANCE * width, (name, px * width, py * height)
        assert abs(py * height - y * scale) <= TOLERANCE * height, (name, px * width, py * height)


def test_the_astronauts_skeleton_is_where_a_person_would_put_it(astronaut):
    found = extract_pose(astronaut)
    assert found.people == 1
    assert found.keypoints.aspect == pytest.approx(1.0)
    assert_astronaut(found.keypoints)
    for name in ASTRONAUT_UNSEEN:
        assert found.keypoints.body[JOINT[name]][2] == 0, f"{name} was guessed"
    assert found.keypoints.hands is None  # her gloves are cut by the frame: no hand to read


def test_a_mirrored_photo_gives_the_mirrored_pose(astronaut):
    pose = extract_pose(astronaut).keypoints
    mirrored = extract_pose(ImageOps.mirror(astronaut)).keypoints
    # Left and right swap: she still faces the camera, so her right shoulder is still on the
    # picture's left, where her left shoulder was before the mirror.
    right, left = mirrored.body[JOINT["right_shoulder"]][0], pose.body[JOINT["left_shoulder"]][0]
    assert right < 0.5 and right == pytest.approx(1 - left, abs=TOLERANCE)
    assert_astronaut(mirrored.mirrored())
    assert mirrored.mirrored().visible() == pose.visible()


@pytest.mark.parametrize("scale", [0.6, 2.0])
def test_a_rescaled_photo_gives_the_same_pose(astronaut, scale):
    side = round(SIDE * scale)
    found = extract_pose(astronaut.resize((side, side), Image.LANCZOS))
    assert_astronaut(found.keypoints)  # normalised: the same numbers at any size


def test_two_people_side_by_side_give_the_larger_and_count_both(astronaut, hopper):
    # Grace Hopper, smaller, stands at the astronaut's side, on either side.
    small = hopper.resize((256, 300), Image.LANCZOS)
    for astronaut_left, hopper_left in ((0, SIDE + 22), (300, 22)):
        group = Image.new("RGB", (SIDE + 300, SIDE), (200, 200, 200))
        group.paste(small, (hopper_left, SIDE - 300))
        group.paste(astronaut, (astronaut_left, 0))
        found = extract_pose(group)
        assert found.people == 2
        for name in ("nose", "right_eye", "left_eye", "right_shoulder", "left_shoulder", "neck"):
            x, y = ASTRONAUT[name]
            px, py, v = found.keypoints.body[JOINT[name]]
            assert v == 1 and abs(px * group.width - (astronaut_left + x)) <= TOLERANCE * group.width, name
            assert abs(py * group.height - y) <= TOLERANCE * group.height, name


@pytest.mark.parametrize("picture", ["gradient", "flag corner", "noise"])
def test_a_picture_without_a_person_says_what_works(astronaut, picture):
    if picture == "gradient":
        image = Image.fromarray(np.tile(np.linspace(0, 255, SIDE, dtype=np.uint8), (SIDE, 1))).convert("RGB")
    elif picture == "flag corner":
        image = astronaut.crop((0, 0, 128, 256))
    else:
        image = Image.fromarray(np.random.default_rng(7).integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8))
    with pytest.raises(NoPersonFound, match="no person was found in the photo; use a photo of one person"):
        extract_pose(image)


def test_a_person_cut_off_at_the_chest_is_refused(astronaut, hopper):
    # Grace Hopper's portrait ends at her chest, as does a crop of the astronaut's head.
    for image in (hopper, astronaut.crop((100, 0, 340, 240))):
        with pytest.raises(PersonCutOff, match="nothing below the shoulders can be seen.*from the head to at least "
                                               "the waist"):
            extract_pose(image)


def test_a_pose_missing_its_shoulders_says_which():
    body = [(0.0, 0.0, 0.0)] * 18
    body[JOINT["nose"]] = (0.5, 0.2, 1.0)
    with pytest.raises(PersonCutOff, match=r"the neck and right shoulder and left shoulder cannot be seen "
                                           r"\(seen: nose\)"):
        check_usable_photo_pose(Keypoints(body=tuple(body), aspect=1.0))


def _hand(wrist_x: float, wrist_y: float, length: float = 0.1) -> list[tuple[float, float]]:
    """21 points of a hand pointing up from its wrist, ``length`` from wrist to middle fingertip."""
    return [(wrist_x + 0.01 * (i % 5), wrist_y - length * i / 20) for i in range(HAND_POINTS)]


def test_hands_go_to_the_nearest_wrist_whatever_their_order():
    wrists = {"left": (0.7, 0.6, 0.9), "right": (0.3, 0.6, 0.2)}  # the right wrist barely seen: still its arm
    near_right, near_left = _hand(0.31, 0.61), _hand(0.69, 0.59)
    for hands in ([near_right, near_left], [near_left, near_right]):
        left, right = assign_hands(hands, wrists, aspect=0.75)
        assert (left[0][0], right[0][0]) == (pytest.approx(0.69), pytest.approx(0.31))
    assert HAND_SIDES == ("left", "right")


def test_a_hand_far_from_both_wrists_is_left_out():
    wrists = {"left": (0.7, 0.6, 1.0), "right": (0.3, 0.6, 1.0)}
    assert assign_hands([_hand(0.5, 0.1)], wrists, aspect=1.0) is None  # a bystander's hand
    left, right = assign_hands([_hand(0.3, 0.6), _hand(0.32, 0.62)], wrists, aspect=1.0)
    assert left == ((0.0, 0.0, 0.0),) * HAND_POINTS  # two hands at one wrist: the nearer wins
    assert right[0] == (0.3, 0.6, 1.0)


def test_hands_swap_with_the_body_in_a_mirror():
    wrists = {"left": (0.7, 0.6, 1.0), "right": (0.3, 0.6, 1.0)}
    hands = assign_hands([_hand(0.7, 0.6)], wrists, aspect=1.0)
    body = tuple((0.5, 0.5, 1.0) for _ in range(18))
    mirrored = Keypoints(body=body, aspect=1.0, hands=hands).mirrored()
    assert mirrored.hands[HAND_SIDES.index("right")][0] == pytest.approx((0.3, 0.6, 1.0))
    assert all(v == 0 for _, _, v in mirrored.hands[HAND_SIDES.index("left")])


def test_the_overlay_draws_the_skeleton_where_the_joints_are(astronaut):
    pose = extract_pose(astronaut).keypoints
    overlay = draw_over(astronaut, pose)
    assert overlay.size == astronaut.size and overlay is not astronaut
    before, after = np.asarray(astronaut).astype(int), np.asarray(overlay).astype(int)
    changed = np.abs(after - before).sum(axis=-1) > 0
    for name in ASTRONAUT:
        x, y, _ = pose.body[JOINT[name]]
        assert changed[round(y * SIDE), round(x * SIDE)], f"nothing drawn at the {name}"
    # nothing drawn far from the person: the flag's top corner and the shuttle stay as they were
    assert not changed[:100, :60].any() and not changed[:200, 380:].any()
