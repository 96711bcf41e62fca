"""Import poses from OpenPose JSON files, rendered OpenPose skeleton pictures and photos.

``python -m studio poses import PATH --category SLUG [--owner USER]`` calls ``import_path``.
A folder is walked; every file that cannot be read or does not hold a usable pose is
reported by name with the reason, and the others are imported regardless.

Which files are read (by suffix and size), who owns the new poses and where they go is
decided here; reading the formats themselves is ``pipelines.openpose_formats``. A picture that
is not a skeleton picture is taken as a photo of a person: checked like an upload
(``studio.uploads``) and read by the same extraction as pose from photo (``pipelines.extraction``).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.extraction import PhotoPoseError, extract_pose
from pipelines.keypoints import JOINT_NAMES, Keypoints, PoseError
from pipelines.openpose_formats import (NotASkeletonPicture, PoseFileError, keypoints_from_openpose,
                                        keypoints_from_skeleton_picture)
from studio import uploads
from studio.db.tables import Pose
from studio.enums import PoseSource
from studio.services.errors import InvalidInput
from studio.services.my_poses import new_pose
from studio.services.poses import category_by_slug

if TYPE_CHECKING:
    from studio.core import Studio

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
JSON_SUFFIXES = {".json"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


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


@dataclass(frozen=True)
class PoseFile:
    poses: list[Keypoints]  # the usable poses in the file
    problems: list[str]  # why the others in it were left out
    source: PoseSource  # imported (JSON, skeleton picture) or extracted (a photo)


def read_pose_file(path: Path) -> PoseFile:
    """The usable poses in one file, and why the others in it were left out.

    PoseFileError when the file holds no usable pose at all.
    """
    suffix = path.suffix.lower()
    if suffix not in JSON_SUFFIXES | IMAGE_SUFFIXES:
        raise PoseFileError(f"unsupported file type {suffix or '(none)'}; use OpenPose .json, "
                            "a skeleton picture or a photo of a person (.png, .jpg, .webp)")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise PoseFileError(f"the file is {size / 1e6:.1f} MB; files over 10 MB are not read")
    if suffix in JSON_SUFFIXES:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise PoseFileError("not a text file (expected UTF-8 JSON)") from None
        except json.JSONDecodeError as exc:
            raise PoseFileError(f"not valid JSON ({exc.msg} at line {exc.lineno})") from None
        problems: list[str] = []
        poses = keypoints_from_openpose(data, problems=problems)
        source = PoseSource.imported
    else:
        problems = []
        try:
            poses, source = [keypoints_from_skeleton_picture(path)], PoseSource.imported
        except NotASkeletonPicture:
            poses, source = [pose_from_photo_file(path)], PoseSource.extracted
    usable = []
    for n, kp in enumerate(poses, 1):
        try:
            usable.append(kp.check_usable())
        except PoseError as exc:
            problems.append(str(exc) if len(poses) == 1 else f"person {n}: {exc}")
    if not usable:
        raise PoseFileError("; ".join(problems))
    # A pose per person: one unreadable bystander does not lose the others.
    return PoseFile(poses=usable, problems=problems, source=source)


def pose_for_editor(path: str | Path) -> tuple[Keypoints, PoseSource, str]:
    """The first usable pose of one uploaded file (OpenPose JSON, a skeleton picture or a photo),
    its source, and a note on what was left out; InvalidInput in the creator's words otherwise."""
    try:
        found = read_pose_file(Path(path))
    except PoseFileError as exc:
        raise InvalidInput(f"Pose file: {exc}") from None
    left_out = len(found.poses) - 1
    note = f"{left_out} more {'person' if left_out == 1 else 'people'} in the file; the first is in the editor" \
        if left_out > 0 else ""
    return found.poses[0], found.source, note


def pose_from_photo_file(path: Path) -> Keypoints:
    """The pose of the (largest) person in the photo at ``path``; PoseFileError saying why not."""
    try:
        return extract_pose(uploads.read_photo(path)).keypoints
    except (InvalidInput, PhotoPoseError) as exc:
        raise PoseFileError(str(exc)) from None


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
            found = read_pose_file(file)
        except PoseFileError as exc:
            result.errors.append((label, str(exc)))
            continue
        except OSError as exc:
            result.errors.append((label, f"cannot read the file ({exc.strerror or exc})"))
            continue
        result.errors += [(label, problem) for problem in found.problems]
        name = pose_name(file)
        with studio.db.session() as session:
            for n, keypoints in enumerate(found.poses, 1):
                pose_label = name if len(found.poses) == 1 else f"{name} {n}"
                result.imported.append(new_pose(
                    session, owner_id=owner_id, name=pose_label, keypoints=keypoints, category_slug=category,
                    description=f"Imported from {file.name}", tags=["imported"],
                    framing=_framing(keypoints), source=found.source.value,
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
