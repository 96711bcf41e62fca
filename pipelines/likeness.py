"""Likeness: is the person in a picture the avatar? A 128-number face descriptor from dlib's
ResNet face model, compared by distance.

Faces are found by the same MediaPipe detector as everywhere else in the studio
(``pipelines.face.find_faces``), so "a face" means one thing; dlib's 5-point landmark model
aligns each face for the descriptor. dlib's published rule: two faces closer than 0.6 are the
same person. Creators see ``likeness_of(distance)``, a share where "same person" starts at 60 %.

The model files come from the ``face-recognition-models`` wheel (public domain / CC0). Only the
5-point landmark model is used: the 68-point one's training data restricts commercial use.
dlib loads lazily and once per process; importing this module is cheap.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from PIL import Image

from .face import FaceBox, find_faces, people

SAME_PERSON_DISTANCE = 0.6  # dlib's threshold for its face descriptors
DESCRIPTOR_SIZE = 128
# A distance of 1.5 or more reads as 0 %: unrelated faces sit around 0.7-1.0, the same person
# photographed twice around 0.2-0.45.
_ZERO_AT = 1.5
MODEL_PACKAGE = "face_recognition_models"
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
DESCRIPTOR_FILE = "dlib_face_recognition_resnet_model_v1.dat"
# dlib's descriptor expects faces of ~150 px; a smaller face is enlarged before it is described.
MIN_FACE_SIDE = 80
NOT_VISIBLE = "face not visible"


def likeness_of(distance: float) -> float:
    """The share (0..1) a creator reads for a descriptor distance: 1 is identical."""
    return max(0.0, min(1.0, 1.0 - distance / _ZERO_AT))


LIKENESS_BAR = likeness_of(SAME_PERSON_DISTANCE)  # 0.6: at or above it, the same person


class FaceNotDescribed(ValueError):
    """A picture whose face cannot be described; the message says why, in the creator's words."""


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
        if not isinstance(data, (list, tuple)) or len(data) != DESCRIPTOR_SIZE:
            raise ValueError(f"a face descriptor is a list of {DESCRIPTOR_SIZE} numbers")
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
        return None if self.distance is None else self.distance < SAME_PERSON_DISTANCE

    @classmethod
    def measured(cls, distance: float) -> "Likeness":
        return cls(round(likeness_of(distance), 4), round(distance, 4))

    def to_json(self) -> dict[str, Any]:
        return {"likeness": self.score, "distance": self.distance, "same_person": self.same_person,
                "note": self.note}


class _Models:
    """dlib's landmark and descriptor models, loaded on first use; dlib calls hold the lock
    (its models are not documented as safe to share between threads)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, Any] | None = None

    def _load(self) -> tuple[Any, Any, Any]:
        import dlib

        folder = model_folder()
        return (dlib, dlib.shape_predictor(str(folder / LANDMARKS_FILE)),
                dlib.face_recognition_model_v1(str(folder / DESCRIPTOR_FILE)))

    def describe(self, pixels: np.ndarray, box: tuple[int, int, int, int]) -> tuple[float, ...]:
        with self._lock:
            if self._loaded is None:
                self._loaded = self._load()
            dlib, landmarks, descriptor = self._loaded
            shape = landmarks(pixels, dlib.rectangle(*box))
            return tuple(descriptor.compute_face_descriptor(pixels, shape))


_models = _Models()


def model_folder() -> Path:
    """Where the installed ``face-recognition-models`` keeps its files (its ``__init__`` is not
    imported: it needs setuptools' pkg_resources, which new environments lack)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("likeness needs the face-recognition-models package: pip install -r requirements.txt")
    folder = Path(next(iter(spec.submodule_search_locations))) / "models"
    if not (folder / LANDMARKS_FILE).is_file() or not (folder / DESCRIPTOR_FILE).is_file():
        raise RuntimeError(f"face-recognition-models is installed without its model files in {folder}: "
                           "reinstall it")
    return folder


def _describe_box(image: Image.Image, face: FaceBox) -> FaceDescriptor:
    # Crop around the face with room for dlib's landmarks, enlarged when the face is small.
    margin = face.side * 0.6
    left, top = max(0, int(face.x - margin)), max(0, int(face.y - margin))
    right = min(image.width, int(face.x + face.width + margin))
    bottom = min(image.height, int(face.y + face.height + margin))
    crop = image.crop((left, top, right, bottom))
    scale = max(1.0, MIN_FACE_SIDE / max(1, face.side))
    if scale > 1:
        crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
    box = (round((face.x - left) * scale), round((face.y - top) * scale),
           round((face.x - left + face.width) * scale), round((face.y - top + face.height) * scale))
    return FaceDescriptor(_models.describe(np.asarray(crop.convert("RGB")), box))


def describe_face(image: Image.Image, *, largest: bool = False) -> FaceDescriptor:
    """The descriptor of the one face in ``image``: an avatar must show exactly one person.
    ``largest=True`` describes the biggest face instead (a generated picture may show others
    behind). Raises FaceNotDescribed saying what was wrong."""
    image = image.convert("RGB")
    faces = find_faces(image)
    if not faces:
        raise FaceNotDescribed("no face found: use a photo where the face is clearly visible")
    if not largest and len(people(faces)) > 1:
        raise FaceNotDescribed(f"{len(people(faces))} faces found: use a photo of one person")
    return _describe_box(image, faces[0])


def likeness_to(reference: FaceDescriptor, image: Image.Image) -> Likeness:
    """How much the largest face in ``image`` looks like ``reference``; a picture with no face
    is its own result (``NOT_VISIBLE``), never a score of zero."""
    try:
        found = describe_face(image, largest=True)
    except FaceNotDescribed:
        return Likeness(None, None, NOT_VISIBLE)
    return Likeness.measured(reference.distance(found))


def compare_photos(first: Image.Image, second: Image.Image, *, names: Sequence[str] = ("first photo",
                                                                                       "second photo")) -> Likeness:
    """Whether two photos show the same person; each must show one face (FaceNotDescribed
    names the photo that does not)."""
    described = []
    for name, image in zip(names, (first, second)):
        try:
            described.append(describe_face(image))
        except FaceNotDescribed as exc:
            raise FaceNotDescribed(f"{name[0].upper()}{name[1:]}: {exc}") from None
    return Likeness.measured(described[0].distance(described[1]))
