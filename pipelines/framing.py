"""A generated picture framed around the person at an exact size.

A crop is framed around the person, not blindly at the centre: the pose's keypoints are
mapped into the image with the same fit the engine used to draw the skeleton (so they land
on the person it generated), padded for the top of the head and the feet, and the window
of the target shape is centred on that box and kept inside the image. When the target
shape cannot hold the whole person inside the image (a tall full-body picture as a wide
banner), the window reaches past the edges and the extra room is filled with a blurred,
enlarged copy of the picture instead of cutting the person or stretching anything. The
person box holds every visible joint, the nose, eyes and ears included, so the head is
always inside the crop.

Without a usable pose, the face found in the picture (MediaPipe, ``pipelines.face``) with
room for hair and chin is what the window must hold; without a face, the centre is kept.
"""

from __future__ import annotations

import logging
from typing import Any

from PIL import Image, ImageFilter, ImageOps

from .encoding import flatten_rgb
from .face import crop_box as face_window, find_face
from .keypoints import JOINT, Keypoints, PoseError
from .mediapipe_models import PerceptionUnavailable
from .skeleton import POSE_MARGIN, PoseTransform, fit_transform

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]  # (x0, y0, x1, y1) in image pixels

# Room beyond the joints, as fractions of the person's size: OpenPose marks the eyes and
# ears at the top and the ankles at the bottom, but hair, the crown of the head, feet and
# fingers reach past them.
HEAD_ROOM, FOOT_ROOM, SIDE_ROOM = 0.12, 0.06, 0.08


def person_box(image_size: tuple[int, int], keypoints_json: dict[str, Any] | None) -> Box | None:
    """(x0, y0, x1, y1) in image pixels around the person, padded for head and feet and kept
    inside the image; None when the pose is missing or unusable (then ``frame`` keeps the face
    it finds, or the centre)."""
    if not keypoints_json:
        return None
    width, height = image_size
    try:
        keypoints = Keypoints.from_json(keypoints_json)
        fit = fit_transform(keypoints, width, height, POSE_MARGIN)
        x0, y0, x1, y1 = fit.person_box(keypoints)
    except (PoseError, ValueError, TypeError) as exc:
        log.info("framing falls back to a centre crop: %s", exc)
        return None
    size = max(x1 - x0, y1 - y0)
    head = _head_height(keypoints, fit)
    top = max(HEAD_ROOM * size, 1.2 * head)
    x0, x1 = x0 - SIDE_ROOM * size, x1 + SIDE_ROOM * size
    y0, y1 = y0 - top, y1 + FOOT_ROOM * size
    return max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1)


def _head_height(keypoints: Keypoints, fit: PoseTransform) -> float:
    # Nose to neck is about a head's height: in a headshot it dwarfs the fraction-of-size
    # padding, which alone would cut the hair off.
    nose, neck = keypoints.body[JOINT["nose"]], keypoints.body[JOINT["neck"]]
    if nose[2] <= 0 or neck[2] <= 0:
        return 0.0
    (_, ny), (_, cy) = fit.apply(nose[0], nose[1]), fit.apply(neck[0], neck[1])
    return abs(cy - ny)


def head_box(image: Image.Image) -> Box | None:
    """(x0, y0, x1, y1) of the largest face in ``image`` with its hair and chin (the identity
    crop's square), or None when there is none or detection cannot run here."""
    try:
        found = find_face(image)
    except PerceptionUnavailable as exc:
        log.warning("framing without a pose keeps the centre: %s", exc)
        return None
    if found is None:
        return None
    x0, y0, x1, y1 = face_window(image.size, found)
    return float(x0), float(y0), float(x1), float(y1)


def crop_window(image_size: tuple[int, int], aspect: float, person: Box | None) -> Box:
    """(x0, y0, x1, y1): the window of ``aspect`` (width / height) to keep, in image pixels.

    The largest such window inside the image, centred on the person and moved to stay inside;
    if the person does not fit in it, the smallest window holding the whole person, which
    then reaches past the image's edges (only where it must).
    """
    width, height = image_size
    if width / height > aspect:
        win_h = float(height)
        win_w = win_h * aspect
    else:
        win_w = float(width)
        win_h = win_w / aspect
    if person is None:
        cx, cy = width / 2, height / 2
    else:
        px0, py0, px1, py1 = person
        cx, cy = (px0 + px1) / 2, (py0 + py1) / 2
        if px1 - px0 > win_w + 1e-6 or py1 - py0 > win_h + 1e-6:
            win_w = max(win_w, px1 - px0, (py1 - py0) * aspect)
            win_h = win_w / aspect
    x0 = _place(cx - win_w / 2, win_w, width)
    y0 = _place(cy - win_h / 2, win_h, height)
    return x0, y0, x0 + win_w, y0 + win_h


def _place(start: float, span: float, limit: int) -> float:
    # Inside the image when the window fits; otherwise covering all of it, so no more of the
    # picture is lost or padded than the shape demands.
    low, high = (0.0, limit - span) if span <= limit else (limit - span, 0.0)
    return min(max(start, low), high)


def frame(image: Image.Image, keypoints_json: dict[str, Any] | None, size: tuple[int, int] | None) -> Image.Image:
    """``image`` framed around the person at exactly ``size`` (width, height); a copy of it
    as it is when ``size`` is None."""
    if size is None:
        return image.copy()
    image = flatten_rgb(image)
    width, height = size
    person = person_box(image.size, keypoints_json)
    if person is None:
        person = head_box(image)
    box = crop_window(image.size, width / height, person)
    x0, y0, x1, y1 = box
    eps = 1e-6
    if x0 >= -eps and y0 >= -eps and x1 <= image.width + eps and y1 <= image.height + eps:
        box = (max(0.0, x0), max(0.0, y0), min(float(image.width), x1), min(float(image.height), y1))
        return image.resize(size, Image.Resampling.LANCZOS, box=box)
    return _padded(image, box, size)


def _padded(image: Image.Image, box: Box, target: tuple[int, int]) -> Image.Image:
    x0, y0, x1, _ = box
    scale = target[0] / (x1 - x0)
    canvas = _backdrop(image, target)
    placed = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                          Image.Resampling.LANCZOS)
    canvas.paste(placed, (round(-x0 * scale), round(-y0 * scale)))
    return canvas


def _backdrop(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    """The picture enlarged to cover ``target``, heavily blurred and a little dimmed."""
    small_side = 48
    ratio = target[0] / target[1]
    small = (small_side, max(1, round(small_side / ratio))) if ratio >= 1 else (max(1, round(small_side * ratio)), small_side)
    blurred = ImageOps.fit(image, small, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(3))
    blurred = Image.blend(blurred, Image.new("RGB", small, (128, 128, 128)), 0.2)
    return blurred.resize(target, Image.Resampling.BICUBIC)
