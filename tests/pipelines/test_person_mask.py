"""Person masks from MediaPipe SelfieSegmentation on a real photo, refined by the known skeleton."""

import numpy as np
from PIL import Image, ImageDraw, ImageOps

from pipelines.background import PERSON, UNSURE, person_mask, refine, replace_background
from pipelines.keypoints import Keypoints
from tests.photos import astronaut

# Drawn by hand on tests/fixtures/photos/astronaut.png (512x512, x right, y down), viewing it
# enlarged over a 32 px grid: clockwise from the top of her hair, down the right of her hair,
# the neck between hair and collar ring, the ring, her left shoulder and arm to the helmet she
# holds, along the helmet's edge to the bottom, then up her right arm and shoulder (outside the
# flag), the ring's top left, her jaw and the left of her hair.
HER = [(225, 15), (255, 20), (280, 33), (296, 55), (302, 82), (299, 108), (288, 125), (268, 145), (275, 160),
       (292, 175), (303, 200), (307, 225), (305, 240), (325, 248), (345, 262), (357, 285), (362, 315), (362, 345),
       (338, 360), (315, 378), (298, 400), (287, 425), (280, 455), (279, 490), (280, 511), (28, 511), (25, 480),
       (21, 440), (20, 400), (22, 360), (30, 320), (40, 290), (52, 265), (68, 245), (90, 228), (110, 215), (113, 190),
       (125, 168), (148, 152), (182, 148), (178, 128), (163, 118), (153, 95), (154, 65), (165, 40), (190, 20)]
# The helmet she holds against her side (bottom right), sharing HER's edge along it. A held object
# is rightly foreground for a background swap (cut out, it would leave a helmet-shaped hole), so
# it is scored as neither person nor background: the "void" label of segmentation benchmarks.
HELMET = [(362, 345), (400, 342), (440, 350), (470, 370), (490, 400), (500, 440), (505, 480), (511, 500),
          (511, 511), (280, 511), (279, 490), (280, 455), (287, 425), (298, 400), (315, 378), (338, 360)]
# The flag behind her on the left, kept a few pixels clear of her shoulder and arm.
FLAG = [(0, 0), (38, 0), (65, 100), (85, 210), (50, 252), (25, 300), (12, 360), (8, 511), (0, 511)]
# The shuttle model and its stand on the right.
SHUTTLE = [(360, 0), (470, 0), (470, 285), (360, 285)]
# Inside her hair above her forehead, at least 15 px from its edge, where a cut would show.
HAIR = [(190, 45), (225, 35), (265, 45), (282, 80), (265, 92), (185, 92), (168, 80)]


def region(points, size=(512, 512)) -> np.ndarray:
    drawn = Image.new("L", size, 0)
    ImageDraw.Draw(drawn).polygon(points, fill=255)
    return np.asarray(drawn) > 0


def as_bool(mask: Image.Image) -> np.ndarray:
    assert mask.mode == "L"
    return np.asarray(mask) > 127


def iou(a: np.ndarray, b: np.ndarray, scored: np.ndarray) -> float:
    return float((a & b & scored).sum() / ((a | b) & scored).sum())


def test_the_astronauts_mask_covers_her_and_not_the_flag():
    photo = astronaut()
    mask = as_bool(person_mask(photo, None))
    her, helmet = region(HER), region(HELMET)
    assert iou(mask, her, ~helmet) >= 0.8
    assert mask[region(FLAG)].mean() < 0.01  # the flag is background
    assert mask[region(SHUTTLE)].mean() < 0.01
    assert mask[region(HAIR)].mean() > 0.99  # hair kept


def test_a_mirrored_photo_gives_the_mirrored_mask():
    photo = astronaut()
    mask = as_bool(person_mask(photo, None))
    mirrored = as_bool(person_mask(ImageOps.mirror(photo), None))
    scored = ~region(HELMET)[:, ::-1]
    assert iou(mirrored, region(HER)[:, ::-1], scored) >= 0.8
    # The model is not exactly symmetric (0.955 measured where the helmet is not scored).
    assert iou(mirrored, mask[:, ::-1], scored) > 0.9
    assert mirrored[region(FLAG)[:, ::-1]].mean() < 0.01  # the flag, now on the right, is background


def test_a_skeleton_across_the_flag_and_the_shuttle_paints_neither_in():
    """Arms stretched wide, fitted into the photo as the engine places a pose: the arms cross the
    flag and the shuttle model, where the model is sure it sees background."""
    t_pose = Keypoints.from_json({"aspect": 1.0, "body": [
        [0.5, 0.15, 1], [0.5, 0.3, 1], [0.4, 0.3, 1], [0.2, 0.3, 1], [0.0, 0.3, 1], [0.6, 0.3, 1], [0.8, 0.3, 1],
        [1.0, 0.3, 1], [0.45, 0.6, 1], [0.45, 0.8, 1], [0.45, 1.0, 1], [0.55, 0.6, 1], [0.55, 0.8, 1],
        [0.55, 1.0, 1], [0.48, 0.13, 1], [0.52, 0.13, 1], [0.46, 0.14, 1], [0.54, 0.14, 1]]})
    photo = astronaut()
    alone = as_bool(person_mask(photo, None))
    refined = as_bool(person_mask(photo, t_pose))
    assert (refined >= alone).all()  # the skeleton only adds
    assert refined[region(FLAG)].mean() < 0.01 and refined[region(SHUTTLE)].mean() < 0.01
    assert iou(refined, region(HER), ~region(HELMET)) >= 0.8


def test_the_skeleton_keeps_a_limb_the_model_is_unsure_of_and_nothing_it_rules_out():
    """The combination rule on probabilities laid out by hand: a torso the model is sure of, an
    arm it is unsure of, background it is sure of; the skeleton covers arm and background."""
    probability = np.full((40, 60), 0.02, np.float32)
    probability[5:35, 20:35] = 0.95  # torso
    probability[10:14, 35:50] = (UNSURE + PERSON) / 2  # the arm, half dropped
    skeleton = np.zeros_like(probability, dtype=bool)
    skeleton[8:16, 30:58] = True  # the arm's limb, drawn thick, running on past the arm
    mask = refine(probability, skeleton)
    assert mask[5:35, 20:35].all() and mask[10:14, 35:50].all()
    assert not mask[8:16, 50:58].any() and mask.sum() == 30 * 15 + 4 * 15
    assert (refine(probability, None) == (probability >= PERSON)).all()


def test_no_person_in_a_plain_picture_and_the_swap_leaves_no_halo():
    plain = Image.new("RGB", (320, 240), (200, 190, 180))
    assert not as_bool(person_mask(plain, None)).any()
    photo = astronaut()
    mask = person_mask(photo, None)
    out = np.asarray(replace_background(photo, mask, colour=(0, 255, 0))).astype(int)
    outside = ~as_bool(mask)
    assert (out[outside] == [0, 255, 0]).all()  # not one pixel of the flag or the wall blended in
    assert (out[region(HAIR)] == np.asarray(photo).astype(int)[region(HAIR)]).all()
