"""The face pass on a real photo, through the tiny preset's real img2img pipeline: only the
feathered face region changes, the same seed gives the same picture, and it is skipped (untouched,
with the reason) when there is no face or the face is already large."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipelines.face import face_crop, find_faces
from pipelines.face_pass import blend_mask, crop_around, face_pass
from tests import photos


@pytest.fixture(scope="module")
def full_body() -> Image.Image:
    """The astronaut small in a wide frame, as in a full-body shot: her face ~40 px across."""
    canvas = Image.new("RGB", (384, 384), (205, 200, 190))
    canvas.paste(photos.astronaut().resize((192, 192), Image.Resampling.LANCZOS), (96, 150))
    return canvas


def redraw(engine, picture, seed=5, **kw):
    face, _ = face_crop(photos.astronaut())
    return face_pass(engine, picture, face, prompt="a portrait", negative_prompt="", seed=seed, **kw)


def test_only_the_feathered_face_region_changes(engine, full_body):
    # The tiny preset draws 64 px: every real face is "large" for it, so the pass is forced here.
    result = redraw(engine, full_body, force=True)
    assert result.applied and result.note == ""
    assert result.box == crop_around(full_body.size, find_faces(full_body)[0])
    before, after = np.asarray(full_body), np.asarray(result.image)
    changed = np.any(before != after, axis=2)
    left, top, right, bottom = result.box
    region = np.zeros(changed.shape, dtype=bool)
    region[top:bottom, left:right] = np.asarray(blend_mask(right - left)) > 0
    assert changed.any(), "the face was not redrawn"
    assert not changed[~region].any(), "pixels outside the feathered face region changed"
    # The crop's own border keeps the original pixels too: the blend fades to nothing inside it.
    assert not changed[top, left:right].any() and not changed[top:bottom, left].any()


def test_the_same_seed_gives_the_same_picture_and_another_seed_another(engine, full_body):
    first = np.asarray(redraw(engine, full_body, seed=5, force=True).image)
    again = np.asarray(redraw(engine, full_body, seed=5, force=True).image)
    other = np.asarray(redraw(engine, full_body, seed=6, force=True).image)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_no_face_or_a_large_face_leaves_the_picture_untouched(engine, full_body):
    empty = Image.new("RGB", (256, 256), (120, 170, 230))
    skipped = redraw(engine, empty)
    assert (skipped.applied, skipped.note) == (False, "no face to redraw")
    assert np.array_equal(np.asarray(skipped.image), np.asarray(empty))
    large = redraw(engine, full_body)  # 40 px is large for a 64 px model
    assert (large.applied, large.note) == (False, "face already large")
    assert np.array_equal(np.asarray(large.image), np.asarray(full_body))
