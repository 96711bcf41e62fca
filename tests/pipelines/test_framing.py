"""Framing around the person (and the face, without a pose) and encoding files."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pipelines.encoding import encode, flatten_rgb
from pipelines.face import find_faces
from pipelines.framing import crop_window, frame, head_box, person_box
from pipelines.keypoints import JOINT, Keypoints
from pipelines.skeleton import POSE_MARGIN, fit_transform, render_pose
from tests import photos


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


HEAD = ("nose", "right_eye", "left_eye", "right_ear", "left_ear")


@pytest.mark.parametrize("aspect", [9 / 16, 1.0], ids=["9:16", "1:1"])
def test_the_head_is_inside_the_crop_whatever_the_pose_and_picture(standing, waving, aspect):
    headshot = Keypoints.from_json({"aspect": 0.75, "body": [
        [x, y, v if j in (0, 1, 2, 5, 14, 15, 16, 17) else 0] for j, (x, y, v) in enumerate(standing.to_json()["body"])]})
    for pose in (standing, waving, headshot):
        for size in ((1024, 512), (512, 768), (768, 512), (512, 512)):
            fit = fit_transform(pose, *size, POSE_MARGIN)
            x0, y0, x1, y1 = crop_window(size, aspect, person_box(size, pose.to_json()))
            head = [fit.apply(*pose.body[JOINT[j]][:2]) for j in HEAD if pose.body[JOINT[j]][2] > 0]
            nose_y, neck_y = fit.apply(*pose.body[JOINT["nose"]][:2])[1], fit.apply(*pose.body[JOINT["neck"]][:2])[1]
            for x, y in head:
                assert x0 <= x <= x1 and y0 <= y <= y1, (size, aspect, (x, y), (x0, y0, x1, y1))
            # and the crown, where the picture has it: a head is about nose-to-neck high, half above the eyes
            assert y0 <= max(0.0, min(y for _, y in head) - 0.5 * (neck_y - nose_y)), (size, aspect)


@pytest.mark.parametrize("size", [(270, 480), (480, 480)], ids=["9:16", "1:1"])
def test_without_a_pose_the_face_found_in_the_picture_stays_in_frame(size):
    # The astronaut at the left of a wide picture: a centre crop would show only the grey.
    wide = Image.new("RGB", (1536, 512), (90, 90, 90))
    wide.paste(photos.astronaut(), (0, 0))
    aspect = size[0] / size[1]
    assert find_faces(wide.resize(size, box=crop_window(wide.size, aspect, None))) == ()
    framed = frame(wide, None, size)
    (found,) = find_faces(framed)
    x0, y0, x1, _ = crop_window(wide.size, aspect, head_box(wide))
    scale = size[0] / (x1 - x0)
    for x, y in photos.ASTRONAUT_FACE + [photos.ASTRONAUT_HAIR_TOP, photos.ASTRONAUT_CHIN]:
        fx, fy = (x - x0) * scale, (y - y0) * scale
        assert 0 <= fx < size[0] and 0 <= fy < size[1]  # hair and chin kept
    for x, y in photos.ASTRONAUT_FACE:
        fx, fy = (x - x0) * scale, (y - y0) * scale
        assert found.x <= fx <= found.x + found.width and found.y <= fy <= found.y + found.height
    assert head_box(Image.new("RGB", (300, 200), (90, 90, 90))) is None  # no face: the centre, as before
