"""The face pass: a small face redrawn at the model's native size, so full-body shots keep the
likeness.

A face a few dozen pixels across gets too few of the model's latent pixels (1/8 of the image's)
to carry a likeness; redrawn alone at the native size it gets them all. The pass finds the
largest face, crops a square around it with a margin, enlarges the crop to the preset's native
side, redraws it with img2img at low strength (the pose and framing stay; the identity adapter on
the avatar's face sets who it is), matches its colours to the original crop, shrinks it back and
blends it in through a feathered ellipse. Pixels outside that ellipse are never touched, and
the same seed gives the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .face import FaceBox, find_faces

if TYPE_CHECKING:
    from .generation import PoseEngine

SMALL_FACE = 0.18  # a face narrower than this share of the native side gets the pass
DEFAULT_STRENGTH = 0.4  # low: the face is refined, not replaced
MARGIN = 1.8  # the crop's side over the face's: room for hair, chin and the blend
FEATHER = 0.12  # of the crop's side: how soft the blend's edge is
# px: a smaller crop holds a face of under 9 px, nothing to redraw, and is too small for the
# feathered edge to fade to nothing inside it (blend_mask holds from 16 px up, tested).
MIN_CROP = 16


@dataclass(frozen=True)
class FacePassResult:
    image: Image.Image
    applied: bool
    note: str  # why it was not applied, or "" when it was
    box: tuple[int, int, int, int] | None = None  # the crop redrawn (left, top, right, bottom)


def crop_around(size: tuple[int, int], face: FaceBox) -> tuple[int, int, int, int]:
    """The square around ``face`` that is redrawn, kept inside a picture of ``size``."""
    width, height = size
    side = min(round(max(face.width, face.height) * MARGIN), width, height)
    centre_x, centre_y = face.x + face.width / 2, face.y + face.height / 2
    left = int(min(max(0, round(centre_x - side / 2)), width - side))
    top = int(min(max(0, round(centre_y - side / 2)), height - side))
    return left, top, left + side, top + side


def blend_mask(side: int) -> Image.Image:
    """An ``L`` mask of a ``side`` px square: 255 in the middle, fading to exactly 0 well inside
    the square's edge, so the crop's border (and all outside it) keeps the original pixels."""
    feather = max(1, round(side * FEATHER))
    mask = Image.new("L", (side, side), 0)
    inset = 2 * feather  # the blur spreads ~2 radii: the ellipse stays that far from the edge
    ImageDraw.Draw(mask).ellipse((inset, inset, side - 1 - inset, side - 1 - inset), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(feather / 2))


def match_colours(redrawn: Image.Image, original: Image.Image) -> Image.Image:
    """``redrawn`` with each channel's mean and spread moved to ``original``'s: a redraw must not
    change the skin tone or the light of the picture around it."""
    new = np.asarray(redrawn.convert("RGB"), dtype=np.float64)
    old = np.asarray(original.convert("RGB"), dtype=np.float64)
    new_mean, new_std = new.mean(axis=(0, 1)), new.std(axis=(0, 1))
    old_mean, old_std = old.mean(axis=(0, 1)), old.std(axis=(0, 1))
    matched = (new - new_mean) / np.maximum(new_std, 1e-6) * old_std + old_mean
    return Image.fromarray(np.clip(np.rint(matched), 0, 255).astype(np.uint8))


def native_side(engine: "PoseEngine") -> int:
    """The side of the square a face is redrawn at: the preset's shorter native side."""
    return min(engine.preset.width, engine.preset.height)


def face_pass(engine: "PoseEngine", picture: Image.Image, avatar_face: Image.Image, *, prompt: str,
              negative_prompt: str, seed: int, strength: float = DEFAULT_STRENGTH,
              identity_strength: float | None = None, force: bool = False) -> FacePassResult:
    """``picture`` with its largest face redrawn (see the module's docstring), or unchanged with
    the reason: no face, or a face already large enough (unless ``force``)."""
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0 < strength <= 1:
        # Refused before anything else, so a bad strength is not hidden by a picture that is skipped.
        raise ValueError(f"strength {strength!r} is not allowed: use a number above 0 and at most 1")
    picture = picture.convert("RGB")
    faces = find_faces(picture)
    if not faces:
        return FacePassResult(picture, False, "no face to redraw")
    face, side = faces[0], native_side(engine)
    if not force and max(face.width, face.height) >= SMALL_FACE * side:
        return FacePassResult(picture, False, "face already large")
    box = crop_around(picture.size, face)
    crop_side = box[2] - box[0]
    if crop_side < MIN_CROP:
        return FacePassResult(picture, False, "face too small to redraw")
    original = picture.crop(box)
    enlarged = original.resize((side, side), Image.Resampling.LANCZOS)
    redrawn = engine.redraw(enlarged, avatar_face, prompt=prompt, negative_prompt=negative_prompt, seed=seed,
                            strength=strength, identity_strength=identity_strength)
    back = match_colours(redrawn, enlarged).resize((crop_side, crop_side), Image.Resampling.LANCZOS)
    result = picture.copy()
    result.paste(Image.composite(back, original, blend_mask(crop_side)), box[:2])
    return FacePassResult(result, True, "", box)
