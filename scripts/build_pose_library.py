"""Build the shipped pose library (data/categories.json, data/poses/*.json) from its recipes.

The recipes are data, in ``data/pose_recipes.toml`` (its header says how they are written).
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
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "data" / "pose_recipes.toml"

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


@dataclass(frozen=True)
class Library:
    categories: list[dict]  # as written to categories.json: parents, each with its children
    poses: list[Pose]


MOVE_TABLES = {"r_arm": "arms", "l_arm": "arms", "r_leg": "legs", "l_leg": "legs"}


def read_library(path: Path = RECIPES) -> Library:
    """The categories and poses the recipe file describes, second takes last."""
    book = tomllib.loads(path.read_text(encoding="utf-8"))
    moves = {table: {name: Limb(*angles) for name, angles in book[table].items()} for table in ("arms", "legs")}
    stances = book.get("stances", {})
    categories, poses = [], []
    for number, parent in enumerate(book["category"], 1):
        children = []
        for sort, child in enumerate(parent["child"], 1):
            children.append({"slug": child["slug"], "name": child["name"], "description": child["description"],
                             "sort": sort})
            for row in child.get("pose", []):
                try:
                    poses.append(_pose(row, child["slug"], _recipe(row["recipe"], moves, stances)))
                except KeyError as exc:
                    raise SystemExit(f"{path.name}: pose {row.get('slug')!r} has no {exc.args[0]!r}") from None
                except (TypeError, ValueError) as exc:
                    raise SystemExit(f"{path.name}: pose {row.get('slug')!r}: {exc}") from None
        categories.append({"slug": parent["slug"], "name": parent["name"], "description": parent["description"],
                           "sort": number, "children": children})
    by_slug = {p.slug: p for p in poses}
    for take in book.get("second_take", []):
        if take["from"] not in by_slug:
            raise SystemExit(f"{path.name}: second take {take['slug']!r} is of {take['from']!r}, which is no pose")
        base = by_slug[take["from"]]
        poses.append(replace(
            base, slug=take["slug"], name=take["name"], description=take["description"], featured=False,
            recipe=base.recipe.mirrored() if take.get("mirror") else base.recipe,
            framing=take.get("framing", base.framing), aspect=float(take.get("aspect", base.aspect)),
        ))
    return Library(categories=categories, poses=poses)


def _recipe(spec: dict, moves: dict[str, dict[str, Limb]], stances: dict[str, dict]) -> Recipe:
    spec = dict(spec)
    mirror = spec.pop("mirror", False)
    stance = spec.pop("stance", None)
    angles = {**_named(stances, stance, "stance"), **spec} if stance else spec
    for key, table in MOVE_TABLES.items():
        if isinstance(angles.get(key), str):
            angles[key] = _named(moves[table], angles[key], f"{table[:-1]} move")
        elif key in angles:
            angles[key] = Limb(*angles[key])
    recipe = Recipe(**angles)
    return recipe.mirrored() if mirror else recipe


def _named(table: dict, name: str, what: str):
    if name not in table:
        raise ValueError(f"unknown {what} {name!r}; known: {', '.join(table)}")
    return table[name]


def _pose(row: dict, category: str, recipe: Recipe) -> Pose:
    return Pose(slug=row["slug"], name=row["name"], description=row["description"], category=category,
                framing=row["framing"], difficulty=row.get("difficulty", "beginner"),
                gender=row.get("gender", "unisex"), tags=tuple(row["tags"]), recipe=recipe,
                featured=row.get("featured", False), aspect=float(row.get("aspect", 0.75)))


# --------------------------------------------------------------------------- output

def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1) + "\n"


def write_library(out: Path, recipes: Path = RECIPES) -> dict[str, int]:
    """Write categories.json and poses/<parent>.json under out; return poses per parent."""
    lib = read_library(recipes)
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
    parser.add_argument("--recipes", type=Path, default=RECIPES,
                        help="recipe file to read (default: data/pose_recipes.toml)")
    args = parser.parse_args()
    counts = write_library(args.out, args.recipes)
    print(f"wrote {sum(counts.values())} poses: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
