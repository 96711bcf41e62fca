"""Import poses from OpenPose JSON files and rendered OpenPose skeleton pictures.

``python -m studio poses import PATH --category SLUG [--owner USER]`` calls ``import_path``.
A folder is walked; every file that cannot be read or does not hold a usable pose is
reported by name with the reason, and the others are imported regardless.

OpenPose JSON is what OpenPose (``--write_json``) and controlnet_aux write::

    {"canvas_width": 512, "canvas_height": 768,
     "people": [{"pose_keypoints_2d": [x0, y0, c0, x1, y1, c1, ...]}]}

with 18 points (COCO order, as BODY-18) or 25 (BODY_25, mapped to the 18 by dropping the
mid-hip and the feet). Pixel coordinates are normalised by the canvas size when the file
gives it, otherwise by the extent of the visible joints plus a margin. A joint is visible
when its confidence is above ``CONFIDENCE_THRESHOLD``. Hands and face are not imported.
The studio's own JSON form (``{"aspect": ..., "body": [[x, y, v], ...]}``) is read too.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image, UnidentifiedImageError

from pipelines.keypoints import JOINT_NAMES, Keypoints, PoseError
from studio.db.tables import Pose
from studio.enums import PoseSource
from studio.services.errors import InvalidInput
from studio.services.my_poses import new_pose
from studio.services.poses import category_by_slug

if TYPE_CHECKING:
    from studio.context import Studio

log = logging.getLogger(__name__)

CONFIDENCE_THRESHOLD = 0.05
EXTENT_MARGIN = 0.1  # of the figure's larger side, on every side, when there is no canvas size
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 4096 * 4096
JSON_SUFFIXES = {".json"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
# BODY_25 index of each BODY-18 joint: the same joints, without MidHip (8) and the feet (19-24).
BODY25_TO_COCO18 = (0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18)
# A skeleton picture is mostly black; a photo is not. Below this share of near-black pixels
# the picture is refused rather than read as a pose.
MIN_BLACK_SHARE = 0.6


class ImportFileError(ValueError):
    """A file that holds no usable pose; the message says why."""


@dataclass
class ImportResult:
    imported: list[Pose] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    category: str = ""

    def lines(self) -> list[str]:
        out = [f"imported {p.name!r} ({p.slug})" for p in self.imported]
        out += [f"skipped {name}: {reason}" for name, reason in self.errors]
        out.append(f"{len(self.imported)} imported into {self.category or 'no category'}, "
                   f"{len(self.errors)} skipped")
        return out


# --- reading ------------------------------------------------------------------------------


def keypoints_from_openpose(data: Any, *, threshold: float = CONFIDENCE_THRESHOLD,
                            problems: list[str] | None = None) -> list[Keypoints]:
    """Every person in an OpenPose JSON document (or the studio's own form), normalised.

    With a ``problems`` list, a person that cannot be read is described there and skipped;
    ImportFileError only when nobody can be read.
    """
    if isinstance(data, dict) and "body" in data:
        try:
            return [Keypoints.from_json(data)]
        except PoseError as exc:
            raise ImportFileError(str(exc)) from None
    if not isinstance(data, dict) or not isinstance(data.get("people"), list):
        raise ImportFileError('not an OpenPose JSON file: expected {"people": [{"pose_keypoints_2d": [...]}]}')
    if not data["people"]:
        raise ImportFileError("the file lists no people")
    canvas = _canvas(data)
    poses, errors = [], []
    for n, person in enumerate(data["people"], 1):
        flat = person.get("pose_keypoints_2d") if isinstance(person, dict) else None
        try:
            if not isinstance(flat, list):
                raise ImportFileError(f"person {n} has no pose_keypoints_2d list")
            poses.append(_person(flat, canvas, threshold, n))
        except ImportFileError as exc:
            if problems is None or len(data["people"]) == 1:
                raise
            errors.append(str(exc))
    if not poses:
        raise ImportFileError("; ".join(errors))
    if problems is not None:
        problems += errors
    return poses


def _canvas(data: dict) -> tuple[float, float] | None:
    w, h = data.get("canvas_width"), data.get("canvas_height")
    if w is None and h is None:
        return None
    try:
        w, h = float(w), float(h)
    except (TypeError, ValueError):
        raise ImportFileError(f"canvas_width and canvas_height must be numbers, got {w!r} and {h!r}") from None
    if w <= 0 or h <= 0:
        raise ImportFileError(f"canvas size {w:g}x{h:g} is not a picture size")
    return w, h


def _person(flat: list, canvas: tuple[float, float] | None, threshold: float, n: int) -> Keypoints:
    if len(flat) % 3 or len(flat) // 3 not in (18, 25):
        raise ImportFileError(f"person {n} has {len(flat)} numbers in pose_keypoints_2d; expected 18 or 25 "
                              "points of x, y, confidence (54 or 75 numbers)")
    try:
        points = [(float(flat[i]), float(flat[i + 1]), float(flat[i + 2])) for i in range(0, len(flat), 3)]
    except (TypeError, ValueError):
        raise ImportFileError(f"person {n}: pose_keypoints_2d must hold numbers only") from None
    if len(points) == 25:
        points = [points[i] for i in BODY25_TO_COCO18]
    seen = [(x, y) for x, y, c in points if c > threshold]
    if not seen:
        raise ImportFileError(f"person {n} has no joint with confidence above {threshold}")
    if canvas:
        x0, y0, (w, h) = 0.0, 0.0, canvas
    else:
        xs, ys = [p[0] for p in seen], [p[1] for p in seen]
        side = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
        pad = EXTENT_MARGIN * side
        x0, y0 = min(xs) - pad, min(ys) - pad
        w, h = max(xs) - min(xs) + 2 * pad, max(ys) - min(ys) + 2 * pad
    aspect = w / h
    if not 0.1 <= aspect <= 10:
        raise ImportFileError(f"person {n}: the picture is {w:g}x{h:g}, too narrow or wide for a pose")
    body = tuple(((x - x0) / w, (y - y0) / h, 1.0) if c > threshold else (0.0, 0.0, 0.0) for x, y, c in points)
    return Keypoints(body=body, aspect=aspect)


def to_openpose_json(keypoints: Keypoints, width: int, height: int) -> dict[str, Any]:
    """The pose as an OpenPose JSON document for a ``width`` x ``height`` picture (BODY-18).

    The pose's normalised space is stretched over the picture, so use a picture of the
    pose's aspect (width / height) to keep its proportions.
    """
    flat: list[float] = []
    for x, y, v in keypoints.body:
        flat += [round(x * width, 3), round(y * height, 3), 1.0] if v > 0 else [0.0, 0.0, 0.0]
    return {"version": 1.3, "canvas_width": width, "canvas_height": height,
            "people": [{"pose_keypoints_2d": flat}]}


def keypoints_from_image(path: Path) -> Keypoints:
    from pipelines.skeleton import read_pose

    try:
        with Image.open(path) as image:
            if image.format not in {"PNG", "JPEG", "WEBP"}:
                raise ImportFileError(f"{image.format} pictures are not read; use PNG, JPEG or WebP")
            if image.width * image.height > MAX_PIXELS:
                raise ImportFileError(f"the picture is {image.width}x{image.height}; use at most 4096x4096")
            image.load()
            rgb = image.convert("RGB")
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise ImportFileError("not a readable picture") from None
    except OSError as exc:
        raise ImportFileError(f"the picture is damaged ({exc})") from None
    grey = rgb.convert("L").resize((min(rgb.width, 256), min(rgb.height, 256)))
    histogram = grey.histogram()
    black = sum(histogram[:16]) / max(1, grey.width * grey.height)
    if black < MIN_BLACK_SHARE:
        raise ImportFileError("this is not an OpenPose skeleton picture (coloured sticks on black); "
                              "to take a pose from a photo, use 'pose from photo' instead")
    return read_pose(rgb)


def read_pose_file(path: Path) -> tuple[list[Keypoints], list[str]]:
    """The usable poses in one file, and why the others in it were left out.

    ImportFileError when the file holds no usable pose at all.
    """
    suffix = path.suffix.lower()
    if suffix not in JSON_SUFFIXES | IMAGE_SUFFIXES:
        raise ImportFileError(f"unsupported file type {suffix or '(none)'}; use OpenPose .json or "
                              "a skeleton picture (.png, .jpg, .webp)")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportFileError(f"the file is {size / 1e6:.1f} MB; files over 10 MB are not read")
    if suffix in JSON_SUFFIXES:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise ImportFileError("not a text file (expected UTF-8 JSON)") from None
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
        problems: list[str] = []
        poses = keypoints_from_openpose(data, problems=problems)
    else:
        problems = []
        poses = [keypoints_from_image(path)]
    usable = []
    for n, kp in enumerate(poses, 1):
        try:
            usable.append(kp.check_usable())
        except PoseError as exc:
            problems.append(str(exc) if len(poses) == 1 else f"person {n}: {exc}")
    if not usable:
        raise ImportFileError("; ".join(problems))
    # A pose per person: one unreadable bystander does not lose the others.
    return usable, problems


def pose_files(path: Path) -> list[Path]:
    """``path`` itself, or every file in the folder and its sub-folders (hidden ones skipped)."""
    if path.is_file():
        return [path]
    files = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files += [Path(root) / n for n in sorted(names) if not n.startswith(".")]
    return files


def pose_name(path: Path) -> str:
    words = path.stem.replace("_", " ").replace("-", " ").split()
    text = " ".join(words)[:110] or "Imported pose"
    return text[:1].upper() + text[1:]


# --- importing ----------------------------------------------------------------------------


def import_path(studio: "Studio", path: str | Path, *, category: str, owner: str | None = None) -> ImportResult:
    """Import every pose file at ``path`` into ``category``; ``owner`` None adds to the library."""
    from studio.services import users

    path = Path(path)
    if not path.exists():
        raise InvalidInput(f"{path} does not exist; give a pose file or a folder of them")
    owner_id = users.by_name(studio.db, owner).id if owner else None
    with studio.db.session() as session:
        category_by_slug(session, category)  # fail before reading any file when the slug is wrong
    result = ImportResult(category=category)
    base = path if path.is_dir() else path.parent
    for file in pose_files(path):
        label = str(file.relative_to(base))
        try:
            poses, problems = read_pose_file(file)
        except ImportFileError as exc:
            result.errors.append((label, str(exc)))
            continue
        except OSError as exc:
            result.errors.append((label, f"cannot read the file ({exc.strerror or exc})"))
            continue
        result.errors += [(label, problem) for problem in problems]
        name = pose_name(file)
        with studio.db.session() as session:
            for n, keypoints in enumerate(poses, 1):
                pose_label = name if len(poses) == 1 else f"{name} {n}"
                result.imported.append(new_pose(
                    session, owner_id=owner_id, name=pose_label, keypoints=keypoints, category_slug=category,
                    description=f"Imported from {file.name}", tags=["imported"],
                    framing=_framing(keypoints), source=PoseSource.imported.value,
                ))
    log.info("pose import from %s: %d imported, %d skipped", path, len(result.imported), len(result.errors))
    return result


def _framing(keypoints: Keypoints) -> str:
    """A guess from which joints show: ankles -> full body, knees -> three-quarter, hips -> half."""
    seen = {JOINT_NAMES[i] for i in keypoints.visible()}
    if {"right_ankle", "left_ankle"} & seen:
        return "full_body"
    if {"right_knee", "left_knee"} & seen:
        return "three_quarter"
    if {"right_hip", "left_hip"} & seen:
        return "half_body"
    return "headshot"
