"""Checking a photo a creator uploads, before anything is stored or charged.

Only JPEG, PNG and WebP are taken, recognised by their content (a renamed GIF is still a
GIF), at most 10 MB and 4096 px a side, at least 256 px a side. The header is read before
any pixel is decoded, so a "decompression bomb" (a small file that claims a huge picture)
is refused without using the memory it asks for. The photo comes back upright (EXIF
orientation applied), in sRGB, as plain RGB pixels with no metadata attached: whatever is
saved from it carries no GPS position, camera serial or embedded thumbnail.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from studio.services.errors import InvalidInput

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_SIDE = 4096
MIN_SIDE = 256
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
ACCEPTED = "a JPEG, PNG or WebP photo"

# Formats Pillow cannot open, recognised by their first bytes so the message can name them.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (4, b"ftypheic", "a HEIC photo (iPhone)"), (4, b"ftypheix", "a HEIC photo (iPhone)"),
    (4, b"ftypmif1", "a HEIF photo"), (4, b"ftypavif", "an AVIF picture"),
    (0, b"%PDF", "a PDF document"), (0, b"<svg", "an SVG drawing"), (0, b"<?xml", "an XML/SVG file"),
    (0, b"PK\x03\x04", "a ZIP archive"),
)
_NAMED = {"GIF": "a GIF", "BMP": "a BMP picture", "TIFF": "a TIFF picture", "ICO": "an icon file",
          "PSD": "a Photoshop file", "JPEG2000": "a JPEG 2000 picture", "PPM": "a PPM picture"}


def read_photo(path: str | Path) -> Image.Image:
    """The uploaded photo at ``path`` as a clean, upright RGB image; InvalidInput naming the
    rule it breaks (and what is accepted) otherwise."""
    path = Path(path) if path else None
    if path is None or not path.is_file():
        raise InvalidInput(f"no file arrived; choose {ACCEPTED} and upload it again")
    size = path.stat().st_size
    if size == 0:
        raise InvalidInput(f"the file is empty; upload {ACCEPTED}")
    if size > MAX_BYTES:
        # Rounded up, so a file just over the limit never reads as "10.0 MB".
        raise InvalidInput(f"the file is {math.ceil(size / 1024 / 1024 * 10) / 10:.1f} MB; upload {ACCEPTED} of at most "
                           f"{MAX_BYTES // 1024 // 1024} MB")
    data = path.read_bytes()
    image = _open(data)
    kind = image.format or "unknown"
    if kind not in ACCEPTED_FORMATS:
        raise InvalidInput(f"this file is {_NAMED.get(kind, f'a {kind} file')}; upload {ACCEPTED}")
    width, height = image.size
    if width > MAX_SIDE or height > MAX_SIDE:
        raise InvalidInput(f"the photo is {width}x{height} px; it must be at most {MAX_SIDE} px on each side "
                           "(resize it and upload it again)")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise InvalidInput(f"the photo is {width}x{height} px; it must be at least {MIN_SIDE} px on each side")
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except (OSError, ValueError, SyntaxError) as exc:
        # Truncated data, a broken stream, or a text chunk that inflates past Pillow's limit.
        log.info("upload refused while decoding: %s", exc)
        raise InvalidInput(f"the photo could not be read (the file is damaged or incomplete); "
                           f"save it again as {ACCEPTED} and upload that") from None
    return _clean_rgb(upright)


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        # Past MAX_IMAGE_PIXELS Pillow only warns (the error comes at twice that): refuse both.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise InvalidInput(
                f"this file claims to be a picture of more than {Image.MAX_IMAGE_PIXELS:,} pixels, far too "
                f"large to open safely (a \"decompression bomb\"); upload {ACCEPTED} of at most "
                f"{MAX_SIDE} px on each side") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            what = _sniff(data)
            if what:
                raise InvalidInput(f"this file is {what}; upload {ACCEPTED}") from None
            raise InvalidInput(f"this file is not a picture Pose Studio can read (or it is damaged); "
                               f"upload {ACCEPTED}") from None


def _sniff(data: bytes) -> str | None:
    head = data[:64].lstrip()
    for offset, magic, what in _SIGNATURES:
        if data[offset:offset + len(magic)] == magic or (offset == 0 and head.startswith(magic)):
            return what
    return None


def _clean_rgb(image: Image.Image) -> Image.Image:
    """RGB pixels in sRGB, transparency laid on white, and no metadata at all."""
    icc = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: bring it to 8 bits instead of letting convert() clip it to white.
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if icc:
        image = _to_srgb(image, icc)
    clean = Image.new("RGB", image.size)
    clean.paste(image)  # a fresh image: no EXIF, XMP, ICC or text chunks ride along
    return clean


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    # Phones save in wide-gamut profiles (Display P3); dropping the profile without converting
    # would make the stored avatar look washed out.
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError) as exc:
        log.info("ignoring an unreadable colour profile in an upload: %s", exc)
        return image
