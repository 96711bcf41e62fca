"""Finding the face in an avatar picture, for the identity adapter.

Detection uses OpenCV's Haar cascades, offline, from the files bundled in the
opencv-python-headless wheel (``cv2.data.haarcascades``; pinned at 4.14 in requirements.txt):
``haarcascade_frontalface_default.xml`` first, then ``haarcascade_profileface.xml`` on the picture
and on its mirror image (that cascade only knows faces turned one way). ``STUDIO_FACE_CASCADE``
overrides the frontal file; the Debian ``opencv-data`` folders are a last resort. A build without
``CascadeClassifier`` or the files detects nothing (logged once): ``face_crop`` then uses its
fallback and strict mode says detection is unavailable.

The largest face wins (the avatar's subject, not someone in the background). Its box is widened
to a square ``1 + FACE_MARGIN`` times the box's longer side (Haar boxes run from the brows to the
mouth: the margin brings in hair, ears and chin) and moved up by ``HAIR_SHIFT`` of the box height,
since there is more hair above than neck below that matters for identity.

When no face is found, ``face_crop`` uses ``fallback_box``: the upper-centre square of the
picture (where a portrait's face usually is: as wide as the picture, at most 60% of its height,
centred, from the top) unless ``strict=True``, which raises ``NoFaceError`` instead.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

FACE_MARGIN = 0.6  # the crop's side is (1 + FACE_MARGIN) x the face box's longer side
HAIR_SHIFT = 0.1  # the crop's centre sits this fraction of the box height above the box's centre
FALLBACK_HEIGHT = 0.6  # the fallback square is at most this fraction of the picture's height

FRONTAL_CASCADE = "haarcascade_frontalface_default.xml"
PROFILE_CASCADE = "haarcascade_profileface.xml"


class NoFaceError(ValueError):
    """The avatar picture shows no face the detector can find."""


@dataclass(frozen=True)
class FaceBox:
    x: int
    y: int
    width: int
    height: int

    @property
    def area(self) -> int:
        return self.width * self.height


def _load(name: str, override: str = ""):
    import cv2

    folders = [getattr(getattr(cv2, "data", None), "haarcascades", ""),
               "/usr/share/opencv4/haarcascades", "/usr/share/opencv/haarcascades"]
    candidates = [override] + [os.path.join(folder, name) for folder in folders if folder]
    for path in candidates:
        if path and os.path.isfile(path):
            cascade = cv2.CascadeClassifier(path)
            if not cascade.empty():
                return cascade
    logger.warning("no usable %s found (looked in %s)", name, candidates)
    return None


@functools.lru_cache(maxsize=1)
def _cascades() -> tuple:
    """(frontal, profile) classifiers; either may be None. Loaded once per process."""
    import cv2

    if not hasattr(cv2, "CascadeClassifier"):
        logger.warning("OpenCV %s has no CascadeClassifier: face detection is off, avatars use the "
                       "upper-centre crop (install opencv-python-headless 4.x to detect faces)", cv2.__version__)
        return None, None
    return _load(FRONTAL_CASCADE, os.environ.get("STUDIO_FACE_CASCADE", "")), _load(PROFILE_CASCADE)


def detection_available() -> bool:
    return _cascades()[0] is not None


def find_face(image: Image.Image) -> FaceBox | None:
    """The largest face in ``image`` (frontal, else profile), or None (also when detection is off)."""
    frontal, profile = _cascades()
    if frontal is None:
        return None
    # minSize grows with the picture, so OpenCV's own pyramid keeps big photos cheap (a 12 MP
    # picture takes ~0.3 s; downscaling it first was measured slower).
    pixels = np.ascontiguousarray(np.asarray(image.convert("L")))
    min_side = max(24, min(pixels.shape) // 10)
    options = dict(scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side))
    faces = _boxes(frontal.detectMultiScale(pixels, **options))
    if not faces and profile is not None:
        width = pixels.shape[1]
        faces = _boxes(profile.detectMultiScale(pixels, **options))
        faces += [(width - x - w, y, w, h) for x, y, w, h in
                  _boxes(profile.detectMultiScale(np.ascontiguousarray(pixels[:, ::-1]), **options))]
    if not faces:
        return None
    return FaceBox(*max(faces, key=lambda f: f[2] * f[3]))


def _boxes(found) -> list[tuple[int, int, int, int]]:
    return [tuple(int(v) for v in box) for box in found]


def crop_box(size: tuple[int, int], box: FaceBox) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the square crop around ``box``, kept inside a picture of ``size``."""
    w, h = size
    side = min(round(max(box.width, box.height) * (1 + FACE_MARGIN)), w, h)
    cx = box.x + box.width / 2
    cy = box.y + box.height / 2 - HAIR_SHIFT * box.height
    left = int(min(max(cx - side / 2, 0), w - side))
    top = int(min(max(cy - side / 2, 0), h - side))
    return left, top, left + side, top + side


def fallback_box(size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the upper-centre square used when no face is found."""
    w, h = size
    side = min(w, round(h * FALLBACK_HEIGHT))
    left = (w - side) // 2
    return left, 0, left + side, side


def face_crop(image: Image.Image, *, strict: bool = False) -> tuple[Image.Image, FaceBox | None]:
    """A square crop around the face (with room for hair and chin) and the detected box.

    Without a detected face: the ``fallback_box`` crop and ``None``, or ``NoFaceError`` when strict.
    """
    image = ImageOps.exif_transpose(image).convert("RGB")  # phone photos: detect on the upright picture
    box = find_face(image)
    if box is not None:
        return image.crop(crop_box(image.size, box)), box
    w, h = image.size
    if strict and not detection_available():
        raise NoFaceError("face detection is not available on this server (OpenCV without its face "
                          "cascade), so the avatar's face cannot be checked; turn off the strict face check")
    if strict:
        raise NoFaceError(
            f"no face found in the avatar picture ({w}x{h}); use a photo where the face is "
            "clearly visible, facing the camera, and at least a tenth of the picture's size")
    logger.info("no face found in %dx%d avatar; using the upper-centre crop", w, h)
    return image.crop(fallback_box(image.size)), None
