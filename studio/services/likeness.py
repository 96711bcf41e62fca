"""Likeness on request: are two photos the same person, or is this photo my avatar? Free and
nothing stored, so a creator (or a script) can test a photo before paying for a batch.

Like ``pose_from_photo``, it keeps nothing, so no row limit applies; the uploads themselves are
bounded per client (``studio/web/guard.py``), and dlib runs one call at a time per process.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PIL import Image

from studio import uploads
from studio.core import Studio
from studio.db.tables import Avatar
from studio.services import access
from studio.services.errors import InvalidInput, StudioError

log = logging.getLogger(__name__)


def _photo(path: str | Path, field: str) -> Image.Image:
    """The upload checked like every photo (type by content, size, decompression bombs)."""
    try:
        return uploads.read_photo(path)
    except InvalidInput as exc:
        raise InvalidInput(f"{field}: {exc}") from None


def _unavailable(exc: Exception) -> StudioError:
    # The models are missing or broken on this server: nothing the creator can change.
    log.error("likeness cannot be measured: %s", exc)
    return StudioError("likeness cannot be measured on this server right now; please try again later")


def compare(studio: Studio, first_path: str | Path, second_path: str | Path) -> dict[str, Any]:
    """{"likeness": 0..1, "same_person": bool, "distance": float, "note": ""} for two photos of one
    face each; InvalidInput naming the photo that is not one."""
    from pipelines.likeness import FaceNotDescribed, compare_photos
    from pipelines.mediapipe_models import PerceptionUnavailable

    first, second = _photo(first_path, "First photo"), _photo(second_path, "Second photo")
    try:
        return compare_photos(first, second).to_json()
    except FaceNotDescribed as exc:
        raise InvalidInput(str(exc)) from None
    except (PerceptionUnavailable, RuntimeError) as exc:
        raise _unavailable(exc) from None


def same_as_avatar(studio: Studio, *, user_id: int, avatar_id: int, photo_path: str | Path) -> dict[str, Any]:
    """How much the person in the photo looks like the creator's avatar (another creator's
    avatar is "not found"). An avatar whose face cannot be described answers with no score and
    ``note`` "not measured: <why>"."""
    from pipelines.likeness import FaceNotDescribed, Likeness, describe_face
    from pipelines.mediapipe_models import PerceptionUnavailable
    from studio.services.avatars.likeness import ensure_descriptor

    with studio.db.session() as session:
        access.own(session, Avatar, avatar_id, user_id=user_id, what="avatar")
    photo = _photo(photo_path, "Photo")
    try:
        found = describe_face(photo)
        # Described now if it never was (an avatar made before likeness existed), then stored.
        descriptor, note = ensure_descriptor(studio, avatar_id)
    except FaceNotDescribed as exc:
        raise InvalidInput(f"Photo: {exc}") from None
    except (PerceptionUnavailable, RuntimeError) as exc:
        raise _unavailable(exc) from None
    if descriptor is None:
        return Likeness(None, None, f"not measured: {note or 'the avatar has no face to compare'}").to_json()
    return Likeness.measured(descriptor.distance(found)).to_json()
