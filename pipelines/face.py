"""Finding the face in an avatar picture, for the identity adapter.

Detection is MediaPipe FaceDetection's full-range model (``model_selection=1``, bundled in the
mediapipe 0.10.14 wheel, offline), run through ``pipelines.mediapipe_models`` on a copy at most
1024 px long. Measured on the real test photos (astronaut 512 px, Grace Hopper 512x600) and their
variants, with the confidence floor at 0.1 to see every score:

- full range (1) found the one face in every variant: mirrored, scaled x0.5 and x3, rotated
  +-15 and +-30 degrees, darkened to 35 % and 20 %, cropped to the head, and the photo pasted
  into a canvas 2-3x (astronaut) or 6x (Hopper) its size; lowest true score 0.65 (astronaut in a
  3x canvas), and no false face at any score on backgrounds (flags, shuttle, helmet, uniforms,
  noise, flat colour, a drawn oval on a body). With both photos side by side it found both.
- short range (0) lost the astronaut beside Hopper and in every 2x+ canvas, and made false faces
  at 0.53 (her suit) and 0.58 (a rotated picture): it never found a face the full-range model
  missed, so it is not run at all.

``MIN_CONFIDENCE`` 0.5 sits between the two. Both models missed the astronaut's 104 px face in a
2048 px canvas (5 % of the side): a face must be a good part of the picture to be found, which
is what an avatar photo should be anyway.

The largest face is the avatar's subject. Its box is widened to a square ``1 + FACE_MARGIN``
times the box's longer side and moved by ``HAIR_SHIFT`` of the box height towards the top of the
head (from the mouth to the eyes, so a head tilted 30 degrees keeps its hair too): MediaPipe's
box runs from the brows to just under the chin, and hair reaches about half a box above it (the
astronaut's from y 15 over a box from y 68, 104 px high), chin and jaw 5 % below.

For an avatar photo, ``portrait_face`` refuses what would make a poor likeness: no face, faces of
several people, or a face under ``MIN_FACE_PX``. ``face_crop`` (the engine) takes whatever
picture it is given: without a face (a drawn avatar, a picture made before these checks) it uses
``fallback_box``, the upper-centre square, unless ``strict=True``, which raises ``NoFaceError``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from .mediapipe_models import PerceptionUnavailable, detector_input, run, solutions

logger = logging.getLogger(__name__)

MODEL_SELECTION = 1  # full range: finds faces down to ~6 % of the picture's side (see above)
MIN_CONFIDENCE = 0.5  # true faces scored 0.65-0.95 here, false ones never above 0.1 (full range)
FACE_MARGIN = 0.85  # the crop's side is (1 + FACE_MARGIN) x the face box's longer side (0.7 lost hair at 30 degrees)
HAIR_SHIFT = 0.22  # the crop's centre sits this fraction of the box height above the box's centre
# The identity adapter's image encoder sees 224 px: a face under 64 px across (a crop under
# ~110 px) would be enlarged more than twice, and a likeness drawn from blur.
MIN_FACE_PX = 64
# Another face counts as a second person when it is at least this fraction of the largest
# face's size: a face much smaller is a bystander far behind, outside the identity crop.
SECOND_PERSON_RATIO = 0.5
FALLBACK_HEIGHT = 0.6  # the fallback square is at most this fraction of the picture's height
FACE_CACHE_SIZE = 32  # pictures whose detection result face_crop remembers (see _FaceCache)


class FaceError(ValueError):
    """The picture's face cannot give the avatar a likeness; the message says why and what works."""


class NoFaceError(FaceError):
    """The picture shows no face the detector can find."""


@dataclass(frozen=True)
class FaceBox:
    x: int
    y: int
    width: int
    height: int
    # Unit vector from the mouth to the eyes in the picture: where the hair is on a tilted head.
    up: tuple[float, float] = field(default=(0.0, -1.0), compare=False, repr=False)

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def side(self) -> int:
        """The shorter side: how many pixels across the face really is."""
        return min(self.width, self.height)


def _make_detector() -> Any:
    return solutions().face_detection.FaceDetection(model_selection=MODEL_SELECTION,
                                                    min_detection_confidence=MIN_CONFIDENCE)


def detection_available() -> bool:
    """Whether the face model loads here (it ships in the mediapipe wheel)."""
    try:
        run("face_detection", _make_detector, lambda model: None)
    except (PerceptionUnavailable, RuntimeError, OSError) as exc:
        logger.warning("face detection is unavailable: %s", exc)
        return False
    return True


def find_faces(image: Image.Image) -> tuple[FaceBox, ...]:
    """Every face in ``image`` at ``MIN_CONFIDENCE`` or more, largest first, in its pixels
    (remembered per picture, see ``_FaceCache``). PerceptionUnavailable when the model cannot load."""
    pixels = detector_input(image)
    key = _face_cache.key(pixels, image.size)
    faces = _face_cache.get(key)
    if faces is _FaceCache._MISSING:
        faces = _detect(pixels, image.size)
        _face_cache.put(key, faces)
    return faces


def find_face(image: Image.Image) -> FaceBox | None:
    """The largest face in ``image``, or None."""
    faces = find_faces(image)
    return faces[0] if faces else None


def _detect(pixels: np.ndarray, full_size: tuple[int, int]) -> tuple[FaceBox, ...]:
    """``find_faces`` on its detection input: a function of ``pixels`` and ``full_size`` alone."""
    result = run("face_detection", _make_detector, lambda model: model.process(pixels))
    full_w, full_h = full_size
    faces = []
    for detection in result.detections or ():
        # Boxes are normalised to the picture and may reach past its edges (a face cut off).
        box = detection.location_data.relative_bounding_box
        left, top = max(0, round(box.xmin * full_w)), max(0, round(box.ymin * full_h))
        right = min(full_w, round((box.xmin + box.width) * full_w))
        bottom = min(full_h, round((box.ymin + box.height) * full_h))
        if right > left and bottom > top:
            faces.append(FaceBox(left, top, right - left, bottom - top, _up(detection, full_size)))
    return tuple(sorted(faces, key=lambda f: f.area, reverse=True))


def _up(detection: Any, size: tuple[int, int]) -> tuple[float, float]:
    # MediaPipe's face keypoints: 0 right eye, 1 left eye, 2 nose tip, 3 mouth centre, 4-5 ears.
    points = detection.location_data.relative_keypoints
    if len(points) < 4:
        return 0.0, -1.0
    dx = ((points[0].x + points[1].x) / 2 - points[3].x) * size[0]
    dy = ((points[0].y + points[1].y) / 2 - points[3].y) * size[1]
    length = math.hypot(dx, dy)
    return (dx / length, dy / length) if length > 0 else (0.0, -1.0)


def people(faces: tuple[FaceBox, ...]) -> tuple[FaceBox, ...]:
    """The faces that are people in the picture, not bystanders far behind (largest first)."""
    if not faces:
        return ()
    return tuple(f for f in faces if f.side >= SECOND_PERSON_RATIO * faces[0].side)


def crop_box(size: tuple[int, int], box: FaceBox) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the square crop around ``box``, kept inside a picture of ``size``."""
    w, h = size
    side = min(round(max(box.width, box.height) * (1 + FACE_MARGIN)), w, h)
    cx = box.x + box.width / 2 + HAIR_SHIFT * box.height * box.up[0]
    cy = box.y + box.height / 2 + HAIR_SHIFT * box.height * box.up[1]
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
    of the picture's pixels as detection sees them (upright RGB, at most 1024 px long) plus the
    picture's full size.

    An upload is checked when the avatar is made, and the worker then renders the same avatar
    for many jobs (re-runs, more poses later); an export without a pose frames one picture in
    several formats: each is one detection. ``_detect`` is a function
    of exactly that key, so a hit returns what detection would. A hit skips the model (measured
    here: 512 px photo 10 ms a miss, 1.6 ms a hit); the shrunk copy it hashes is made either way,
    which is most of the time for a large photo (2048x2400: 57 ms a miss, 49 ms a hit). It keeps the boxes, not the crop: a hit re-crops the
    picture it was given (cheap), so callers always get a fresh image they may modify, and 32
    entries of a few ints cost nothing where 32 crops of 4096 px photos could hold hundreds of
    MB. Thread-safe; ``clear_face_cache`` empties it.
    """

    _MISSING = object()

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple, tuple[FaceBox, ...]] = OrderedDict()
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

    def put(self, key: tuple, faces: tuple[FaceBox, ...]) -> None:
        with self._lock:
            self._entries[key] = faces
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


def _upright(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)  # phone photos: detect on the upright picture (a copy)
    return image if image.mode == "RGB" else image.convert("RGB")


def portrait_face(image: Image.Image) -> FaceBox:
    """The face of the one person in an avatar photo; FaceError saying what is wrong otherwise
    (no face, several people, a face too small), PerceptionUnavailable when nothing can be checked."""
    faces = find_faces(_upright(image))
    if not faces:
        raise NoFaceError(
            "no face was found in the photo; use a photo where the face is clearly visible and fills a "
            "good part of the picture, such as a head-and-shoulders portrait")
    found = people(faces)
    if len(found) > 1:
        raise FaceError(f"the photo shows {len(found)} faces; use a photo of one person alone, so the "
                        "avatar looks like them")
    face = faces[0]
    if face.side < MIN_FACE_PX:
        raise FaceError(f"the face in the photo is only {face.side} px across, too small to copy a likeness "
                        f"from; use a closer photo, where the face is at least {MIN_FACE_PX} px across")
    return face


def face_crop(image: Image.Image, *, strict: bool = False) -> tuple[Image.Image, FaceBox | None]:
    """A square crop around the largest face (with room for hair and chin) and its box.

    Without a detected face: the ``fallback_box`` crop and ``None``, or ``NoFaceError`` when
    strict. Detection results are remembered per picture (``_FaceCache``).
    """
    image = _upright(image)
    w, h = image.size
    try:
        faces = find_faces(image)
    except PerceptionUnavailable as exc:
        if strict:
            raise NoFaceError(f"face detection is not available on this server ({exc}), so the avatar's "
                              "face cannot be checked; turn off the strict face check") from None
        logger.warning("face detection is unavailable (%s); using the upper-centre crop", exc)
        faces = ()
    if faces:
        return image.crop(crop_box(image.size, faces[0])), faces[0]
    if strict:
        raise NoFaceError(f"no face found in the avatar picture ({w}x{h}); use a photo where the face is "
                          "clearly visible and fills a good part of the picture")
    logger.info("no face found in %dx%d avatar; using the upper-centre crop", w, h)
    return image.crop(fallback_box(image.size)), None
