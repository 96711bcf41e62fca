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
from studio.services.errors import InvalidInput

log = logging.getLogger(__name__)


def _answer(likeness) -> dict[str, Any]:
    return likeness.to_json()


def _photo(path: str | Path, field: str) -> Image.Image:
    try:
        return uploads.read_photo(path)
    except InvalidInput as exc:
        raise InvalidInput(f"{field}: {exc}") from None


def compare(studio: Studio, *, first_path: str | Path, second_path: str | Path) -> dict[str, Any]:
    """{"likeness": 0..1, "same_person": bool, "distance": float, "note": ""} for two photos of one
    face each; InvalidInput naming the photo that is not one."""
    from pipelines.likeness import FaceNotDescribed, compare_photos

    first, second = _photo(first_path, "First photo"), _photo(second_path, "Second photo")
    try:
        return _answer(compare_photos(first, second))
    except FaceNotDescribed as exc:
        raise InvalidInput(str(exc)) from None


def same_as_avatar(studio: Studio, *, user_id: int, avatar_id: int, photo_path: str | Path) -> dict[str, Any]:
    """How much the person in the photo looks like the creator's avatar (another creator's
    avatar is "not found"). An avatar whose face cannot be described says so in ``note``."""
    from pipelines.likeness import FaceDescriptor, FaceNotDescribed, Likeness, describe_face

    with studio.db.session() as session:
        avatar = access.own(session, Avatar, avatar_id, user_id=user_id, what="avatar")
        stored, note, image_path = avatar.face_descriptor, avatar.face_note, avatar.image_path
    photo = _photo(photo_path, "Photo")
    try:
        found = describe_face(photo)
    except FaceNotDescribed as exc:
        raise InvalidInput(f"Photo: {exc}") from None
    if stored is None and not note and image_path:
        from studio.services.avatars.likeness import ensure_descriptor

        with Image.open(studio.media.absolute(image_path)) as picture:
            _, note = ensure_descriptor(studio, avatar_id, picture.convert("RGB"))
        with studio.db.session() as session:
            stored = session.get(Avatar, avatar_id).face_descriptor
    if stored is None:
        return _answer(Likeness(None, None, f"not measured: {note or 'the avatar has no face to compare'}"))
    return _answer(Likeness.measured(FaceDescriptor.from_json(stored).distance(found)))
