"""Framing around the person and encoding files: Pillow only, no format registry."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pipelines.encoding import encode, flatten_rgb
from pipelines.framing import crop_window, frame, person_box
from pipelines.skeleton import POSE_MARGIN, fit_transform, render_pose


def test_the_person_box_holds_every_joint_the_engine_drew(standing):
    # The engine draws the control picture with the shared margin; the box found from the
    # keypoints must hold the joints where they were drawn, with room above for the hair.
    width, height = 384, 512
    drawn = fit_transform(standing, width, height, POSE_MARGIN)
    x0, y0, x1, y1 = person_box((width, height), standing.to_json())
    for x, y, v in standing.body:
        if v:
            px, py = drawn.apply(x, y)
            assert x0 <= px <= x1 and y0 <= py <= y1
    assert y0 < min(drawn.apply(x, y)[1] for x, y, v in standing.body if v)


def test_framing_gives_the_exact_size_or_the_picture_as_it_is(standing):
    picture = render_pose(standing, 384, 512)
    assert frame(picture, standing.to_json(), (300, 100)).size == (300, 100)
    same = frame(picture, None, None)
    assert same is not picture and same.tobytes() == picture.tobytes()


def test_a_window_wider_than_the_person_stays_inside_the_picture(standing):
    box = person_box((1024, 512), standing.to_json())
    x0, y0, x1, y1 = crop_window((1024, 512), 0.5, box)
    assert 0 <= x0 and x1 <= 1024 and (y0, y1) == (0.0, 512.0)
    assert x0 <= box[0] and box[2] <= x1


def test_transparency_is_flattened_onto_white():
    clear = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
    assert flatten_rgb(clear).getpixel((8, 8)) == (255, 255, 255)
    jpeg = Image.open(io.BytesIO(encode(clear, "JPEG")))
    assert jpeg.mode == "RGB" and min(jpeg.getpixel((8, 8))) > 250
    assert frame(clear, None, (8, 8)).getpixel((4, 4)) == (255, 255, 255)


def test_print_files_carry_their_dpi_and_unknown_types_are_refused():
    picture = Image.new("RGB", (8, 8), (10, 20, 30))
    png = Image.open(io.BytesIO(encode(picture, "PNG", dpi=300)))
    assert png.format == "PNG" and tuple(round(v) for v in png.info["dpi"]) == (300, 300)
    with pytest.raises(ValueError, match="image_format must be 'JPEG' or 'PNG', got 'GIF'"):
        encode(picture, "GIF")
