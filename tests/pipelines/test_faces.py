"""Faces on the real photos: MediaPipe's full-range detector, the identity crop, the portrait checks.

The points checked are read off the pictures by eye (tests/photos.py).
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

from pipelines import face
from pipelines.face import (MIN_FACE_PX, FaceBox, FaceError, NoFaceError, crop_box, face_crop, fallback_box,
                            find_face, find_faces, portrait_face)
from tests import photos
from tests.photos import ASTRONAUT_CHIN, ASTRONAUT_FACE, ASTRONAUT_HAIR_TOP, GRACE_CAP_TOP, GRACE_CHIN, GRACE_FACE


def inside(point, box: FaceBox | tuple[int, int, int, int]) -> bool:
    x0, y0, x1, y1 = (box.x, box.y, box.x + box.width, box.y + box.height) if isinstance(box, FaceBox) else box
    return x0 <= point[0] <= x1 and y0 <= point[1] <= y1


def mirrored(points, width):
    return [(width - 1 - x, y) for x, y in points]


def scaled(points, factor):
    return [(x * factor, y * factor) for x, y in points]


def rotated(points, size, angle, new_size):
    """Where ``Image.rotate(angle, expand=True)`` moves each point (counter-clockwise, about the centre)."""
    t = math.radians(angle)
    (cx, cy), (nx, ny) = (size[0] / 2, size[1] / 2), (new_size[0] / 2, new_size[1] / 2)
    return [(nx + (x - cx) * math.cos(t) + (y - cy) * math.sin(t), ny - (x - cx) * math.sin(t) + (y - cy) * math.cos(t))
            for x, y in points]


def variants(picture: Image.Image, points):
    """(name, picture, where the points are in it): the photo mirrored, rescaled, rotated, darkened."""
    w, h = picture.size
    yield "as it is", picture, points
    yield "mirrored", ImageOps.mirror(picture), mirrored(points, w)
    for factor in (0.6, 3.0):
        yield f"x{factor}", picture.resize((round(w * factor), round(h * factor)), Image.Resampling.LANCZOS), \
            scaled(points, factor)
    for angle in (20, -30):
        turned = picture.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(128, 128, 128))
        yield f"rotated {angle}", turned, rotated(points, picture.size, angle, turned.size)
    yield "darkened", ImageEnhance.Brightness(picture).enhance(0.25), points


@pytest.mark.parametrize("photo, points", [(photos.grace_hopper, GRACE_FACE), (photos.astronaut, ASTRONAUT_FACE)],
                         ids=["grace_hopper", "astronaut"])
def test_the_face_box_holds_the_eyes_and_mouth_however_the_photo_is_turned(photo, points):
    for name, picture, where in variants(photo(), points):
        faces = find_faces(picture)
        assert len(faces) == 1, (name, faces)
        assert all(inside(p, faces[0]) for p in where), (name, faces[0], where)
        # a tight box, not half the picture: under 2.6 times the eye-to-mouth span (2.1 here)
        span = max(math.dist(a, b) for a in where for b in where)
        assert faces[0].side < 2.6 * span, (name, faces[0], span)


@pytest.mark.parametrize("photo, top, chin", [(photos.grace_hopper, GRACE_CAP_TOP, GRACE_CHIN),
                                              (photos.astronaut, ASTRONAUT_HAIR_TOP, ASTRONAUT_CHIN)],
                         ids=["grace_hopper", "astronaut"])
def test_the_identity_crop_keeps_the_hair_and_the_chin(photo, top, chin):
    for name, picture, (hair, jaw) in variants(photo(), [top, chin]):
        crop, box = face_crop(picture)
        window = crop_box(picture.size, box)
        assert inside(hair, window) and inside(jaw, window), (name, window, hair, jaw)
        assert crop.size == (window[2] - window[0],) * 2  # square, as the identity encoder expects
        # and still about the face: the crop is under twice the box's side
        assert crop.size[0] <= 2 * box.side, (name, crop.size, box)


def test_pictures_without_a_face_give_none():
    flat = Image.new("RGB", (300, 400), (200, 150, 120))
    noise = Image.fromarray(np.random.RandomState(0).randint(0, 256, (400, 400, 3), dtype=np.uint8))
    for picture in (photos.without_a_face(), flat, noise):
        assert find_face(picture) is None and find_faces(picture) == ()
        with pytest.raises(NoFaceError, match="no face was found in the photo; use a photo where the face"):
            portrait_face(picture)


def test_two_people_side_by_side_are_counted():
    picture = photos.two_people()
    faces = find_faces(picture)
    assert len(faces) == 2 and len(face.people(faces)) == 2
    hopper, astronaut = faces  # largest first: Hopper's face is the bigger one
    assert all(inside((x * 512 / 600 + 512, y * 512 / 600), hopper) for x, y in GRACE_FACE)
    assert all(inside(p, astronaut) for p in ASTRONAUT_FACE)
    with pytest.raises(FaceError, match="the photo shows 2 faces; use a photo of one person alone"):
        portrait_face(picture)
    # the engine, given such a picture anyway, crops the largest face
    assert face_crop(picture)[1] == hopper


def test_a_bystander_far_behind_is_not_a_second_person():
    big, small = FaceBox(0, 0, 200, 200), FaceBox(300, 0, 60, 60)
    assert face.people((big, small)) == (big,)
    assert face.people((big, FaceBox(300, 0, 100, 100))) == (big, FaceBox(300, 0, 100, 100))
    assert face.people(()) == ()


def test_a_face_too_small_for_a_likeness_is_refused():
    picture = photos.small_face()
    (found,) = find_faces(picture)
    assert found.side < MIN_FACE_PX and all(inside(p, found) for p in scaled(ASTRONAUT_FACE, 0.5))
    with pytest.raises(FaceError, match=rf"the face in the photo is only {found.side} px across.*use a closer photo"):
        portrait_face(picture)
    assert portrait_face(photos.portrait()).side >= MIN_FACE_PX  # the uploads' test photo passes


def test_a_phone_photo_is_checked_upright():
    # Stored on its side with EXIF "rotate 90 clockwise to show", as phones do.
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = io.BytesIO()
    photos.grace_hopper().rotate(90, expand=True).save(stored, format="JPEG", quality=95, exif=exif)
    crop, box = face_crop(Image.open(stored))
    assert all(inside(p, box) for p in GRACE_FACE)  # found on the upright picture, in its pixels


def test_no_face_falls_back_to_the_upper_centre_unless_strict():
    image = Image.new("RGB", (200, 400), "white")
    image.paste((255, 0, 0), (0, 0, 200, 240))
    crop, box = face_crop(image)
    assert box is None and crop.size == (200, 200)
    assert np.asarray(crop).reshape(-1, 3).tolist().count([255, 0, 0]) == 200 * 200
    assert fallback_box((300, 400)) == (30, 0, 270, 240) and fallback_box((400, 300)) == (110, 0, 290, 180)
    with pytest.raises(NoFaceError, match=r"no face found in the avatar picture \(200x400\); use a photo"):
        face_crop(image, strict=True)


def test_detection_on_a_shrunk_copy_maps_the_box_back_to_full_resolution():
    small = find_face(photos.grace_hopper())
    large = find_face(photos.grace_hopper().resize((2048, 2400), Image.Resampling.LANCZOS))  # detected at 1024 px
    factor = 2048 / 512
    for got, expected in zip((large.x, large.y, large.width, large.height),
                             (small.x, small.y, small.width, small.height)):
        assert got == pytest.approx(expected * factor, abs=0.03 * large.width)
    assert crop_box((120, 120), small)[2:] == (120, 120)  # a crop never leaves a small picture


def test_face_crop_remembers_each_picture_and_keeps_pictures_apart(monkeypatch):
    calls = []
    real_detect = face._detect
    monkeypatch.setattr(face, "_detect", lambda pixels, size: calls.append(size) or real_detect(pixels, size))
    first = photos.portrait()
    crop, box = face_crop(first)
    again, again_box = face_crop(first.copy())  # same pixels, another object: a cache hit
    assert len(calls) == 1 and again_box == box is not None
    assert again.size == crop.size and again.tobytes() == crop.tobytes() and again is not crop
    assert portrait_face(first) == box and len(calls) == 1  # the upload check and the engine share it
    other = first.copy()
    other.putpixel((0, 0), (0, 0, 0))  # one pixel differs: another key, detected on its own
    face_crop(other)
    face_crop(first.resize((400, 500)))  # same photo, other size
    assert len(calls) == 3
    blank = Image.new("RGB", (300, 400), (240, 240, 240))
    face_crop(blank)
    with pytest.raises(NoFaceError):  # strict mode still applies to a remembered "no face"
        face_crop(blank, strict=True)
    assert len(calls) == 4


def test_face_cache_is_bounded_and_least_recently_used_goes_first():
    cache = face._FaceCache(2)
    cache.put(("a", (1, 1)), ())
    cache.put(("b", (1, 1)), (FaceBox(0, 0, 1, 1),))
    assert cache.get(("a", (1, 1))) == ()  # touch a: b is now the oldest
    cache.put(("c", (1, 1)), ())
    assert len(cache) == 2 and cache.get(("b", (1, 1))) is face._FaceCache._MISSING


def test_the_detector_loads_offline():
    assert face.detection_available()  # the model ships inside the mediapipe wheel
