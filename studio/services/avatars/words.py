"""An avatar from words: a preview of candidates drawn from a persona (paid on delivery), then
one candidate kept as the avatar. The same submission key returns the same candidates."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

from PIL import Image
from sqlmodel import col, select

from pipelines.params import nth_seed
from studio.core import Studio
from studio.db.engine import Database
from studio.db.tables import Avatar, AvatarProject, CreditLedger, PersonaExample
from studio.enums import AvatarSource, LedgerKind
from studio.media import MediaStore
from studio.services import access, credits
from studio.services.avatars import drawing
from studio.services.avatars.likeness import face_fields
from studio.services.avatars.persona import (AVATARS, avatar_name, clean_attributes, clean_persona, clean_prompt,
                                             clean_seed, persona_columns)
from studio.services.errors import InvalidInput, NotFound
from studio.services.projects import touch

log = logging.getLogger(__name__)

CANDIDATES = "candidates"  # media kind of "from words" previews not yet saved
MAX_CANDIDATES = 8
CANDIDATE_LIFETIME_S = 24 * 3600
_CANDIDATE_NAME = re.compile(r"^[0-9a-f]{32}-\d+\.png$")


@dataclass(frozen=True)
class Candidate:
    """One picture of an "avatar from words" preview; ``image_path`` is relative to the media root."""

    seed: int
    image_path: str
    prompt: str
    negative_prompt: str


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
    prompt = clean_prompt(prompt, "the prompt") or built_prompt
    negative_prompt = clean_prompt(negative_prompt, "the negative prompt") or built_negative
    seed = clean_seed(seed)
    key = f"avatar-words:{user_id}:{submission_key}"
    digest = drawing.digest(key)
    paths = [f"u{user_id}/{CANDIDATES}/{digest}-{i}.png" for i in range(count)]
    plan = {"prompt": prompt, "negative_prompt": negative_prompt, "seeds": [nth_seed(seed, i) for i in range(count)],
            "paths": paths}
    media = studio.media
    with studio.db.session() as session:
        cost = credits.price(session, "avatar.words")
        earlier = drawing.charge_by_key(session, key)
    if earlier is not None:
        return _earlier_candidates(studio, user_id=user_id, key=key, entry=earlier)
    drawing.check_affordable(studio, user_id, cost, "an avatar from words")
    _prune_candidates(media, user_id)
    try:
        drawing.draw(studio, paths=paths, prompt=prompt, negative_prompt=negative_prompt, seeds=plan["seeds"])
    except Exception as exc:  # noqa: BLE001 - nothing was charged; say what failed
        media.delete(*paths)
        log.exception("avatar preview for user %s failed", user_id)
        raise drawing.AvatarGenerationFailed(f"the avatar candidates could not be drawn ({drawing.why(exc)}); "
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
    name = avatar_name(name)
    persona, attributes = clean_persona(persona), clean_attributes(attributes)
    prompt, negative_prompt = clean_prompt(prompt, "the prompt"), clean_prompt(negative_prompt, "the negative prompt")
    folder = f"u{user_id}/{CANDIDATES}/"
    stem = (candidate_path or "")[len(folder):]
    if not (candidate_path or "").startswith(folder) or not _CANDIDATE_NAME.match(stem):
        raise NotFound("that candidate picture was not found; draw the preview again")
    seed = clean_seed(seed)
    image_path = f"u{user_id}/{AVATARS}/{stem}"
    media = studio.media
    with studio.db.session() as session:
        access.own(session, AvatarProject, project_id, user_id=user_id, what="project")
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
    drawing.save_png_at(media, image_path, picture,
                        {"prompt": prompt, "negative_prompt": negative_prompt, "seed": seed})
    thumbnail_path = media.save_thumbnail(user_id, AVATARS, picture)
    # What every picture of its batches is measured against; a drawing whose face cannot be
    # described is still an avatar (face_note says why likeness is not measured for it).
    face = face_fields(picture)
    try:
        with studio.db.session() as session:
            project = access.own(session, AvatarProject, project_id, user_id=user_id, what="project")
            avatar = Avatar(user_id=user_id, project_id=project.id, name=name, source=AvatarSource.generated.value,
                            image_path=image_path, thumbnail_path=thumbnail_path, prompt=prompt,
                            negative_prompt=negative_prompt, seed=seed, **persona_columns(persona),
                            **attributes, **face)
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


def persona_examples(db: Database) -> list[PersonaExample]:
    with db.session() as session:
        return list(session.exec(select(PersonaExample).order_by(col(PersonaExample.sort), col(PersonaExample.id))))


def _earlier_candidates(studio: Studio, *, user_id: int, key: str, entry: CreditLedger) -> list[Candidate]:
    plan = entry.meta or {}
    media = studio.media
    paths, seeds = plan.get("paths", []), plan.get("seeds", [])
    if paths and all(media.absolute(p).is_file() for p in paths):
        return [Candidate(s, p, plan.get("prompt", ""), plan.get("negative_prompt", "")) for s, p in zip(seeds, paths)]
    raise drawing.in_progress_or_refunded(studio.db, key)


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
