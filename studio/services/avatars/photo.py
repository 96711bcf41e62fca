"""An avatar from a photo: the avatar row and its charge are one transaction; the files are
written first and removed again if that transaction fails, so a refused upload costs nothing
and leaves nothing behind. The photo must show one person's face, large enough for a likeness
(``pipelines.face.portrait_face``): that is checked before anything is written or charged."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

from PIL import Image
from sqlmodel import select

from pipelines.face import FaceError, portrait_face
from pipelines.mediapipe_models import PerceptionUnavailable
from studio import uploads
from studio.core import Studio
from studio.db.engine import Database
from studio.db.tables import Avatar, AvatarProject, CreditLedger
from studio.enums import AvatarSource, LedgerKind
from studio.services import access, credits
from studio.services.avatars.edit import get_avatar
from studio.services.avatars.likeness import face_fields
from studio.services.avatars.persona import AVATARS, avatar_name
from studio.services.errors import InvalidInput, NotFound, StudioError
from studio.services.projects import touch

log = logging.getLogger(__name__)


def create_from_upload(studio: Studio, *, user_id: int, project_id: int, name: str, file_path: str | Path,
                       submission_key: str | None = None) -> Avatar:
    """Check the photo and its face, keep it (re-encoded, metadata stripped) and charge ``avatar.upload``."""
    name = avatar_name(name)
    key = f"avatar-upload:{user_id}:{submission_key or uuid.uuid4().hex}"
    if submission_key:
        earlier = _avatar_of_charge(studio.db, user_id=user_id, key=key)
        if earlier is not None:
            return earlier
    photo = uploads.read_photo(file_path)
    _check_face(photo)
    face = face_fields(photo)  # what every picture of its batches is measured against
    media = studio.media
    image_path = media.save_png(user_id, AVATARS, photo)
    thumbnail_path = media.save_thumbnail(user_id, AVATARS, photo)
    try:
        with studio.db.session() as session:
            project = access.own(session, AvatarProject, project_id, user_id=user_id, what="project")
            avatar = Avatar(user_id=user_id, project_id=project.id, name=name, source=AvatarSource.uploaded.value,
                            image_path=image_path, thumbnail_path=thumbnail_path, **face)
            session.add(avatar)
            session.flush()
            posting = credits.post(
                session, user_id=user_id, kind=LedgerKind.charge, amount=-credits.price(session, "avatar.upload"),
                key=key, reason=f"Avatar from a photo: {name}", reference=f"avatar:{avatar.id}",
                meta={"avatar_id": avatar.id}, what="an avatar from a photo")
            if not posting.created:
                # A simultaneous twin won: keep theirs. (Read the id now: the rollback expires the row.)
                raise _AlreadyDone((posting.entry.meta or {}).get("avatar_id"))
            touch(project)
            session.add(project)
    except _AlreadyDone as done:
        media.delete(image_path, thumbnail_path)
        return _earlier_avatar(studio.db, user_id=user_id, avatar_id=done.avatar_id)
    except BaseException:
        media.delete(image_path, thumbnail_path)
        raise
    log.info("user %s created avatar %s from a photo", user_id, avatar.id)
    return avatar


def _check_face(photo: Image.Image) -> None:
    # An avatar without a usable face would be charged for and then give every batch a stranger.
    try:
        portrait_face(photo)
    except FaceError as exc:
        raise InvalidInput(str(exc)) from None
    except PerceptionUnavailable as exc:
        log.error("avatar upload refused: %s", exc)
        raise StudioError("the face in the photo cannot be checked on this server right now, so no avatar "
                          "was made and nothing was charged; please try again later") from None


class _AlreadyDone(Exception):
    def __init__(self, avatar_id: int | None):
        self.avatar_id = avatar_id


def _avatar_of_charge(db: Database, *, user_id: int, key: str) -> Avatar | None:
    with db.session() as session:
        entry = session.exec(select(CreditLedger).where(CreditLedger.idempotency_key == key,
                                                        CreditLedger.user_id == user_id)).first()
    if entry is None:
        return None
    return _earlier_avatar(db, user_id=user_id, avatar_id=(entry.meta or {}).get("avatar_id"))


def _earlier_avatar(db: Database, *, user_id: int, avatar_id: int | None) -> Avatar:
    try:
        return get_avatar(db, user_id=user_id, avatar_id=avatar_id)
    except NotFound:
        raise NotFound("this upload was already made into an avatar, which has since been deleted") from None
