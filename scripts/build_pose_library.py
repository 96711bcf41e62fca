"""Build the shipped pose library (data/categories.json, data/poses/*.json) from its recipes.

The recipes are data, in ``data/pose_recipes.toml`` (its header says how they are written).
Every pose is a small table of joint angles applied to a parametric 3D skeleton measured in
head units (pose_library/skeleton.py), with hands for the gesture poses (pose_library/hands.py),
projected orthographically onto the picture plane and cropped to its framing
(pose_library/framing.py). The hands are checked for anatomy before anything is written
(pose_library/checks.py). Nothing is random, so running this script again rewrites the data
files byte for byte:

    python scripts/build_pose_library.py            # writes into data/
    python scripts/build_pose_library.py --out DIR  # writes DIR/categories.json, DIR/poses/
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from pose_library.checks import check_library
from pose_library.recipes import RECIPES, ROOT, read_library


def _dump(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1) + "\n"


def write_library(out: Path, recipes: Path = RECIPES) -> dict[str, int]:
    """Write categories.json and poses/<parent>.json under out; return poses per parent."""
    lib = read_library(recipes)
    check_library(lib, recipes.name)
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
