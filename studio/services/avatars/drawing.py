"""Drawing an avatar, paid on delivery: what the words and preset paths share.

The balance is checked before drawing, the pictures are saved at paths derived from the
submission key (so a repeated click finds them), and the charge commits only afterwards.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlmodel import Session, select

from studio.core import Studio
from studio.db.engine import Database
from studio.db.tables import CreditLedger
from studio.engine import engine_for, refuse_unready
from studio.media import MediaStore, write_atomically
from studio.services import credits
from studio.services.errors import InsufficientCredits, InvalidInput, StudioError


class AvatarGenerationFailed(StudioError):
    """Drawing an avatar failed; the message says why and that the credits came back."""


def draw(studio: Studio, *, paths: list[str], prompt: str, negative_prompt: str,
         seeds: list[int]) -> list[Image.Image]:
    """One picture per seed, each saved at its (key-derived) path with the parameters that made it."""
    engine = engine_for(studio)
    images = engine.generate_avatars(prompt, negative_prompt, seeds=seeds,
                                     width=engine.preset.width, height=engine.preset.height)
    for path, image, seed in zip(paths, images, seeds):
        save_png_at(studio.media, path, image, {"prompt": prompt, "negative_prompt": negative_prompt,
                                                "seed": seed, "preset": engine.preset.key})
    return images


def save_png_at(media: MediaStore, relative: str, image: Image.Image, parameters: dict[str, Any]) -> None:
    """Write a PNG at a chosen (key-derived) media path, atomically, with its parameters."""
    target = media.absolute(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    info = PngInfo()
    info.add_text("parameters", json.dumps(parameters, sort_keys=True, default=str))
    info.add_text("Software", "Pose Studio")
    with write_atomically(target) as part:
        image.save(part, format="PNG", pnginfo=info)


def check_affordable(studio: Studio, user_id: int, cost: int, what: str) -> None:
    """Refuse before drawing what the creator could not pay for (the charge checks again), or
    what this machine cannot draw (the studio's preset without its models, offline)."""
    refuse_unready(studio, studio.settings.preset, here=True, what=what[:1].upper() + what[1:])
    refuse_edit_preset(studio, what)
    db = studio.db
    balance = credits.balance(db, user_id=user_id)
    if balance < cost:
        raise InsufficientCredits(cost, balance, what)


def refuse_edit_preset(studio: Studio, what: str) -> None:
    """Avatars are drawn from words by the studio's preset: an edit preset (best) only redraws a
    picture it is given, so it is refused here, before any charge, in words that say what to do."""
    from pipelines.presets import get_preset

    preset = get_preset(studio.settings.preset)
    if preset.is_edit:
        from pipelines.edit_engine import unsupported

        raise InvalidInput(f"{what[:1].upper() + what[1:]} cannot be drawn on this studio: its preset "
                           f"{unsupported(preset, 'avatars from words')} (STUDIO_PRESET), or upload a photo. "
                           "Nothing was charged.")


def charge_by_key(session: Session, key: str) -> CreditLedger | None:
    return session.exec(select(CreditLedger).where(CreditLedger.idempotency_key == key)).first()


def in_progress_or_refunded(db: Database, key: str) -> StudioError:
    with db.session() as session:
        refunded = session.exec(select(CreditLedger.id).where(CreditLedger.idempotency_key == f"{key}:refund")).first()
    if refunded is not None:
        return AvatarGenerationFailed("this request failed earlier and its credits were refunded; try again")
    return InvalidInput("this request is already being drawn or was already used; wait a moment, "
                        "or start a new one")


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def why(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__)[:300]
