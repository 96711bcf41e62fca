"""The shipped pose library: taxonomy, metadata and the anatomy of every pose."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.keypoints import JOINT, Keypoints

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
REQUIRED_PARENTS = ("Professional", "E-Commerce", "Fashion & Style", "Hijab & Modest Fashion",
                    "Casual & Lifestyle", "Sports & Active")
FRAMINGS = {"full_body", "three_quarter", "half_body", "headshot"}
FACINGS = {"front", "three_quarter_left", "three_quarter_right", "profile_left", "profile_right", "back"}
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Longest a segment may look, in head units of the figure's core (torso, shoulders, hips,
# face). Real lengths are ~1.45 (upper arm), 1.2 (forearm), 1.9 (thigh), 1.7 (shin); the
# slack covers a core that is itself seen at an angle.
MAX_SEGMENT = {"upper_arm": 1.45 * 1.5, "forearm": 1.2 * 1.5, "thigh": 1.9 * 1.5, "shin": 1.7 * 1.5}
SEGMENTS = {
    "upper_arm": (("right_shoulder", "right_elbow"), ("left_shoulder", "left_elbow")),
    "forearm": (("right_elbow", "right_wrist"), ("left_elbow", "left_wrist")),
    "thigh": (("right_hip", "right_knee"), ("left_hip", "left_knee")),
    "shin": (("right_knee", "right_ankle"), ("left_knee", "left_ankle")),
}
CORE = ((("neck", "right_hip"), 2.45), (("neck", "left_hip"), 2.45),
        (("right_shoulder", "left_shoulder"), 1.8), (("right_hip", "left_hip"), 1.45),
        (("nose", "neck"), 0.95), (("right_eye", "left_eye"), 0.36), (("right_ear", "left_ear"), 0.8))


def _load_categories() -> list[dict]:
    return json.loads((DATA / "categories.json").read_text(encoding="utf-8"))


def _load_poses() -> list[dict]:
    poses = []
    for path in sorted((DATA / "poses").glob("*.json")):
        poses.extend(json.loads(path.read_text(encoding="utf-8")))
    return poses


CATEGORIES = _load_categories()
POSES = _load_poses()
CHILDREN = {c["slug"]: c for p in CATEGORIES for c in p["children"]}


def _points(pose: dict) -> dict[str, tuple[float, float]]:
    """Visible joints in canvas units (x scaled by the aspect, so distances are true)."""
    kp = pose["keypoints"]
    return {name: (kp["body"][i][0] * kp["aspect"], kp["body"][i][1])
            for name, i in JOINT.items() if kp["body"][i][2] > 0}


def _dist(pts, a, b) -> float | None:
    return math.dist(pts[a], pts[b]) if a in pts and b in pts else None


def _core_unit(pts) -> float:
    """A lower bound on the head unit from the torso, shoulders, hips and face."""
    return max((d / length for (a, b), length in CORE if (d := _dist(pts, a, b))), default=0.0)


def test_taxonomy():
    names = [p["name"] for p in CATEGORIES]
    for name in REQUIRED_PARENTS:
        assert name in names
    slugs = [p["slug"] for p in CATEGORIES] + list(CHILDREN)
    assert len(slugs) == len(set(slugs)), "category slugs must be unique across both levels"
    assert all(SLUG.match(s) for s in slugs)
    assert len(CHILDREN) >= 28, f"{len(CHILDREN)} sub-categories"
    for parent in CATEGORIES:
        assert parent["description"] and parent["children"]
        assert [c["sort"] for c in parent["children"]] == list(range(1, len(parent["children"]) + 1))
    assert sorted(p["sort"] for p in CATEGORIES) == list(range(1, len(CATEGORIES) + 1))


def test_every_subcategory_has_enough_poses():
    assert len(POSES) >= 320, f"{len(POSES)} poses"
    counts = {slug: 0 for slug in CHILDREN}
    for pose in POSES:
        assert pose["category"] in CHILDREN, f"{pose['slug']}: unknown category {pose['category']}"
        counts[pose["category"]] += 1
    thin = {slug: n for slug, n in counts.items() if n < 5}
    assert not thin, f"sub-categories with fewer than 5 poses: {thin}"


def test_poses_sit_in_their_parents_file():
    for parent in CATEGORIES:
        children = {c["slug"] for c in parent["children"]}
        rows = json.loads((DATA / "poses" / f"{parent['slug']}.json").read_text(encoding="utf-8"))
        assert rows and all(r["category"] in children for r in rows)


def test_metadata():
    slugs = [p["slug"] for p in POSES]
    assert len(slugs) == len(set(slugs)), "pose slugs must be unique"
    featured = {}
    for pose in POSES:
        assert SLUG.match(pose["slug"]), pose["slug"]
        assert pose["name"].strip() and len(pose["name"]) <= 60
        d = pose["description"]
        assert d.endswith(".") and d.count(". ") == 0 and 20 <= len(d) <= 160, f"{pose['slug']}: one sentence"
        assert pose["framing"] in FRAMINGS
        assert pose["facing"] in FACINGS
        assert pose["difficulty"] in {"beginner", "intermediate", "advanced"}
        assert pose["gender"] in {"unisex", "female", "male"}
        assert pose["tags"] and all(re.fullmatch(r"[a-z][a-z-]*", t) for t in pose["tags"]), pose["slug"]
        assert isinstance(pose["featured"], bool)
        featured[pose["category"]] = featured.get(pose["category"], 0) + pose["featured"]
    parents_with_featured = [p for p in CATEGORIES if sum(featured.get(c["slug"], 0) for c in p["children"]) >= 2]
    assert len(parents_with_featured) == len(CATEGORIES), "every top-level category features a few poses"


def test_hijab_category_is_modest_and_female():
    hijab = next(p for p in CATEGORIES if p["name"] == "Hijab & Modest Fashion")
    children = {c["slug"] for c in hijab["children"]}
    poses = [p for p in POSES if p["category"] in children]
    assert poses and all(p["gender"] == "female" for p in poses)


@pytest.mark.parametrize("pose", POSES, ids=[p["slug"] for p in POSES])
def test_anatomy(pose):
    kp = Keypoints.from_json(pose["keypoints"]).check_usable()  # required joints, all inside
    assert kp.to_json() == pose["keypoints"], "stored in the canonical Keypoints form"
    assert pose["keypoints"]["aspect"] in (0.75, 1.0)
    pts = _points(pose)
    slug, framing, facing = pose["slug"], pose["framing"], pose["facing"]

    # Framing: what must and must not be in the picture.
    seen = set(pts)
    assert {"neck", "right_shoulder", "left_shoulder"} <= seen
    if framing == "full_body":
        assert {"right_hip", "left_hip", "right_knee", "left_knee", "right_ankle", "left_ankle"} <= seen, slug
    elif framing == "three_quarter":
        assert {"right_hip", "left_hip"} <= seen and not {"right_ankle", "left_ankle"} & seen, slug
    elif framing == "half_body":
        assert not {"right_ankle", "left_ankle"} & seen, slug
    else:
        assert not {"right_hip", "left_hip", "right_knee", "left_knee", "right_ankle", "left_ankle"} & seen, slug
    if facing != "back":
        assert "nose" in seen, f"{slug}: the face is towards the camera, so the nose shows"
    else:
        assert not {"right_eye", "left_eye"} & seen, f"{slug}: eyes cannot show from behind"

    # Limb lengths: no segment longer than the body's own scale allows, and the two sides'
    # whole limbs agree unless one is pointed at or away from the camera.
    unit = _core_unit(pts)
    assert unit > 0.02, f"{slug}: figure too small to read"
    for segment, pairs in SEGMENTS.items():
        for a, b in pairs:
            if (d := _dist(pts, a, b)) is not None:
                assert d <= MAX_SEGMENT[segment] * unit, f"{slug}: {a}-{b} is {d / unit:.2f} head units"
    for a, b in (("right_shoulder", "neck"), ("left_shoulder", "neck")):
        if (d := _dist(pts, a, b)) is not None:
            assert d <= 1.0 * unit, f"{slug}: shoulder too far from the neck"
    # The face stays on the head: eyes and ears within a head's width of the nose.
    for j in ("right_eye", "left_eye", "right_ear", "left_ear"):
        if (d := _dist(pts, "nose", j)) is not None:
            assert d <= 0.75 * unit, f"{slug}: {j} strays from the face"
    if (d := _dist(pts, "nose", "neck")) is not None:
        assert 0.2 * unit <= d <= 1.1 * unit, f"{slug}: head and neck are detached"

    # Left and right not swapped. Facing the camera, the person's right is the picture's
    # left (smaller x); from behind it is the other way round; in profile the nose leads.
    x = {name: p[0] for name, p in pts.items()}

    def order(a: str, b: str) -> float | None:
        return x[b] - x[a] if a in x and b in x else None

    if facing in ("front", "three_quarter_left", "three_quarter_right"):
        assert order("right_shoulder", "left_shoulder") > 0, f"{slug}: shoulders swapped"
    if facing == "front" and (o := order("right_hip", "left_hip")) is not None:
        assert o > 0, f"{slug}: hips swapped"
    if facing == "back":
        assert order("right_shoulder", "left_shoulder") < 0, f"{slug}: shoulders not mirrored from behind"
        if (o := order("right_hip", "left_hip")) is not None:
            assert o < 0, f"{slug}: hips not mirrored from behind"
    if (o := order("right_eye", "left_eye")) is not None:
        assert o > 0, f"{slug}: both eyes show, so the face is towards the camera and right is left"
    if "nose" in x and "right_ear" in x and "left_ear" in x:
        assert order("right_ear", "left_ear") > 0, f"{slug}: ears swapped"
    # With one ear hidden the head is turned away from it: the nose lies ahead of the seen
    # ear. Facing the picture's right, the right ear is the near one (and left when facing left).
    # A head hanging upside down (folds, downward dog) turns that round.
    if "nose" in x and ("right_ear" in x) != ("left_ear" in x):
        upright = pts["nose"][1] < pts["neck"][1]
        ahead = x["nose"] - x["right_ear"] if "right_ear" in x else x["left_ear"] - x["nose"]
        assert (ahead > 0) == upright, f"{slug}: one ear seen but the nose trails it"

def test_build_script_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pose_library.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True, cwd=ROOT)
    built = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.json"))
    shipped = sorted(p.relative_to(DATA) for p in [DATA / "categories.json", *(DATA / "poses").glob("*.json")])
    assert built == shipped
    for rel in built:
        assert (tmp_path / rel).read_bytes() == (DATA / rel).read_bytes(), f"{rel} differs: rerun the build script"


def test_a_recipe_naming_an_unknown_move_is_refused_with_its_pose(tmp_path):
    recipes = (DATA / "pose_recipes.toml").read_text(encoding="utf-8")
    broken = recipes.replace('r_arm = "cross", l_arm = "cross_high"', 'r_arm = "cartwheel", l_arm = "cross_high"', 1)
    assert broken != recipes
    (tmp_path / "recipes.toml").write_text(broken, encoding="utf-8")
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pose_library.py"), "--out",
                          str(tmp_path / "out"), "--recipes", str(tmp_path / "recipes.toml")],
                         capture_output=True, text=True, cwd=ROOT)
    assert run.returncode != 0
    assert "pose 'business-arms-crossed'" in run.stderr and "cartwheel" in run.stderr
    assert not (tmp_path / "out").exists()


def test_the_readme_counts_the_shipped_library():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    said = re.search(r"(\d+) poses over (\d+) sub-categories in (\d+) categories", readme)
    assert said, "the README says how many poses the library holds"
    assert tuple(map(int, said.groups())) == (len(POSES), len(CHILDREN), len(CATEGORIES))
