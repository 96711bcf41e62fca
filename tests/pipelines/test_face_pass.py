"""The face pass on real photos, through the tiny presets' real img2img pipelines: only the
feathered face region changes, the same seed gives the same picture, the identity adapter steers
the redraw, and the pass is skipped (untouched, with the reason) when there is no face or the face
is already large."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pipelines.face import face_crop, find_faces
from pipelines.face_pass import MIN_CROP, SMALL_FACE, blend_mask, crop_around, face_pass, match_colours, native_side
from pipelines.presets import pipeline_classes
from tests import photos


def in_a_wide_frame(canvas: int, side: int) -> Image.Image:
    """The astronaut photo shrunk to ``side`` px, standing at the bottom of a ``canvas`` px square
    backdrop, as in a full-body shot."""
    picture = Image.new("RGB", (canvas, canvas), (205, 200, 190))
    picture.paste(photos.astronaut().resize((side, side), Image.Resampling.LANCZOS), ((canvas - side) // 2,
                                                                                       canvas - side))
    return picture


@pytest.fixture(scope="module")
def full_body() -> Image.Image:
    return in_a_wide_frame(256, 96)  # her face ~18 px across


@pytest.fixture(scope="module")
def avatar_face() -> Image.Image:
    face, box = face_crop(photos.astronaut())
    assert box is not None
    return face


def redraw(engine, picture, avatar_face, seed=5, **kw):
    return face_pass(engine, picture, avatar_face, prompt="a portrait", negative_prompt="", seed=seed, **kw)


def changed_pixels(before: Image.Image, after: Image.Image) -> np.ndarray:
    assert before.size == after.size
    return np.any(np.asarray(before.convert("RGB")) != np.asarray(after.convert("RGB")), axis=2)


def test_only_the_feathered_face_region_changes(engine, full_body, avatar_face):
    # The tiny preset draws 64 px, so an 18 px face is "large" for it: the pass is forced here.
    result = redraw(engine, full_body, avatar_face, force=True)
    assert result.applied and result.note == ""
    face = find_faces(full_body)[0]
    assert result.box == crop_around(full_body.size, face)
    left, top, right, bottom = result.box
    assert left <= face.x and top <= face.y and right >= face.x + face.width and bottom >= face.y + face.height
    changed = changed_pixels(full_body, result.image)
    region = np.zeros(changed.shape, dtype=bool)
    region[top:bottom, left:right] = np.asarray(blend_mask(right - left)) > 0
    assert not changed[~region].any(), "pixels outside the feathered face region changed"
    # The crop's own border keeps the original pixels too: the blend fades to nothing inside it.
    assert not changed[top, left:right].any() and not changed[bottom - 1, left:right].any()
    assert not changed[top:bottom, left].any() and not changed[top:bottom, right - 1].any()
    # ...and the face itself was redrawn, not a stray pixel or two.
    on_face = changed[face.y:face.y + face.height, face.x:face.x + face.width]
    assert on_face.mean() > 0.5, f"only {on_face.mean():.0%} of the face's pixels changed"


def test_the_same_seed_gives_the_same_picture_and_another_seed_another(engine, full_body, avatar_face):
    first = np.asarray(redraw(engine, full_body, avatar_face, seed=5, force=True).image)
    again = np.asarray(redraw(engine, full_body, avatar_face, seed=5, force=True).image)
    other = np.asarray(redraw(engine, full_body, avatar_face, seed=6, force=True).image)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_a_face_small_for_the_model_is_redrawn_without_being_forced(engine, avatar_face):
    picture = in_a_wide_frame(128, 48)  # her face ~9 px: under SMALL_FACE of the tiny preset's 64 px
    face = find_faces(picture)[0]
    assert max(face.width, face.height) < SMALL_FACE * native_side(engine)
    result = redraw(engine, picture, avatar_face)
    assert result.applied and result.note == ""
    assert changed_pixels(picture, result.image).any()


def test_a_picture_with_no_face_comes_back_untouched(engine, avatar_face):
    no_face = photos.without_a_face()  # the suit, the flag and the helmet below her chin
    result = redraw(engine, no_face, avatar_face, force=True)
    assert (result.applied, result.note, result.box) == (False, "no face to redraw", None)
    assert not changed_pixels(no_face, result.image).any()


def test_a_large_face_is_left_alone_unless_forced(engine, avatar_face):
    portrait = photos.small_face()  # 256 px, her face ~53 px: large for a 64 px model
    skipped = redraw(engine, portrait, avatar_face)
    assert (skipped.applied, skipped.note, skipped.box) == (False, "face already large", None)
    assert not changed_pixels(portrait, skipped.image).any()
    forced = redraw(engine, portrait, avatar_face, force=True)
    assert forced.applied and changed_pixels(portrait, forced.image).any()


def test_a_strength_outside_0_to_1_is_refused_naming_it(engine, full_body, avatar_face):
    for strength in (0, -0.2, 1.5, float("nan"), True):
        with pytest.raises(ValueError, match="strength"):
            redraw(engine, full_body, avatar_face, strength=strength)


def test_the_redraw_is_steered_by_the_identity_adapter_on_the_avatars_face(engine, avatar_face):
    crop = photos.small_face().resize((64, 64), Image.Resampling.LANCZOS)
    other_face, _ = face_crop(photos.grace_hopper())

    def redrawn(face, identity_strength):
        return np.asarray(engine.redraw(crop, face, prompt="a portrait", negative_prompt="", seed=3, strength=0.5,
                                        identity_strength=identity_strength))

    # At scale 0 the adapter is silent: whose face it is makes no difference; at 1 it does.
    assert np.array_equal(redrawn(avatar_face, 0.0), redrawn(other_face, 0.0))
    assert not np.array_equal(redrawn(avatar_face, 1.0), redrawn(other_face, 1.0))


def test_a_low_strength_still_runs_a_step_on_a_preset_of_few_steps(engine):
    # The tiny preset has 2 steps: 2 x 0.1 would round down to no step at all.
    assert engine.preset.steps * 0.1 < 1
    crop = photos.small_face().resize((64, 64), Image.Resampling.LANCZOS)
    out = engine.redraw(crop, crop, prompt="", negative_prompt="", seed=1, strength=0.1)
    assert out.size == (64, 64)
    assert engine.img2img.num_timesteps >= 1


def test_a_picture_whose_sides_are_not_multiples_of_8_is_refused(engine):
    with pytest.raises(ValueError, match="multiples of 8"):
        engine.redraw(Image.new("RGB", (60, 64)), Image.new("RGB", (64, 64)), prompt="", negative_prompt="",
                      seed=1, strength=0.4)


def test_the_img2img_view_shares_the_pose_pipelines_components(engine):
    assert isinstance(engine.img2img, pipeline_classes("sd15")[2])
    assert engine.img2img.unet is engine.pipe.unet and engine.img2img.vae is engine.pipe.vae
    assert engine.img2img.image_encoder is engine.pipe.image_encoder


def test_an_sdxl_engine_redraws_through_its_own_img2img_view(xl_engine, full_body, avatar_face):
    assert isinstance(xl_engine.img2img, pipeline_classes("sdxl")[2])
    assert xl_engine.img2img.unet is xl_engine.pipe.unet
    result = redraw(xl_engine, full_body, avatar_face, force=True)
    assert result.applied
    left, top, right, bottom = result.box
    region = np.zeros(full_body.size[::-1], dtype=bool)
    region[top:bottom, left:right] = np.asarray(blend_mask(right - left)) > 0
    changed = changed_pixels(full_body, result.image)
    assert changed.any() and not changed[~region].any()


def test_colours_are_matched_to_the_original_crop():
    original = photos.small_face()
    # A redraw gone blue and flat: matching brings back the original's light and contrast.
    off = Image.fromarray((np.asarray(original) * 0.5 + np.array([0, 0, 90])).astype(np.uint8))
    matched = np.asarray(match_colours(off, original), dtype=np.float64)
    want = np.asarray(original, dtype=np.float64)
    assert np.allclose(matched.mean(axis=(0, 1)), want.mean(axis=(0, 1)), atol=1.5)
    assert np.allclose(matched.std(axis=(0, 1)), want.std(axis=(0, 1)), atol=1.5)


def test_the_blend_mask_is_solid_in_the_middle_and_nothing_at_the_edges():
    for side in range(MIN_CROP, 257):
        mask = np.asarray(blend_mask(side))
        assert mask[side // 2, side // 2] >= 240, side
        assert not (mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any()), side
