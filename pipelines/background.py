"""Person masks and background replacement.

``person_mask``: with no segmentation model available offline, the person is segmented with
OpenCV's GrabCut (colour models of foreground and background, iterated graph cuts). The known
pose seeds it: the drawn skeleton (thick limbs, a head disc) is sure foreground, a band around
it is probable foreground, the rest of the person's box probable background and everything
well outside the box sure background. Without keypoints GrabCut starts from a centred box.
If GrabCut cannot separate anything (a flat picture), the skeleton seed itself is the mask.

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
from .skeleton import POSE_MARGIN, fit_transform

if TYPE_CHECKING:
    from .generation import PoseEngine

logger = logging.getLogger(__name__)

GRABCUT_ITERATIONS = 4


def person_mask(image: Image.Image, keypoints: Keypoints | None = None, *, margin: float = POSE_MARGIN) -> Image.Image:
    """An L mask (255 = person) for ``image``. ``keypoints`` are the pose the picture was made
    from (placed with the same ``margin`` as ``render_pose``)."""
    import cv2

    rgb = np.asarray(image.convert("RGB"))
    h, w = rgb.shape[:2]
    gc = np.full((h, w), cv2.GC_BGD, np.uint8)
    if keypoints is not None:
        sure, band, box = _skeleton_seed(keypoints, w, h, margin)
        x0, y0, x1, y1 = box
        gc[y0:y1, x0:x1] = cv2.GC_PR_BGD
        gc[band] = cv2.GC_PR_FGD
        gc[sure] = cv2.GC_FGD
        seed = band
    else:
        x0, y0, x1, y1 = int(w * 0.15), int(h * 0.05), int(w * 0.85), h
        gc[y0:y1, x0:x1] = cv2.GC_PR_FGD
        seed = gc == cv2.GC_PR_FGD
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    try:
        cv2.grabCut(rgb[:, :, ::-1].copy(), gc, None, bgd, fgd, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
        mask = np.isin(gc, (cv2.GC_FGD, cv2.GC_PR_FGD))
    except cv2.error as exc:  # one colour only, no background samples, ...
        logger.info("grabCut could not segment (%s); using the pose seed as the mask", exc)
        mask = seed
    if not mask.any():
        mask = seed
    return Image.fromarray((mask * 255).astype(np.uint8), "L")


def _skeleton_seed(keypoints: Keypoints, w: int, h: int, margin: float):
    tf = fit_transform(keypoints, w, h, margin)
    body = keypoints.body
    limb = max(2, round(min(w, h) * 0.035))
    sure_img = Image.new("L", (w, h), 0)
    draw = ImageDraw.Draw(sure_img)
    for a, b in LIMBS:
        if body[a][2] > 0 and body[b][2] > 0:
            draw.line([tf.apply(*body[a][:2]), tf.apply(*body[b][:2])], fill=255, width=limb)
    nose, neck = JOINT["nose"], JOINT["neck"]
    if body[nose][2] > 0 and body[neck][2] > 0:
        (nx, ny), (kx, ky) = tf.apply(*body[nose][:2]), tf.apply(*body[neck][:2])
        r = max(limb, 0.6 * float(np.hypot(nx - kx, ny - ky)))
        draw.ellipse([nx - r, ny - r, nx + r, ny + r], fill=255)
    sure = np.asarray(sure_img) > 0
    band = np.asarray(sure_img.filter(ImageFilter.MaxFilter(_odd(limb * 3)))) > 0
    bx0, by0, bx1, by1 = tf.person_box(keypoints)
    pad_x, pad_y = 0.25 * (bx1 - bx0) + limb * 2, 0.15 * (by1 - by0) + limb * 2
    box = (max(0, int(bx0 - pad_x)), max(0, int(by0 - pad_y)), min(w, int(bx1 + pad_x) + 1), min(h, int(by1 + pad_y) + 1))
    return sure, band, box


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
    radius = feather if feather is not None else max(1.0, min(image.size) / 256)
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


def _odd(n: int) -> int:
    return n if n % 2 else n + 1
