"""Likeness on real photos: the astronaut is herself when mirrored, rescaled or cropped, and not
Grace Hopper; a picture without a face is "face not visible", never a score of zero."""

from __future__ import annotations

import math

import pytest
from PIL import Image, ImageOps

from pipelines.likeness import (LIKENESS_BAR, NOT_VISIBLE, SAME_PERSON_DISTANCE, FaceDescriptor, FaceNotDescribed,
                                compare_photos, describe_face, likeness_of, likeness_to)
from tests import photos


@pytest.fixture(scope="module")
def her() -> FaceDescriptor:
    return describe_face(photos.astronaut())


def test_the_bar_is_dlibs_same_person_distance_in_the_creators_percent():
    assert likeness_of(SAME_PERSON_DISTANCE) == pytest.approx(LIKENESS_BAR)
    assert likeness_of(0.0) == 1.0 and likeness_of(5.0) == 0.0
    assert likeness_of(0.3) > likeness_of(0.5)


@pytest.mark.parametrize("variant", [
    pytest.param(lambda a: ImageOps.mirror(a), id="mirrored"),
    pytest.param(lambda a: a.resize((358, 358), Image.Resampling.LANCZOS), id="scaled 0.7"),
    pytest.param(lambda a: ImageOps.mirror(a).resize((358, 358), Image.Resampling.LANCZOS), id="mirrored and scaled"),
    pytest.param(lambda a: a.crop((100, 30, 380, 300)), id="cropped to the head"),
    pytest.param(lambda a: a.resize((256, 256), Image.Resampling.LANCZOS), id="small face"),
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
    assert result.same_person is False


def test_a_picture_without_a_face_is_face_not_visible_not_zero(her):
    result = likeness_to(her, photos.without_a_face())
    assert (result.score, result.distance, result.same_person, result.note) == (None, None, None, NOT_VISIBLE)
    assert result.to_json() == {"likeness": None, "distance": None, "same_person": None, "note": NOT_VISIBLE}


def test_an_avatar_must_show_one_face_to_be_described():
    with pytest.raises(FaceNotDescribed, match="no face found"):
        describe_face(photos.without_a_face())
    with pytest.raises(FaceNotDescribed, match="2 faces found: use a photo of one person"):
        describe_face(photos.two_people())
    # A generated picture may show someone behind: its largest face is described.
    assert describe_face(photos.two_people(), largest=True).distance(describe_face(photos.grace_hopper())) < 0.3


def test_comparing_two_photos_names_the_one_without_a_face():
    same = compare_photos(photos.astronaut(), ImageOps.mirror(photos.astronaut()))
    assert same.same_person is True and same.score >= LIKENESS_BAR
    assert compare_photos(photos.astronaut(), photos.grace_hopper()).same_person is False
    with pytest.raises(FaceNotDescribed, match="^Second photo: no face found"):
        compare_photos(photos.astronaut(), photos.without_a_face())


def test_a_descriptor_round_trips_through_json_and_bad_data_is_refused(her):
    again = FaceDescriptor.from_json(her.to_json())
    assert again.distance(her) < 1e-4
    for bad in ([0.1] * 127, [math.nan] * 128, ["0.1"] * 128, [True] * 128, {"values": [0.1] * 128}, None):
        with pytest.raises(ValueError):
            FaceDescriptor.from_json(bad)
