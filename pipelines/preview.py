"""Gallery thumbnails of poses: a soft figure drawn from the keypoints, cached on disk.

Only numpy and Pillow, so the pose gallery can show previews without loading torch. The
figure is drawn at four times the size and scaled down, which smooths the edges. The
pose's own canvas (its aspect and framing) is shown as a card inside the square thumbnail,
so a headshot reads as a headshot and a half-body pose is cut where its picture is cut.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from pipelines.keypoints import HAND_SIDES, JOINT, Keypoints

logger = logging.getLogger(__name__)

# Bump when the drawing changes, so cached thumbnails are drawn again.
RENDER_VERSION = 2  # 2: hands drawn
SUPERSAMPLE = 4

CARD = (255, 255, 255)
CARD_EDGE = (222, 224, 230)
TORSO = (98, 110, 138)
HEAD = (112, 124, 152)
RIGHT = (211, 120, 92)    # the person's right side: warm
LEFT = (80, 136, 190)     # the person's left side: cool
JOINT_DOT = (250, 250, 252)
FACE_DOT = (52, 58, 74)

# Typical segment lengths in head units, used to estimate the figure's scale.
_SCALE_SEGMENTS = (
    (("neck", "right_hip"), 2.45), (("neck", "left_hip"), 2.45),
    (("right_shoulder", "left_shoulder"), 1.65), (("right_hip", "left_hip"), 1.4),
    (("right_shoulder", "right_elbow"), 1.45), (("left_shoulder", "left_elbow"), 1.45),
    (("right_elbow", "right_wrist"), 1.2), (("left_elbow", "left_wrist"), 1.2),
    (("right_hip", "right_knee"), 1.9), (("left_hip", "left_knee"), 1.9),
    (("right_knee", "right_ankle"), 1.7), (("left_knee", "left_ankle"), 1.7),
    (("right_eye", "left_eye"), 0.36), (("right_ear", "left_ear"), 0.8),
    (("nose", "neck"), 0.85),
)


def head_unit(points: dict[str, tuple[float, float]]) -> float:
    """The figure's head height in the units of ``points``, from whatever segments are seen.

    A projected segment is never longer than the real one, so each seen segment gives a
    lower bound on the scale; the largest bound is the best estimate.
    """
    best = 0.0
    for (a, b), length in _SCALE_SEGMENTS:
        if a in points and b in points:
            best = max(best, math.dist(points[a], points[b]) / length)
    return best


def render_preview(keypoints: Keypoints, size: int = 256, *,
                   background: tuple[int, int, int] = (245, 245, 247)) -> Image.Image:
    """A square RGB thumbnail of the pose, readable at gallery size."""
    s = size * SUPERSAMPLE
    image = Image.new("RGB", (s, s), background)
    draw = ImageDraw.Draw(image)

    margin = 0.06 * s
    aspect = keypoints.aspect
    card_h = s - 2 * margin
    card_w = card_h * aspect
    if card_w > s - 2 * margin:
        card_w = s - 2 * margin
        card_h = card_w / aspect
    x0, y0 = (s - card_w) / 2, (s - card_h) / 2
    radius = int(0.04 * s)
    draw.rounded_rectangle((x0, y0, x0 + card_w, y0 + card_h), radius=radius, fill=CARD,
                           outline=CARD_EDGE, width=max(1, SUPERSAMPLE))

    pts = {name: (x0 + x * card_w, y0 + y * card_h)
           for name, i in JOINT.items() for x, y, v in [keypoints.body[i]] if v > 0}
    hands = {side: [(x0 + x * card_w, y0 + y * card_h) if v > 0 else None for x, y, v in hand]
             for side, hand in zip(HAND_SIDES, keypoints.hands or ()) if any(v > 0 for _, _, v in hand)}
    unit = head_unit(pts) or 0.12 * card_h
    figure = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    _draw_figure(ImageDraw.Draw(figure), pts, unit, card_h, (x0, y0, x0 + card_w, y0 + card_h), hands)
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle((x0, y0, x0 + card_w, y0 + card_h), radius=radius, fill=255)
    clipped = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    clipped.paste(figure, mask=_and(figure.getchannel("A"), mask))
    image.paste(clipped, mask=clipped.getchannel("A"))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _and(a: Image.Image, b: Image.Image) -> Image.Image:
    from PIL import ImageChops
    return ImageChops.multiply(a, b)


def _extend(p: tuple[float, float], q: tuple[float, float], length: float) -> tuple[float, float]:
    dx, dy = q[0] - p[0], q[1] - p[1]
    d = math.hypot(dx, dy) or 1.0
    return (p[0] + dx / d * length, p[1] + dy / d * length)


def _draw_figure(draw: ImageDraw.ImageDraw, pts: dict[str, tuple[float, float]], unit: float,
                 card_h: float, card: tuple[float, float, float, float],
                 hands: dict[str, list[tuple[float, float] | None]]) -> None:
    def limb(a: str, b: str, width: float, colour: tuple[int, int, int]) -> None:
        if a in pts and b in pts:
            _capsule(draw, pts[a], pts[b], width * unit, colour)

    neck = pts.get("neck")
    hips = [pts[h] for h in ("right_hip", "left_hip") if h in pts]

    # Legs first, so the torso overlaps the tops of the thighs.
    for side, colour in (("right", RIGHT), ("left", LEFT)):
        hip, knee, ankle = f"{side}_hip", f"{side}_knee", f"{side}_ankle"
        limb(hip, knee, 0.5, colour)
        limb(knee, ankle, 0.38, colour)
        if hip in pts and knee not in pts:  # cut off by the framing: let the thigh run out
            _capsule(draw, pts[hip], (pts[hip][0], card[3] + unit), 0.5 * unit, colour)
        if knee in pts and ankle not in pts and pts[knee][1] > card[3] - 1.2 * unit:
            _capsule(draw, pts[knee], (pts[knee][0], card[3] + unit), 0.38 * unit, colour)
        if ankle in pts:
            _dot(draw, pts[ankle], 0.22 * unit, colour)

    # Torso: shoulders and hips, or shoulders running out of the bottom of the card.
    shoulders = [pts[n] for n in ("right_shoulder", "left_shoulder") if n in pts]
    if neck and len(hips) == 2:
        # The trunk has depth: seen from the side it is still a body, not a line.
        mid_hip = ((hips[0][0] + hips[1][0]) / 2, (hips[0][1] + hips[1][1]) / 2)
        _capsule(draw, _extend(neck, mid_hip, 0.35 * unit), mid_hip, 1.0 * unit, TORSO)
    elif neck and len(shoulders) == 2:
        _capsule(draw, _extend(neck, (neck[0], neck[1] + 1), 0.35 * unit),
                 (neck[0], card[3] + unit), 1.0 * unit, TORSO)
    if len(shoulders) == 2:
        if len(hips) == 2:
            lower = [pts["left_hip"], pts["right_hip"]]
        else:
            drop = (card[3] - min(s[1] for s in shoulders)) + unit
            lower = [(shoulders[1][0] - 0.08 * unit, shoulders[1][1] + drop),
                     (shoulders[0][0] + 0.08 * unit, shoulders[0][1] + drop)]
        poly = [shoulders[0], shoulders[1], *lower]
        draw.polygon(poly, fill=TORSO)
        for p, q in zip(poly, poly[1:] + poly[:1]):
            _capsule(draw, p, q, 0.4 * unit, TORSO)
        if neck:
            for h in hips:
                _capsule(draw, neck, h, 0.5 * unit, TORSO)

    # Arms over the torso.
    for side, colour in (("right", RIGHT), ("left", LEFT)):
        sho, elb, wri = f"{side}_shoulder", f"{side}_elbow", f"{side}_wrist"
        limb(sho, elb, 0.36, colour)
        limb(elb, wri, 0.3, colour)
        if sho in pts and elb not in pts:  # cut off: hang the upper arm out of the card
            _capsule(draw, pts[sho], (pts[sho][0] + (0.15 if side == "left" else -0.15) * unit,
                                      pts[sho][1] + 3 * unit), 0.36 * unit, colour)
        if side in hands:
            _draw_hand(draw, hands[side], unit, colour)
        elif wri in pts:
            end = _extend(pts[elb], pts[wri], math.dist(pts[elb], pts[wri]) + 0.2 * unit) if elb in pts else pts[wri]
            _dot(draw, end, 0.2 * unit, colour)
        for j in (sho, elb, wri):
            if j in pts:
                _dot(draw, pts[j], 0.07 * unit, JOINT_DOT)
    for side in ("right", "left"):
        for j in (f"{side}_hip", f"{side}_knee", f"{side}_ankle"):
            if j in pts:
                _dot(draw, pts[j], 0.07 * unit, JOINT_DOT)

    # Neck and head.
    centre, radius = _head(pts, unit)
    if centre and neck:
        _capsule(draw, neck, _extend(neck, centre, 0.6 * math.dist(neck, centre)), 0.46 * unit, HEAD)
    if centre:
        draw.ellipse((centre[0] - radius * 0.86, centre[1] - radius, centre[0] + radius * 0.86,
                      centre[1] + radius), fill=HEAD)
        for j in ("right_eye", "left_eye"):
            if j in pts:
                _dot(draw, pts[j], 0.07 * unit, FACE_DOT)
        if "nose" in pts:
            _dot(draw, pts["nose"], 0.06 * unit, FACE_DOT)
    if neck:
        _dot(draw, neck, 0.07 * unit, JOINT_DOT)


# OpenPose hand points: 0 the wrist, then four per digit from the thumb to the little finger.
_DIGITS = ((0, 1, 2, 3, 4), (5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
_PALM = (0, 1, 5, 9, 13, 17)


def _draw_hand(draw: ImageDraw.ImageDraw, hand: list[tuple[float, float] | None], unit: float, colour) -> None:
    """A palm and five fingers, so a thumbs up or a peace sign reads at gallery size. The fingers
    get a darker edge first: a hand held over the chest or an arm would melt into it otherwise."""
    edge = tuple(round(c * 0.62) for c in colour)
    palm = [hand[i] for i in _PALM if hand[i] is not None]
    for extra, fill in ((0.07 * unit, edge), (0.0, colour)):
        if len(palm) >= 3:
            draw.polygon(palm, fill=fill, outline=fill, width=max(1, int(extra)))
        for digit in _DIGITS:
            if digit[0] != 0 and hand[0] is not None and hand[digit[0]] is not None:
                _capsule(draw, hand[0], hand[digit[0]], 0.12 * unit + extra, fill)  # the palm's breadth
            for a, b in zip(digit, digit[1:]):
                if hand[a] is not None and hand[b] is not None:
                    _capsule(draw, hand[a], hand[b], (0.11 if digit[0] == 0 else 0.09) * unit + extra, fill)


def _head(pts: dict[str, tuple[float, float]], unit: float):
    """Centre and radius of the head, from the face points (or the neck when none are seen)."""
    radius = 0.56 * unit
    ears = [pts[j] for j in ("right_ear", "left_ear") if j in pts]
    face = [pts[j] for j in ("nose", "right_eye", "left_eye") if j in pts]
    neck = pts.get("neck")
    if len(ears) == 2:
        cx, cy = (ears[0][0] + ears[1][0]) / 2, (ears[0][1] + ears[1][1]) / 2
    elif face or ears:
        group = face + ears
        cx = sum(p[0] for p in group) / len(group)
        cy = sum(p[1] for p in group) / len(group)
        if ears and face:  # profile: the skull sits between the face and the ear
            cx = (cx + ears[0][0]) / 2
    elif neck:
        return (neck[0], neck[1] - 0.95 * unit), radius
    else:
        return None, radius
    if neck:
        # The skull's centre lies a little further from the neck than the ears and eyes.
        d = math.dist(neck, (cx, cy)) or 1.0
        cx, cy = cx + (cx - neck[0]) / d * 0.12 * unit, cy + (cy - neck[1]) / d * 0.12 * unit
    # Keep the eyes and nose inside the head, whichever way it turns.
    for _ in range(3):
        for p in face:
            d = math.dist(p, (cx, cy))
            if d > 0.72 * radius:
                step = (d - 0.72 * radius) / d
                cx, cy = cx + (p[0] - cx) * step, cy + (p[1] - cy) * step
    return (cx, cy), radius


def _capsule(draw: ImageDraw.ImageDraw, p, q, width: float, colour) -> None:
    w = max(1, int(round(width)))
    draw.line((p[0], p[1], q[0], q[1]), fill=colour, width=w)
    _dot(draw, p, width / 2, colour)
    _dot(draw, q, width / 2, colour)


def _dot(draw: ImageDraw.ImageDraw, p, r: float, colour) -> None:
    draw.ellipse((p[0] - r, p[1] - r, p[0] + r, p[1] + r), fill=colour)


def preview_key(keypoints_json: dict[str, Any]) -> str:
    """A short hash of the keypoints and the drawing version: the cache key of a thumbnail."""
    text = json.dumps(keypoints_json, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"v{RENDER_VERSION}:{text}".encode()).hexdigest()[:16]


def preview_path(cache_dir: Path, slug: str, keypoints_json: dict[str, Any], *, size: int = 256) -> Path:
    """The cached thumbnail of a pose, drawn on first use.

    The file name carries a hash of the keypoints, so edited keypoints get a new thumbnail.
    Two processes drawing the same pose at once both write a temporary file and rename it
    into place; the rename is atomic, so a reader never sees half a file.
    """
    cache_dir = Path(cache_dir)
    path = cache_dir / f"{slug}-{preview_key(keypoints_json)}-{size}.webp"
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    image = render_preview(Keypoints.from_json(keypoints_json), size)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{slug}-", suffix=".webp")
    try:
        with os.fdopen(fd, "wb") as f:
            image.save(f, format="WEBP", quality=88, method=4)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    logger.debug("drew pose preview %s", path.name)
    return path
