"""The parametric 3D skeleton every library pose is built on, and where its face points.

Measured in head units, mid-hip at the origin. Angles are in degrees. The camera looks down
-Z; X points to the picture's right, Y up. A person with ``turn=0`` faces the camera, so
their right side is on the picture's left; ``turn > 0`` turns them towards the picture's right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .hands import Hand

# BODY-18 (COCO order) indices, repeated here so the script needs only numpy.
NOSE, NECK, R_SHO, R_ELB, R_WRI, L_SHO, L_ELB, L_WRI = range(8)
R_HIP, R_KNEE, R_ANK, L_HIP, L_KNEE, L_ANK, R_EYE, L_EYE, R_EAR, L_EAR = range(8, 18)

@dataclass(frozen=True)
class Proportions:
    """Segment lengths in head units (a 7.5-head adult); OpenPose joints, not skin outlines."""

    shoulder_width: float = 1.6   # between the shoulder joints
    hip_width: float = 1.35       # between the hip joints
    torso: float = 2.4            # neck (mid-shoulders) to mid-hip
    upper_arm: float = 1.4
    forearm: float = 1.15
    thigh: float = 1.85
    shin: float = 1.65
    neck: float = 0.6             # neck point to the head's pivot


BUILDS = {
    "unisex": Proportions(),
    "female": Proportions(shoulder_width=1.48, hip_width=1.42, torso=2.35, upper_arm=1.36,
                          forearm=1.1, thigh=1.85, shin=1.62, neck=0.6),
    "male": Proportions(shoulder_width=1.78, hip_width=1.3, torso=2.45, upper_arm=1.45,
                        forearm=1.2, thigh=1.85, shin=1.68, neck=0.58),
}

# Face points in the head frame (origin at the head's pivot, at ear height).
NOSE_AT = (0.0, 0.12, 0.47)
EYE_AT = (0.17, 0.3, 0.36)
EAR_AT = (0.38, 0.22, -0.06)
HEAD_TOP = (0.0, 0.85, 0.0)


@dataclass(frozen=True)
class Limb:
    """One arm or leg: ``abd`` raises it sideways, ``flex`` forwards (negative: backwards),
    ``bend`` folds the elbow or knee and ``rot`` turns the limb about its own axis
    (positive: inwards for an arm, outwards for a leg), which swings the forearm or shin."""

    abd: float = 0.0
    flex: float = 0.0
    bend: float = 0.0
    rot: float = 0.0


@dataclass(frozen=True)
class Recipe:
    """Joint angles of one pose. r_/l_ are the person's own right and left."""

    turn: float = 0.0          # whole body, about the vertical
    pitch: float = 0.0         # whole body forwards (planks, lying)
    roll: float = 0.0          # whole body sideways
    hip_tilt: float = 0.0      # weight shift: positive raises the left hip
    lean: float = 0.0          # torso forwards from the hips
    side: float = 0.0          # torso bends towards its left (negative: its right)
    twist: float = 0.0         # chest turned against the hips (same sense as turn)
    shoulder_tilt: float = 0.0  # positive raises the left shoulder
    head_yaw: float = 0.0      # same sense as turn
    head_pitch: float = 0.0    # positive nods down
    head_roll: float = 0.0     # positive tilts towards the left shoulder
    r_arm: Limb = Limb(abd=8, bend=8)
    l_arm: Limb = Limb(abd=8, bend=8)
    r_leg: Limb = Limb(abd=4)
    l_leg: Limb = Limb(abd=4)
    # Hands are drawn only where a recipe gives both (gesture poses); None: no hand keypoints.
    r_hand: Hand | None = None
    l_hand: Hand | None = None

    def mirrored(self) -> "Recipe":
        """The same pose with left and right exchanged."""
        return replace(
            self, turn=-self.turn, roll=-self.roll, hip_tilt=-self.hip_tilt, side=-self.side,
            twist=-self.twist, shoulder_tilt=-self.shoulder_tilt, head_yaw=-self.head_yaw,
            head_roll=-self.head_roll, r_arm=self.l_arm, l_arm=self.r_arm,
            r_leg=self.l_leg, l_leg=self.r_leg, r_hand=self.l_hand, l_hand=self.r_hand,
        )


def _rx(a: float) -> np.ndarray:
    c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(a: float) -> np.ndarray:
    c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rz(a: float) -> np.ndarray:
    c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _about(axis: np.ndarray, v: np.ndarray, a: float) -> np.ndarray:
    """Rotate v about the unit axis by a degrees (Rodrigues)."""
    t = math.radians(a)
    return v * math.cos(t) + np.cross(axis, v) * math.sin(t) + axis * np.dot(axis, v) * (1 - math.cos(t))


def _limb(frame: np.ndarray, root: np.ndarray, limb: Limb, side: int, upper: float,
          lower: float, bend_towards: tuple[float, float, float], rot_sign: int):
    """Positions of the middle and end joints of an arm (bends forwards) or leg (backwards).

    side is +1 for the person's left (the +X side when facing the camera), -1 for the right.
    """
    local = _rz(side * limb.abd) @ _rx(-limb.flex)
    u = frame @ local @ np.array([0.0, -1.0, 0.0])
    ref = frame @ local @ np.array(bend_towards)
    ref = _about(u, ref, side * rot_sign * limb.rot)
    mid = root + upper * u
    t = math.radians(limb.bend)
    end = mid + lower * (u * math.cos(t) + ref * math.sin(t))
    return mid, end


def chest_frame(recipe: Recipe) -> np.ndarray:
    """The chest's axes in camera space (columns: its left, up, forwards); arms and hands hang on it."""
    root = _ry(recipe.turn) @ _rx(recipe.pitch) @ _rz(-recipe.roll)
    return root @ _rx(recipe.lean) @ _rz(-recipe.side) @ _ry(recipe.twist)


def skeleton_3d(recipe: Recipe, build: Proportions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(18 x 3 joint positions, head centre, head top) in head units, mid-hip at the origin."""
    root = _ry(recipe.turn) @ _rx(recipe.pitch) @ _rz(-recipe.roll)
    pelvis = root @ _rz(recipe.hip_tilt)
    chest = chest_frame(recipe)
    head = chest @ _ry(recipe.head_yaw) @ _rx(recipe.head_pitch) @ _rz(-recipe.head_roll)
    j = np.zeros((18, 3))
    j[NECK] = chest @ np.array([0.0, build.torso, 0.0])
    shoulders = chest @ _rz(recipe.shoulder_tilt)
    j[L_SHO] = j[NECK] + shoulders @ np.array([build.shoulder_width / 2, 0, 0])
    j[R_SHO] = j[NECK] - shoulders @ np.array([build.shoulder_width / 2, 0, 0])
    j[L_HIP] = pelvis @ np.array([build.hip_width / 2, 0, 0])
    j[R_HIP] = -j[L_HIP]
    for side, arm, sho, elb, wri in ((1, recipe.l_arm, L_SHO, L_ELB, L_WRI), (-1, recipe.r_arm, R_SHO, R_ELB, R_WRI)):
        j[elb], j[wri] = _limb(chest, j[sho], arm, side, build.upper_arm, build.forearm, (0, 0, 1), 1)
    for side, leg, hip, knee, ank in ((1, recipe.l_leg, L_HIP, L_KNEE, L_ANK), (-1, recipe.r_leg, R_HIP, R_KNEE, R_ANK)):
        j[knee], j[ank] = _limb(root, j[hip], leg, side, build.thigh, build.shin, (0, 0, -1), -1)
    pivot = j[NECK] + chest @ np.array([0.0, build.neck, 0.0])
    j[NOSE] = pivot + head @ np.array(NOSE_AT)
    ex, ey, ez = EYE_AT
    j[L_EYE], j[R_EYE] = pivot + head @ np.array([ex, ey, ez]), pivot + head @ np.array([-ex, ey, ez])
    ax, ay, az = EAR_AT
    j[L_EAR], j[R_EAR] = pivot + head @ np.array([ax, ay, az]), pivot + head @ np.array([-ax, ay, az])
    centre = pivot + head @ np.array([0.0, 0.35, 0.05])
    top = pivot + head @ np.array(HEAD_TOP)
    return j, centre, top


def face_visibility(recipe: Recipe) -> dict[int, bool]:
    """Which face points a detector would see, from where the face points."""
    chest = chest_frame(recipe)
    head = chest @ _ry(recipe.head_yaw) @ _rx(recipe.head_pitch) @ _rz(-recipe.head_roll)
    towards_camera = lambda v: float((head @ np.array(v) / np.linalg.norm(v))[2])  # noqa: E731
    return {
        NOSE: towards_camera((0, 0, 1)) > -0.2,
        L_EYE: towards_camera((0.45, 0, 0.9)) > 0.0,
        R_EYE: towards_camera((-0.45, 0, 0.9)) > 0.0,
        L_EAR: towards_camera((1, 0, 0)) > -0.3,
        R_EAR: towards_camera((-1, 0, 0)) > -0.3,
    }


def facing_of(recipe: Recipe) -> str:
    """Where the chest points: front, three_quarter_left/right, profile_left/right or back
    (left/right of the picture)."""
    yaw = (recipe.turn + recipe.twist + 180) % 360 - 180
    side = "right" if yaw > 0 else "left"
    if abs(yaw) <= 30:
        return "front"
    if abs(yaw) <= 65:
        return f"three_quarter_{side}"
    if abs(yaw) <= 125:
        return f"profile_{side}"
    return "back"


