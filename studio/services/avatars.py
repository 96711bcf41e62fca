"""Avatars: from a photo, from words, or from a shipped preset (projects: ``projects.py``).

Every function is scoped by ``user_id``: an id that is unknown or belongs to someone else
raises ``NotFound`` with the same message either way, so nothing about other creators leaks.

Money and files:
- From a photo: the avatar row and its charge are one transaction; the files are written
  first and removed again if that transaction fails, so a refused upload costs nothing and
  leaves nothing behind.
- From words or a preset: paid on delivery. The balance is checked, the picture is drawn
  outside any transaction (seconds to minutes) and saved, and only then is the charge
  committed (for a preset, in one transaction with the avatar row). A failed drawing or a
  crash at any point before that commit costs nothing; its files, if any, are orphans the
  recovery sweep removes. (Charges made before this design may still have refunds, keyed
  ``<charge key>:refund``.)
- The same ``submission_key`` twice (a double click) charges once and gives back the same
  result: the files of words/preset avatars have names derived from the key, so a repeat
  finds them.
- Files are deleted after the rows are committed: a crash in between leaves an orphan file,
  never a row pointing at a missing picture.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlmodel import Session, col, select

from studio import uploads
from studio.context import Studio
from studio.db.engine import Database
from studio.db.tables import Avatar, AvatarPreset, AvatarUsage, CreditLedger, PersonaExample
from studio.db.types import utcnow
from studio.engine import engine_for
from studio.enums import AvatarSource, LedgerKind
from studio.media import MediaStore
from studio.services import credits
from studio.services.errors import InsufficientCredits, InvalidInput, NotFound, StudioError
from studio.services.fields import clean_text, row_id
from studio.services.projects import own_project, touch

log = logging.getLogger(__name__)

AVATARS = "avatars"  # media kind of avatar pictures and thumbnails
CANDIDATES = "candidates"  # media kind of "from words" previews not yet saved
MAX_CANDIDATES = 8
CANDIDATE_LIFETIME_S = 24 * 3600
MAX_PROMPT_CHARS = 2000
MIN_AGE, MAX_AGE = 1, 120
_CANDIDATE_NAME = re.compile(r"^[0-9a-f]{32}-\d+\.png$")

PERSONA_FIELDS = {"name": "persona_name", "age": "persona_age", "personality": "persona_personality",
                  "background": "persona_background"}
ATTRIBUTE_FIELDS = ("gender", "age_range", "ethnicity", "body_type", "hair_style", "hair_colour", "eye_colour",
                    "skin_tone", "style")
EDITABLE_FIELDS = ("name", *PERSONA_FIELDS.values(), *ATTRIBUTE_FIELDS)


class AvatarGenerationFailed(StudioError):
    """Drawing an avatar failed; the message says why and that the credits came back."""


@dataclass(frozen=True)
class Candidate:
    """One picture of an "avatar from words" preview; ``image_path`` is relative to the media root."""

    seed: int
    image_path: str
    prompt: str
    negative_prompt: str


# avatar from a photo -------------------------------------------------------------------

def create_from_upload(studio: Studio, *, user_id: int, project_id: int, name: str, file_path: str | Path,
                       submission_key: str | None = None) -> Avatar:
    """Check the photo, keep it (re-encoded, metadata stripped) and charge ``avatar.upload``."""
    name = _avatar_name(name)
    key = f"avatar-upload:{user_id}:{submission_key or uuid.uuid4().hex}"
    if submission_key:
        earlier = _avatar_of_charge(studio.db, user_id=user_id, key=key)
        if earlier is not None:
            return earlier
    photo = uploads.read_photo(file_path)
    media = _media(studio)
    image_path = media.save_png(user_id, AVATARS, photo)
    thumbnail_path = media.save_thumbnail(user_id, AVATARS, photo)
    try:
        with studio.db.session() as session:
            project = own_project(session, user_id, project_id)
            avatar = Avatar(user_id=user_id, project_id=project.id, name=name, source=AvatarSource.uploaded.value,
                            image_path=image_path, thumbnail_path=thumbnail_path)
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


# avatar from words ---------------------------------------------------------------------

def preview_from_words(studio: Studio, *, user_id: int, persona: dict[str, Any], attributes: dict[str, Any],
                       prompt: str | None = None, negative_prompt: str | None = None, count: int = 4,
                       seed: int | None = None, submission_key: str) -> list[Candidate]:
    """Draw ``count`` candidates of the described person (charged ``avatar.words`` once).

    The prompt is built from the persona unless the creator edited it (``prompt``). Calling
    again with the same ``submission_key`` returns the same candidates without a new charge.
    """
    from pipelines.avatar_prompt import persona_prompt

    persona, attributes = clean_persona(persona), clean_attributes(attributes)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_CANDIDATES:
        raise InvalidInput(f"ask for 1 to {MAX_CANDIDATES} candidates at a time, not {count!r}")
    if not submission_key:
        raise InvalidInput("a submission key is needed so a double click is charged once")
    built_prompt, built_negative = persona_prompt(persona, attributes)
    prompt = _prompt(prompt, "the prompt") or built_prompt
    negative_prompt = _prompt(negative_prompt, "the negative prompt") or built_negative
    seed = _seed(seed)
    key = f"avatar-words:{user_id}:{submission_key}"
    digest = _digest(key)
    paths = [f"u{user_id}/{CANDIDATES}/{digest}-{i}.png" for i in range(count)]
    plan = {"prompt": prompt, "negative_prompt": negative_prompt, "seeds": [seed + i for i in range(count)],
            "paths": paths}
    media = _media(studio)
    with studio.db.session() as session:
        cost = credits.price(session, "avatar.words")
        earlier = _charge_by_key(session, key)
    if earlier is not None:
        return _earlier_candidates(studio, user_id=user_id, key=key, entry=earlier)
    _check_affordable(studio.db, user_id, cost, "an avatar from words")
    _prune_candidates(media, user_id)
    try:
        engine = engine_for(studio)
        images = engine.generate_avatars(prompt, negative_prompt, seeds=plan["seeds"],
                                         width=engine.preset.width, height=engine.preset.height)
        for path, image, one_seed in zip(paths, images, plan["seeds"]):
            _save_png_at(media, path, image, {"prompt": prompt, "negative_prompt": negative_prompt,
                                              "seed": one_seed, "preset": engine.preset.key})
    except Exception as exc:  # noqa: BLE001 - nothing was charged; say what failed
        media.delete(*paths)
        log.exception("avatar preview for user %s failed", user_id)
        raise AvatarGenerationFailed(f"the avatar candidates could not be drawn ({_why(exc)}); "
                                     "nothing was charged") from exc
    # Paid on delivery: the charge commits only once every candidate is on disk, so no crash
    # can take the credits without leaving the pictures (a crash before it leaves files the
    # orphan sweep removes, and no charge).
    try:
        with studio.db.session() as session:
            posting = credits.post(session, user_id=user_id, kind=LedgerKind.charge, amount=-cost, key=key,
                                   reason="Avatar from words: preview", reference="avatar-words",
                                   meta=plan, what="an avatar from words")
    except Exception:
        media.delete(*paths)  # e.g. the balance was spent meanwhile: keep nothing unpaid
        raise
    if not posting.created:  # a double click finished first: its candidates are these very files
        return _earlier_candidates(studio, user_id=user_id, key=key, entry=posting.entry)
    return [Candidate(s, p, prompt, negative_prompt) for s, p in zip(plan["seeds"], paths)]


def save_candidate(studio: Studio, *, user_id: int, project_id: int, name: str, candidate_path: str,
                   persona: dict[str, Any], attributes: dict[str, Any], prompt: str, negative_prompt: str,
                   seed: int) -> Avatar:
    """Keep one candidate as an avatar (already paid for by the preview); the other candidates
    of that preview are deleted. Saving the same candidate twice returns the same avatar."""
    name = _avatar_name(name)
    persona, attributes = clean_persona(persona), clean_attributes(attributes)
    prompt, negative_prompt = _prompt(prompt, "the prompt"), _prompt(negative_prompt, "the negative prompt")
    folder = f"u{user_id}/{CANDIDATES}/"
    stem = (candidate_path or "")[len(folder):]
    if not (candidate_path or "").startswith(folder) or not _CANDIDATE_NAME.match(stem):
        raise NotFound("that candidate picture was not found; draw the preview again")
    seed = _seed(seed)
    image_path = f"u{user_id}/{AVATARS}/{stem}"
    media = _media(studio)
    with studio.db.session() as session:
        own_project(session, user_id, project_id)
        earlier = session.exec(select(Avatar).where(Avatar.user_id == user_id,
                                                    Avatar.image_path == image_path)).first()
    if earlier is not None:
        return earlier
    source = media.absolute(candidate_path)
    if not source.is_file():
        raise NotFound("that candidate picture was not found (candidates are kept for a day); "
                       "draw the preview again")
    with Image.open(source) as opened:
        picture = opened.convert("RGB")
    _save_png_at(media, image_path, picture, {"prompt": prompt, "negative_prompt": negative_prompt, "seed": seed})
    thumbnail_path = media.save_thumbnail(user_id, AVATARS, picture)
    try:
        with studio.db.session() as session:
            project = own_project(session, user_id, project_id)
            avatar = Avatar(user_id=user_id, project_id=project.id, name=name, source=AvatarSource.generated.value,
                            image_path=image_path, thumbnail_path=thumbnail_path, prompt=prompt,
                            negative_prompt=negative_prompt, seed=seed, **_persona_columns(persona),
                            **attributes)
            session.add(avatar)
            touch(project)
            session.add(project)
    except BaseException:
        media.delete(image_path, thumbnail_path)
        raise
    # The preview bought one avatar: the candidates not chosen are no longer needed.
    prefix = stem.rsplit("-", 1)[0]
    for sibling in media.absolute(folder).glob(f"{prefix}-*.png"):
        sibling.unlink(missing_ok=True)
    log.info("user %s saved avatar %s from words", user_id, avatar.id)
    return avatar


# avatar from a preset ------------------------------------------------------------------

def create_from_preset(studio: Studio, *, user_id: int, project_id: int, preset_slug: str,
                       submission_key: str) -> Avatar:
    """Draw the shipped preset's person (its persona, attributes and seed), charged ``avatar.preset``."""
    from pipelines.avatar_prompt import persona_prompt

    if not submission_key:
        raise InvalidInput("a submission key is needed so a double click is charged once")
    key = f"avatar-preset:{user_id}:{submission_key}"
    image_path = f"u{user_id}/{AVATARS}/{_digest(key)}-preset.png"
    with studio.db.session() as session:
        project = own_project(session, user_id, project_id)
        preset = session.exec(select(AvatarPreset).where(AvatarPreset.slug == preset_slug,
                                                         AvatarPreset.enabled == True)).first()  # noqa: E712
        if preset is None:
            raise NotFound(f"avatar preset {preset_slug!r} not found; pick one from the presets list")
        earlier = _avatar_at(session, user_id, image_path)
        if earlier is not None:
            return earlier
        cost = credits.price(session, "avatar.preset")
    _check_affordable(studio.db, user_id, cost, "an avatar from a preset")
    persona, attributes = clean_persona(preset.persona), clean_attributes(preset.attributes)
    prompt, negative_prompt = persona_prompt(persona, attributes)
    media = _media(studio)
    thumbnail_path = ""
    try:
        engine = engine_for(studio)
        picture = engine.generate_avatars(prompt, negative_prompt, seeds=[preset.seed],
                                          width=engine.preset.width, height=engine.preset.height)[0]
        _save_png_at(media, image_path, picture, {"prompt": prompt, "negative_prompt": negative_prompt,
                                                  "seed": preset.seed, "preset": engine.preset.key})
        thumbnail_path = media.save_thumbnail(user_id, AVATARS, picture)
        # The charge and the avatar commit together (paid on delivery): no crash point charges
        # for an avatar that does not exist, or makes one that was not paid for.
        with studio.db.session() as session:
            project = own_project(session, user_id, project_id)
            posting = credits.post(session, user_id=user_id, kind=LedgerKind.charge, amount=-cost, key=key,
                                   reason=f"Avatar from the preset {preset.name}",
                                   reference=f"avatar-preset:{preset.slug}",
                                   meta={"preset": preset.slug, "project_id": project.id},
                                   what="an avatar from a preset")
            if posting.created:
                avatar = Avatar(user_id=user_id, project_id=project.id, name=preset.name,
                                source=AvatarSource.preset.value, image_path=image_path,
                                thumbnail_path=thumbnail_path, prompt=prompt, negative_prompt=negative_prompt,
                                seed=preset.seed, preset_slug=preset.slug, **_persona_columns(persona), **attributes)
                session.add(avatar)
                touch(project)
                session.add(project)
            else:
                avatar = None
        if avatar is None:  # a double click finished first; its avatar shares our image path
            media.delete(thumbnail_path)
            with studio.db.session() as session:
                avatar = _avatar_at(session, user_id, image_path)
            if avatar is None:
                raise _in_progress_or_refunded(studio.db, key)
            return avatar
    except Exception as exc:  # noqa: BLE001 - nothing was charged; say what failed
        media.delete(image_path, thumbnail_path)
        log.exception("preset avatar %s for user %s failed", preset_slug, user_id)
        if isinstance(exc, StudioError):  # the project went away, the balance was spent meanwhile
            raise
        raise AvatarGenerationFailed(f"the avatar could not be drawn ({_why(exc)}); nothing was charged") from exc
    log.info("user %s created avatar %s from preset %s", user_id, avatar.id, preset_slug)
    return avatar


# reading, editing, deleting ------------------------------------------------------------

def get_avatar(db: Database, *, user_id: int, avatar_id: int) -> Avatar:
    with db.session() as session:
        return _own_avatar(session, user_id, avatar_id)


def list_avatars(db: Database, *, user_id: int, project_id: int | None = None) -> list[Avatar]:
    """The creator's avatars (of one project, if given), newest first."""
    with db.session() as session:
        query = select(Avatar).where(Avatar.user_id == user_id)
        if project_id is not None:
            own_project(session, user_id, project_id)
            query = query.where(Avatar.project_id == project_id)
        return list(session.exec(query.order_by(col(Avatar.created_at).desc(), col(Avatar.id).desc())))


def update_avatar(db: Database, *, user_id: int, avatar_id: int, **changes: Any) -> Avatar:
    """Change the name, persona (``persona_name``, ``persona_age``...) or visual attributes.

    ``project_id`` moves the avatar to another of the creator's projects.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS) - {"project_id"})
    if unknown:
        raise InvalidInput(f"cannot change {', '.join(unknown)}; an avatar's editable fields are "
                           f"{', '.join(EDITABLE_FIELDS)} and project_id")
    values: dict[str, Any] = {}
    for field, value in changes.items():
        if field == "name":
            values["name"] = _avatar_name(value)
        elif field == "persona_age":
            values[field] = _age(value)
        elif field != "project_id":
            values[field] = clean_text(value, field.replace("_", " "), _column_length(field))
    with db.session() as session:
        avatar = _own_avatar(session, user_id, avatar_id)
        if changes.get("project_id") is not None:
            values["project_id"] = own_project(session, user_id, changes["project_id"]).id
        for field, value in values.items():
            setattr(avatar, field, value)
        avatar.updated_at = utcnow()
        session.add(avatar)
        return avatar


def delete_avatar(studio: Studio, *, user_id: int, avatar_id: int) -> None:
    """Delete the avatar and its pictures; generations made with it keep their images."""
    with studio.db.session() as session:
        avatar = _own_avatar(session, user_id, avatar_id)
        files = (avatar.image_path, avatar.thumbnail_path)
        session.execute(sa.delete(AvatarUsage).where(AvatarUsage.avatar_id == avatar.id))
        session.delete(avatar)
    _media(studio).delete(*files)
    log.info("user %s deleted avatar %s", user_id, avatar_id)


def record_usage(session: Session, *, avatar_id: int, user_id: int, generation_id: int | None, poses: int) -> None:
    """Count one use of the avatar in a generation, inside the caller's (submit) transaction."""
    bumped = session.execute(
        sa.update(Avatar).where(Avatar.id == avatar_id, Avatar.user_id == user_id)
        .values(usage_count=Avatar.usage_count + 1, last_used_at=utcnow())
    )
    if bumped.rowcount != 1:
        raise NotFound("avatar not found")
    session.add(AvatarUsage(avatar_id=avatar_id, user_id=user_id, generation_id=generation_id, poses=poses))
    session.flush()


# shipped content -----------------------------------------------------------------------

def persona_examples(db: Database) -> list[PersonaExample]:
    with db.session() as session:
        return list(session.exec(select(PersonaExample).order_by(col(PersonaExample.sort), col(PersonaExample.id))))


def avatar_presets(db: Database) -> list[AvatarPreset]:
    with db.session() as session:
        return list(session.exec(select(AvatarPreset).where(AvatarPreset.enabled == True)  # noqa: E712
                                 .order_by(col(AvatarPreset.sort), col(AvatarPreset.id))))


def clean_persona(persona: dict[str, Any] | None) -> dict[str, Any]:
    """The persona's known fields (name, age, personality, background), checked and trimmed."""
    persona = persona or {}
    if not isinstance(persona, dict):
        raise InvalidInput("the persona must be a set of named fields (name, age, personality, background)")
    out: dict[str, Any] = {}
    for field, column in PERSONA_FIELDS.items():
        value = persona.get(field)
        if field == "age":
            out[field] = _age(value)
        else:
            out[field] = clean_text(value, f"the persona's {field}", _column_length(column))
    return out


def clean_attributes(attributes: dict[str, Any] | None) -> dict[str, str]:
    """The visual attributes (gender, age range, hair...), checked and trimmed; unknown keys dropped."""
    attributes = attributes or {}
    if not isinstance(attributes, dict):
        raise InvalidInput(f"the attributes must be named fields: {', '.join(ATTRIBUTE_FIELDS)}")
    return {f: clean_text(attributes.get(f), f.replace("_", " "), _column_length(f)) for f in ATTRIBUTE_FIELDS}


# internals -----------------------------------------------------------------------------

class _AlreadyDone(Exception):
    def __init__(self, avatar_id: int | None):
        self.avatar_id = avatar_id


def _media(studio: Studio) -> MediaStore:
    return MediaStore(studio.settings.media_dir)


def _own_avatar(session: Session, user_id: int, avatar_id: int) -> Avatar:
    avatar_id = row_id(avatar_id)
    avatar = session.get(Avatar, avatar_id) if avatar_id is not None else None
    if avatar is None or avatar.user_id != user_id:
        raise NotFound("avatar not found")
    return avatar


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


def _earlier_candidates(studio: Studio, *, user_id: int, key: str, entry: CreditLedger) -> list[Candidate]:
    plan = entry.meta or {}
    media = _media(studio)
    paths, seeds = plan.get("paths", []), plan.get("seeds", [])
    if paths and all(media.absolute(p).is_file() for p in paths):
        return [Candidate(s, p, plan.get("prompt", ""), plan.get("negative_prompt", "")) for s, p in zip(seeds, paths)]
    raise _in_progress_or_refunded(studio.db, key)


def _charge_by_key(session: Session, key: str) -> CreditLedger | None:
    return session.exec(select(CreditLedger).where(CreditLedger.idempotency_key == key)).first()


def _avatar_at(session: Session, user_id: int, image_path: str) -> Avatar | None:
    return session.exec(select(Avatar).where(Avatar.user_id == user_id, Avatar.image_path == image_path)).first()


def _check_affordable(db: Database, user_id: int, cost: int, what: str) -> None:
    """Refuse before drawing what the creator could not pay for (the charge checks again)."""
    balance = credits.balance(db, user_id=user_id)
    if balance < cost:
        raise InsufficientCredits(cost, balance, what)


def _in_progress_or_refunded(db: Database, key: str) -> StudioError:
    with db.session() as session:
        refunded = session.exec(select(CreditLedger.id).where(CreditLedger.idempotency_key == f"{key}:refund")).first()
    if refunded is not None:
        return AvatarGenerationFailed("this request failed earlier and its credits were refunded; try again")
    return InvalidInput("this request is already being drawn or was already used; wait a moment, "
                        "or start a new one")


def _prune_candidates(media: MediaStore, user_id: int) -> None:
    # Previews nobody saved would otherwise pile up forever.
    folder = media.root / f"u{user_id}" / CANDIDATES
    cutoff = time.time() - CANDIDATE_LIFETIME_S
    for path in folder.glob("*.png") if folder.is_dir() else ():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def _save_png_at(media: MediaStore, relative: str, image: Image.Image, parameters: dict[str, Any]) -> None:
    """Write a PNG at a chosen (key-derived) media path, atomically, with its parameters."""
    target = media.absolute(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    info = PngInfo()
    info.add_text("parameters", json.dumps(parameters, sort_keys=True, default=str))
    info.add_text("Software", "Pose Studio")
    tmp = target.with_name(target.name + ".part")
    image.save(tmp, format="PNG", pnginfo=info)
    os.replace(tmp, target)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _seed(seed: int | None) -> int:
    if seed is None:
        return secrets.randbelow(2**31)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**62:
        raise InvalidInput(f"the seed must be a whole number from 0 to {2**62 - 1}, not {seed!r}")
    return seed


def _why(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__)[:300]


def _column_length(field: str) -> int:
    return Avatar.__table__.columns[field].type.length


def _avatar_name(name: Any) -> str:
    text = clean_text(name, "the avatar name", 120)
    if not text:
        raise InvalidInput("give the avatar a name")
    return text


def _prompt(value: str | None, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    value = value.strip()
    if len(value) > MAX_PROMPT_CHARS:
        raise InvalidInput(f"{what} is {len(value)} characters long; keep it under {MAX_PROMPT_CHARS}")
    return value


def _age(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = float(value) if not isinstance(value, bool) else None
        age = int(number) if number is not None and number.is_integer() else None
    except (TypeError, ValueError, OverflowError):
        age = None
    if age is None or not MIN_AGE <= age <= MAX_AGE:
        raise InvalidInput(f"the age must be a whole number from {MIN_AGE} to {MAX_AGE}, not {value!r}")
    return age


def _persona_columns(persona: dict[str, Any]) -> dict[str, Any]:
    return {column: persona.get(field) if field == "age" else persona.get(field, "")
            for field, column in PERSONA_FIELDS.items()}
