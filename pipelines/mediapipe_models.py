"""The MediaPipe models the studio sees people with: made once per process, used one call at a time.

``mediapipe==0.10.14`` ships every model used here inside its wheel (``mediapipe.solutions``:
Pose, Hands, FaceDetection, SelfieSegmentation), so perception works offline, on a CPU, on a fresh
install. A solution object keeps state between calls and is not safe to share between threads, so
each is made on first use and guarded by its own lock. Importing this module does not import
mediapipe.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

import numpy as np
from PIL import Image

# Detection runs on a copy at most this long on its long side: the models work at 128-256 px
# inside, so a 4096 px photo only costs time to resize, and coordinates are returned normalised.
DETECT_MAX_SIDE = 1024


class PerceptionUnavailable(RuntimeError):
    """mediapipe (or one of its bundled models) cannot load here; the message says why."""


_made: dict[str, tuple[Any, threading.Lock]] = {}
_making = threading.Lock()


def solutions() -> Any:
    """``mediapipe.solutions``, or PerceptionUnavailable naming the fix."""
    try:
        import mediapipe as mp

        return mp.solutions
    except (ImportError, AttributeError) as exc:
        raise PerceptionUnavailable(
            f"the perception models cannot load ({exc.__class__.__name__}: {exc}); reinstall with "
            "`pip install -r requirements.txt` (mediapipe 0.10.14 ships them)") from None


def run(name: str, make: Callable[[], Any], call: Callable[[Any], Any]) -> Any:
    """``call(model)`` on the process's one ``name`` model (``make()`` on first use), one call at a time."""
    with _making:
        if name not in _made:
            _made[name] = (make(), threading.Lock())
        model, lock = _made[name]
    with lock:
        return call(model)


def detector_input(image: Image.Image, max_side: int = DETECT_MAX_SIDE) -> np.ndarray:
    """``image`` as the contiguous RGB uint8 array MediaPipe reads, at most ``max_side`` px long.
    Results are normalised to the picture, so the resize changes nothing for callers."""
    rgb = image.convert("RGB")
    if max(rgb.size) > max_side:
        scale = max_side / max(rgb.size)
        rgb = rgb.resize((max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale))), Image.BILINEAR)
    return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))
