"""The real photos of people the tests use (origin in tests/fixtures/photos/README.md), and
pictures made from them for the face checks."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps

PHOTOS = Path(__file__).resolve().parent / "fixtures" / "photos"
ASTRONAUT = PHOTOS / "astronaut.png"  # 512x512
GRACE_HOPPER = PHOTOS / "grace_hopper.jpg"  # 512x600

# Points read off the photos by eye, (x, y) in px of the originals: the right eye (on our
# left), the left eye and the middle of the lips; the top of the hair and the chin.
ASTRONAUT_FACE = [(204, 100), (245, 102), (224, 145)]
ASTRONAUT_HAIR_TOP, ASTRONAUT_CHIN = (228, 15), (224, 178)
GRACE_FACE = [(220, 190), (305, 188), (267, 275)]
GRACE_CAP_TOP, GRACE_CHIN = (262, 26), (262, 320)  # her hair is under the cap: a crop keeps all of it


def astronaut() -> Image.Image:
    with Image.open(ASTRONAUT) as opened:
        return opened.convert("RGB")


def grace_hopper() -> Image.Image:
    with Image.open(GRACE_HOPPER) as opened:
        return opened.convert("RGB")


def portrait(size: tuple[int, int] = (320, 400)) -> Image.Image:
    """Grace Hopper's head-and-shoulders photo cropped to ``size``'s shape and scaled to it: one
    face, a third of the picture wide, what an avatar upload should be."""
    return ImageOps.fit(grace_hopper(), size, Image.Resampling.LANCZOS, centering=(0.5, 0.3))


def two_people() -> Image.Image:
    """The astronaut and Grace Hopper side by side, both 512 px high (faces ~100 and ~170 px)."""
    left, right = astronaut(), grace_hopper()
    right = right.resize((round(right.width * 512 / right.height), 512), Image.Resampling.LANCZOS)
    picture = Image.new("RGB", (left.width + right.width, 512))
    picture.paste(left, (0, 0))
    picture.paste(right, (left.width, 0))
    return picture


def small_face() -> Image.Image:
    """The astronaut photo at half size, 256x256: big enough to upload, her face ~53 px across."""
    return astronaut().resize((256, 256), Image.Resampling.LANCZOS)


def without_a_face() -> Image.Image:
    """The astronaut photo below her chin: suit, flag, shuttle model and helmet, and no face."""
    return astronaut().crop((0, 200, 512, 512))
