"""Build the shipped pose library (data/categories.json, data/poses/*.json) from recipes.

Every pose is a small table of joint angles applied to a parametric 3D skeleton measured in
head units, projected orthographically onto the picture plane and cropped to its framing.
Nothing is random, so running this script again rewrites the data files byte for byte:

    python scripts/build_pose_library.py            # writes into data/
    python scripts/build_pose_library.py --out DIR  # writes DIR/categories.json, DIR/poses/

Angles are in degrees. The camera looks down -Z; X points to the picture's right, Y up.
A person with ``turn=0`` faces the camera, so their right side is on the picture's left.
``turn > 0`` turns them towards the picture's right.
"""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

FRAMINGS = ("full_body", "three_quarter", "half_body", "headshot")
DIFFICULTIES = ("beginner", "intermediate", "advanced")
GENDERS = ("unisex", "female", "male")

# BODY-18 (COCO order) indices, repeated here so the script needs only numpy.
NOSE, NECK, R_SHO, R_ELB, R_WRI, L_SHO, L_ELB, L_WRI = range(8)
R_HIP, R_KNEE, R_ANK, L_HIP, L_KNEE, L_ANK, R_EYE, L_EYE, R_EAR, L_EAR = range(8, 18)


# --------------------------------------------------------------------------- skeleton

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

    def mirrored(self) -> "Recipe":
        """The same pose with left and right exchanged."""
        return replace(
            self, turn=-self.turn, roll=-self.roll, hip_tilt=-self.hip_tilt, side=-self.side,
            twist=-self.twist, shoulder_tilt=-self.shoulder_tilt, head_yaw=-self.head_yaw,
            head_roll=-self.head_roll, r_arm=self.l_arm, l_arm=self.r_arm,
            r_leg=self.l_leg, l_leg=self.r_leg,
        )

    def with_(self, **changes) -> "Recipe":
        return replace(self, **changes)


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


def skeleton_3d(recipe: Recipe, build: Proportions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(18 x 3 joint positions, head centre, head top) in head units, mid-hip at the origin."""
    root = _ry(recipe.turn) @ _rx(recipe.pitch) @ _rz(-recipe.roll)
    pelvis = root @ _rz(recipe.hip_tilt)
    chest = root @ _rx(recipe.lean) @ _rz(-recipe.side) @ _ry(recipe.twist)
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
    root = _ry(recipe.turn) @ _rx(recipe.pitch) @ _rz(-recipe.roll)
    chest = root @ _rx(recipe.lean) @ _rz(-recipe.side) @ _ry(recipe.twist)
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


# --------------------------------------------------------------------------- framing

MARGIN = 0.05  # of the frame height, around what must be seen


def frame_pose(recipe: Recipe, build: Proportions, framing: str, aspect: float) -> list[list[float]]:
    """Project, crop to the framing and normalise: 18 rows of [x, y, visibility]."""
    j3, centre3, top3 = skeleton_3d(recipe, build)
    # Orthographic projection; picture y grows downwards.
    pts = np.stack([j3[:, 0], -j3[:, 1]], axis=1)
    centre = np.array([centre3[0], -centre3[1]])
    top = np.array([top3[0], -top3[1]])
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

    inside = visible & (pts[:, 1] < cut if cut is not None else True)
    if framing == "headshot":
        # A headshot is about the face: hands only count when they are up near it.
        near = np.abs(pts[:, 0] - centre[0]) < 1.6
        inside &= near | np.isin(np.arange(18), [NECK, R_SHO, L_SHO])
    content = np.concatenate([pts[inside], np.array(head_box)])
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
    rows = []
    for i in range(18):
        x = (pts[i, 0] - left) / width
        y = (pts[i, 1] - top_y) / height
        ok = bool(inside[i]) and 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0
        rows.append([round(float(x), 4), round(float(y), 4), 1.0] if ok else [0.0, 0.0, 0.0])
    return rows


# --------------------------------------------------------------------------- arm and leg moves

def arm(abd=8.0, flex=0.0, bend=8.0, rot=0.0) -> Limb:
    return Limb(abd=abd, flex=flex, bend=bend, rot=rot)


def leg(abd=4.0, flex=0.0, bend=0.0, rot=0.0) -> Limb:
    return Limb(abd=abd, flex=flex, bend=bend, rot=rot)


ARMS = {
    "relaxed": arm(8, 0, 10, 0),
    "relaxed_soft": arm(12, 5, 25, 30),
    "hip": arm(48, -8, 92, 92),          # hand on hip, elbow out
    "pocket": arm(14, -8, 40, 70),         # hand in front trouser pocket
    "back_pocket": arm(14, -25, 55, 80),
    "cross": arm(18, 22, 118, 88),         # one half of crossed arms
    "cross_high": arm(22, 30, 128, 86),
    "folded": arm(14, 18, 82, 78),         # hands folded at the waist
    "clasp_low": arm(8, 10, 35, 80),       # hands clasped in front
    "behind_back": arm(10, -22, 70, 85),
    "chin": arm(10, 62, 152, 35),          # hand at the chin
    "cheek": arm(16, 48, 150, 30),
    "temple": arm(38, 60, 150, 20),
    "wave": arm(78, 10, 100, -80),
    "raise": arm(160, 10, 15, 0),
    "overhead": arm(172, 5, 10, 0),
    "behind_head": arm(150, -10, 150, -70),
    "wide": arm(90, 0, 0, 0),
    "wide_low": arm(60, 5, 10, 0),
    "forward": arm(5, 85, 5, 0),
    "present_up": arm(22, 35, 112, 62),    # holding a product up at the chest
    "present_high": arm(24, 48, 130, 55),  # product at the face
    "present_out": arm(30, 55, 55, 30),    # offering a product towards the camera
    "point": arm(50, 40, 15, 0),           # pointing out to the side
    "point_at": arm(20, 30, 80, 70),       # pointing across at something held
    "phone_selfie": arm(55, 60, 30, 10),
    "phone_look": arm(16, 30, 120, 60),    # looking at a phone at chest height
    "mic": arm(18, 28, 135, 55),           # microphone at the mouth
    "gesture": arm(25, 35, 85, 40),        # open-hand speaking gesture
    "gesture_wide": arm(45, 35, 75, 10),
    "lapel": arm(18, 25, 130, 80),         # hand on the jacket lapel
    "jacket": arm(30, 10, 60, -40),        # holding the jacket open
    "coffee": arm(14, 25, 125, 45),
    "bag": arm(10, -5, 95, 60),            # bag in the crook of the elbow
    "hair": arm(120, 20, 150, -40),        # hand in the hair
    "run_fwd": arm(10, 55, 95, 20),
    "run_back": arm(10, -45, 80, 10),
    "swing_fwd": arm(8, 22, 20, 15),
    "swing_back": arm(8, -20, 10, 5),
    "guard": arm(22, 40, 130, 60),
    "curl": arm(8, 8, 130, -10),
    "press": arm(88, 0, 90, -90),          # dumbbell press start: elbows out, forearms up
    "flex": arm(92, 0, 110, -85),          # biceps flex
    "namaste": arm(18, 30, 120, 84),
    "lapel_hold": arm(20, 20, 120, 75),
    "thumbs_up": arm(20, 30, 95, 10),
    "heart": arm(20, 55, 125, 70),
    "knee": arm(8, 40, 20, 20),            # hand resting on the knee when seated
    "lap": arm(10, 30, 60, 55),            # hands in the lap when seated
    "armrest": arm(25, 15, 75, 20),
    "down_floor": arm(10, 80, 0, 0),       # straight down to the floor from a plank
}

LEGS = {
    "stand": leg(4),
    "stand_wide": leg(11),
    "step": leg(6, 12, 22, 10),            # relaxed front knee
    "cross_front": leg(-10, 8, 10, 0),     # crossed over the other ankle
    "pop": leg(3, 22, 42, 0),              # knee pop
    "sit": leg(6, 88, 90, 0),              # on a chair
    "sit_open": leg(14, 85, 85, 10),
    "sit_cross": leg(-6, 92, 70, -10),     # crossed over the other knee
    "sit_floor": leg(20, 80, 130, 40),     # cross-legged on the floor
    "stride_front": leg(3, 26, 12, 0),
    "stride_back": leg(3, -20, 28, 0),
    "runway_front": leg(-4, 24, 8, 0),
    "runway_back": leg(-2, -16, 30, 0),
    "run_front": leg(4, 55, 70, 0),
    "run_back": leg(4, -25, 90, 0),
    "squat": leg(18, 95, 110, 20),
    "lunge_front": leg(6, 80, 88, 0),
    "lunge_back": leg(6, -35, 60, 0),
    "warrior_front": leg(30, 0, 0, 70),     # straight for now; the recipe bends it
    "tree": leg(30, 10, 125, 85),     # knee out, foot at the standing knee
    "jump_tuck": leg(8, 80, 110, 0),
    "kick": leg(8, 75, 10, 0),
}


# --------------------------------------------------------------------------- recipes

@dataclass(frozen=True)
class Pose:
    slug: str
    name: str
    description: str
    category: str
    framing: str
    difficulty: str
    gender: str
    tags: tuple[str, ...]
    recipe: Recipe
    featured: bool = False
    aspect: float = 0.75

    def to_json(self) -> dict:
        build = BUILDS[self.gender]
        return {
            "slug": self.slug,
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "framing": self.framing,
            "facing": facing_of(self.recipe),
            "difficulty": self.difficulty,
            "gender": self.gender,
            "tags": list(self.tags),
            "featured": self.featured,
            "keypoints": {
                "aspect": self.aspect,
                "body": frame_pose(self.recipe, build, self.framing, self.aspect),
                "hands": None,
                "face": None,
            },
        }


@dataclass
class Library:
    categories: list[dict] = field(default_factory=list)
    poses: list[Pose] = field(default_factory=list)
    _child: str = ""

    def parent(self, slug: str, name: str, description: str) -> None:
        self.categories.append({"slug": slug, "name": name, "description": description,
                                "sort": len(self.categories) + 1, "children": []})

    def child(self, slug: str, name: str, description: str) -> None:
        children = self.categories[-1]["children"]
        children.append({"slug": slug, "name": name, "description": description, "sort": len(children) + 1})
        self._child = slug

    def add(self, slug: str, name: str, description: str, recipe: Recipe, *, framing: str = "full_body",
            difficulty: str = "beginner", gender: str = "unisex", tags: str = "", featured: bool = False,
            aspect: float = 0.75) -> None:
        self.poses.append(Pose(slug=slug, name=name, description=description, category=self._child,
                               framing=framing, difficulty=difficulty, gender=gender,
                               tags=tuple(tags.split()), recipe=recipe, featured=featured, aspect=aspect))

    def parent_of(self, child: str) -> str:
        for parent in self.categories:
            if any(c["slug"] == child for c in parent["children"]):
                return parent["slug"]
        raise KeyError(child)


A, L = ARMS, LEGS
STAND = Recipe()


def R(**kw) -> Recipe:
    """A recipe from keyword angles; arms and legs may be given by move name."""
    for key in ("r_arm", "l_arm"):
        if isinstance(kw.get(key), str):
            kw[key] = ARMS[kw[key]]
    for key in ("r_leg", "l_leg"):
        if isinstance(kw.get(key), str):
            kw[key] = LEGS[kw[key]]
    return Recipe(**kw)


# Handy starting points. CONTRA: weight on the left leg, right knee soft (contrapposto).
CONTRA = dict(hip_tilt=6, shoulder_tilt=-3, side=-2, r_leg="step", l_leg="stand")
CONTRA_R = dict(hip_tilt=-6, shoulder_tilt=3, side=2, l_leg="step", r_leg="stand")
FB, TQ, HB, HS = FRAMINGS


def build_library() -> Library:
    lib = Library()
    add = lib.add

    # ------------------------------------------------------------------ Professional
    lib.parent("professional", "Professional", "Confident, polished poses for work profiles, teams and events.")

    lib.child("business-portraits", "Business Portraits", "Standing portraits that say capable and approachable.")
    add("business-arms-crossed", "Arms Crossed, Squared Up", "Facing the camera with arms folded across the chest and weight on one leg.",
        R(r_arm="cross", l_arm="cross_high", **CONTRA), framing=TQ, tags="arms crossed confident business", featured=True)
    add("business-arms-crossed-turned", "Arms Crossed, Turned", "Body turned a little away with arms folded and the face back to the camera.",
        R(turn=38, head_yaw=-28, r_arm="cross_high", l_arm="cross", **CONTRA), framing=TQ, tags="arms crossed three-quarter business")
    add("business-hands-in-pockets", "Hands in Pockets", "Relaxed stance with both hands resting in the trouser pockets.",
        R(r_arm="pocket", l_arm="pocket", **CONTRA), framing=FB, tags="pockets relaxed business")
    add("business-one-pocket", "One Hand in Pocket", "One hand in a pocket, the other hanging easily, body angled towards the light.",
        R(turn=25, head_yaw=-15, r_arm="relaxed_soft", l_arm="pocket", **CONTRA), framing=TQ, tags="pocket relaxed business")
    add("business-hand-on-hip", "Hand on Hip", "A hand on the hip with the elbow out gives a strong, open silhouette.",
        R(turn=20, head_yaw=-12, r_arm="hip", l_arm="relaxed", **CONTRA), framing=TQ, tags="hand hip confident business")
    add("business-hands-clasped", "Hands Clasped in Front", "Standing tall with the hands loosely clasped in front at the waist.",
        R(r_arm="folded", l_arm="folded", r_leg="stand", l_leg="stand"), framing=TQ, tags="hands clasped formal business")
    add("business-jacket-button", "Buttoning the Jacket", "Both hands at the jacket button, a classic executive moment.",
        R(turn=-15, head_yaw=10, r_arm="clasp_low", l_arm="folded", **CONTRA_R), framing=HB, gender="male", tags="jacket suit executive business")
    add("business-lapel", "Hand on Lapel", "One hand holds the jacket lapel, the other in a pocket, chin level.",
        R(turn=30, head_yaw=-20, r_arm="lapel", l_arm="pocket", **CONTRA), framing=TQ, tags="jacket lapel suit business")
    add("business-leader-full", "Leader Stance", "Feet hip-width apart, hands in pockets, shoulders open and square to the camera.",
        R(r_arm="pocket", l_arm="pocket", r_leg="stand_wide", l_leg="stand_wide"), framing=FB, tags="confident stance business", featured=True)
    add("business-behind-back", "Hands Behind the Back", "Standing tall with the hands held behind the back and a calm look.",
        R(turn=-20, head_yaw=12, r_arm="behind_back", l_arm="behind_back", **CONTRA_R), framing=TQ, tags="formal calm business")

    lib.child("corporate-headshots", "Corporate Headshots", "Head-and-shoulders portraits for profiles and team pages.")
    add("headshot-straight", "Straight On", "Square to the camera, shoulders level, a friendly direct look.",
        R(), framing=HS, tags="headshot direct profile", featured=True)
    add("headshot-quarter-turn", "Quarter Turn", "Shoulders turned a little away with the face back towards the camera.",
        R(turn=30, head_yaw=-22), framing=HS, tags="headshot turned profile")
    add("headshot-quarter-turn-left", "Quarter Turn, Other Side", "Shoulders turned the other way, face to the camera, chin slightly down.",
        R(turn=-30, head_yaw=22, head_pitch=6), framing=HS, tags="headshot turned profile")
    add("headshot-head-tilt", "Gentle Head Tilt", "A soft tilt of the head that reads warm and approachable.",
        R(turn=15, head_roll=9, head_yaw=-8), framing=HS, tags="headshot tilt friendly")
    add("headshot-hand-chin", "Hand at Chin", "One hand resting thoughtfully near the chin, shoulders relaxed.",
        R(turn=12, head_yaw=-6, r_arm="chin", l_arm="relaxed"), framing=HS, difficulty="intermediate", tags="headshot hand chin thoughtful")
    add("headshot-arms-crossed", "Arms Crossed Close-Up", "Arms folded just below the frame, shoulders square and confident.",
        R(r_arm="cross", l_arm="cross_high"), framing=HS, tags="headshot arms crossed confident")
    add("headshot-over-shoulder", "Over the Shoulder", "Body in profile and the face turned back over the shoulder.",
        R(turn=70, head_yaw=-50), framing=HS, difficulty="intermediate", tags="headshot over shoulder profile")
    add("headshot-square-wide", "Square Team Photo", "A centred square crop for team grids and avatars.",
        R(turn=10, head_yaw=-6), framing=HS, aspect=1.0, tags="headshot square avatar team")
    add("headshot-chin-down", "Chin Forward and Down", "Chin pushed slightly forward and down for a defined jawline.",
        R(turn=-18, head_yaw=10, head_pitch=8), framing=HS, tags="headshot jawline classic")

    lib.child("conference-and-speaking", "Conference and Speaking", "On stage, at the podium, presenting ideas.")
    add("speaker-microphone", "Speaking into the Mic", "Holding a hand microphone at the mouth, the free hand open in a gesture.",
        R(turn=15, head_yaw=-8, r_arm="mic", l_arm="gesture", **CONTRA), framing=TQ, tags="microphone speaker stage", featured=True)
    add("speaker-open-gesture", "Open-Hand Gesture", "Both hands open in front of the body as if explaining a point.",
        R(r_arm="gesture", l_arm="gesture", **CONTRA), framing=HB, tags="gesture explain speaker")
    add("speaker-wide-gesture", "Big Idea Gesture", "Arms spread wide to show the size of an idea.",
        R(r_arm="gesture_wide", l_arm="gesture_wide", r_leg="stand_wide", l_leg="stand_wide"), framing=TQ, difficulty="intermediate", tags="gesture wide speaker stage")
    add("speaker-pointing-screen", "Pointing at the Screen", "Turned towards the audience, one arm extended towards the slide behind.",
        R(turn=25, head_yaw=-10, r_arm="point", l_arm="relaxed_soft", **CONTRA), framing=FB, tags="pointing presentation slide")
    add("speaker-pointing-screen-left", "Pointing at the Screen, Left", "One arm extended to a slide on the other side, face to the room.",
        R(turn=25, head_yaw=-10, r_arm="point", l_arm="relaxed_soft", **CONTRA).mirrored(), framing=FB, tags="pointing presentation slide")
    add("speaker-walking-stage", "Walking the Stage", "Mid-step across the stage, mic in hand and eyes on the audience.",
        R(turn=40, head_yaw=-30, r_arm="mic", l_arm="swing_back", r_leg="stride_front", l_leg="stride_back"), framing=FB, difficulty="intermediate", tags="walking stage microphone")
    add("speaker-counting", "Counting Points", "One hand raised counting on the fingers, the other holding notes.",
        R(turn=-12, head_yaw=6, r_arm="gesture", l_arm="thumbs_up"), framing=HB, tags="gesture counting speaker")
    add("speaker-podium", "At the Podium", "Both hands resting forward as on a lectern, leaning in slightly.",
        R(lean=8, r_arm=arm(14, 40, 50, 30), l_arm=arm(14, 40, 50, 30)), framing=HB, tags="podium lectern speaker")
    add("speaker-panel-seated", "Panel Seat", "Seated on a stage chair, one hand gesturing while talking.",
        R(turn=30, head_yaw=-15, r_arm="gesture", l_arm="knee", r_leg="sit_cross", l_leg="sit"), framing=FB, difficulty="intermediate", tags="seated panel discussion")

    lib.child("office-at-work", "Office and At Work", "Candid working moments at the desk and around the office.")
    add("office-desk-typing", "At the Desk", "Seated upright with both forearms forward on the desk.",
        R(lean=6, r_arm=arm(10, 35, 80, 30), l_arm=arm(10, 35, 80, 30), r_leg="sit", l_leg="sit"), framing=HB, tags="desk laptop seated office")
    add("office-phone-call", "On a Call", "Standing by the window with a phone held to the ear.",
        R(turn=35, head_yaw=-15, head_roll=-5, r_arm="cheek", l_arm="pocket", **CONTRA), framing=TQ, tags="phone call office")
    add("office-coffee", "Coffee Break", "Holding a mug at chest height with a relaxed smile.",
        R(turn=20, head_yaw=-10, r_arm="coffee", l_arm="relaxed_soft", **CONTRA), framing=HB, tags="coffee mug break office", featured=True)
    add("office-laptop-hold", "Carrying the Laptop", "A laptop held against the chest with both hands, ready for a meeting.",
        R(turn=-25, head_yaw=15, r_arm="present_up", l_arm="cross", **CONTRA_R), framing=TQ, tags="laptop meeting office")
    add("office-lean-desk", "Leaning on the Desk", "Leaning forward with both hands planted on the desk.",
        R(lean=25, head_pitch=-18, r_arm=arm(20, 50, 5, 0), l_arm=arm(20, 50, 5, 0), r_leg="stand_wide", l_leg="stand_wide"), framing=HB, difficulty="intermediate", tags="desk leaning office")
    add("office-thinking-seated", "Thinking It Over", "Seated with one hand at the chin, the other resting on the knee.",
        R(turn=20, head_yaw=-8, r_arm="chin", l_arm="knee", r_leg="sit", l_leg="sit"), framing=FB, tags="seated thinking office")
    add("office-walk-in", "Walking In", "Walking towards the camera with a folder under one arm.",
        R(r_arm="bag", l_arm="swing_back", r_leg="stride_front", l_leg="stride_back"), framing=FB, tags="walking folder office")
    add("office-whiteboard", "At the Whiteboard", "Turned to the board with one arm raised to write.",
        R(turn=-60, head_yaw=20, r_arm=arm(60, 70, 40, 0), l_arm="relaxed"), framing=TQ, difficulty="intermediate", tags="whiteboard writing office")

    # ------------------------------------------------------------------ E-Commerce
    lib.parent("e-commerce", "E-Commerce", "Poses that sell: products in hand, outfits shown off, live shopping.")

    lib.child("product-modelling", "Product Modelling", "Holding, showing and pointing at a product.")
    add("product-hold-chest", "Product at the Chest", "Holding a product up at chest height with both hands, label to the camera.",
        R(r_arm="present_up", l_arm="present_up"), framing=HB, tags="product hold chest", featured=True)
    add("product-next-to-face", "Product by the Face", "A small product raised beside the face, beauty-shot style.",
        R(turn=-12, head_yaw=8, head_roll=-5, r_arm="present_high", l_arm="relaxed"), framing=HB, tags="product beauty face cosmetics")
    add("product-next-to-face-left", "Product by the Face, Left Hand", "The product raised beside the face in the left hand, head tilted towards it.",
        R(turn=-12, head_yaw=8, head_roll=-5, r_arm="present_high", l_arm="relaxed").mirrored(), framing=HB, tags="product beauty face cosmetics")
    add("product-offer", "Offering to Camera", "One arm reaching forward to offer the product to the viewer.",
        R(lean=5, r_arm="present_out", l_arm="relaxed_soft"), framing=HB, difficulty="intermediate", tags="product offer reach")
    add("product-point-at", "Pointing at the Product", "Holding the product in one hand and pointing at it with the other.",
        R(turn=15, head_yaw=-5, head_pitch=8, r_arm="present_up", l_arm="point_at"), framing=HB, tags="product pointing hold")
    add("product-bag-elbow", "Bag on the Arm", "A handbag hanging in the crook of the elbow, body angled.",
        R(turn=30, head_yaw=-18, r_arm="bag", l_arm="hip", **CONTRA), framing=FB, gender="female", tags="bag handbag accessory")
    add("product-shoe-show", "Showing the Shoes", "A step forward with the weight back so the shoes are the hero.",
        R(turn=20, head_pitch=12, r_arm="relaxed_soft", l_arm="hip", r_leg=leg(6, 25, 5, 15), l_leg="stand"), framing=FB, tags="shoes footwear step")
    add("product-watch", "Checking the Watch", "Wrist raised to chest height to show a watch.",
        R(turn=25, head_yaw=-5, head_pitch=15, r_arm="relaxed", l_arm="phone_look"), framing=HB, tags="watch wrist accessory")
    add("product-two-hands-up", "Holding It High", "Product lifted in both hands near the face with an excited look.",
        R(r_arm="present_high", l_arm="present_high"), framing=HB, difficulty="intermediate", tags="product excited hold")
    add("product-sunglasses", "Adjusting Sunglasses", "One hand at the temple adjusting sunglasses, chin up.",
        R(turn=-20, head_yaw=12, head_pitch=-5, r_arm="temple", l_arm="pocket", **CONTRA_R), framing=HB, tags="sunglasses eyewear accessory")

    lib.child("live-selling", "Live Selling", "Energetic, camera-facing poses for livestream shopping.")
    add("live-wave-hello", "Hello, Everyone!", "A big wave to greet viewers joining the stream.",
        R(r_arm="wave", l_arm="relaxed"), framing=HB, tags="wave greeting live", featured=True)
    add("live-show-item", "Showing the Item", "Product held up in front of the chest, leaning in to the camera.",
        R(lean=8, r_arm="present_up", l_arm="present_up"), framing=HB, tags="product show live")
    add("live-thumbs-up", "Thumbs Up", "One thumb up for a product you love, the other hand relaxed.",
        R(turn=10, r_arm="thumbs_up", l_arm="relaxed_soft"), framing=HB, tags="thumbs approve live")
    add("live-heart-hands", "Heart Hands", "Both hands together in a heart at chest height.",
        R(r_arm="heart", l_arm="heart", head_roll=6), framing=HB, tags="heart love live")
    add("live-point-viewer", "Pointing at You", "Pointing straight at the viewer to call out a deal.",
        R(lean=4, r_arm=arm(8, 70, 25, 10), l_arm="hip"), framing=HB, difficulty="intermediate", tags="pointing deal live")
    add("live-counting-deal", "Three Days Only", "Counting on the fingers while holding the product in the other hand.",
        R(turn=-10, r_arm="present_up", l_arm="gesture"), framing=HB, tags="counting deal live")
    add("live-try-on-check", "Try-On Check", "Stepping back to show the fit, hands at the waist.",
        R(r_arm="hip", l_arm="hip", r_leg="stand_wide", l_leg="stand_wide"), framing=TQ, tags="fit try-on live")
    add("live-clap", "Celebrating a Sale", "Hands together in a happy clap at chest height.",
        R(r_arm="namaste", l_arm="namaste", head_roll=-5), framing=HB, tags="clap celebrate live")
    add("live-square-show", "Square Stream Show", "A square crop with the product at the chest for square live feeds.",
        R(r_arm="present_up", l_arm="present_up", head_roll=4), framing=HB, aspect=1.0, tags="product square live")

    lib.child("outfit-showcase", "Outfit Showcase", "Full-length poses that show the whole look, front, side and back.")
    add("outfit-front-classic", "Front, Classic", "Standing square to the camera with arms relaxed to show the full outfit.",
        R(r_arm="relaxed_soft", l_arm="relaxed_soft", r_leg="stand", l_leg="stand"), framing=FB, tags="outfit front catalogue", featured=True)
    add("outfit-front-contrapposto", "Front, Weight Shift", "Weight on one leg with a relaxed knee for a natural catalogue look.",
        R(r_arm="relaxed_soft", l_arm="relaxed", **CONTRA), framing=FB, tags="outfit front catalogue")
    add("outfit-three-quarter", "Three-Quarter Turn", "Body turned at an angle to show the cut and the side seams.",
        R(turn=40, head_yaw=-25, r_arm="relaxed_soft", l_arm="hip", **CONTRA), framing=FB, tags="outfit angle catalogue")
    add("outfit-side", "Side View", "Full profile to show the silhouette of the garment.",
        R(turn=85, head_yaw=-15, r_arm="relaxed", l_arm="relaxed", r_leg="stand", l_leg="step"), framing=FB, difficulty="intermediate", tags="outfit side profile")
    add("outfit-back", "Back View", "Turned away to show the back of the outfit.",
        R(turn=180, r_arm="relaxed_soft", l_arm="relaxed_soft", **CONTRA), framing=FB, tags="outfit back catalogue")
    add("outfit-back-glance", "Back View, Glance", "Turned away with a glance back over the shoulder.",
        R(turn=150, head_yaw=45, r_arm="relaxed", l_arm="hip", **CONTRA), framing=FB, difficulty="intermediate", tags="outfit back glance")
    add("outfit-hands-hips", "Hands on Hips", "Both hands on the hips, feet apart, to show the waistline.",
        R(r_arm="hip", l_arm="hip", r_leg="stand_wide", l_leg="stand_wide"), framing=FB, tags="outfit hips confident")
    add("outfit-twirl", "Mid-Twirl", "Arms lifted out and a turn of the body to show movement in a skirt.",
        R(turn=25, twist=10, head_yaw=-20, r_arm="wide_low", l_arm="wide_low", r_leg="pop", l_leg="stand"), framing=FB, difficulty="intermediate", gender="female", tags="twirl dress movement")
    add("outfit-walk-front", "Walk Towards", "A natural stride towards the camera to show drape and movement.",
        R(r_arm="swing_back", l_arm="swing_fwd", r_leg="stride_front", l_leg="stride_back"), framing=FB, tags="outfit walking movement")
    add("outfit-top-detail", "Top Detail", "Half-body framing, one hand at the collar, to show the top.",
        R(turn=15, head_yaw=-10, r_arm="lapel", l_arm="relaxed"), framing=HB, tags="outfit top detail")

    lib.child("unboxing-and-reviews", "Unboxing and Reviews", "Holding, opening and reacting to products for reviews.")
    add("review-box-chest", "Box at the Chest", "A box held in both hands at chest height, ready to open.",
        R(r_arm="present_up", l_arm="present_up", head_pitch=6), framing=HB, tags="box unboxing review", featured=True)
    add("review-seated-hold", "Seated Review", "Seated with the product held up in one hand and the other on the knee.",
        R(r_arm="present_up", l_arm="knee", r_leg="sit", l_leg="sit"), framing=TQ, tags="seated review product")
    add("review-look-down", "Looking Inside", "Head down looking into an opened box held at the waist.",
        R(head_pitch=25, lean=6, r_arm="folded", l_arm="folded"), framing=HB, tags="unboxing box look")
    add("review-surprised", "Surprised Reaction", "Both hands at the cheeks in surprise at what came out of the box.",
        R(r_arm="cheek", l_arm="cheek"), framing=HB, difficulty="intermediate", tags="reaction surprise review")
    add("review-compare", "Comparing Two", "Two products held out, one in each hand, for a side-by-side.",
        R(r_arm="present_out", l_arm="present_out"), framing=HB, tags="compare products review")
    add("review-thumbs-product", "Recommended", "Product in one hand and a thumbs up with the other.",
        R(turn=-10, r_arm="present_up", l_arm="thumbs_up"), framing=HB, tags="recommend thumbs review")
    add("review-desk-seated", "Desk Review", "Seated at a desk leaning in, both hands presenting the item.",
        R(lean=10, r_arm="present_up", l_arm="present_up", r_leg="sit", l_leg="sit"), framing=HB, tags="seated desk review")
    add("review-point-detail", "Pointing Out a Detail", "Product held near the face, other hand pointing at a detail.",
        R(turn=12, head_yaw=-8, r_arm="present_high", l_arm="point_at"), framing=HB, difficulty="intermediate", tags="detail pointing review")

    # ------------------------------------------------------------------ Fashion & Style
    lib.parent("fashion-and-style", "Fashion & Style", "Editorial, street and runway poses with attitude.")

    lib.child("editorial", "Editorial", "Magazine-style poses with strong shapes and angles.")
    add("editorial-hand-in-hair", "Hand in Hair", "One hand swept into the hair, chin lifted, weight on one leg.",
        R(turn=-20, head_yaw=10, head_pitch=-6, head_roll=-6, r_arm="relaxed", l_arm="hair", **CONTRA_R), framing=TQ, gender="female", tags="hair editorial glamour", featured=True)
    add("editorial-arms-overhead", "Arms Overhead", "Both arms raised and crossed at the wrists above the head.",
        R(side=-4, hip_tilt=8, r_arm=arm(165, 10, 25, 0), l_arm=arm(160, 12, 30, 0), r_leg="pop", l_leg="stand"), framing=FB, difficulty="intermediate", tags="arms raised editorial")
    add("editorial-angular", "Angular Shapes", "Both hands on the hips, elbows sharp, one knee popped.",
        R(turn=15, head_yaw=-10, r_arm="hip", l_arm="hip", r_leg="pop", l_leg="stand_wide", hip_tilt=7), framing=FB, tags="angular hips editorial")
    add("editorial-crouch", "Low Crouch", "A deep crouch with forearms resting on the knees.",
        R(lean=28, head_pitch=-20, r_arm=arm(20, 55, 30, 30), l_arm=arm(20, 55, 30, 30), r_leg="squat", l_leg="squat"), framing=FB, difficulty="advanced", tags="crouch low editorial")
    add("editorial-face-frame", "Face Frame", "Both hands framing the face, a close beauty composition.",
        R(head_roll=5, r_arm="cheek", l_arm="temple"), framing=HS, difficulty="intermediate", tags="beauty face hands editorial")
    add("editorial-profile-chin-up", "Profile, Chin Up", "Side profile with the chin lifted and shoulders dropped.",
        R(turn=-88, head_pitch=-12, r_arm="relaxed", l_arm="relaxed"), framing=HB, tags="profile editorial")
    add("editorial-lean-back", "Lean Back", "Torso leaning back, hands in pockets, a cool attitude.",
        R(lean=-8, head_pitch=-5, r_arm="back_pocket", l_arm="pocket", r_leg=leg(8, 15, 5, 10), l_leg="stand"), framing=FB, tags="attitude lean editorial")
    add("editorial-side-bend", "Side Bend", "A deep bend at the waist with one arm sweeping overhead.",
        R(side=18, head_roll=10, r_arm=arm(150, 0, 30, 0), l_arm="hip", r_leg="stand_wide", l_leg="stand_wide"), framing=FB, difficulty="advanced", tags="bend dramatic editorial")
    add("editorial-shoulder-glance", "Shoulder Glance", "Shoulder forward and a look back over it, close framing.",
        R(turn=-65, head_yaw=45, r_arm="relaxed", l_arm="relaxed"), framing=HS, tags="shoulder glance editorial")

    lib.child("street-style", "Street Style", "Candid city looks: walking, leaning, looking away.")
    add("street-walk-look-away", "Walking, Looking Away", "Mid-stride on the pavement, looking off to the side.",
        R(turn=20, head_yaw=35, r_arm="swing_fwd", l_arm="pocket", r_leg="stride_back", l_leg="stride_front"), framing=FB, tags="walking candid street", featured=True)
    add("street-crossed-ankles", "Crossed Ankles", "Standing with the ankles crossed and hands in pockets as if leaning on a wall.",
        R(side=-4, r_arm="pocket", l_arm="back_pocket", r_leg="cross_front", l_leg="stand"), framing=FB, tags="leaning crossed street")
    add("street-coffee-walk", "Coffee to Go", "Walking with a coffee cup in one hand.",
        R(turn=-30, head_yaw=20, r_arm="swing_back", l_arm="coffee", r_leg="stride_front", l_leg="stride_back"), framing=FB, tags="coffee walking street")
    add("street-jacket-open", "Jacket Flash", "Holding a jacket open at the sides to show the layers.",
        R(r_arm="jacket", l_arm="jacket", **CONTRA), framing=TQ, tags="jacket layers street")
    add("street-phone", "Phone in Hand", "Glancing at a phone at chest height, weight on one hip.",
        R(turn=25, head_pitch=20, r_arm="phone_look", l_arm="pocket", **CONTRA), framing=TQ, tags="phone candid street")
    add("street-sunglasses", "Sunglasses Adjust", "Pushing sunglasses up, other hand in the pocket, mid-step.",
        R(turn=15, head_yaw=-8, r_arm="temple", l_arm="pocket", r_leg="step", l_leg="stand"), framing=FB, tags="sunglasses street")
    add("street-crouch-casual", "Curb Crouch", "A relaxed crouch with one forearm on the knee.",
        R(lean=22, head_pitch=-15, r_arm=arm(15, 50, 40, 20), l_arm="relaxed", r_leg="squat", l_leg="squat"), framing=FB, difficulty="intermediate", tags="crouch street")
    add("street-back-turn", "Walking Away", "Walking away from the camera with a glance back.",
        R(turn=165, head_yaw=40, r_arm="swing_fwd", l_arm="swing_back", r_leg="stride_back", l_leg="stride_front"), framing=FB, difficulty="intermediate", tags="walking back street")
    add("street-bag-strap", "Bag Strap", "Both hands holding a shoulder bag strap at the chest.",
        R(turn=-20, head_yaw=10, r_arm="lapel_hold", l_arm="relaxed", **CONTRA_R), framing=TQ, tags="bag strap street")

    lib.child("runway", "Runway", "Catwalk walks, turns and end-of-runway stops.")
    add("runway-walk-front", "Catwalk Stride", "A long catwalk step towards the camera, arms swinging close.",
        R(hip_tilt=5, r_arm="swing_back", l_arm="swing_fwd", r_leg="runway_front", l_leg="runway_back"), framing=FB, tags="runway catwalk walk", featured=True)
    add("runway-walk-other-foot", "Catwalk Stride, Other Foot", "The opposite step of the catwalk stride, hips swinging.",
        R(hip_tilt=5, r_arm="swing_back", l_arm="swing_fwd", r_leg="runway_front", l_leg="runway_back").mirrored(), framing=FB, tags="runway catwalk walk")
    add("runway-end-stop", "End of Runway", "The stop at the end of the runway: one hand on the hip, weight back.",
        R(hip_tilt=8, shoulder_tilt=-4, r_arm="relaxed", l_arm="hip", r_leg="pop", l_leg="stand"), framing=FB, tags="runway pose stop")
    add("runway-turn", "Runway Turn", "Mid-turn at the end of the catwalk, shoulders leading.",
        R(turn=60, twist=-15, head_yaw=-30, r_arm="swing_fwd", l_arm="swing_back", r_leg="step", l_leg="stand"), framing=FB, difficulty="intermediate", tags="runway turn")
    add("runway-walk-away", "Walking Back", "Walking back up the runway, seen from behind.",
        R(turn=180, hip_tilt=-5, r_arm="swing_fwd", l_arm="swing_back", r_leg="runway_back", l_leg="runway_front"), framing=FB, tags="runway walk back")
    add("runway-hands-pockets", "Menswear Walk", "A steady menswear stride with both hands in the pockets.",
        R(r_arm="pocket", l_arm="pocket", r_leg="stride_front", l_leg="stride_back"), framing=FB, gender="male", tags="runway menswear walk")
    add("runway-gown-hold", "Gown Walk", "Walking while lifting the gown lightly at the sides.",
        R(hip_tilt=4, r_arm=arm(22, 8, 20, 10), l_arm=arm(22, 8, 20, 10), r_leg="runway_front", l_leg="runway_back"), framing=FB, gender="female", tags="runway gown walk")
    add("runway-side-walk", "Side Walk", "The catwalk stride seen from the side.",
        R(turn=85, r_arm="swing_back", l_arm="swing_fwd", r_leg="runway_front", l_leg="runway_back"), framing=FB, difficulty="intermediate", tags="runway walk side")

    lib.child("lookbook", "Lookbook", "Clean, simple poses for collection lookbooks.")
    add("lookbook-neutral", "Neutral Stand", "A quiet, neutral stand with soft arms.",
        R(r_arm="relaxed_soft", l_arm="relaxed_soft", **CONTRA), framing=FB, tags="lookbook neutral", featured=True)
    add("lookbook-one-hand-pocket", "One Hand in Pocket", "One hand in a pocket, slight turn, relaxed face.",
        R(turn=-25, head_yaw=15, r_arm="relaxed_soft", l_arm="pocket", **CONTRA_R), framing=FB, tags="lookbook pocket")
    add("lookbook-crossed-legs", "Crossed Legs", "Standing with one leg crossed in front of the other.",
        R(r_arm="relaxed", l_arm="hip", r_leg="cross_front", l_leg="stand", hip_tilt=5), framing=FB, gender="female", tags="lookbook crossed legs")
    add("lookbook-collar", "Collar Touch", "One hand at the collar, looking slightly off camera.",
        R(turn=20, head_yaw=15, r_arm="lapel", l_arm="relaxed"), framing=TQ, tags="lookbook collar")
    add("lookbook-sleeve", "Sleeve Detail", "One arm across the body to show a sleeve or cuff.",
        R(turn=10, r_arm="cross", l_arm="relaxed"), framing=TQ, tags="lookbook sleeve detail")
    add("lookbook-seated-stool", "On a Stool", "Perched on a high stool, one foot down, hands in the lap.",
        R(r_arm="lap", l_arm="lap", r_leg=leg(6, 60, 55, 0), l_leg=leg(4, 40, 20, 0)), framing=FB, tags="lookbook seated stool")
    add("lookbook-side-profile", "Clean Profile", "Full profile, arms by the sides, for the garment's line.",
        R(turn=-90, r_arm="relaxed", l_arm="relaxed"), framing=FB, tags="lookbook profile side")
    add("lookbook-half-turn-back", "Half Turn Back", "Back three-quarters to the camera, face in profile.",
        R(turn=-135, head_yaw=-40, r_arm="relaxed", l_arm="relaxed", **CONTRA), framing=FB, difficulty="intermediate", tags="lookbook back turn")

    # ------------------------------------------------------------------ Hijab & Modest Fashion
    lib.parent("hijab-and-modest-fashion", "Hijab & Modest Fashion",
               "Graceful, covered poses for hijab and modest wear: hands close, gentle turns, long lines.")

    lib.child("hijab-portraits", "Hijab Portraits", "Soft head-and-shoulders portraits that frame the hijab.")
    add("hijab-portrait-front", "Soft Front Portrait", "Facing the camera with a gentle smile, shoulders relaxed.",
        R(head_roll=4), framing=HS, gender="female", tags="hijab portrait soft", featured=True)
    add("hijab-portrait-chin", "Hand Near the Chin", "One hand resting lightly near the chin, head slightly tilted.",
        R(turn=15, head_yaw=-8, head_roll=6, r_arm="chin", l_arm="relaxed"), framing=HS, gender="female", tags="hijab portrait hand chin")
    add("hijab-portrait-turn", "Gentle Turn", "Shoulders turned away with the face back to the camera.",
        R(turn=35, head_yaw=-25, head_roll=3), framing=HS, gender="female", tags="hijab portrait turn")
    add("hijab-portrait-fabric", "Touching the Fabric", "One hand at the cheek lightly holding the edge of the hijab.",
        R(turn=-15, head_yaw=8, r_arm="relaxed", l_arm="cheek"), framing=HS, gender="female", tags="hijab portrait fabric")
    add("hijab-portrait-look-down", "Looking Down", "Eyes lowered with the chin slightly down, calm and modest.",
        R(turn=20, head_yaw=-10, head_pitch=14), framing=HS, gender="female", tags="hijab portrait calm")
    add("hijab-portrait-both-hands", "Hands Together", "Hands folded together below the chin.",
        R(r_arm="namaste", l_arm="namaste", head_roll=5), framing=HS, gender="female", difficulty="intermediate", tags="hijab portrait hands")
    add("hijab-portrait-square", "Square Portrait", "A square head-and-shoulders crop for profile pictures.",
        R(turn=-20, head_yaw=12), framing=HS, aspect=1.0, gender="female", tags="hijab portrait square avatar")

    lib.child("modest-everyday", "Modest Everyday", "Relaxed, covered looks for daily wear.")
    add("modest-hands-folded", "Hands Folded", "Standing with the hands folded at the waist in a long, flowing outfit.",
        R(r_arm="folded", l_arm="folded", r_leg="stand", l_leg="step"), framing=FB, gender="female", tags="modest folded hands", featured=True)
    add("modest-bag-walk", "Walk with a Bag", "Walking with a bag held in the crook of the arm.",
        R(turn=25, head_yaw=-15, r_arm="swing_back", l_arm="bag", r_leg="stride_front", l_leg="stride_back"), framing=FB, gender="female", tags="modest walking bag")
    add("modest-coffee", "Morning Coffee", "Holding a cup at chest height, soft turn of the body.",
        R(turn=-25, head_yaw=12, r_arm="coffee", l_arm="relaxed_soft"), framing=TQ, gender="female", tags="modest coffee casual")
    add("modest-phone", "Checking the Phone", "Looking down at a phone held in both hands.",
        R(head_pitch=22, r_arm="phone_look", l_arm="phone_look"), framing=TQ, gender="female", tags="modest phone casual")
    add("modest-gentle-turn", "Gentle Three-Quarter", "A gentle three-quarter turn, arms soft at the sides.",
        R(turn=35, head_yaw=-20, r_arm="relaxed_soft", l_arm="relaxed_soft", **CONTRA), framing=FB, gender="female", tags="modest turn")
    add("modest-sitting-bench", "Sitting on a Bench", "Seated with knees together and hands resting in the lap.",
        R(r_arm="lap", l_arm="lap", r_leg=leg(2, 88, 90, 0), l_leg=leg(2, 88, 90, 0)), framing=FB, gender="female", tags="modest seated bench")
    add("modest-clasped-smile", "Clasped and Smiling", "Hands clasped low in front, a soft smile, half-body framing.",
        R(turn=10, head_roll=5, r_arm="clasp_low", l_arm="clasp_low"), framing=HB, gender="female", tags="modest clasped")

    lib.child("modest-occasion-wear", "Modest Occasion Wear", "Elegant covered poses for weddings, Eid and events.")
    add("occasion-bouquet", "Holding a Bouquet", "A bouquet held in both hands at the waist.",
        R(r_arm="folded", l_arm="folded", head_roll=4, **CONTRA), framing=TQ, gender="female", tags="occasion bouquet wedding", featured=True)
    add("occasion-clutch", "Evening Clutch", "A clutch held at the waist in one hand, the body angled.",
        R(turn=30, head_yaw=-18, r_arm="folded", l_arm="relaxed_soft", **CONTRA), framing=FB, gender="female", tags="occasion clutch evening")
    add("occasion-gown-step", "Gown Step", "Stepping forward while lifting the hem slightly with one hand.",
        R(turn=15, r_arm=arm(20, 10, 25, 10), l_arm="relaxed_soft", r_leg="step", l_leg="stand"), framing=FB, gender="female", tags="occasion gown step")
    add("occasion-greeting", "Warm Greeting", "Hand on the heart in a warm greeting.",
        R(head_pitch=6, r_arm=arm(14, 25, 125, 80), l_arm="relaxed"), framing=HB, gender="female", tags="occasion greeting eid")
    add("occasion-back-train", "Showing the Train", "Turned away to show the back and train of the gown, glancing back.",
        R(turn=160, head_yaw=40, r_arm="relaxed_soft", l_arm="relaxed_soft"), framing=FB, gender="female", difficulty="intermediate", tags="occasion gown back")
    add("occasion-seated-elegant", "Seated Elegance", "Seated upright with ankles together and hands in the lap.",
        R(turn=25, head_yaw=-15, r_arm="lap", l_arm="lap", r_leg="sit", l_leg="sit"), framing=FB, gender="female", tags="occasion seated elegant")
    add("occasion-sleeve-detail", "Sleeve Detail", "One arm lifted across the body to show embroidered sleeves.",
        R(turn=-15, head_pitch=10, r_arm="relaxed", l_arm="cross_high"), framing=HB, gender="female", tags="occasion sleeve embroidery")

    lib.child("modest-lookbook", "Modest Lookbook", "Clean catalogue poses for modest collections.")
    add("modest-lookbook-front", "Catalogue Front", "Standing straight with arms relaxed to show the full length.",
        R(r_arm="relaxed_soft", l_arm="relaxed_soft", r_leg="stand", l_leg="stand"), framing=FB, gender="female", tags="modest lookbook catalogue", featured=True)
    add("modest-lookbook-side", "Catalogue Side", "Side view to show the drape of an abaya or long dress.",
        R(turn=-85, head_yaw=20, r_arm="relaxed", l_arm="relaxed"), framing=FB, gender="female", tags="modest lookbook side abaya")
    add("modest-lookbook-back", "Catalogue Back", "Back view to show the back of the outfit.",
        R(turn=180, r_arm="relaxed", l_arm="relaxed"), framing=FB, gender="female", tags="modest lookbook back")
    add("modest-lookbook-sleeve-open", "Open Sleeves", "Arms slightly raised to show the width of the sleeves.",
        R(r_arm="wide_low", l_arm="wide_low"), framing=FB, gender="female", tags="modest lookbook sleeves")
    add("modest-lookbook-hand-hip", "Hand on Hip", "One hand on the hip, a gentle three-quarter turn.",
        R(turn=-30, head_yaw=18, r_arm="hip", l_arm="relaxed", **CONTRA_R), framing=FB, gender="female", tags="modest lookbook hip")
    add("modest-lookbook-walk", "Lookbook Walk", "A soft walking step to show movement of the fabric.",
        R(r_arm="swing_fwd", l_arm="swing_back", r_leg="stride_back", l_leg="stride_front"), framing=FB, gender="female", tags="modest lookbook walking")
    add("modest-lookbook-half", "Half-Body Detail", "Half-body framing with hands folded to show the neckline and hijab.",
        R(turn=15, head_yaw=-8, r_arm="folded", l_arm="folded"), framing=HB, gender="female", tags="modest lookbook detail")

    # ------------------------------------------------------------------ Casual & Lifestyle
    lib.parent("casual-and-lifestyle", "Casual & Lifestyle", "Everyday moments: sitting, walking, selfies and travel.")

    lib.child("sitting-and-relaxed", "Sitting and Relaxed", "Seated poses on chairs, stools, steps and the floor.")
    add("sit-chair-relaxed", "Relaxed on a Chair", "Seated on a chair, hands resting on the knees.",
        R(r_arm="knee", l_arm="knee", r_leg="sit_open", l_leg="sit_open"), framing=FB, tags="seated chair relaxed", featured=True)
    add("sit-legs-crossed", "Legs Crossed", "Seated with one leg crossed over the other and hands in the lap.",
        R(turn=25, head_yaw=-15, r_arm="lap", l_arm="lap", r_leg="sit_cross", l_leg="sit"), framing=FB, tags="seated crossed legs")
    add("sit-lean-forward", "Leaning Forward", "Seated, leaning forward with the forearms on the knees.",
        R(lean=25, head_pitch=-15, r_arm=arm(10, 45, 60, 40), l_arm=arm(10, 45, 60, 40), r_leg="sit_open", l_leg="sit_open"), framing=FB, difficulty="intermediate", tags="seated leaning forward")
    add("sit-floor-cross-legged", "Cross-Legged on the Floor", "Sitting on the floor with the legs crossed and hands on the knees.",
        R(r_arm="knee", l_arm="knee", r_leg="sit_floor", l_leg="sit_floor"), framing=FB, tags="floor cross-legged seated")
    add("sit-chin-in-hand", "Chin in Hand", "Seated, elbow on the knee and chin resting in the hand.",
        R(lean=20, turn=20, head_yaw=-10, r_arm=arm(8, 70, 150, 30), l_arm="lap", r_leg="sit", l_leg="sit"), framing=FB, difficulty="intermediate", tags="seated chin thoughtful")
    add("sit-lean-back", "Leaning Back", "Leaning back in the seat with one arm over the backrest.",
        R(lean=-10, r_arm="armrest", l_arm=arm(70, -20, 40, 0), r_leg="sit_open", l_leg=leg(10, 70, 40, 10)), framing=FB, tags="seated lean back relaxed")
    add("sit-coffee-cup", "Café Seat", "Seated at a café table holding a cup with both hands.",
        R(lean=5, r_arm="coffee", l_arm="coffee", r_leg="sit", l_leg="sit"), framing=HB, tags="seated coffee cafe")
    add("sit-side-profile", "Seated Profile", "Seated in profile, hands on the knees, back straight.",
        R(turn=-85, r_arm="knee", l_arm="knee", r_leg="sit", l_leg="sit"), framing=FB, tags="seated profile")
    add("sit-stairs", "On the Steps", "Sitting on a step, knees up, arms resting on them.",
        R(lean=12, r_arm=arm(12, 60, 50, 30), l_arm=arm(12, 60, 50, 30), r_leg=leg(10, 110, 130, 0), l_leg=leg(10, 110, 130, 0)), framing=FB, difficulty="intermediate", tags="steps seated casual")

    lib.child("walking-and-candid", "Walking and Candid", "Natural, in-between moments in motion.")
    add("candid-walk-towards", "Walking Towards", "A relaxed walk towards the camera, arms swinging.",
        R(r_arm="swing_fwd", l_arm="swing_back", r_leg="stride_back", l_leg="stride_front"), framing=FB, tags="walking candid", featured=True)
    add("candid-walk-side", "Walking Past", "Walking across the frame in profile.",
        R(turn=80, head_yaw=-20, r_arm="swing_back", l_arm="swing_fwd", r_leg="stride_front", l_leg="stride_back"), framing=FB, tags="walking profile candid")
    add("candid-laugh", "Mid-Laugh", "Caught laughing with the head tipped back and a hand at the chest.",
        R(head_pitch=-14, head_roll=6, r_arm=arm(14, 25, 125, 80), l_arm="relaxed_soft"), framing=HB, tags="laughing candid joy")
    add("candid-look-back", "Looking Back", "Walking away and looking back over the shoulder.",
        R(turn=140, head_yaw=50, r_arm="swing_fwd", l_arm="swing_back", r_leg="stride_back", l_leg="stride_front"), framing=FB, difficulty="intermediate", tags="walking look back candid")
    add("candid-hair-tuck", "Tucking the Hair", "Tucking hair behind the ear while looking down.",
        R(turn=20, head_pitch=12, head_roll=5, r_arm="relaxed", l_arm="temple"), framing=HB, gender="female", tags="hair candid")
    add("candid-stretch-arms", "Morning Stretch", "Both arms stretched up and out with a smile.",
        R(r_arm=arm(145, 0, 10, 0), l_arm=arm(145, 0, 10, 0), head_pitch=-8), framing=TQ, tags="stretch morning candid")
    add("candid-hands-pockets-walk", "Easy Stroll", "A slow stroll with both hands in the pockets.",
        R(turn=-30, head_yaw=20, r_arm="pocket", l_arm="pocket", r_leg="stride_front", l_leg="stride_back"), framing=FB, tags="walking stroll pockets")
    add("candid-window-gaze", "Window Gaze", "Standing by a window, arms crossed loosely, looking out.",
        R(turn=-50, head_yaw=-20, r_arm="cross", l_arm="cross_high"), framing=TQ, tags="window gaze candid")

    lib.child("selfie-and-social", "Selfie and Social", "Poses made for social feeds and selfies.")
    add("selfie-arm-out", "Arm-Out Selfie", "One arm reaching out holding the phone, a small head tilt.",
        R(head_roll=6, r_arm="phone_selfie", l_arm="relaxed"), framing=HB, tags="selfie phone social", featured=True)
    add("selfie-peace", "Peace Sign", "Phone in one hand and a peace sign by the face with the other.",
        R(head_roll=-5, r_arm="phone_selfie", l_arm="cheek"), framing=HB, tags="selfie peace social")
    add("selfie-mirror", "Mirror Selfie", "Phone held at the chest for a mirror shot, weight on one hip.",
        R(turn=15, r_arm="present_high", l_arm="hip", **CONTRA), framing=FB, tags="mirror selfie outfit")
    add("social-wave", "Hi from Here", "A friendly wave at the camera.",
        R(turn=-10, r_arm="relaxed", l_arm="wave"), framing=TQ, tags="wave social friendly")
    add("social-thumbs-up", "Thumbs Up", "A smile and a thumbs up for the feed.",
        R(r_arm="thumbs_up", l_arm="relaxed", head_roll=5), framing=HB, tags="thumbs social")
    add("social-heart", "Heart for the Feed", "Hands in a heart shape at chest height.",
        R(r_arm="heart", l_arm="heart"), framing=HB, tags="heart social love")
    add("social-jump-joy", "Jump for Joy", "A happy jump with both arms up.",
        R(r_arm="raise", l_arm="raise", r_leg=leg(6, 30, 70, 0), l_leg=leg(6, 20, 60, 0)), framing=FB, difficulty="intermediate", tags="jump joy social")
    add("social-square-grid", "Square Grid Post", "A square crop with a soft lean and a hand at the chin.",
        R(turn=12, head_roll=5, r_arm="chin", l_arm="relaxed"), framing=HB, aspect=1.0, tags="square social grid")

    lib.child("travel-and-outdoors", "Travel and Outdoors", "Exploring, sightseeing and enjoying the view.")
    add("travel-arms-open", "Arms Open to the View", "Seen from behind with arms flung open towards the view.",
        R(turn=180, r_arm=arm(110, 10, 10, 0), l_arm=arm(110, 10, 10, 0), r_leg="stand_wide", l_leg="stand_wide"), framing=FB, tags="travel view freedom", featured=True)
    add("travel-backpack", "Backpack Straps", "Holding the backpack straps, ready to explore.",
        R(turn=20, head_yaw=-10, r_arm="lapel_hold", l_arm="lapel_hold", **CONTRA), framing=TQ, tags="travel backpack")
    add("travel-point-distance", "Look Over There", "Pointing into the distance, turned to the side.",
        R(turn=-50, head_yaw=-20, r_arm="relaxed", l_arm=arm(70, 60, 5, 0)), framing=FB, tags="travel pointing")
    add("travel-hat-hold", "Holding the Hat", "One hand on the hat against the wind, looking out.",
        R(turn=30, head_yaw=25, head_pitch=-6, r_arm="behind_head", l_arm="relaxed_soft"), framing=TQ, tags="travel hat wind")
    add("travel-sit-rock", "Resting on a Rock", "Sitting on a rock with one knee up and an arm resting on it.",
        R(turn=30, head_yaw=-15, r_arm=arm(10, 50, 40, 20), l_arm="relaxed", r_leg=leg(10, 110, 130, 0), l_leg=leg(10, 80, 60, 0)), framing=FB, difficulty="intermediate", tags="travel seated outdoors")
    add("travel-photo-taking", "Taking a Photo", "A camera raised to the eye with both hands.",
        R(turn=-20, r_arm="present_high", l_arm="present_high", head_pitch=4), framing=HB, tags="travel camera photo")
    add("travel-walk-away", "Walking into the View", "Walking away down the path, seen from behind.",
        R(turn=175, r_arm="swing_back", l_arm="swing_fwd", r_leg="stride_front", l_leg="stride_back"), framing=FB, tags="travel walking back")

    # ------------------------------------------------------------------ Sports & Active
    lib.parent("sports-and-active", "Sports & Active", "Fitness, yoga, running and movement.")

    lib.child("fitness", "Fitness", "Gym and home workout poses.")
    add("fitness-squat", "Bodyweight Squat", "A deep squat with the arms reaching forward for balance.",
        R(turn=30, head_yaw=-15, lean=30, head_pitch=-20, r_arm="forward", l_arm="forward", r_leg="squat", l_leg="squat"), framing=FB, difficulty="intermediate", tags="squat legs workout", featured=True)
    add("fitness-lunge", "Forward Lunge", "A forward lunge in profile, hands on the hips.",
        R(turn=80, r_arm="hip", l_arm="hip", r_leg="lunge_front", l_leg="lunge_back"), framing=FB, difficulty="intermediate", tags="lunge legs workout")
    add("fitness-plank", "Plank", "A straight-arm plank seen from the side.",
        R(turn=-90, pitch=78, head_pitch=-50, r_arm="down_floor", l_arm="down_floor"), framing=FB, difficulty="intermediate", aspect=1.0, tags="plank core workout")
    add("fitness-biceps-curl", "Biceps Curl", "Standing tall, curling weights up to the shoulders.",
        R(r_arm="curl", l_arm="curl", r_leg="stand_wide", l_leg="stand_wide"), framing=TQ, tags="curl arms weights")
    add("fitness-shoulder-press", "Shoulder Press", "Elbows out and forearms up, ready to press overhead.",
        R(r_arm="press", l_arm="press", r_leg="stand_wide", l_leg="stand_wide"), framing=TQ, difficulty="intermediate", tags="press shoulders weights")
    add("fitness-flex", "Double Biceps Flex", "Both arms raised and flexed to show the arms.",
        R(r_arm="flex", l_arm="flex", r_leg="stand_wide", l_leg="stand_wide"), framing=TQ, gender="male", tags="flex muscles")
    add("fitness-jumping-jack", "Jumping Jack", "Arms overhead and feet wide at the top of a jumping jack.",
        R(r_arm=arm(155, 0, 10, 0), l_arm=arm(155, 0, 10, 0), r_leg=leg(22), l_leg=leg(22)), framing=FB, tags="cardio jumping jacks")
    add("fitness-side-lunge", "Side Lunge", "One knee bent in a wide side lunge, hands clasped at the chest.",
        R(hip_tilt=-10, side=8, r_arm="namaste", l_arm="namaste", r_leg=leg(30, 50, 95, 45), l_leg=leg(35)), framing=FB, difficulty="intermediate", tags="lunge side legs")
    add("fitness-towel-rest", "Post-Workout Rest", "Standing with a towel over the shoulders, hands holding its ends.",
        R(r_arm="lapel_hold", l_arm="lapel_hold", **CONTRA), framing=HB, tags="rest towel workout")

    lib.child("yoga", "Yoga", "Classic asanas, from beginner to advanced.")
    add("yoga-tree", "Tree Pose", "Balancing on one leg, the other foot against the inner thigh, hands at the heart.",
        R(r_arm="namaste", l_arm="namaste", r_leg="tree", l_leg=leg(1)), framing=FB, difficulty="intermediate", tags="tree balance yoga", featured=True)
    add("yoga-tree-arms-up", "Tree Pose, Arms Up", "Tree pose with the arms reaching overhead.",
        R(r_arm="overhead", l_arm="overhead", r_leg="tree", l_leg=leg(1)).mirrored(), framing=FB, difficulty="intermediate", tags="tree balance yoga")
    add("yoga-warrior-two", "Warrior II", "Legs wide, front knee bent, arms stretched out and gaze over the front hand.",
        R(head_yaw=-70, r_arm="wide", l_arm="wide", r_leg=leg(65, 0, 65, 90), l_leg=leg(46)), framing=FB, difficulty="intermediate", aspect=1.0, tags="warrior strength yoga", featured=True)
    add("yoga-warrior-two-left", "Warrior II, Left", "Warrior II to the other side.",
        R(head_yaw=-70, r_arm="wide", l_arm="wide", r_leg=leg(65, 0, 65, 90), l_leg=leg(46)).mirrored(), framing=FB, difficulty="intermediate", aspect=1.0, tags="warrior strength yoga")
    add("yoga-downward-dog", "Downward Dog", "Hips high, arms and legs long, heels reaching down.",
        R(turn=-90, lean=128, r_arm=arm(0, 172, 0, 0), l_arm=arm(0, 172, 0, 0), r_leg=leg(0, -32), l_leg=leg(0, -32)), framing=FB, difficulty="intermediate", aspect=1.0, tags="downward dog inversion yoga")
    add("yoga-mountain-arms", "Mountain, Arms Up", "Standing tall with the arms reaching straight up.",
        R(r_arm="overhead", l_arm="overhead", r_leg=leg(2), l_leg=leg(2)), framing=FB, tags="mountain standing yoga")
    add("yoga-triangle", "Triangle Pose", "Legs wide, torso tilted sideways, one arm to the floor and one to the sky.",
        R(side=-62, head_yaw=-20, r_arm="wide", l_arm="wide", r_leg=leg(34, 0, 0, 60), l_leg=leg(30)), framing=FB, difficulty="advanced", aspect=1.0, tags="triangle stretch yoga")
    add("yoga-chair", "Chair Pose", "Knees bent as if sitting back, arms reaching up beside the ears.",
        R(turn=-80, lean=30, r_arm=arm(0, 160, 0, 0), l_arm=arm(0, 160, 0, 0), r_leg=leg(2, 70, 85), l_leg=leg(2, 70, 85)), framing=FB, difficulty="intermediate", tags="chair strength yoga")
    add("yoga-seated-meditation", "Seated Meditation", "Cross-legged, spine tall, hands resting on the knees.",
        R(r_arm="knee", l_arm="knee", r_leg="sit_floor", l_leg="sit_floor"), framing=FB, aspect=1.0, tags="meditation seated calm yoga")
    add("yoga-crescent-lunge", "Crescent Lunge", "A high lunge with the arms reaching overhead.",
        R(turn=85, r_arm="overhead", l_arm="overhead", r_leg="lunge_front", l_leg=leg(4, -40, 20)), framing=FB, difficulty="advanced", tags="lunge crescent yoga")

    lib.child("running", "Running", "Jogging, sprinting and race moments.")
    add("run-stride-side", "Running Stride", "Mid-stride in profile, opposite arm and leg driving forward.",
        R(turn=80, lean=10, r_arm="run_back", l_arm="run_fwd", r_leg="run_front", l_leg="run_back"), framing=FB, difficulty="intermediate", tags="running stride", featured=True)
    add("run-stride-side-other", "Running Stride, Other Leg", "The opposite phase of the running stride.",
        R(turn=80, lean=10, r_arm="run_fwd", l_arm="run_back", r_leg="run_back", l_leg="run_front"), framing=FB, difficulty="intermediate", tags="running stride")
    add("run-towards", "Running Towards", "Running towards the camera at a three-quarter angle.",
        R(turn=30, lean=8, r_arm="run_fwd", l_arm="run_back", r_leg="run_back", l_leg="run_front"), framing=FB, difficulty="intermediate", tags="running towards")
    add("run-jog", "Easy Jog", "A light jog with relaxed arms.",
        R(turn=-75, lean=5, r_arm=arm(8, 30, 85, 10), l_arm=arm(8, -25, 80, 10), r_leg=leg(3, 30, 45), l_leg=leg(3, -12, 50)), framing=FB, tags="jogging easy running")
    add("run-sprint", "Sprint", "An all-out sprint with a strong forward lean and high knee.",
        R(turn=85, lean=18, r_arm=arm(8, -55, 90, 10), l_arm=arm(8, 70, 100, 20), r_leg=leg(3, 75, 95), l_leg=leg(3, -25, 40)), framing=FB, difficulty="advanced", tags="sprint fast running")
    add("run-finish-line", "Finish Line", "Arms raised in victory crossing the finish line.",
        R(head_pitch=-10, r_arm="raise", l_arm="raise", r_leg="stride_front", l_leg="stride_back"), framing=FB, tags="finish victory running")
    add("run-warmup-quad", "Warm-Up Quad Stretch", "Standing on one leg holding the other foot behind.",
        R(turn=70, r_arm="relaxed", l_arm=arm(8, -40, 20, 0), l_leg=leg(2, -10, 150), r_leg=leg(2)), framing=FB, difficulty="intermediate", tags="warm-up stretch running")
    add("run-rest-hands-knees", "Catching Breath", "Bent over with the hands on the knees after a run.",
        R(turn=-40, lean=45, head_pitch=-35, r_arm=arm(10, 55, 10, 0), l_arm=arm(10, 55, 10, 0), r_leg=leg(8, 20, 25), l_leg=leg(8, 20, 25)), framing=FB, tags="rest tired running")

    lib.child("jumping-and-dance", "Jumping and Dance", "Energetic jumps, leaps and dance shapes.")
    add("jump-star", "Star Jump", "Arms and legs flung wide in mid-air.",
        R(r_arm=arm(125), l_arm=arm(125), r_leg=leg(26), l_leg=leg(26)), framing=FB, difficulty="intermediate", aspect=1.0, tags="jump star energy", featured=True)
    add("jump-tuck", "Tuck Jump", "Knees pulled up high in mid-air, arms up.",
        R(turn=35, head_yaw=-20, r_arm="raise", l_arm="raise", r_leg="jump_tuck", l_leg="jump_tuck"), framing=FB, difficulty="advanced", tags="jump tuck energy")
    add("dance-arabesque", "Arabesque", "Standing on one leg, the other extended behind, arms long.",
        R(turn=-80, lean=25, r_arm=arm(10, 110, 0, 0), l_arm=arm(80, -10, 0, 0), r_leg=leg(0), l_leg=leg(0, -60, 0)), framing=FB, difficulty="advanced", aspect=1.0, tags="dance ballet balance")
    add("dance-high-kick", "High Kick", "A high front kick with the arms out for balance.",
        R(turn=70, lean=-5, r_arm="wide", l_arm="wide", r_leg="kick", l_leg=leg(0)), framing=FB, difficulty="advanced", tags="kick dance energy")
    add("dance-groove", "Groove", "A relaxed dance groove with one hip out and arms bent.",
        R(hip_tilt=9, side=-5, head_roll=-6, r_arm="guard", l_arm=arm(45, 20, 100, -40), r_leg="pop", l_leg="stand_wide"), framing=FB, tags="dance groove fun")
    add("dance-spin", "Spin", "Arms lifted mid-spin with the body twisting.",
        R(turn=45, twist=15, r_arm=arm(120, 20, 40, -30), l_arm=arm(70, 10, 30, 0), r_leg=leg(6, 10, 15), l_leg=leg(2)), framing=FB, difficulty="intermediate", tags="spin dance")
    add("dance-hip-hop", "Hip-Hop Stance", "Wide, low stance with arms crossed in an attitude pose.",
        R(r_arm="cross", l_arm="cross_high", r_leg=leg(14, 20, 30, 20), l_leg=leg(14, 20, 30, 20)), framing=FB, tags="hip-hop dance attitude")
    add("jump-celebrate", "Celebration Leap", "One fist in the air and knees bent in a celebration leap.",
        R(head_pitch=-10, r_arm="raise", l_arm="guard", r_leg=leg(6, 40, 90), l_leg=leg(6, 10, 70)), framing=FB, difficulty="intermediate", tags="jump celebrate win")

    lib.child("stretching", "Stretching", "Warm-up and cool-down stretches.")
    add("stretch-side-reach", "Standing Side Reach", "Reaching one arm overhead and leaning to the side.",
        R(side=-18, head_roll=-8, r_arm="relaxed", l_arm=arm(165, 0, 20, 0), r_leg=leg(8), l_leg=leg(8)), framing=FB, tags="side stretch warm-up", featured=True)
    add("stretch-forward-fold", "Forward Fold", "Folding forward from the hips with the hands towards the floor.",
        R(turn=85, lean=150, head_pitch=10, r_arm=arm(5, 150, 0, 0), l_arm=arm(5, 150, 0, 0), r_leg=leg(2), l_leg=leg(2)), framing=FB, difficulty="intermediate", aspect=1.0, tags="forward fold hamstrings")
    add("stretch-triceps", "Triceps Stretch", "One elbow raised behind the head, the other hand pulling it gently.",
        R(r_arm="behind_head", l_arm=arm(150, 0, 120, -40)), framing=HB, tags="triceps arms stretch")
    add("stretch-cross-arm", "Cross-Body Arm Stretch", "One arm held straight across the chest by the other.",
        R(turn=15, r_arm=arm(20, 88, 5, 0), l_arm="cross_high"), framing=HB, tags="shoulder arm stretch")
    add("stretch-quad", "Quad Stretch", "Balancing on one leg, holding the other foot up behind.",
        R(turn=-70, r_arm=arm(8, -40, 20, 0), l_arm=arm(60, 30, 10, 0), r_leg=leg(2, -10, 150), l_leg=leg(2)), framing=FB, difficulty="intermediate", tags="quad balance stretch")
    add("stretch-calf", "Calf Stretch", "A long back leg with the heel down and hands on the front thigh.",
        R(turn=80, lean=15, r_arm=arm(10, 45, 20, 0), l_arm=arm(10, 45, 20, 0), r_leg=leg(4, 35, 40), l_leg=leg(4, -28, 0)), framing=FB, tags="calf legs stretch")
    add("stretch-butterfly", "Butterfly Stretch", "Seated on the floor, soles together and knees open.",
        R(lean=10, r_arm=arm(8, 40, 30, 0), l_arm=arm(8, 40, 30, 0), r_leg=leg(40, 60, 140, 60), l_leg=leg(40, 60, 140, 60)), framing=FB, aspect=1.0, tags="hips seated stretch")
    add("stretch-overhead-reach", "Overhead Reach", "Both arms stretched overhead, palms together, standing tall.",
        R(r_arm=arm(170, 5, 15, 0), l_arm=arm(170, 5, 15, 0), r_leg=leg(2), l_leg=leg(2)), framing=TQ, tags="overhead reach stretch")

    _variants(lib)
    return lib


def _variants(lib: Library) -> None:
    """Second takes of popular poses: the other side, or a different framing."""
    takes = [
        # (source, slug, name, description, mirror, framing, aspect)
        ("business-hand-on-hip", "business-hand-on-hip-left", "Hand on Hip, Left",
         "The hand-on-hip stance with the other hand, turned the other way.", True, None, None),
        ("business-arms-crossed", "business-arms-crossed-full", "Arms Crossed, Full Length",
         "The squared-up arms-crossed stance shown head to toe.", False, FB, None),
        ("headshot-hand-chin", "headshot-hand-chin-left", "Hand at Chin, Left",
         "A thoughtful hand near the chin, using the other hand.", True, None, None),
        ("speaker-microphone", "speaker-microphone-half", "Mic Close-Up",
         "Speaking into a hand microphone, framed from the waist up.", False, HB, None),
        ("office-phone-call", "office-phone-call-left", "On a Call, Other Side",
         "Phone to the other ear, body turned the other way.", True, None, None),
        ("product-point-at", "product-point-at-left", "Pointing at the Product, Left",
         "Holding the product in the other hand and pointing at it.", True, None, None),
        ("product-offer", "product-offer-square", "Offering, Square Crop",
         "Reaching forward with the product, in a square crop for marketplaces.", False, None, 1.0),
        ("live-wave-hello", "live-wave-hello-left", "Hello, Other Hand",
         "Waving hello to the stream with the other hand.", True, None, None),
        ("outfit-three-quarter", "outfit-three-quarter-left", "Three-Quarter Turn, Left",
         "The three-quarter outfit turn to the other side.", True, None, None),
        ("outfit-back-glance", "outfit-back-glance-left", "Back View, Glance Left",
         "Turned away with a glance back over the other shoulder.", True, None, None),
        ("review-seated-hold", "review-seated-hold-left", "Seated Review, Left Hand",
         "Seated, holding the product up in the other hand.", True, None, None),
        ("editorial-hand-in-hair", "editorial-hand-in-hair-full", "Hand in Hair, Full Length",
         "The hand-in-hair editorial pose shown head to toe.", False, FB, None),
        ("street-walk-look-away", "street-walk-look-away-half", "Walking, Looking Away, Close",
         "Mid-stride looking off to the side, framed from the waist up.", False, HB, None),
        ("runway-end-stop", "runway-end-stop-left", "End of Runway, Left",
         "The end-of-runway stop with the other hand on the hip.", True, None, None),
        ("lookbook-collar", "lookbook-collar-left", "Collar Touch, Left",
         "A hand at the collar on the other side, looking off camera.", True, None, None),
        ("hijab-portrait-chin", "hijab-portrait-chin-left", "Hand Near the Chin, Left",
         "The other hand resting lightly near the chin, head tilted softly.", True, None, None),
        ("hijab-portrait-turn", "hijab-portrait-turn-left", "Gentle Turn, Left",
         "Shoulders turned the other way with the face back to the camera.", True, None, None),
        ("modest-hands-folded", "modest-hands-folded-half", "Hands Folded, Close",
         "Hands folded at the waist, framed from the waist up.", False, HB, None),
        ("modest-gentle-turn", "modest-gentle-turn-left", "Gentle Three-Quarter, Left",
         "A gentle three-quarter turn to the other side.", True, None, None),
        ("occasion-clutch", "occasion-clutch-left", "Evening Clutch, Left",
         "The clutch held in the other hand, body angled the other way.", True, None, None),
        ("occasion-bouquet", "occasion-bouquet-full", "Holding a Bouquet, Full Length",
         "A bouquet held at the waist, shown head to toe.", False, FB, None),
        ("modest-lookbook-hand-hip", "modest-lookbook-hand-hip-left", "Hand on Hip, Left",
         "One hand on the hip on the other side, a gentle turn.", True, None, None),
        ("sit-legs-crossed", "sit-legs-crossed-left", "Legs Crossed, Other Side",
         "Seated with the other leg crossed over, hands in the lap.", True, None, None),
        ("candid-walk-side", "candid-walk-side-left", "Walking Past, Left",
         "Walking across the frame in the other direction.", True, None, None),
        ("selfie-arm-out", "selfie-arm-out-left", "Arm-Out Selfie, Left",
         "Holding the phone out in the other hand for a selfie.", True, None, None),
        ("travel-point-distance", "travel-point-distance-right", "Look Over There, Right",
         "Pointing into the distance on the other side.", True, None, None),
        ("fitness-lunge", "fitness-lunge-left", "Forward Lunge, Left",
         "The forward lunge on the other leg, facing the other way.", True, None, None),
        ("yoga-downward-dog", "yoga-downward-dog-right", "Downward Dog, Right",
         "Downward dog facing the other way.", True, None, None),
        ("run-stride-side", "run-stride-side-left", "Running Stride, Left",
         "The running stride seen from the other side.", True, None, None),
        ("dance-arabesque", "dance-arabesque-right", "Arabesque, Right",
         "The arabesque to the other side.", True, None, None),
        ("stretch-side-reach", "stretch-side-reach-right", "Standing Side Reach, Right",
         "Reaching the other arm overhead and leaning to the other side.", True, None, None),
    ]
    by_slug = {p.slug: p for p in lib.poses}
    for source, slug, name, description, mirror, framing, aspect in takes:
        base = by_slug[source]
        lib.poses.append(replace(
            base, slug=slug, name=name, description=description, featured=False,
            recipe=base.recipe.mirrored() if mirror else base.recipe,
            framing=framing or base.framing, aspect=aspect or base.aspect,
        ))


# --------------------------------------------------------------------------- output

def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1) + "\n"


def write_library(out: Path) -> dict[str, int]:
    """Write categories.json and poses/<parent>.json under out; return poses per parent."""
    lib = build_library()
    slugs = [p.slug for p in lib.poses]
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        raise SystemExit(f"duplicate pose slugs: {', '.join(duplicates)}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "categories.json").write_text(_dump(lib.categories), encoding="utf-8")
    poses_dir = out / "poses"
    poses_dir.mkdir(exist_ok=True)
    counts = {}
    for parent in lib.categories:
        order = {c["slug"]: c["sort"] for c in parent["children"]}
        mine = [p for p in lib.poses if p.category in order]
        # Second takes were added last; list every pose with its sub-category.
        mine.sort(key=lambda p: order[p.category])
        rows = [p.to_json() for p in mine]
        (poses_dir / f"{parent['slug']}.json").write_text(_dump(rows), encoding="utf-8")
        counts[parent["slug"]] = len(rows)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data", help="folder to write into (default: data/)")
    args = parser.parse_args()
    counts = write_library(args.out)
    print(f"wrote {sum(counts.values())} poses: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
