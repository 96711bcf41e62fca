"""Hands for the library's gesture poses: 21 OpenPose hand points built on the arm's wrist.

A hand is a shape (how far each finger curls, how the fingers spread, where the thumb is)
and an orientation: where the fingers point and where the palm faces, in the chest's own
directions, so the same hand reads the same on either side and in a mirrored take:

    up, down, forward, back   the chest's up and forwards (towards the camera when it faces it)
    out, in                   away from the body's midline on that hand's side, and towards it
    camera                    straight at the camera, wherever the chest is turned

joined with "-" to point between them ("forward-up"). The wrist point of the hand is the
body's wrist, so a hand cannot come loose; whether the wrist could bend that way is for
``checks``. Lengths are in head units (a hand is about 0.8 head long).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# OpenPose hand points: 0 wrist; thumb 1-4 (base to tip); index 5-8, middle 9-12, ring
# 13-16, little 17-20 (knuckle to tip).
WRIST = 0
THUMB = (1, 2, 3, 4)
FINGERS = ((5, 6, 7, 8), (9, 10, 11, 12), (13, 14, 15, 16), (17, 18, 19, 20))
FINGER_NAMES = ("index", "middle", "ring", "little")

# Knuckles in the hand's own axes (along the fingers, towards the thumb, out of the palm).
KNUCKLES = ((0.40, 0.115), (0.42, 0.035), (0.395, -0.045), (0.355, -0.12))
PHALANGES = ((0.19, 0.11, 0.09), (0.21, 0.125, 0.095), (0.195, 0.12, 0.09), (0.155, 0.09, 0.08))
SPLAY = (13.0, 3.0, -8.0, -19.0)      # degrees each finger fans out at a spread of 1
CURL_ANGLES = (85.0, 105.0, 75.0)     # knuckle, middle and end joints at a curl of 1
THUMB_BASE = (0.07, 0.09, 0.03)
THUMB_BONES = (0.19, 0.13, 0.11)
# Direction of each thumb bone (base to tip) per thumb position, in the hand's own axes.
THUMBS = {
    "out": ((0.45, 0.85, 0.1), (0.15, 1.0, 0.0), (0.1, 1.0, -0.05)),             # thumbs up, waving
    "side": ((0.8, 0.5, 0.35), (0.85, 0.25, 0.45), (0.8, 0.1, 0.6)),         # relaxed, by the index
    "across": ((0.7, 0.35, 0.6), (0.55, -0.45, 0.7), (0.3, -0.85, 0.45)),    # tucked over curled fingers
    "grip": ((0.6, 0.45, 0.65), (0.7, 0.1, 0.7), (0.75, -0.15, 0.65)),       # round something held
}
PINCH = "pinch"  # thumb tip on the index tip (OK sign): bent to reach it
DIRECTIONS = {
    "up": (0.0, 1.0, 0.0), "down": (0.0, -1.0, 0.0), "forward": (0.0, 0.0, 1.0), "back": (0.0, 0.0, -1.0),
    "out": (1.0, 0.0, 0.0), "in": (-1.0, 0.0, 0.0),
}
CAMERA = "camera"


@dataclass(frozen=True)
class HandShape:
    curl: tuple[float, float, float, float]  # index, middle, ring, little: 0 straight .. 1 a fist
    spread: float = 0.3                      # 0 fingers together .. 1 fanned wide
    thumb: str = "side"                      # a THUMBS key or PINCH

    def __post_init__(self) -> None:
        if len(self.curl) != 4 or not all(0 <= c <= 1 for c in self.curl):
            raise ValueError(f"curl needs four numbers from 0 to 1 (index to little finger), got {list(self.curl)}")
        if not 0 <= self.spread <= 1:
            raise ValueError(f"spread must be from 0 to 1, got {self.spread}")
        if self.thumb not in THUMBS and self.thumb != PINCH:
            raise ValueError(f"unknown thumb {self.thumb!r}; known: {', '.join([*THUMBS, PINCH])}")


@dataclass(frozen=True)
class Hand:
    shape: HandShape
    fingers: tuple[str, ...]  # direction words, e.g. ("forward", "up")
    palm: tuple[str, ...]


def direction_words(text: str) -> tuple[str, ...]:
    words = tuple(text.split("-"))
    unknown = [w for w in words if w not in DIRECTIONS and w != CAMERA]
    if not words or unknown:
        raise ValueError(f"unknown direction {text!r}; use {', '.join([*DIRECTIONS, CAMERA])}, joined with '-'")
    return words


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def direction(words: tuple[str, ...], chest: np.ndarray, side: int) -> np.ndarray:
    """Camera-space unit vector of direction words for the hand on ``side`` (+1 left, -1 right)."""
    total = np.zeros(3)
    for word in words:
        if word == CAMERA:
            total += np.array([0.0, 0.0, 1.0])
        else:
            x, y, z = DIRECTIONS[word]
            total += chest @ np.array([side * x, y, z])
    if np.linalg.norm(total) < 1e-6:
        raise ValueError(f"direction {'-'.join(words)!r} cancels out")
    return _unit(total)


@dataclass(frozen=True)
class HandFrame:
    """The hand's axes in camera space: along the fingers, towards the thumb, out of the palm."""

    along: np.ndarray
    thumb: np.ndarray
    palm: np.ndarray

    def at(self, wrist: np.ndarray, a: float, t: float, n: float) -> np.ndarray:
        return wrist + a * self.along + t * self.thumb + n * self.palm


def hand_frame(hand: Hand, chest: np.ndarray, side: int) -> HandFrame:
    along = direction(hand.fingers, chest, side)
    palm = direction(hand.palm, chest, side)
    palm = palm - np.dot(palm, along) * along
    if np.linalg.norm(palm) < 0.35:
        raise ValueError(f"the palm ({'-'.join(hand.palm)}) cannot face the way the fingers point "
                         f"({'-'.join(hand.fingers)}); give it a direction across them")
    palm = _unit(palm)
    # Chirality: with the palm to the camera and the fingers up, a right thumb points to
    # the body's left (the midline), a left thumb to its right.
    return HandFrame(along=along, thumb=side * np.cross(palm, along), palm=palm)


def hand_3d(hand: Hand, chest: np.ndarray, side: int, wrist: np.ndarray) -> np.ndarray:
    """21 x 3 hand points in camera space, the wrist point on ``wrist``."""
    frame = hand_frame(hand, chest, side)
    shape = hand.shape
    pts = np.zeros((21, 3))
    pts[WRIST] = wrist
    for (a, t), bones, splay, curl, joints in zip(KNUCKLES, PHALANGES, SPLAY, shape.curl, FINGERS):
        fan = math.radians(splay * shape.spread * (1 - 0.6 * curl))
        start = math.cos(fan) * frame.along + math.sin(fan) * frame.thumb
        pts[joints[0]] = frame.at(wrist, a, t, 0.0)
        bent = 0.0
        for k, (length, angle) in enumerate(zip(bones, CURL_ANGLES)):
            bent += math.radians(angle * curl)
            pts[joints[k + 1]] = pts[joints[k]] + length * (math.cos(bent) * start + math.sin(bent) * frame.palm)
    pts[THUMB[0]] = frame.at(wrist, *THUMB_BASE)
    if shape.thumb == PINCH:
        _reach(pts, frame, target=pts[FINGERS[0][3]])
    else:
        for k, (length, (a, t, n)) in enumerate(zip(THUMB_BONES, THUMBS[shape.thumb])):
            step = _unit(a * frame.along + t * frame.thumb + n * frame.palm)
            pts[THUMB[k + 1]] = pts[THUMB[k]] + length * step
    return pts


def _reach(pts: np.ndarray, frame: HandFrame, target: np.ndarray) -> None:
    """Thumb bones bent so the tip lands on ``target`` (or as near as they reach), knuckle outwards."""
    base = pts[THUMB[0]]
    pts[THUMB[1]] = base + THUMB_BONES[0] * _unit(0.6 * frame.along + 0.45 * frame.thumb + 0.65 * frame.palm)
    start, (upper, lower) = pts[THUMB[1]], THUMB_BONES[1:]
    gap = target - start
    d = float(np.linalg.norm(gap))
    reach_dir = _unit(gap)
    d = min(d, upper + lower - 1e-6)
    # Law of cosines for the bend at the thumb's middle joint, which bulges away from the palm.
    cos_a = (upper ** 2 + d ** 2 - lower ** 2) / (2 * upper * d)
    a = math.acos(max(-1.0, min(1.0, cos_a)))
    bulge = frame.thumb - np.dot(frame.thumb, reach_dir) * reach_dir
    bulge = _unit(bulge) if np.linalg.norm(bulge) > 1e-6 else frame.palm
    pts[THUMB[2]] = start + upper * (math.cos(a) * reach_dir + math.sin(a) * bulge)
    pts[THUMB[3]] = start + d * reach_dir


def hand_length() -> float:
    """Wrist to the tip of the straight middle finger, head units."""
    a, t = KNUCKLES[1]
    return math.hypot(a, t) + sum(PHALANGES[1])
