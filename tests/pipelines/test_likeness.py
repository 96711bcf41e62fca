"""Likeness on real photos: the astronaut is herself when mirrored, rescaled or cropped, and not
Grace Hopper; a picture without a face is "face not visible", never a score of zero."""

from __future__ import annotations

import math
import threading

import pytest
from PIL import Image, ImageOps

import pipelines.likeness as likeness
from pipelines.face import find_faces
from pipelines.likeness import (LIKENESS_BAR, NOT_VISIBLE, SAME_PERSON_DISTANCE, FaceDescriptor, FaceNotDescribed,
                                LikenessUnavailable, compare_photos, describe_face, likeness_of, likeness_to)
from tests import photos


@pytest.fixture(scope="module")
def her() -> FaceDescriptor:
    return describe_face(photos.astronaut())


def scaled(picture: Image.Image, factor: float) -> Image.Image:
    return picture.resize((round(picture.width * factor), round(picture.height * factor)), Image.Resampling.LANCZOS)


def full_body_shot() -> Image.Image:
    """The astronaut at half size in an 832x1216 frame: her face 52 px, 4 % of the picture's height,
    as small as a full-body picture's face, and smaller than MediaPipe's full-range model finds."""
    frame = Image.new("RGB", (832, 1216), (128, 128, 128))
    frame.paste(scaled(photos.astronaut(), 0.5), (288, 100))
    return frame


def test_the_bar_is_dlibs_same_person_distance_in_the_creators_percent():
    assert LIKENESS_BAR == likeness_of(SAME_PERSON_DISTANCE) == pytest.approx(0.6)
    assert likeness_of(0.0) == 1.0 and likeness_of(1.5) == 0.0 and likeness_of(5.0) == 0.0
    assert likeness_of(0.3) > likeness_of(0.5)


@pytest.mark.parametrize("variant", [
    pytest.param(ImageOps.mirror, id="mirrored"),
    pytest.param(lambda a: scaled(a, 0.7), id="scaled 0.7"),
    pytest.param(lambda a: scaled(ImageOps.mirror(a), 0.7), id="mirrored and scaled 0.7"),
    pytest.param(lambda a: a.crop((100, 30, 380, 300)), id="cropped to the head"),
    pytest.param(lambda a: scaled(a, 0.5), id="small face"),
])
def test_the_astronaut_is_the_same_person_in_every_variant_of_her_photo(her, variant):
    result = likeness_to(her, variant(photos.astronaut()))
    assert result.score is not None and result.score >= LIKENESS_BAR, result
    assert result.same_person is True and result.distance < SAME_PERSON_DISTANCE
    assert result.note == ""


@pytest.mark.parametrize("other", [photos.grace_hopper, photos.portrait], ids=["grace hopper", "her portrait"])
def test_grace_hopper_is_someone_else(her, other):
    result = likeness_to(her, other())
    assert result.score is not None and result.score < LIKENESS_BAR, result
    assert result.same_person is False and result.distance >= SAME_PERSON_DISTANCE


def test_a_face_too_small_for_mediapipe_is_found_by_dlib_and_is_still_her(her):
    picture = full_body_shot()
    assert find_faces(picture) == ()  # what the fallback is for
    result = likeness_to(her, picture)
    assert result.same_person is True and result.score >= LIKENESS_BAR, result


@pytest.mark.parametrize("picture", [photos.without_a_face, lambda: Image.new("RGB", (640, 360), (90, 140, 200))],
                         ids=["suit, flag and mission patch", "plain sky"])
def test_a_picture_without_a_face_is_face_not_visible_not_zero(her, picture):
    # The suit's mission patch scores 0.1 as a HOG face: below HOG_MIN_SCORE, so no face.
    result = likeness_to(her, picture())
    assert (result.score, result.distance, result.same_person, result.note) == (None, None, None, NOT_VISIBLE)
    assert result.to_json() == {"likeness": None, "distance": None, "same_person": None, "note": NOT_VISIBLE}


def test_a_face_too_small_to_tell_who_it_is_says_so(her):
    result = likeness_to(her, scaled(photos.astronaut(), 80 / 512))  # MediaPipe finds her, 17 px across
    assert result.score is None and result.note.startswith("the face is only 17 px across, too small")


def test_a_measured_likeness_reads_as_json():
    assert likeness.Likeness.measured(0.3).to_json() == {"likeness": 0.8, "distance": 0.3, "same_person": True,
                                                         "note": ""}


def test_an_avatar_must_show_one_face_to_be_described():
    with pytest.raises(FaceNotDescribed, match=r"^no face found in the 512x312 picture: use a photo where the face"):
        describe_face(photos.without_a_face())
    with pytest.raises(FaceNotDescribed, match=r"^2 faces found: use a photo of one person alone \(faces 167 and 103 px across\)$"):
        describe_face(photos.two_people())
    # A generated picture may show someone behind: its largest face is described.
    assert describe_face(photos.two_people(), largest=True).distance(describe_face(photos.grace_hopper())) < 0.3


def test_comparing_two_photos_names_the_one_without_a_face():
    same = compare_photos(photos.astronaut(), ImageOps.mirror(photos.astronaut()))
    assert same.same_person is True and same.score >= LIKENESS_BAR
    assert compare_photos(photos.astronaut(), photos.grace_hopper()).same_person is False
    with pytest.raises(FaceNotDescribed, match="^Second photo: no face found"):
        compare_photos(photos.astronaut(), photos.without_a_face())
    with pytest.raises(FaceNotDescribed, match="^First photo: 2 faces found"):
        compare_photos(photos.two_people(), photos.astronaut())


def test_a_descriptor_round_trips_through_json_and_bad_data_is_refused(her):
    stored = her.to_json()
    assert len(stored) == 128 and all(isinstance(v, float) for v in stored)
    assert FaceDescriptor.from_json(stored).distance(her) < 1e-4
    for bad in ([0.1] * 127, [0.1] * 129, [math.nan] * 128, [0.1] * 127 + [math.inf], ["0.1"] * 128,
                [True] * 128, {"values": [0.1] * 128}, "0.1," * 128, None):
        with pytest.raises(ValueError, match="face descriptor"):
            FaceDescriptor.from_json(bad)


def test_dlib_describes_faces_from_several_threads_at_once(her):
    results: list[float] = []
    threads = [threading.Thread(target=lambda: results.append(describe_face(photos.astronaut()).distance(her)))
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [0.0, 0.0, 0.0]


def test_a_server_without_the_model_package_says_which_package_is_missing(monkeypatch):
    monkeypatch.setattr(likeness.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LikenessUnavailable, match="needs the face-recognition-models package"):
        likeness.model_folder()
