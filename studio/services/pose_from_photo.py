"""A pose read off a creator's reference photo, for them to check, edit and save themselves.

Nothing is stored and nothing is charged: the creator sees the skeleton drawn over their photo,
and only what they then save in the pose editor becomes one of their poses (``my_poses``).

No rate limit of ``studio.services.limits`` fits: those count rows and files a creator keeps,
and this keeps none. What bounds it is the upload itself (the per-client upload limits of
``studio/web/guard.py``: every photo arrives as an upload) and the detectors, which run one call
at a time per process (``pipelines.mediapipe_models.run``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from pipelines.extraction import PhotoPoseError, extract_pose
from pipelines.skeleton import draw_over
from studio import uploads
from studio.services.errors import InvalidInput

if TYPE_CHECKING:
    from studio.core import Studio

log = logging.getLogger(__name__)

# The overlay is for the creator's eyes, in the browser: a 4096 px photo need not travel whole.
OVERLAY_MAX_SIDE = 1024


@dataclass(frozen=True)
class PhotoPose:
    keypoints: dict  # the pose JSON the library stores (Keypoints.to_json()), normalised to the photo
    people: int  # how many people were seen (the largest was taken)
    overlay: Image.Image  # the photo with the skeleton drawn over it, for the creator to check


def pose_from_photo(studio: "Studio", *, user_id: int, file_path: str | Path) -> PhotoPose:
    """The pose of the (largest) person in the uploaded photo at ``file_path``.

    InvalidInput, in the creator's words, for a file that is not an accepted photo, a photo
    with no person in it, or a person too cut off or hidden to give a pose.
    """
    photo = uploads.read_photo(file_path)
    try:
        found = extract_pose(photo)
    except PhotoPoseError as exc:
        log.info("user %s: no pose from a %dx%d photo: %s", user_id, photo.width, photo.height, exc)
        raise InvalidInput(str(exc)) from None
    shown = photo
    if max(photo.size) > OVERLAY_MAX_SIDE:
        shown = photo.copy()
        shown.thumbnail((OVERLAY_MAX_SIDE, OVERLAY_MAX_SIDE), Image.LANCZOS)
    overlay = draw_over(shown, found.keypoints)
    log.info("user %s: pose from a %dx%d photo, %d people seen, %d joints", user_id, photo.width,
             photo.height, found.people, len(found.keypoints.visible()))
    return PhotoPose(keypoints=found.keypoints.to_json(), people=found.people, overlay=overlay)
