"""An avatar from a shipped preset: its persona, attributes and seed drawn, and charged in one
transaction with the avatar row once the picture is saved (paid on delivery)."""

from __future__ import annotations

import logging

from sqlmodel import col, select

from studio.core import Studio
from studio.db.engine import Database
from studio.db.tables import Avatar, AvatarPreset, AvatarProject
from studio.enums import AvatarSource, LedgerKind
from studio.services import access, credits
from studio.services.avatars import drawing
from studio.services.avatars.edit import avatar_at
from studio.services.avatars.likeness import face_fields
from studio.services.avatars.persona import AVATARS, clean_attributes, clean_persona, persona_columns
from studio.services.errors import InvalidInput, NotFound, StudioError
from studio.services.projects import touch

log = logging.getLogger(__name__)


def create_from_preset(studio: Studio, *, user_id: int, project_id: int, preset_slug: str,
                       submission_key: str) -> Avatar:
    """Draw the shipped preset's person (its persona, attributes and seed), charged ``avatar.preset``."""
    from pipelines.avatar_prompt import persona_prompt

    if not submission_key:
        raise InvalidInput("a submission key is needed so a double click is charged once")
    key = f"avatar-preset:{user_id}:{submission_key}"
    image_path = f"u{user_id}/{AVATARS}/{drawing.digest(key)}-preset.png"
    with studio.db.session() as session:
        project = access.own(session, AvatarProject, project_id, user_id=user_id, what="project")
        preset = session.exec(select(AvatarPreset).where(AvatarPreset.slug == preset_slug,
                                                         AvatarPreset.enabled == True)).first()  # noqa: E712
        if preset is None:
            raise NotFound(f"avatar preset {preset_slug!r} not found; pick one from the presets list")
        earlier = avatar_at(session, user_id, image_path)
        if earlier is not None:
            return earlier
        cost = credits.price(session, "avatar.preset")
    drawing.check_affordable(studio, user_id, cost, "an avatar from a preset")
    persona, attributes = clean_persona(preset.persona), clean_attributes(preset.attributes)
    prompt, negative_prompt = persona_prompt(persona, attributes)
    media = studio.media
    thumbnail_path = ""
    try:
        picture = drawing.draw(studio, paths=[image_path], prompt=prompt, negative_prompt=negative_prompt,
                               seeds=[preset.seed])[0]
        thumbnail_path = media.save_thumbnail(user_id, AVATARS, picture)
        face = face_fields(picture)  # never raises: a drawing without a describable face still works
        # The charge and the avatar commit together (paid on delivery): no crash point charges
        # for an avatar that does not exist, or makes one that was not paid for.
        with studio.db.session() as session:
            project = access.own(session, AvatarProject, project_id, user_id=user_id, what="project")
            posting = credits.post(session, user_id=user_id, kind=LedgerKind.charge, amount=-cost, key=key,
                                   reason=f"Avatar from the preset {preset.name}",
                                   reference=f"avatar-preset:{preset.slug}",
                                   meta={"preset": preset.slug, "project_id": project.id},
                                   what="an avatar from a preset")
            if posting.created:
                avatar = Avatar(user_id=user_id, project_id=project.id, name=preset.name,
                                source=AvatarSource.preset.value, image_path=image_path,
                                thumbnail_path=thumbnail_path, prompt=prompt, negative_prompt=negative_prompt,
                                seed=preset.seed, preset_slug=preset.slug, **persona_columns(persona), **attributes,
                                **face)
                session.add(avatar)
                touch(project)
                session.add(project)
            else:
                avatar = None
        if avatar is None:  # a double click finished first; its avatar shares our image path
            media.delete(thumbnail_path)
            with studio.db.session() as session:
                avatar = avatar_at(session, user_id, image_path)
            if avatar is None:
                raise drawing.in_progress_or_refunded(studio.db, key)
            return avatar
    except Exception as exc:  # noqa: BLE001 - nothing was charged; say what failed
        media.delete(image_path, thumbnail_path)
        log.exception("preset avatar %s for user %s failed", preset_slug, user_id)
        if isinstance(exc, StudioError):  # the project went away, the balance was spent meanwhile
            raise
        raise drawing.AvatarGenerationFailed(f"the avatar could not be drawn ({drawing.why(exc)}); "
                                             "nothing was charged") from exc
    log.info("user %s created avatar %s from preset %s", user_id, avatar.id, preset_slug)
    return avatar


def avatar_presets(db: Database) -> list[AvatarPreset]:
    with db.session() as session:
        return list(session.exec(select(AvatarPreset).where(AvatarPreset.enabled == True)  # noqa: E712
                                 .order_by(col(AvatarPreset.sort), col(AvatarPreset.id))))
