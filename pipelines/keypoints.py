"""The pose format shared by the library, the editor, the renderer and the engine.

A pose is the OpenPose BODY-18 skeleton (COCO order) in normalised coordinates: x and y in
0..1 across a canvas whose width / height is ``aspect``, plus a visibility per joint
(0 = not visible, 1 = visible). Hands (21 points each) and face (70 points) are optional
and use the same normalised space.

JSON form (what ``data/poses`` files and the database store)::

    {"aspect": 0.75, "body": [[x, y, v], ... 18 rows], "hands": [[...21], [...21]] | null,
     "face": [[x, y, v], ... 70] | null}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

JOINT_NAMES: tuple[str, ...] = (
    "nose", "neck",
    "right_shoulder", "right_elbow", "right_wrist",
    "left_shoulder", "left_elbow", "left_wrist",
    "right_hip", "right_knee", "right_ankle",
    "left_hip", "left_knee", "left_ankle",
    "right_eye", "left_eye", "right_ear", "left_ear",
)
JOINT = {name: i for i, name in enumerate(JOINT_NAMES)}

# The 17 limbs OpenPose draws for BODY-18, as joint index pairs, in its drawing order.
LIMBS: tuple[tuple[int, int], ...] = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10),
    (1, 11), (11, 12), (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)

# OpenPose's standard colours, one per joint (limbs take the colour of their index).
COLOURS: tuple[tuple[int, int, int], ...] = (
    (255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0),
    (0, 255, 0), (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255),
    (0, 0, 255), (85, 0, 255), (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85),
)

# Left/right partner of every joint, for mirroring.
MIRROR: tuple[int, ...] = (0, 1, 5, 6, 7, 2, 3, 4, 11, 12, 13, 8, 9, 10, 15, 14, 17, 16)
# Whose hand each entry of ``hands`` is (the person's own left and right, as OpenPose's JSON
# lists hand_left before hand_right); mirroring swaps them.
HAND_SIDES: tuple[str, ...] = ("left", "right")

# A pose must show at least the neck, both shoulders and this many joints in all to steer
# the ControlNet: fewer gives the model too little to hold on to.
MIN_VISIBLE_JOINTS = 6
REQUIRED_JOINTS = ("neck", "right_shoulder", "left_shoulder")


class PoseError(ValueError):
    """Keypoints that cannot drive a pose; the message says what is wrong and what works."""


@dataclass(frozen=True)
class Keypoints:
    body: tuple[tuple[float, float, float], ...]
    aspect: float = 0.75
    hands: tuple[tuple[tuple[float, float, float], ...], ...] | None = None
    face: tuple[tuple[float, float, float], ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any] | Sequence[Sequence[float]]) -> "Keypoints":
        """Accept the JSON form above (or a bare list of 18 [x, y, v] rows) and validate it."""
        if not isinstance(data, dict):
            data = {"body": data}
        body = data.get("body")
        if not isinstance(body, (list, tuple)) or len(body) != len(JOINT_NAMES):
            got = len(body) if isinstance(body, (list, tuple)) else type(body).__name__
            raise PoseError(f"a pose needs {len(JOINT_NAMES)} body joints (OpenPose BODY-18), got {got}")
        aspect = float(data.get("aspect", 0.75))
        if not 0.1 <= aspect <= 10:
            raise PoseError(f"aspect must be between 0.1 and 10 (width / height), got {aspect}")
        kp = cls(
            body=_rows(body, "body"),
            aspect=aspect,
            hands=tuple(_rows(h, "hand") for h in data["hands"]) if data.get("hands") else None,
            face=_rows(data["face"], "face") if data.get("face") else None,
        )
        return kp

    def to_json(self) -> dict[str, Any]:
        return {
            "aspect": round(self.aspect, 4),
            "body": [[round(x, 4), round(y, 4), v] for x, y, v in self.body],
            "hands": [[[round(x, 4), round(y, 4), v] for x, y, v in h] for h in self.hands] if self.hands else None,
            "face": [[round(x, 4), round(y, 4), v] for x, y, v in self.face] if self.face else None,
        }

    def visible(self) -> list[int]:
        return [i for i, (_, _, v) in enumerate(self.body) if v > 0]

    def check_usable(self) -> "Keypoints":
        """Raise PoseError unless the pose can steer a generation; return self otherwise."""
        vis = set(self.visible())
        missing = [n for n in REQUIRED_JOINTS if JOINT[n] not in vis]
        if missing:
            raise PoseError(f"the pose must show the {', '.join(n.replace('_', ' ') for n in missing)}; "
                            "move those joints into the picture")
        if len(vis) < MIN_VISIBLE_JOINTS:
            raise PoseError(f"the pose shows only {len(vis)} joints; at least {MIN_VISIBLE_JOINTS} "
                            "must be visible for the pose to steer the image")
        outside = [JOINT_NAMES[i] for i in vis if not (0 <= self.body[i][0] <= 1 and 0 <= self.body[i][1] <= 1)]
        if outside:
            raise PoseError(f"joints outside the frame: {', '.join(outside)}; keep x and y between 0 and 1")
        return self

    def mirrored(self) -> "Keypoints":
        """Left and right swapped and the figure flipped horizontally."""
        body = tuple((1 - self.body[j][0], self.body[j][1], self.body[j][2]) for j in MIRROR)
        hands = None
        if self.hands:
            hands = tuple(tuple((1 - x, y, v) for x, y, v in h) for h in reversed(self.hands))
        face = tuple((1 - x, y, v) for x, y, v in self.face) if self.face else None
        return Keypoints(body=body, aspect=self.aspect, hands=hands, face=face)

    def bbox(self) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the visible body joints, normalised."""
        pts = [self.body[i] for i in self.visible()]
        if not pts:
            raise PoseError("the pose has no visible joints")
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        return min(xs), min(ys), max(xs), max(ys)


def _rows(rows: Any, what: str) -> tuple[tuple[float, float, float], ...]:
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, (list, tuple)) or len(row) not in (2, 3):
            raise PoseError(f"{what} point {i} must be [x, y] or [x, y, visibility], got {row!r}")
        try:
            x, y = float(row[0]), float(row[1])
            v = float(row[2]) if len(row) == 3 else 1.0
        except (TypeError, ValueError):
            raise PoseError(f"{what} point {i} must hold numbers, got {row!r}") from None
        out.append((x, y, 1.0 if v > 0 else 0.0))
    return tuple(out)
