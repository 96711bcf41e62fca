"""A pose taken from a reference photo, by whichever detector is installed.

Two backends, tried in this order:

- ``controlnet_aux``: the OpenPose body detector the OpenPose ControlNets were trained with,
  with its weights ``body_pose_model.pth`` from the Hugging Face repo ``lllyasviel/Annotators``
  already in the local Hugging Face cache (the studio never downloads at request time);
- ``mediapipe``: MediaPipe Pose, whose model ships inside the package.

Neither is a dependency of the studio; with neither, ``extract_pose`` raises
``ExtractionUnavailable`` saying what to install. Nothing heavy is imported until a pose is
extracted, so importing this module is free.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from typing import Any

from PIL import Image

from .keypoints import Keypoints, PoseError

log = logging.getLogger(__name__)

ANNOTATORS_REPO = "lllyasviel/Annotators"
BODY_WEIGHTS = "body_pose_model.pth"
MIN_CONFIDENCE = 0.3

INSTALL_HINT = (
    "pose from photo needs a pose detector, and none is installed. Install one of: "
    "(1) `pip install controlnet_aux` and download its OpenPose weights once with "
    f"`huggingface-cli download {ANNOTATORS_REPO} {BODY_WEIGHTS}`; or "
    "(2) `pip install mediapipe` (its pose model ships inside the package). "
    "Then restart the studio. Until then, pick a pose from the gallery or draw one in the editor"
)

# MediaPipe Pose landmark index of each BODY-18 joint; the neck (None) is the shoulders' midpoint.
_MEDIAPIPE_TO_COCO18 = (0, None, 12, 14, 16, 11, 13, 15, 24, 26, 28, 23, 25, 27, 5, 2, 8, 7)

_detector_lock = threading.Lock()
_detectors: dict[str, Any] = {}


class ExtractionUnavailable(RuntimeError):
    """No pose detector is installed; the message says what to install."""


class NoPersonFound(PoseError):
    """The detector ran but found no person it could read a pose from."""


def _installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def _annotator_weights_cached() -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    found = try_to_load_from_cache(ANNOTATORS_REPO, BODY_WEIGHTS)
    return isinstance(found, str)


def available_backend() -> str | None:
    """"controlnet_aux", "mediapipe", or None when pose from photo cannot run here."""
    if _installed("controlnet_aux") and _annotator_weights_cached():
        return "controlnet_aux"
    if _installed("mediapipe"):
        return "mediapipe"
    return None


def unavailable_reason() -> str | None:
    """Why extraction cannot run (for the UI to show before the creator tries), or None."""
    if available_backend():
        return None
    if _installed("controlnet_aux"):
        return (f"controlnet_aux is installed but its OpenPose weights are not cached; run "
                f"`huggingface-cli download {ANNOTATORS_REPO} {BODY_WEIGHTS}` (or `pip install mediapipe`)")
    return INSTALL_HINT


def extract_pose(image: Image.Image) -> Keypoints:
    """The most prominent person's pose in ``image``, normalised to the picture.

    ExtractionUnavailable without a detector; NoPersonFound when nobody is seen. The result is
    not checked for usability here: the caller decides (``Keypoints.check_usable``).
    """
    backend = available_backend()
    if backend is None:
        raise ExtractionUnavailable(unavailable_reason() or INSTALL_HINT)
    rgb = image.convert("RGB")
    if backend == "controlnet_aux":
        return _extract_controlnet_aux(rgb)
    return _extract_mediapipe(rgb)


def _detector(backend: str, make) -> Any:
    with _detector_lock:
        if backend not in _detectors:
            _detectors[backend] = make()
        return _detectors[backend]


def _extract_controlnet_aux(image: Image.Image) -> Keypoints:
    import numpy as np
    from controlnet_aux import OpenposeDetector

    detector = _detector("controlnet_aux", lambda: OpenposeDetector.from_pretrained(ANNOTATORS_REPO))
    with _detector_lock:  # the detector's torch modules are shared; one image at a time
        people = detector.detect_poses(np.asarray(image), include_hand=False, include_face=False)
    best = None
    for person in people:
        body = []
        for point in person.body.keypoints:
            body.append((0.0, 0.0, 0.0) if point is None else (float(point.x), float(point.y), 1.0))
        score = sum(v for _, _, v in body)
        if best is None or score > best[0]:
            best = (score, body)
    if best is None or best[0] == 0:
        raise NoPersonFound("no person was found in the photo; use a photo where the whole body is clear")
    return Keypoints(body=tuple(best[1]), aspect=image.width / image.height)


def _extract_mediapipe(image: Image.Image) -> Keypoints:
    import numpy as np

    try:
        import mediapipe as mp

        solution = mp.solutions.pose
    except (ImportError, AttributeError) as exc:
        raise ExtractionUnavailable(f"mediapipe is installed but its pose solution cannot load ({exc}); "
                                    + INSTALL_HINT) from None
    with _detector_lock:
        with solution.Pose(static_image_mode=True, model_complexity=1) as pose:
            found = pose.process(np.asarray(image))
    if not found.pose_landmarks:
        raise NoPersonFound("no person was found in the photo; use a photo where the whole body is clear")
    marks = found.pose_landmarks.landmark
    body = []
    for index in _MEDIAPIPE_TO_COCO18:
        if index is None:  # neck: between the shoulders
            a, b = marks[11], marks[12]
            seen = min(a.visibility, b.visibility) >= MIN_CONFIDENCE
            body.append(((a.x + b.x) / 2, (a.y + b.y) / 2, 1.0) if seen else (0.0, 0.0, 0.0))
            continue
        m = marks[index]
        inside = 0 <= m.x <= 1 and 0 <= m.y <= 1
        body.append((m.x, m.y, 1.0) if m.visibility >= MIN_CONFIDENCE and inside else (0.0, 0.0, 0.0))
    return Keypoints(body=tuple(body), aspect=image.width / image.height)
