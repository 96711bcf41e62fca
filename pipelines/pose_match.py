"""Pose match: did the picture follow the pose that was asked for?

The pose is read back out of the picture (MediaPipe, ``pipelines.extraction``) and laid over the
pose asked for after the best fit of position and scale (not rotation, not mirroring: a figure
turned or flipped did not follow the pose). The score is the share of the asked pose's visible
joints that land within ``POSE_TOLERANCE`` of the picture's longer side. Framing differences
(the renderer fits the skeleton into the output size) vanish in the fit.

Both poses are first put in units of their picture's height (x times the aspect), so the fit
and the tolerance are the same across and down. Only joints seen in both poses steer the fit; a
joint asked for and not seen in the picture is a miss. The fit is least squares, redone on the
joints that agree, so an arm held elsewhere costs that arm's joints and not the whole pose.

The tolerance is of the picture, not of the person: a figure a tenth of the picture tall fits
any pose. The studio's poses are drawn to fill the frame, so the picture's person is large.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from .keypoints import JOINT, Keypoints

POSE_TOLERANCE = 0.1  # of the picture's longer side, after the fit
POSE_BAR = 0.5  # at or above it, the picture followed the pose
MIN_JOINTS = 4  # fewer visible joints in the asked pose cannot be judged
# Eyes and ears sit within a few pixels of the nose in every pose: counted, they would make any
# two upright people look alike. The pose is the nose, neck and limbs.
POSE_JOINTS = np.array([i not in {JOINT[n] for n in ("right_eye", "left_eye", "right_ear", "left_ear")}
                        for i in range(18)])
_FIT_ROUNDS = 3  # refits on the joints that agree, so one joint far off does not drag the rest
NOBODY = "nobody seen in the picture"


@dataclass(frozen=True)
class PoseMatch:
    score: float | None  # 0..1; None when not measured
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"pose_match": self.score, "note": self.note}


def _points(keypoints: Keypoints) -> tuple[np.ndarray, np.ndarray]:
    """Joint positions in units of the picture's height (x scaled by the aspect: the fit is the
    same in both directions), and which joints are visible."""
    body = np.asarray(keypoints.body, dtype=float)
    points = np.stack([body[:, 0] * keypoints.aspect, body[:, 1]], axis=1)
    return points, (body[:, 2] > 0) & POSE_JOINTS


def _fit(asked: np.ndarray, found: np.ndarray) -> tuple[float, np.ndarray]:
    """Scale and shift taking ``asked`` onto ``found`` with the least squared error."""
    a_mean, f_mean = asked.mean(axis=0), found.mean(axis=0)
    spread = float(((asked - a_mean) ** 2).sum())
    scale = float(((asked - a_mean) * (found - f_mean)).sum()) / spread if spread > 0 else 1.0
    scale = max(scale, 1e-6)
    return scale, f_mean - scale * a_mean


def pose_match(asked: Keypoints, found: Keypoints | None, *, tolerance: float = POSE_TOLERANCE) -> float | None:
    """The share (0..1) of ``asked``'s visible joints that ``found`` has in place; 0 when nobody
    was found, None when ``asked`` shows too few joints to judge."""
    asked_points, asked_seen = _points(asked)
    wanted = int(asked_seen.sum())
    if wanted < MIN_JOINTS:
        return None
    if found is None:
        return 0.0
    found_points, found_seen = _points(found)
    both = asked_seen & found_seen
    if both.sum() < 2:
        return 0.0
    limit = tolerance * max(found.aspect, 1.0)  # the longer side, in units of the height
    use = both.copy()
    for _ in range(_FIT_ROUNDS):
        scale, shift = _fit(asked_points[use], found_points[use])
        gaps = np.linalg.norm(asked_points * scale + shift - found_points, axis=1)
        agreeing = both & (gaps <= limit * 2)
        if agreeing.sum() < 2 or (agreeing == use).all():
            break
        use = agreeing
    matched = int((both & (gaps <= limit)).sum())
    return round(matched / wanted, 4)


def read_pose(image: Image.Image) -> Keypoints | None:
    """The pose of the largest person in ``image`` as MediaPipe sees it, or None when nobody is
    seen. Not checked usable for steering: a headshot shows only head and shoulders, and those
    are what a headshot pose asks for."""
    from .extraction import NoPersonFound, extract_pose

    try:
        found = extract_pose(image.convert("RGB"), check=False).keypoints
    except NoPersonFound:
        return None
    return found if found.visible() else None


def pose_match_of(asked: Keypoints, image: Image.Image) -> PoseMatch:
    """How well ``image`` follows ``asked``: a score, or a note saying why there is none
    (``NOBODY`` goes with a score of 0: the picture did not follow the pose)."""
    shown = int(_points(asked)[1].sum())
    if shown < MIN_JOINTS:  # judged before MediaPipe runs: reading the picture is the slow part
        return PoseMatch(None, f"the pose shows only {shown} of the nose, neck and limb joints; at least "
                               f"{MIN_JOINTS} are needed to check it")
    found = read_pose(image)
    return PoseMatch(pose_match(asked, found), NOBODY if found is None else "")
