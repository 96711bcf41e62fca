"""Uploaded photos: each rule refuses with its own message; what passes is upright and clean."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageCms

from studio import uploads
from studio.media import MediaStore
from studio.services.errors import InvalidInput

ACCEPTED = "upload a JPEG, PNG or WebP photo"


def photo(path, size=(300, 400), fmt="JPEG", colour=(90, 140, 200), mode="RGB", **save):
    Image.new(mode, size, colour).save(path, format=fmt, **save)
    return path


def refused(path) -> str:
    with pytest.raises(InvalidInput) as caught:
        uploads.read_photo(path)
    return str(caught.value)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_jpeg_png_and_webp_are_accepted_as_rgb(tmp_path, fmt):
    image = uploads.read_photo(photo(tmp_path / "p", fmt=fmt))
    assert image.size == (300, 400)
    assert image.mode == "RGB"


def test_a_gif_is_refused_by_its_content_even_when_named_jpg(tmp_path):
    path = photo(tmp_path / "holiday.jpg", fmt="GIF", mode="P", colour=3)
    assert refused(path) == f"this file is a GIF; {ACCEPTED}"


def test_other_picture_formats_are_named(tmp_path):
    assert refused(photo(tmp_path / "a.png", fmt="BMP")) == f"this file is a BMP picture; {ACCEPTED}"
    heic = tmp_path / "IMG_0001.jpg"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(200))
    assert refused(heic) == f"this file is a HEIC photo (iPhone); {ACCEPTED}"


def test_a_file_that_is_no_picture_is_refused(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("just some words")
    assert refused(path) == f"this file is not a picture Pose Studio can read (or it is damaged); {ACCEPTED}"


def test_empty_and_missing_files_are_refused(tmp_path):
    (tmp_path / "empty.jpg").write_bytes(b"")
    assert refused(tmp_path / "empty.jpg") == f"the file is empty; {ACCEPTED}"
    assert "no file arrived" in refused(tmp_path / "nowhere.jpg")
    assert "no file arrived" in refused(None)


def test_more_than_10_mb_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.jpg"
    path.write_bytes(b"\xff\xd8" + bytes(10 * 1024 * 1024))
    assert refused(path) == f"the file is 10.1 MB; {ACCEPTED} of at most 10 MB"


def test_too_small_photos_are_refused_with_their_size(tmp_path):
    assert refused(photo(tmp_path / "s.jpg", size=(120, 90))) == \
        "the photo is 120x90 px; it must be at least 256 px on each side"
    # one short side is enough to refuse
    assert "300x255 px" in refused(photo(tmp_path / "t.png", size=(300, 255), fmt="PNG"))


def test_more_than_4096_px_a_side_is_refused(tmp_path):
    path = photo(tmp_path / "wide.png", size=(4097, 300), fmt="PNG", mode="L", colour=0)
    assert refused(path) == ("the photo is 4097x300 px; it must be at most 4096 px on each side "
                             "(resize it and upload it again)")


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_without_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(40000, 40000))  # a few hundred bytes claiming 1.6 gigapixels
    message = refused(path)
    assert "decompression bomb" in message and "at most 4096 px" in message


def test_pillow_bomb_warning_level_is_refused_too(tmp_path, monkeypatch):
    # Between MAX_IMAGE_PIXELS and twice that Pillow only warns; the upload must still be refused.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 300 * 300)
    assert "decompression bomb" in refused(photo(tmp_path / "p.png", size=(400, 400), fmt="PNG"))


def test_a_truncated_photo_is_refused_as_damaged(tmp_path):
    rng = np.random.RandomState(0)
    whole = io.BytesIO()
    Image.fromarray((rng.rand(400, 400, 3) * 255).astype("uint8")).save(whole, format="JPEG")
    path = tmp_path / "cut.jpg"
    path.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    assert refused(path) == ("the photo could not be read (the file is damaged or incomplete); "
                             "save it again as a JPEG, PNG or WebP photo and upload that")


def test_exif_orientation_is_applied(tmp_path):
    # Stored 300 wide x 400 tall with a red block top-left; EXIF 6 says "rotate 90 degrees clockwise".
    stored = Image.new("RGB", (300, 400), (0, 0, 255))
    stored.paste((255, 0, 0), (0, 0, 100, 100))
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "phone.jpg"
    stored.save(path, format="JPEG", quality=95, exif=exif)
    upright = uploads.read_photo(path)
    assert upright.size == (400, 300)
    r, g, b = upright.getpixel((350, 50))  # top-left went to top-right
    assert r > 200 and b < 60
    r, g, b = upright.getpixel((50, 50))
    assert b > 200 and r < 60


def test_metadata_is_stripped_from_what_is_stored(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x9286] = "at home"  # UserComment
    path = tmp_path / "meta.jpg"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo(path, exif=exif, icc_profile=icc)
    assert Image.open(path).getexif().get(0x010F) == "SecretCam"  # the test photo does carry it
    clean = uploads.read_photo(path)
    assert not clean.info and not clean.getexif()
    media = MediaStore(tmp_path / "media")
    stored = Image.open(media.absolute(media.save_png(1, "avatars", clean)))
    assert stored.format == "PNG"
    assert "exif" not in stored.info and "icc_profile" not in stored.info and not stored.getexif()
    assert not getattr(stored, "text", {})
    assert b"SecretCam" not in media.absolute(media.save_png(1, "avatars", clean)).read_bytes()


def test_transparency_is_laid_on_white(tmp_path):
    path = tmp_path / "cutout.png"
    Image.new("RGBA", (300, 300), (10, 20, 30, 0)).save(path)
    assert uploads.read_photo(path).getpixel((5, 5)) == (255, 255, 255)
