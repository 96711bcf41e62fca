"""Finding the face in an avatar picture, for the identity adapter.

Detection uses OpenCV's Haar cascades, offline, from the files bundled in the
opencv-python-headless wheel (``cv2.data.haarcascades``; pinned at 4.14 in requirements.txt):
``haarcascade_frontalface_default.xml`` first, then ``haarcascade_profileface.xml`` on the picture
and on its mirror image (that cascade only knows faces turned one way). ``STUDIO_FACE_CASCADE``
overrides the frontal file; the Debian ``opencv-data`` folders are a last resort. A build without
``CascadeClassifier`` or the files detects nothing (logged once): ``face_crop`` then uses its
fallback and strict mode says detection is unavailable.

Detection runs on a greyscale copy at most ``DETECT_MAX_SIDE`` px on its long side (the box is
mapped back to full resolution), with ``scaleFactor`` 1.2 and ``minSize`` a tenth of the picture's
shorter side: a few ms to a few tens of ms whatever the photo's size (see ``find_face``).

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
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

logger = logging.getLogger(__name__)

FACE_MARGIN = 0.6  # the crop's side is (1 + FACE_MARGIN) x the face box's longer side
HAIR_SHIFT = 0.1  # the crop's centre sits this fraction of the box height above the box's centre
FALLBACK_HEIGHT = 0.6  # the fallback square is at most this fraction of the picture's height
DETECT_MAX_SIDE = 512  # detection runs on a copy at most this long on its long side
DETECT_SCALE_FACTOR = 1.2  # Haar pyramid step: 1.1 scans twice the scales for the same boxes give or take
FACE_CACHE_SIZE = 32  # avatars whose detection result face_crop remembers (see _FaceCache)

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
    """The largest face in ``image`` (frontal, else profile), or None (also when detection is off).

    The cascades run on a greyscale copy shrunk to at most ``DETECT_MAX_SIDE`` px on its long side
    (area averaging); the box is scaled back to ``image``'s pixels. ``minSize`` is a tenth of the
    copy's shorter side (at least the cascade's 24 px window), the faces ``face_crop`` promises to
    find. Medians on 2 shared CPU cores, before (full size, scaleFactor 1.1) -> after: noise
    pictures, the worst case (no face, so all three passes run), 256 px 58 -> 33 ms, 2000 px
    121 -> 15-21 ms; a synthetic frontal face (one pass) 256 px 11 -> 6 ms, 2000 px 21 -> 16 ms,
    its box within 3% of the full-size one.
    """
    return _detect(*_detection_input(image))


def _detection_input(image: Image.Image) -> tuple[np.ndarray, tuple[int, int]]:
    """(the greyscale copy the cascades see, at most DETECT_MAX_SIDE px long; ``image``'s size)."""
    grey = image.convert("L")
    full_w, full_h = grey.size
    if max(full_w, full_h) > DETECT_MAX_SIDE:
        shrink = DETECT_MAX_SIDE / max(full_w, full_h)
        grey = grey.resize((max(1, round(full_w * shrink)), max(1, round(full_h * shrink))), Image.Resampling.BOX)
    return np.ascontiguousarray(np.asarray(grey)), (full_w, full_h)


def _detect(pixels: np.ndarray, full_size: tuple[int, int]) -> FaceBox | None:
    """``find_face`` on its detection input: a function of ``pixels`` and ``full_size`` alone."""
    frontal, profile = _cascades()
    if frontal is None:
        return None
    full_w, full_h = full_size
    height, width = pixels.shape
    min_side = max(24, min(height, width) // 10)
    options = dict(scaleFactor=DETECT_SCALE_FACTOR, minNeighbors=5, minSize=(min_side, min_side))
    faces = _boxes(frontal.detectMultiScale(pixels, **options))
    if not faces and profile is not None:
        faces = _boxes(profile.detectMultiScale(pixels, **options))
        faces += [(width - x - w, y, w, h) for x, y, w, h in
                  _boxes(profile.detectMultiScale(np.ascontiguousarray(pixels[:, ::-1]), **options))]
    if not faces:
        return None
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    sx, sy = full_w / width, full_h / height
    left, top = min(round(x * sx), full_w - 1), min(round(y * sy), full_h - 1)
    return FaceBox(left, top, max(1, min(round(w * sx), full_w - left)), max(1, min(round(h * sy), full_h - top)))


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


class _FaceCache:
    """Process-wide LRU of detection results: ``FACE_CACHE_SIZE`` entries keyed by a SHA-256 digest
    of the avatar's pixels as detection sees them (the upright picture in greyscale, shrunk to at
    most ``DETECT_MAX_SIDE`` px) plus the picture's full size.

    The worker renders the same avatar for many jobs (re-runs, more poses later), and detection is
    the costliest CPU step before the pipeline. ``_detect`` is a function of exactly that key, so
    a hit returns what detection would (the cascades are fixed for the process), and hashing at
    most 512x512 bytes stays well under a millisecond: a hit never costs more than a miss, even
    for a 12 MP photo, where hashing its full RGB bytes would cost as much as detecting on the
    shrunk copy. It keeps the box, not the crop: a hit re-crops the picture it was given (cheap),
    so callers always get a fresh image they may modify, and 32 entries of a few ints cost
    nothing where 32 crops of 4096 px photos could hold hundreds of MB. Thread-safe;
    ``clear_face_cache`` empties it.
    """

    _MISSING = object()

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple, FaceBox | None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(pixels: np.ndarray, full_size: tuple[int, int]) -> tuple:
        return hashlib.sha256(pixels.tobytes()).hexdigest(), pixels.shape, full_size

    def get(self, key: tuple):
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            self.misses += 1
            return self._MISSING

    def put(self, key: tuple, box: FaceBox | None) -> None:
        with self._lock:
            self._entries[key] = box
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


_face_cache = _FaceCache(FACE_CACHE_SIZE)


def clear_face_cache() -> None:
    """Forget every remembered detection (tests; benchmarks timing a first sight of an avatar)."""
    _face_cache.clear()


def face_crop(image: Image.Image, *, strict: bool = False) -> tuple[Image.Image, FaceBox | None]:
    """A square crop around the face (with room for hair and chin) and the detected box.

    Without a detected face: the ``fallback_box`` crop and ``None``, or ``NoFaceError`` when strict.
    Detection results are remembered per picture (``_FaceCache``).
    """
    image = ImageOps.exif_transpose(image)  # phone photos: detect on the upright picture (a copy)
    if image.mode != "RGB":
        image = image.convert("RGB")
    pixels, full_size = _detection_input(image)
    key = _face_cache.key(pixels, full_size)
    box = _face_cache.get(key)
    if box is _FaceCache._MISSING:
        box = _detect(pixels, full_size)
        if detection_available():  # "detection off" is not a result worth remembering
            _face_cache.put(key, box)
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
