"""The avatar's face descriptor (pipelines.likeness): what every generated picture is measured
against. Described once, when the avatar is made from a photo, or by the worker on the avatar's
first batch (avatars from words or presets, and avatars made before likeness existed)."""

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


def ensure_descriptor(studio: Studio, avatar_id: int, picture: Image.Image):
    """(descriptor or None, note) of the avatar, describing its face now if it never was."""
    from pipelines.likeness import FaceDescriptor

    with studio.db.session() as session:
        avatar = session.get(Avatar, avatar_id)
        stored, note = (avatar.face_descriptor, avatar.face_note) if avatar else (None, "the avatar was deleted")
    if stored is None and not note:
        fields = face_fields(picture)
        stored, note = fields["face_descriptor"], fields["face_note"]
        if stored is not None or note:
            with studio.db.session() as session:
                session.execute(sa.update(Avatar).where(Avatar.id == avatar_id).values(**fields))
    try:
        return (FaceDescriptor.from_json(stored) if stored is not None else None), note
    except ValueError:
        return None, "the avatar's stored face descriptor is damaged"
