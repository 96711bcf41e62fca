"""Person masks and background replacement.

``person_mask``: MediaPipe SelfieSegmentation (its model ships in the mediapipe wheel) gives
each pixel's probability of being the person. The general model (``model_selection=0``, 256x256
inside) is used: on the astronaut photo it scores 0.96 IoU against a hand-drawn outline (the held
helmet left out of the score) and keeps the flag behind her background, where the landscape
model (1) leaks into the flag and scores lower at every threshold.

The known skeleton only refines the model's answer: its limbs, drawn thick, are OR-ed in where
the model is unsure (probability between ``UNSURE`` and ``PERSON``), which keeps an arm or leg
the model half dropped. Where the model is sure it is background, the skeleton changes nothing,
so a pose that does not match the picture never paints the background in.

``replace_background``: the mask is shrunk by the blur's reach before being feathered, so not
one pixel of the old background is blended in (no halo); the edge fades into the new one.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from .keypoints import JOINT, LIMBS, Keypoints
from .mediapipe_models import detector_input, run, solutions
from .skeleton import POSE_MARGIN, fit_transform

if TYPE_CHECKING:
    from .generation import PoseEngine

logger = logging.getLogger(__name__)

SEGMENTATION_MODEL = 0  # SelfieSegmentation's general model; see the module docstring for why
# Probability from which a pixel is the person. Measured on the astronaut: 0.7 scores best
# against the outline (0.957 IoU, against 0.949 at 0.5) and leaves the flag's stripes beside her
# arm out (0.07 % of the flag's pixels kept, against 3.5 % at 0.5), where the model is half sure.
PERSON = 0.7
UNSURE = 0.1  # from here up to PERSON the model is unsure, and the skeleton may claim the pixel
LIMB_WIDTH = 0.06  # the skeleton's limbs, drawn as thick as this share of the person's height


def person_mask(image: Image.Image, keypoints: Keypoints | None = None, *, margin: float = POSE_MARGIN) -> Image.Image:
    """An L mask (255 = person) for ``image``. ``keypoints`` are the pose the picture was made
    from (placed with the same ``margin`` as ``render_pose``); without them the model decides alone."""
    probability = person_probability(image)
    skeleton = None if keypoints is None else skeleton_mask(keypoints, image.width, image.height, margin)
    mask = refine(probability, skeleton)
    if not mask.any():
        logger.info("no person found in a %dx%d picture; the whole picture counts as background", *image.size)
    return Image.fromarray(mask.astype(np.uint8) * 255, "L")


def person_probability(image: Image.Image) -> np.ndarray:
    """Each pixel's probability (float32, 0..1, the picture's height x width) of being the person."""
    pixels = detector_input(image)

    def make():
        return solutions().selfie_segmentation.SelfieSegmentation(model_selection=SEGMENTATION_MODEL)

    found = run("selfie_segmentation", make, lambda model: model.process(pixels).segmentation_mask)
    probability = np.clip(np.asarray(found, dtype=np.float32), 0.0, 1.0)
    if probability.shape != (image.height, image.width):  # the model saw a shrunk copy
        probability = np.asarray(Image.fromarray(probability, "F").resize(image.size, Image.BILINEAR))
    return probability


def refine(probability: np.ndarray, skeleton: np.ndarray | None) -> np.ndarray:
    """The person (bool): where the model is sure, plus the skeleton where the model is unsure."""
    mask = probability >= PERSON
    if skeleton is not None:
        mask |= skeleton & (probability >= UNSURE)
    return mask


def skeleton_mask(keypoints: Keypoints, width: int, height: int, margin: float = POSE_MARGIN) -> np.ndarray:
    """The pose drawn as a filled figure (bool): thick limbs and a head disc, placed as ``render_pose`` places it."""
    tf = fit_transform(keypoints, width, height, margin)
    _, y0, _, y1 = tf.person_box(keypoints)
    limb = max(2, round(LIMB_WIDTH * (y1 - y0)))
    figure = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(figure)
    body = keypoints.body
    for a, b in LIMBS:
        if body[a][2] > 0 and body[b][2] > 0:
            draw.line([tf.apply(*body[a][:2]), tf.apply(*body[b][:2])], fill=255, width=limb)
    nose, neck = JOINT["nose"], JOINT["neck"]
    if body[nose][2] > 0 and body[neck][2] > 0:
        (nx, ny), (kx, ky) = tf.apply(*body[nose][:2]), tf.apply(*body[neck][:2])
        r = max(limb, 0.6 * math.hypot(nx - kx, ny - ky))
        draw.ellipse([nx - r, ny - r, nx + r, ny + r], fill=255)
    return np.asarray(figure) > 0


def replace_background(image: Image.Image, mask: Image.Image, *, colour: tuple[int, int, int] | str | None = None,
                       backdrop: Image.Image | None = None, feather: float | None = None) -> Image.Image:
    """The person from ``image`` (where ``mask`` is white) over a solid ``colour`` or a
    ``backdrop`` picture (scaled to cover, centred). Neither given: white."""
    if colour is not None and backdrop is not None:
        raise ValueError("give either a colour or a backdrop picture for the new background, not both")
    image = image.convert("RGB")
    if mask.size != image.size:
        raise ValueError(f"the mask is {mask.size[0]}x{mask.size[1]} but the picture is "
                         f"{image.size[0]}x{image.size[1]}; they must be the same size")
    if backdrop is not None:
        background = ImageOps.fit(backdrop.convert("RGB"), image.size, Image.Resampling.LANCZOS)
    else:
        background = Image.new("RGB", image.size, colour if colour is not None else (255, 255, 255))
    # 1 px of blur per 512 px: wide enough to hide the cut, narrow enough to keep the hair (at
    # 1/256 the inward fade took the outer 12 px of the astronaut's hair).
    radius = feather if feather is not None else max(1.0, min(image.size) / 512)
    # Feather inward only: erode by the blur's reach first, so no pixel outside the mask (the
    # old background) gets any weight, and the edge fades into the new background instead.
    shrink = 2 * math.ceil(3 * radius) + 1
    alpha = mask.convert("L").filter(ImageFilter.MinFilter(shrink)).filter(ImageFilter.GaussianBlur(radius))
    return Image.composite(image, background, alpha)


def scene_background(engine: "PoseEngine", image: Image.Image, mask: Image.Image, prompt: str, seed: int) -> Image.Image:
    """The person over a scene the engine generates from ``prompt`` at the picture's size."""
    w, h = image.size
    scene = engine.generate_scene(prompt, seed, w - w % 8, h - h % 8)
    return replace_background(image, mask, backdrop=scene)
