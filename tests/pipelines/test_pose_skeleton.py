"""Skeleton drawing and reading back: numpy and Pillow only."""

import subprocess
import sys

import numpy as np
import pytest

from pipelines.keypoints import COLOURS, MIRROR, Keypoints, PoseError
from pipelines.presets import get_preset
from pipelines.skeleton import (POSE_MARGIN, LineStyle, LineWidths, fit_transform, line_widths, read_pose,
                                render_pose)


def expected_pixels(kp, w, h):
    tf = fit_transform(kp, w, h, POSE_MARGIN)
    return np.array([tf.apply(x, y) for x, y, _ in kp.body])


@pytest.mark.parametrize("size", [(256, 256), (192, 320), (320, 192)])
def test_read_back_within_tolerance(waving, size):
    w, h = size
    image = render_pose(waving, w, h)
    assert image.mode == "RGB" and image.size == (w, h)
    back = read_pose(image)
    got = np.array([(x * w, y * h) for x, y, _ in back.body])
    want = expected_pixels(waving, w, h)
    for j, (_, _, v) in enumerate(waving.body):
        assert back.body[j][2] == v
        if v and j not in (14, 15, 16, 17, 0):  # face joints may overlap each other at this size
            assert np.hypot(*(got[j] - want[j])) < 1.5, j


def test_figure_fits_inside_the_margin_keeping_proportions(standing):
    for w, h in ((64, 64), (512, 256), (200, 600)):
        pts = expected_pixels(standing, w, h)
        assert pts[:, 0].min() >= 0.08 * w - 1e-6 and pts[:, 0].max() <= 0.92 * w + 1e-6
        assert pts[:, 1].min() >= 0.08 * h - 1e-6 and pts[:, 1].max() <= 0.92 * h + 1e-6
        tf = fit_transform(standing, w, h, 0.08)
        # one scale for both axes: the limb-length ratio in pixels matches the pose's
        (x0, y0), (x1, y1) = tf.apply(*standing.body[8][:2]), tf.apply(*standing.body[9][:2])
        assert np.isclose(np.hypot(x1 - x0, y1 - y0), tf.scale * 0.2, rtol=1e-6)


def test_black_background_limbs_at_sixty_percent_and_full_colour_joints(standing):
    pixels = np.asarray(render_pose(standing, 256, 256)).reshape(-1, 3)
    assert (pixels == 0).all(axis=1).mean() > 0.8
    colours = {tuple(p) for p in pixels}
    assert COLOURS[1] in colours  # neck joint, full colour
    assert tuple(round(c * 0.6) for c in COLOURS[0]) in colours  # limb 0 (neck-right shoulder), 60%


def test_mirrored_pose_reads_back_mirrored(waving):
    w, h = 256, 256
    a, b = read_pose(render_pose(waving, w, h)), read_pose(render_pose(waving.mirrored(), w, h))
    for j in range(1, 14):
        xa, ya, _ = a.body[MIRROR[j]]
        xb, yb, _ = b.body[j]
        assert abs((1 - xa) - xb) * w < 2 and abs(ya - yb) * h < 2, j


def test_hands_and_face_are_drawn(standing):
    hand = [[0.33 + 0.004 * i, 0.52 + 0.003 * i, 1] for i in range(21)]
    face = [[0.48 + 0.0006 * i, 0.1, 1] for i in range(70)]
    with_extras = Keypoints.from_json({**standing.to_json(), "hands": [hand, hand], "face": face})
    plain = np.asarray(render_pose(standing, 256, 256))
    extras = np.asarray(render_pose(with_extras, 256, 256))
    assert (extras == 255).all(axis=-1).any() and not (plain == 255).all(axis=-1).any()  # white face dots


def test_bad_sizes_are_refused(standing):
    with pytest.raises(PoseError, match="4x4"):
        render_pose(standing, 4, 4)


def test_light_modules_import_without_torch():
    code = ("import sys, pipelines, pipelines.keypoints, pipelines.skeleton, pipelines.params, "
            "pipelines.presets, pipelines.avatar_prompt, pipelines.generation; "
            "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules, 'heavy import'")
    subprocess.run([sys.executable, "-c", code], check=True)


def thigh_width(image, kp) -> int:
    """Pixels across the right thigh (hip 8 -> knee 9, vertical in these poses) at its middle row."""
    w, h = image.size
    tf = fit_transform(kp, w, h, POSE_MARGIN)
    (_, y0), (_, y1) = tf.apply(*kp.body[8][:2]), tf.apply(*kp.body[9][:2])
    row = np.asarray(image)[round((y0 + y1) / 2)].astype(int)
    limb = np.array([round(c * 0.6) for c in COLOURS[7]])  # limb 7 is hip-knee, drawn at 60 %
    return int((np.abs(row - limb).max(axis=-1) <= 1).sum())


def test_sd15_lines_keep_the_original_openpose_widths(standing):
    assert line_widths(LineStyle.OPENPOSE, 512, 512) == LineWidths(limb=4, joint=4, detail=2)  # controlnet_aux
    assert line_widths(LineStyle.OPENPOSE, 512, 768) == LineWidths(limb=4, joint=4, detail=2)
    assert line_widths(LineStyle.OPENPOSE, 256, 256) == LineWidths(limb=2, joint=2, detail=1)
    fast = get_preset("fast")
    assert fast.line_style is LineStyle.OPENPOSE
    drawn = render_pose(standing, 512, 768, line_style=fast.line_style)
    assert drawn.tobytes() == render_pose(standing, 512, 768).tobytes()  # the default is OpenPose's
    assert thigh_width(drawn, standing) == 9  # an ellipse 4 px either side of its axis


def test_sdxl_presets_draw_thicker_lines_as_xinsirs_controlnet_was_trained(standing):
    # 4 px x 1 / 2 / 3 / 4 for a longest side under 500 / 1000 / 2000 / 3000 px (its model card)
    assert [line_widths(LineStyle.XINSIR, 300, side).limb for side in (499, 500, 999, 1000, 1999, 2000)] \
        == [4, 8, 8, 12, 12, 16]
    assert line_widths(LineStyle.XINSIR, 832, 1216).joint == 4
    for key in ("standard", "pro"):
        assert get_preset(key).line_style is LineStyle.XINSIR
    sdxl = render_pose(standing, 832, 1216, line_style=get_preset("standard").line_style)
    sd15 = render_pose(standing, 832, 1216, line_style=get_preset("fast").line_style)
    assert thigh_width(sdxl, standing) == 25 and thigh_width(sd15, standing) == 13
    assert read_pose(sdxl).body[9][2] == 1  # joints keep their colours: the picture still reads back
