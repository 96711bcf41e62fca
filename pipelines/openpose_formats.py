"""Poses read from and written as OpenPose files: JSON documents and skeleton pictures.

OpenPose JSON is what OpenPose (``--write_json``) and controlnet_aux write::

    {"canvas_width": 512, "canvas_height": 768,
     "people": [{"pose_keypoints_2d": [x0, y0, c0, x1, y1, c1, ...]}]}

with 18 points (COCO order, as BODY-18) or 25 (BODY_25, mapped to the 18 by dropping the
mid-hip and the feet). Pixel coordinates are normalised by the canvas size when the file
gives it, otherwise by the extent of the visible joints plus a margin. A joint is visible
when its confidence is above ``CONFIDENCE_THRESHOLD``. Hands and face are not read.
The studio's own JSON form (``{"aspect": ..., "body": [[x, y, v], ...]}``, see
``pipelines.keypoints``) is read too.

A skeleton picture is the coloured-sticks-on-black image ``pipelines.skeleton`` draws; its
joints are found again by their colours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image, UnidentifiedImageError

from .keypoints import Keypoints, PoseError
from .skeleton import read_pose

CONFIDENCE_THRESHOLD = 0.05
EXTENT_MARGIN = 0.1  # of the figure's larger side, on every side, when there is no canvas size
MAX_PIXELS = 4096 * 4096
PICTURE_FORMATS = {"PNG", "JPEG", "WEBP"}
# BODY_25 index of each BODY-18 joint: the same joints, without MidHip (8) and the feet (19-24).
BODY25_TO_COCO18 = (0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18)
# A skeleton picture is mostly black; a photo is not. Below this share of near-black pixels
# the picture is refused rather than read as a pose.
MIN_BLACK_SHARE = 0.6


class PoseFileError(ValueError):
    """A file that holds no usable pose; the message says why."""


class NotASkeletonPicture(PoseFileError):
    """A readable picture that is not a skeleton picture (a photo, say): read it as a photo instead."""


def keypoints_from_openpose(data: Any, *, threshold: float = CONFIDENCE_THRESHOLD,
                            problems: list[str] | None = None) -> list[Keypoints]:
    """Every person in an OpenPose JSON document (or the studio's own form), normalised.

    With a ``problems`` list, a person that cannot be read is described there and skipped;
    PoseFileError only when nobody can be read.
    """
    if isinstance(data, dict) and "body" in data:
        try:
            return [Keypoints.from_json(data)]
        except PoseError as exc:
            raise PoseFileError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("people"), list):
        raise PoseFileError('not an OpenPose JSON file: expected {"people": [{"pose_keypoints_2d": [...]}]}')
    if not data["people"]:
        raise PoseFileError("the file lists no people")
    canvas = _canvas(data)
    poses, errors = [], []
    for n, person in enumerate(data["people"], 1):
        flat = person.get("pose_keypoints_2d") if isinstance(person, dict) else None
        try:
            if not isinstance(flat, list):
                raise PoseFileError(f"person {n} has no pose_keypoints_2d list")
            poses.append(_person(flat, canvas, threshold, n))
        except PoseFileError as exc:
            if problems is None or len(data["people"]) == 1:
                raise
            errors.append(str(exc))
    if not poses:
        raise PoseFileError("; ".join(errors))
    if problems is not None:
        problems += errors
    return poses


def _canvas(data: dict) -> tuple[float, float] | None:
    w, h = data.get("canvas_width"), data.get("canvas_height")
    if w is None and h is None:
        return None
    try:
        w, h = float(w), float(h)
    except (TypeError, ValueError):
        raise PoseFileError(f"canvas_width and canvas_height must be numbers, got {w!r} and {h!r}") from None
    if w <= 0 or h <= 0:
        raise PoseFileError(f"canvas size {w:g}x{h:g} is not a picture size")
    return w, h


def _person(flat: list, canvas: tuple[float, float] | None, threshold: float, n: int) -> Keypoints:
    if len(flat) % 3 or len(flat) // 3 not in (18, 25):
        raise PoseFileError(f"person {n} has {len(flat)} numbers in pose_keypoints_2d; expected 18 or 25 "
                            "points of x, y, confidence (54 or 75 numbers)")
    try:
        points = [(float(flat[i]), float(flat[i + 1]), float(flat[i + 2])) for i in range(0, len(flat), 3)]
    except (TypeError, ValueError):
        raise PoseFileError(f"person {n}: pose_keypoints_2d must hold numbers only") from None
    if len(points) == 25:
        points = [points[i] for i in BODY25_TO_COCO18]
    seen = [(x, y) for x, y, c in points if c > threshold]
    if not seen:
        raise PoseFileError(f"person {n} has no joint with confidence above {threshold}")
    if canvas:
        x0, y0, (w, h) = 0.0, 0.0, canvas
    else:
        xs, ys = [p[0] for p in seen], [p[1] for p in seen]
        side = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
        pad = EXTENT_MARGIN * side
        x0, y0 = min(xs) - pad, min(ys) - pad
        w, h = max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad
    aspect = w / h
    if not 0.1 <= aspect <= 10:
        raise PoseFileError(f"person {n}: the picture is {w:g}x{h:g}, too narrow or wide for a pose")
    body = tuple(((x - x0) / w, (y - y0) / h, 1.0) if c > threshold else (0.0, 0.0, 0.0) for x, y, c in points)
    return Keypoints(body=body, aspect=aspect)


def to_openpose_json(keypoints: Keypoints, width: int, height: int) -> dict[str, Any]:
    """The pose as an OpenPose JSON document for a ``width`` x ``height`` picture (BODY-18).

    The pose's normalised space is stretched over the picture, so use a picture of the
    pose's aspect (width / height) to keep its proportions.
    """
    flat: list[float] = []
    for x, y, v in keypoints.body:
        flat += [round(x * width, 3), round(y * height, 3), 1.0] if v > 0 else [0.0, 0.0, 0.0]
    return {"version": 1.3, "canvas_width": width, "canvas_height": height,
            "people": [{"pose_keypoints_2d": flat}]}


def keypoints_from_skeleton_picture(path: Path) -> Keypoints:
    """The pose drawn in an OpenPose skeleton picture; PoseFileError for anything else (a photo,
    a damaged or oversized file, a format other than PNG, JPEG or WebP)."""
    try:
        with Image.open(path) as image:
            if image.format not in PICTURE_FORMATS:
                raise PoseFileError(f"{image.format} pictures are not read; use PNG, JPEG or WebP")
            if image.width * image.height > MAX_PIXELS:
                raise PoseFileError(f"the picture is {image.width}x{image.height}; use at most 4096x4096")
            image.load()
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise PoseFileError("not a readable picture (not a picture at all, or damaged); use an OpenPose .json "
                            "file, a skeleton picture or a photo of a person saved as PNG, JPEG or WebP") from None
    except OSError as exc:
        raise PoseFileError(f"the picture is damaged ({exc})") from None
    grey = rgb.convert("L").resize((min(rgb.width, 256), min(rgb.height, 256)))
    histogram = grey.histogram()
    black = sum(histogram[:16]) / max(1, grey.width * grey.height)
    if black < MIN_BLACK_SHARE:
        raise NotASkeletonPicture("this is not an OpenPose skeleton picture (coloured sticks on black); "
                                  "to take a pose from a photo, use 'pose from photo' instead")
    return read_pose(rgb)
