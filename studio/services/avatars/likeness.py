"""The avatar's face descriptor (pipelines.likeness): what every generated picture is measured
against. Described once, when the avatar is made (from a photo, a preset or words), or on first
need (the worker's first batch, "is this my avatar?") for avatars made before likeness existed.
A picture without a describable face (a drawing, no face) keeps the reason in ``face_note``
and still works as an avatar; likeness is then "not measured" for it."""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from PIL import Image

from studio.core import Studio
from studio.db.tables import Avatar

log = logging.getLogger(__name__)


def face_fields(picture: Image.Image) -> dict[str, Any]:
    """The avatar columns for ``picture``'s face: its descriptor, or why there is none. A model
    that cannot run here leaves both empty, so the next batch tries again."""
    from pipelines.likeness import FaceNotDescribed, describe_face

    try:
        return {"face_descriptor": describe_face(picture).to_json(), "face_note": ""}
    except FaceNotDescribed as exc:
        return {"face_descriptor": None, "face_note": str(exc)[:200]}
    except Exception as exc:  # noqa: BLE001 - likeness is a measurement; the avatar works without it
        log.warning("the avatar's face could not be described: %s", exc)
        return {"face_descriptor": None, "face_note": ""}


def ensure_descriptor(studio: Studio, avatar_id: int, picture: Image.Image | None = None):
    """(descriptor or None, note) of the avatar, describing its face now if it never was (once:
    the result, a descriptor or the reason there is none, is stored). ``picture`` is the avatar's
    picture when the caller has it open already; otherwise it is read from the media folder."""
    from pipelines.likeness import FaceDescriptor

    with studio.db.session() as session:
        avatar = session.get(Avatar, avatar_id)
        stored, note = (avatar.face_descriptor, avatar.face_note) if avatar else (None, "the avatar was deleted")
        image_path = avatar.image_path if avatar else ""
    if stored is None and not note:
        if picture is None:
            picture = _picture(studio, image_path)
            if picture is None:  # not stored: the file may come back (a restored backup)
                return None, "the avatar's picture is missing"
        fields = face_fields(picture)
        stored, note = fields["face_descriptor"], fields["face_note"]
        if stored is not None or note:
            with studio.db.session() as session:
                session.execute(sa.update(Avatar).where(Avatar.id == avatar_id).values(**fields))
    try:
        return (FaceDescriptor.from_json(stored) if stored is not None else None), note
    except ValueError:
        return None, "the avatar's stored face descriptor is damaged"


def _picture(studio: Studio, image_path: str) -> Image.Image | None:
    path = studio.media.absolute(image_path) if image_path else None
    if path is None or not path.is_file():
        log.warning("avatar picture %r is missing; its face cannot be described", image_path)
        return None
    with Image.open(path) as opened:
        return opened.convert("RGB")
