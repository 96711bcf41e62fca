"""OpenPose skeleton images from keypoints, and keypoints back from skeleton images.

Numpy and Pillow only (no torch): the UI and the pose editor use it too.

The drawing follows controlnet_aux's ``draw_bodypose`` (what the OpenPose ControlNets were
trained on): black background; each of the 17 limbs an ellipse in its joint colour blended at
60% over what is already drawn; then each joint a full-colour disc; hands as HSV-coloured lines
with blue points; face points white. How thick depends on the ControlNet the picture is for
(``LineStyle``, a field of each preset): lllyasviel's are drawn 4 px at 512 px, scaled with the
picture; xinsir's SDXL ControlNet was trained on thicker limbs.

The figure (every visible point) is fitted into the frame with a margin, keeping its
proportions, whatever the frame's aspect ratio. ``fit_transform`` gives that mapping so other
code (export crops, background masks) can find the person in a generated picture.
"""

from __future__ import annotations

import colorsys
import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
from PIL import Image, ImageDraw

from .keypoints import COLOURS, LIMBS, Keypoints, PoseError

HAND_EDGES: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (0, 9), (9, 10), (10, 11), (11, 12),
    (0, 13), (13, 14), (14, 15), (15, 16), (0, 17), (17, 18), (18, 19), (19, 20),
)
HAND_POINT_COLOUR = (0, 0, 255)
FACE_POINT_COLOUR = (255, 255, 255)
LIMB_ALPHA = 0.6
REFERENCE_SIZE = 512  # controlnet_aux draws 4 px sticks on 512 px pictures
# Share of each side kept free around the figure. The engine draws every control picture with
# it, so anything that must find the person in a generated picture (export crops, background
# masks) maps the pose with this same margin.
POSE_MARGIN = 0.08


@dataclass(frozen=True)
class PoseTransform:
    """Maps normalised pose coordinates to pixels of a ``width`` x ``height`` picture."""

    scale: float  # pixels per unit of pose height
    offset_x: float
    offset_y: float
    aspect: float
    width: int
    height: int

    def apply(self, x: float, y: float) -> tuple[float, float]:
        return x * self.aspect * self.scale + self.offset_x, y * self.scale + self.offset_y

    def person_box(self, keypoints: Keypoints) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) in pixels around every visible point of the person."""
        pts = np.array([self.apply(x, y) for x, y in _visible_points(keypoints)])
        return float(pts[:, 0].min()), float(pts[:, 1].min()), float(pts[:, 0].max()), float(pts[:, 1].max())


def fit_transform(keypoints: Keypoints, width: int, height: int, margin: float = POSE_MARGIN) -> PoseTransform:
    """The mapping that fits the figure into ``width`` x ``height`` leaving ``margin`` (a fraction
    of each side) free, centred, proportions kept."""
    if width < 8 or height < 8:
        raise PoseError(f"cannot draw a pose on {width}x{height} pixels; use at least 8x8")
    if not 0 <= margin < 0.5:
        raise PoseError(f"margin {margin} must be from 0 to just under 0.5 (a fraction of each side)")
    pts = _visible_points(keypoints)
    if not pts:
        raise PoseError("the pose has no visible joints to draw")
    xs = np.array([p[0] * keypoints.aspect for p in pts])
    ys = np.array([p[1] for p in pts])
    box_w, box_h = max(xs.max() - xs.min(), 1e-3), max(ys.max() - ys.min(), 1e-3)
    avail_w, avail_h = width * (1 - 2 * margin), height * (1 - 2 * margin)
    scale = min(avail_w / box_w, avail_h / box_h)
    offset_x = width / 2 - (xs.min() + xs.max()) / 2 * scale
    offset_y = height / 2 - (ys.min() + ys.max()) / 2 * scale
    return PoseTransform(scale, offset_x, offset_y, keypoints.aspect, width, height)


class LineStyle(str, Enum):
    """The line widths a pose ControlNet was trained on."""

    # lllyasviel's ControlNets (controlnet_aux ``draw_bodypose``): stick half-width and joint
    # radius 4 px at 512 px, scaled here with the picture's short side.
    OPENPOSE = "openpose"
    # xinsir's OpenPose SDXL ControlNet: its model card replaces ``draw_bodypose`` because its
    # training labels used thicker limbs, 4 px x 1, 2, 3, ... for a longest side under 500,
    # 1000, 2000, ... px (at most x 7); joints stay 4 px discs, hands and face as OpenPose.
    XINSIR = "xinsir"


@dataclass(frozen=True)
class LineWidths:
    limb: int  # half-width of each limb's ellipse, px
    joint: int  # radius of each joint's disc, px
    detail: int  # hand lines, hand and face points, px


def line_widths(style: LineStyle, width: int, height: int) -> LineWidths:
    """The widths ``style`` draws a ``width`` x ``height`` control picture with."""
    base = max(1, round(4 * min(width, height) / REFERENCE_SIZE))
    detail = max(1, base // 2)
    if style is LineStyle.XINSIR:
        longest = max(width, height)
        scale = 1 if longest < 500 else min(2 + longest // 1000, 7)
        return LineWidths(limb=4 * scale, joint=4, detail=detail)
    return LineWidths(limb=base, joint=base, detail=detail)


def render_pose(keypoints: Keypoints, width: int, height: int, *, margin: float = POSE_MARGIN,
                line_style: LineStyle = LineStyle.OPENPOSE) -> Image.Image:
    """The OpenPose control picture (RGB, black background) of ``keypoints`` at ``width`` x ``height``,
    drawn as thick as the ControlNet of ``line_style`` expects."""
    tf = fit_transform(keypoints, width, height, margin)
    widths = line_widths(LineStyle(line_style), width, height)
    canvas = np.zeros((height, width, 3), dtype=np.float32)
    body = keypoints.body
    for i, (a, b) in enumerate(LIMBS):
        if body[a][2] <= 0 or body[b][2] <= 0:
            continue
        (x0, y0), (x1, y1) = tf.apply(*body[a][:2]), tf.apply(*body[b][:2])
        polygon = _ellipse_polygon(x0, y0, x1, y1, widths.limb)
        # blend inside the limb's own box only: whole-frame masks cost 17 full passes per picture
        left = max(0, int(min(p[0] for p in polygon)) - 1)
        top = max(0, int(min(p[1] for p in polygon)) - 1)
        right = min(width, int(max(p[0] for p in polygon)) + 2)
        bottom = min(height, int(max(p[1] for p in polygon)) + 2)
        if right <= left or bottom <= top:
            continue
        mask = Image.new("L", (right - left, bottom - top), 0)
        ImageDraw.Draw(mask).polygon([(x - left, y - top) for x, y in polygon], fill=255)
        sel = np.asarray(mask) > 0
        region = canvas[top:bottom, left:right]
        region[sel] = region[sel] * (1 - LIMB_ALPHA) + np.array(COLOURS[i], dtype=np.float32) * LIMB_ALPHA
    image = Image.fromarray(np.clip(np.round(canvas), 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    for j, (x, y, v) in enumerate(body):
        if v > 0:
            _disc(draw, *tf.apply(x, y), widths.joint, COLOURS[j])
    for hand in keypoints.hands or ():
        for e, (a, b) in enumerate(HAND_EDGES):
            if hand[a][2] > 0 and hand[b][2] > 0:
                colour = tuple(round(c * 255) for c in colorsys.hsv_to_rgb(e / len(HAND_EDGES), 1.0, 1.0))
                draw.line([tf.apply(*hand[a][:2]), tf.apply(*hand[b][:2])], fill=colour,
                          width=widths.detail)
        for x, y, v in hand:
            if v > 0:
                _disc(draw, *tf.apply(x, y), widths.detail, HAND_POINT_COLOUR)
    for x, y, v in keypoints.face or ():
        if v > 0:
            _disc(draw, *tf.apply(x, y), widths.detail, FACE_POINT_COLOUR)
    return image


def read_pose(image: Image.Image, *, tolerance: int = 8) -> Keypoints:
    """Body keypoints read back from a skeleton picture by their joints' unique colours.

    Coordinates are normalised to the picture (aspect = width / height); a joint whose colour is
    not found is returned not visible. Hands are not read back, and where hand points are drawn
    (blue) the left knee, which shares their colour, is unreliable.
    """
    pixels = np.asarray(image.convert("RGB")).astype(np.int16)
    height, width = pixels.shape[:2]
    body = []
    for colour in COLOURS:
        hit = np.all(np.abs(pixels - np.array(colour)) <= tolerance, axis=-1)
        ys, xs = np.nonzero(hit)
        if len(xs) == 0:
            body.append((0.0, 0.0, 0.0))
        else:
            body.append((float(xs.mean()) / width, float(ys.mean()) / height, 1.0))
    return Keypoints(body=tuple(body), aspect=width / height)


def _visible_points(keypoints: Keypoints) -> list[tuple[float, float]]:
    pts = [(x, y) for x, y, v in keypoints.body if v > 0]
    for hand in keypoints.hands or ():
        pts += [(x, y) for x, y, v in hand if v > 0]
    pts += [(x, y) for x, y, v in keypoints.face or () if v > 0]
    return pts


def _ellipse_polygon(x0: float, y0: float, x1: float, y1: float, half_width: float) -> list[tuple[float, float]]:
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_len = math.hypot(x1 - x0, y1 - y0) / 2
    angle = math.atan2(y1 - y0, x1 - x0)
    ca, sa = math.cos(angle), math.sin(angle)
    pts = []
    for k in range(36):
        t = 2 * math.pi * k / 36
        ex, ey = half_len * math.cos(t), half_width * math.sin(t)
        pts.append((cx + ex * ca - ey * sa, cy + ex * sa + ey * ca))
    return pts


def _disc(draw: ImageDraw.ImageDraw, x: float, y: float, radius: float, colour: tuple[int, int, int]) -> None:
    draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)


def draw_over(photo: Image.Image, keypoints: Keypoints) -> Image.Image:
    """A copy of ``photo`` with ``keypoints`` (normalised to that photo, as a pose read off it is)
    drawn over it in OpenPose's colours, for a creator to check the reading against the person.

    Unlike ``render_pose`` nothing is refitted: each joint lands where it was seen. The sticks
    are drawn solid, with a dark edge, so they stay visible on light and dark clothes alike.
    """
    image = photo.convert("RGB")
    width, height = image.size
    return _draw_sticks(image, keypoints, lambda point: (point[0] * width, point[1] * height))


def draw_fitted_over(picture: Image.Image, keypoints: Keypoints, margin: float = POSE_MARGIN) -> Image.Image:
    """A copy of a generated ``picture`` with the pose it was asked to follow drawn over it, fitted
    into the frame exactly as ``render_pose`` fitted it into the control picture: where the sticks
    and the person part, the picture drifted from its pose."""
    image = picture.convert("RGB")
    tf = fit_transform(keypoints, *image.size, margin)
    return _draw_sticks(image, keypoints, lambda point: tf.apply(point[0], point[1]))


def _draw_sticks(image: Image.Image, keypoints: Keypoints, at) -> Image.Image:
    """``keypoints`` drawn on ``image`` in place, each point placed by ``at`` (a point to pixels)."""
    width, height = image.size
    stick = max(2, round(4 * max(width, height) / REFERENCE_SIZE))
    draw = ImageDraw.Draw(image)
    body = keypoints.body
    for i, (a, b) in enumerate(LIMBS):
        if body[a][2] > 0 and body[b][2] > 0:
            draw.line([at(body[a]), at(body[b])], fill=(0, 0, 0), width=stick + 2)
            draw.line([at(body[a]), at(body[b])], fill=COLOURS[i], width=stick)
    for j, point in enumerate(body):
        if point[2] > 0:
            _disc(draw, *at(point), stick + 1, (0, 0, 0))
            _disc(draw, *at(point), stick, COLOURS[j])
    for hand in keypoints.hands or ():
        for e, (a, b) in enumerate(HAND_EDGES):
            if hand[a][2] > 0 and hand[b][2] > 0:
                colour = tuple(round(c * 255) for c in colorsys.hsv_to_rgb(e / len(HAND_EDGES), 1.0, 1.0))
                draw.line([at(hand[a]), at(hand[b])], fill=colour, width=max(1, stick // 2))
        for point in hand:
            if point[2] > 0:
                _disc(draw, *at(point), max(1, stick // 2), HAND_POINT_COLOUR)
    return image
