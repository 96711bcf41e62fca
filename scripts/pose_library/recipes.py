"""Reading data/pose_recipes.toml (its header says how recipes are written) into poses."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from .framing import Framed, frame_pose
from .hands import Hand, HandShape, direction_words
from .skeleton import BUILDS, Limb, Recipe, facing_of

ROOT = Path(__file__).resolve().parents[2]
RECIPES = ROOT / "data" / "pose_recipes.toml"
MOVE_TABLES = {"r_arm": "arms", "l_arm": "arms", "r_leg": "legs", "l_leg": "legs"}
HAND_KEYS = ("r_hand", "l_hand")


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

    def framed(self) -> Framed:
        return frame_pose(self.recipe, BUILDS[self.gender], self.framing, self.aspect)

    def to_json(self) -> dict:
        framed = self.framed()
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
                "body": framed.body,
                "hands": framed.hands,
                "face": None,
            },
        }


@dataclass(frozen=True)
class Library:
    categories: list[dict]  # as written to categories.json: parents, each with its children
    poses: list[Pose]


@dataclass(frozen=True)
class Book:
    """The named tables recipes draw on."""

    moves: dict[str, dict[str, Limb]]
    stances: dict[str, dict]
    shapes: dict[str, HandShape]
    hands: dict[str, dict]


def read_library(path: Path = RECIPES) -> Library:
    """The categories and poses the recipe file describes, second takes last."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        shapes = {name: HandShape(curl=tuple(s["curl"]), spread=float(s.get("spread", 0.3)),
                                  thumb=s.get("thumb", "side"))
                  for name, s in raw.get("hand_shapes", {}).items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise SystemExit(f"{path.name}: [hand_shapes]: {exc}") from None
    book = Book(moves={table: {name: Limb(*angles) for name, angles in raw[table].items()} for table in ("arms", "legs")},
                stances=raw.get("stances", {}), shapes=shapes, hands=raw.get("hands", {}))
    categories, poses = [], []
    for number, parent in enumerate(raw["category"], 1):
        children = []
        for sort, child in enumerate(parent["child"], 1):
            entry = {"slug": child["slug"], "name": child["name"], "description": child["description"], "sort": sort}
            if child.get("hands"):
                entry["hands"] = True  # every pose here shows both hands (checks.py holds it to that)
            children.append(entry)
            for row in child.get("pose", []):
                try:
                    poses.append(_pose(row, child["slug"], _recipe(row["recipe"], book)))
                except KeyError as exc:
                    raise SystemExit(f"{path.name}: pose {row.get('slug')!r} has no {exc.args[0]!r}") from None
                except (TypeError, ValueError) as exc:
                    raise SystemExit(f"{path.name}: pose {row.get('slug')!r}: {exc}") from None
        categories.append({"slug": parent["slug"], "name": parent["name"], "description": parent["description"],
                           "sort": number, "children": children})
    by_slug = {p.slug: p for p in poses}
    for take in raw.get("second_take", []):
        if take["from"] not in by_slug:
            raise SystemExit(f"{path.name}: second take {take['slug']!r} is of {take['from']!r}, which is no pose")
        base = by_slug[take["from"]]
        poses.append(replace(
            base, slug=take["slug"], name=take["name"], description=take["description"], featured=False,
            recipe=base.recipe.mirrored() if take.get("mirror") else base.recipe,
            framing=take.get("framing", base.framing), aspect=float(take.get("aspect", base.aspect)),
        ))
    return Library(categories=categories, poses=poses)


def _recipe(spec: dict, book: Book) -> Recipe:
    spec = dict(spec)
    mirror = spec.pop("mirror", False)
    stance = spec.pop("stance", None)
    angles = {**_named(book.stances, stance, "stance"), **spec} if stance else spec
    for key, table in MOVE_TABLES.items():
        if isinstance(angles.get(key), str):
            angles[key] = _named(book.moves[table], angles[key], f"{table[:-1]} move")
        elif key in angles:
            angles[key] = Limb(*angles[key])
    for key in HAND_KEYS:
        if key in angles:
            angles[key] = _hand(angles[key], book)
    if ("r_hand" in angles) != ("l_hand" in angles):
        raise ValueError("a pose with hands gives both, r_hand and l_hand (a resting hand is drawn too)")
    recipe = Recipe(**angles)
    return recipe.mirrored() if mirror else recipe


def _hand(spec: str | dict, book: Book) -> Hand:
    """A hand from a [hands] name or an inline table of shape, fingers and palm; the inline
    table may also name a [hands] entry (hand = "...") and override its fingers or palm."""
    if isinstance(spec, str):
        spec = {"hand": spec}
    spec = {**_named(book.hands, spec["hand"], "hand"), **spec} if "hand" in spec else spec
    return Hand(shape=_named(book.shapes, spec["shape"], "hand shape"),
                fingers=direction_words(spec["fingers"]), palm=direction_words(spec["palm"]))


def _named(table: dict, name: str, what: str):
    if name not in table:
        raise ValueError(f"unknown {what} {name!r}; known: {', '.join(table)}")
    return table[name]


def _pose(row: dict, category: str, recipe: Recipe) -> Pose:
    return Pose(slug=row["slug"], name=row["name"], description=row["description"], category=category,
                framing=row["framing"], difficulty=row.get("difficulty", "beginner"),
                gender=row.get("gender", "unisex"), tags=tuple(row["tags"]), recipe=recipe,
                featured=row.get("featured", False), aspect=float(row.get("aspect", 0.75)))
