"""Finding the face in an avatar picture, for the identity adapter.

Detection uses OpenCV's Haar frontal-face cascade, offline: the file comes from
``cv2.data.haarcascades`` (bundled in opencv-python 4.x wheels), the Debian ``opencv-data``
package (/usr/share/opencv4/haarcascades) or ``STUDIO_FACE_CASCADE``. OpenCV 5.0 wheels ship
neither ``CascadeClassifier`` nor the cascades: there ``find_face`` finds nothing (logged once)
and ``face_crop`` uses its fallback; strict mode then says detection is unavailable.

When no face is found, ``face_crop`` falls back to the upper-centre
square of the picture (where a portrait's face usually is: the top 60% of the height, centred)
unless ``strict=True``, which raises ``NoFaceError`` instead.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

logger = logging.getLogger(__name__)

FACE_MARGIN = 0.6  # extra room around the detected box, as a fraction of its size: hair, chin


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


CASCADE_NAME = "haarcascade_frontalface_default.xml"


@functools.lru_cache(maxsize=1)
def _cascade():
    """The loaded cascade, or None when this OpenCV build cannot detect faces."""
    import cv2

    if not hasattr(cv2, "CascadeClassifier"):
        logger.warning("OpenCV %s has no CascadeClassifier: face detection is off, avatars use the "
                       "upper-centre crop (install opencv-python-headless 4.x to detect faces)", cv2.__version__)
        return None
    candidates = [os.environ.get("STUDIO_FACE_CASCADE", ""),
                  os.path.join(getattr(getattr(cv2, "data", None), "haarcascades", ""), CASCADE_NAME),
                  f"/usr/share/opencv4/haarcascades/{CASCADE_NAME}", f"/usr/share/opencv/haarcascades/{CASCADE_NAME}"]
    for path in candidates:
        if path and os.path.isfile(path):
            cascade = cv2.CascadeClassifier(path)
            if not cascade.empty():
                return cascade
    logger.warning("no %s found (looked in %s): face detection is off", CASCADE_NAME, candidates)
    return None


def detection_available() -> bool:
    return _cascade() is not None


def find_face(image: Image.Image) -> FaceBox | None:
    """The largest frontal face in ``image``, or None (also when detection is unavailable)."""
    cascade = _cascade()
    if cascade is None:
        return None
    grey = np.asarray(image.convert("L"))
    min_side = max(24, min(grey.shape) // 10)
    faces = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side))
    if len(faces) == 0:
        return None
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    return FaceBox(int(x), int(y), int(w), int(h))


def face_crop(image: Image.Image, *, strict: bool = False) -> tuple[Image.Image, FaceBox | None]:
    """A square crop around the face (with room for hair and chin) and the detected box.

    Without a detected face: the upper-centre square and ``None``, or ``NoFaceError`` when strict.
    """
    image = image.convert("RGB")
    box = find_face(image)
    w, h = image.size
    if box is None:
        if strict and not detection_available():
            raise NoFaceError("face detection is not available on this server (OpenCV without its face "
                              "cascade), so the avatar's face cannot be checked; turn off the strict face check")
        if strict:
            raise NoFaceError(
                f"no face found in the avatar picture ({w}x{h}); use a photo where the face is "
                "clearly visible, facing the camera, and at least a tenth of the picture's size")
        side = min(w, round(h * 0.6))
        left = (w - side) // 2
        logger.info("no face found in %dx%d avatar; using the upper-centre crop", w, h)
        return image.crop((left, 0, left + side, side)), None
    side = round(max(box.width, box.height) * (1 + FACE_MARGIN))
    cx, cy = box.x + box.width / 2, box.y + box.height / 2
    side = min(side, w, h)
    left = int(min(max(cx - side / 2, 0), w - side))
    top = int(min(max(cy - side / 2, 0), h - side))
    return image.crop((left, top, left + side, top + side)), box
