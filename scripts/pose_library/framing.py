"""Projecting a 3D pose onto the picture and cropping it to its framing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .hands import hand_3d
from .skeleton import (L_ANK, L_HIP, L_KNEE, L_SHO, L_WRI, NECK, R_ANK, R_HIP, R_KNEE, R_SHO, R_WRI, Proportions,
                       Recipe, chest_frame, face_visibility, skeleton_3d)

# Whose hand each entry of a pose's "hands" is, as pipelines/keypoints.py's HAND_SIDES says.
HAND_SIDES = ("left", "right")
WRISTS = {"left": L_WRI, "right": R_WRI}
FRAMINGS = ("full_body", "three_quarter", "half_body", "headshot")

MARGIN = 0.05  # of the frame height, around what must be seen


@dataclass(frozen=True)
class Framed:
    """A pose on its picture: 18 body rows and, for a gesture pose, 21 rows per hand
    (HAND_SIDES order: the person's left, then right), each [x, y, visibility], normalised."""

    body: list[list[float]]
    hands: list[list[list[float]]] | None


def project(recipe: Recipe, build: Proportions) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Body joints (18 x 2), hands by side (21 x 2 each, none without hands), head centre and
    head top, projected orthographically; picture y grows downwards."""
    j3, centre3, top3 = skeleton_3d(recipe, build)
    flat = lambda p: np.stack([p[..., 0], -p[..., 1]], axis=-1)  # noqa: E731
    return flat(j3), {side: flat(h) for side, h in hands_3d(recipe, j3).items()}, flat(centre3), flat(top3)


def hands_3d(recipe: Recipe, joints: np.ndarray) -> dict[str, np.ndarray]:
    """The recipe's hands (21 x 3 each) on the wrists of ``joints``, by the person's side."""
    chest = chest_frame(recipe)
    out = {}
    for side, sign, hand, wrist in (("left", 1, recipe.l_hand, L_WRI), ("right", -1, recipe.r_hand, R_WRI)):
        if hand is not None:
            out[side] = hand_3d(hand, chest, sign, joints[wrist])
    return out


def frame_pose(recipe: Recipe, build: Proportions, framing: str, aspect: float) -> Framed:
    """Project, crop to the framing and normalise."""
    pts, hands, centre, top = project(recipe, build)
    head_r = 0.55
    head_box = [centre - head_r, centre + head_r, top]
    face = face_visibility(recipe)
    visible = np.array([face.get(i, True) for i in range(18)])

    lowest_knee = max(pts[R_KNEE, 1], pts[L_KNEE, 1])
    hips_y = max(pts[R_HIP, 1], pts[L_HIP, 1])
    if framing == "full_body":
        cut = None
    elif framing == "three_quarter":
        cut = max(lowest_knee + 0.3, hips_y + 0.9)
    elif framing == "half_body":
        cut = hips_y + 0.35
    elif framing == "headshot":
        cut = max(pts[R_SHO, 1], pts[L_SHO, 1]) + 1.0
    else:
        raise ValueError(f"unknown framing {framing!r}")

    def above_cut(p: np.ndarray) -> np.ndarray:
        return p[:, 1] < cut if cut is not None else np.ones(len(p), dtype=bool)

    inside = visible & above_cut(pts)
    if framing == "headshot":
        # A headshot is about the face: hands only count when they are up near it.
        near = np.abs(pts[:, 0] - centre[0]) < 1.6
        inside &= near | np.isin(np.arange(18), [NECK, R_SHO, L_SHO])
    # A hand shows only on a wrist that shows, so no finger floats free of its arm.
    hand_inside = {side: above_cut(h) & inside[WRISTS[side]] for side, h in hands.items()}
    content = np.concatenate([pts[inside], np.array(head_box), *(h[hand_inside[s]] for s, h in hands.items())])
    if framing == "full_body":
        feet = pts[[R_ANK, L_ANK]] + np.array([0.0, 0.3])
        content = np.concatenate([content, feet])
    x0, y0 = content.min(axis=0)
    x1, y1 = content.max(axis=0)
    if cut is not None:
        y1 = cut
    height = max((y1 - y0) / (1 - 2 * MARGIN) if cut is None else (y1 - y0) / (1 - MARGIN),
                 (x1 - x0) / (1 - 2 * MARGIN) / aspect)
    width = height * aspect
    left = (x0 + x1) / 2 - width / 2
    if cut is None:
        top_y = (y0 + y1) / 2 - height / 2
    else:
        top_y = cut - height  # the cut stays at the bottom edge; spare room goes above

    def rows(p: np.ndarray, seen: np.ndarray) -> list[list[float]]:
        out = []
        for (px, py), ok in zip(p, seen):
            x, y = (px - left) / width, (py - top_y) / height
            ok = bool(ok) and 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0
            out.append([round(float(x), 4), round(float(y), 4), 1.0] if ok else [0.0, 0.0, 0.0])
        return out

    hand_rows = [rows(hands[side], hand_inside[side]) for side in HAND_SIDES] if hands else None
    return Framed(body=rows(pts, inside), hands=hand_rows)
