"""Poses a creator makes: from the editor, from a photo, or from a library pose as a start.

Only the owner can change or delete a pose; to anyone else it does not exist (NotFound,
never Forbidden, so ids of other creators' poses reveal nothing).
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable

from sqlmodel import Session

from pipelines.keypoints import Keypoints, PoseError
from studio.core import Studio
from studio.db.engine import Database
from studio.db.seed import pose_search_text
from studio.db.tables import Pose, PoseCategory
from studio.db.types import utcnow
from studio.enums import Difficulty, Framing, Gender, PoseSource
from studio.services import access, limits
from studio.services.errors import InvalidInput
from studio.services.poses import category_by_slug

MAX_NAME = 120
MAX_DESCRIPTION = 500
MAX_TAGS = 20
MAX_TAG = 40
_UNCHANGED: Any = object()


@dataclass(frozen=True)
class PoseDraft:
    """What the editor starts from when a creator copies an existing pose."""

    name: str
    keypoints_json: dict[str, Any]
    category_slug: str | None
    description: str
    tags: tuple[str, ...]
    framing: str
    difficulty: str
    gender: str


def slugify(text: str, max_len: int = 60) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "pose"


def parse_keypoints(keypoints_json: dict[str, Any] | str | Keypoints) -> Keypoints:
    """Validated keypoints that can steer a generation; InvalidInput says what is wrong."""
    if isinstance(keypoints_json, Keypoints):
        kp = keypoints_json
    else:
        if isinstance(keypoints_json, (str, bytes)):
            try:
                keypoints_json = json.loads(keypoints_json)
            except ValueError as exc:
                raise InvalidInput(f"the pose data is not valid JSON ({exc.msg} at line {exc.lineno})") from None
        try:
            kp = Keypoints.from_json(keypoints_json)
        except PoseError as exc:
            raise InvalidInput(f"this pose cannot be used: {exc}") from None
    try:
        return kp.check_usable()
    except PoseError as exc:
        raise InvalidInput(f"this pose cannot be used: {exc}") from None


def create_pose(studio: Studio, *, user_id: int, name: str, keypoints_json: dict[str, Any] | str | Keypoints,
                category_slug: str | None = None, description: str = "", tags: Iterable[str] = (),
                framing: str = Framing.full_body.value, difficulty: str = Difficulty.beginner.value,
                gender: str = Gender.unisex.value, source: str = PoseSource.user.value) -> Pose:
    keypoints = parse_keypoints(keypoints_json)
    if source not in (PoseSource.user.value, PoseSource.extracted.value, PoseSource.imported.value):
        raise InvalidInput(f"source must be user, extracted or imported for a creator's pose; got {source!r}")
    with studio.db.session() as session:
        limits.check(session, limits.POSES, user_id=user_id, settings=studio.settings)
        return new_pose(session, owner_id=user_id, name=name, keypoints=keypoints, category_slug=category_slug,
                        description=description, tags=tags, framing=framing, difficulty=difficulty,
                        gender=gender, source=source)


def new_pose(session: Session, *, owner_id: int | None, name: str, keypoints: Keypoints,
             category_slug: str | None, description: str = "", tags: Iterable[str] = (),
             framing: str = Framing.full_body.value, difficulty: str = Difficulty.beginner.value,
             gender: str = Gender.unisex.value, source: str = PoseSource.user.value) -> Pose:
    """Insert a pose in the caller's transaction; ``owner_id`` None puts it in the library."""
    name, description, tag_list = _clean_name(name), _clean_description(description), clean_tags(tags)
    _check_enums(framing=framing, difficulty=difficulty, gender=gender)
    category_id = category_by_slug(session, category_slug).id if category_slug else None
    prefix = f"u{owner_id}" if owner_id is not None else source
    pose = Pose(
        slug=f"{prefix}-{slugify(name)}-{secrets.token_hex(3)}", name=name, description=description,
        category_id=category_id, keypoints=keypoints.to_json(), framing=framing, difficulty=difficulty,
        gender=gender, tags=tag_list, search_text=pose_search_text(name, description, tag_list),
        source=source, owner_id=owner_id,
    )
    session.add(pose)
    session.flush()
    return pose


def update_pose(db: Database, *, user_id: int, pose_id: int, name: str | None = None,
                keypoints_json: dict[str, Any] | str | Keypoints | None = None,
                category_slug: str | None = _UNCHANGED, description: str | None = None,
                tags: Iterable[str] | None = None, framing: str | None = None, difficulty: str | None = None,
                gender: str | None = None) -> Pose:
    """Change the fields given (None leaves a field as it is; category_slug=None clears it)."""
    keypoints = parse_keypoints(keypoints_json) if keypoints_json is not None else None
    with db.session() as session:
        pose = _owned(session, user_id=user_id, pose_id=pose_id)
        if name is not None:
            pose.name = _clean_name(name)
        if description is not None:
            pose.description = _clean_description(description)
        if tags is not None:
            pose.tags = clean_tags(tags)
        _check_enums(framing=framing, difficulty=difficulty, gender=gender)
        pose.framing = framing or pose.framing
        pose.difficulty = difficulty or pose.difficulty
        pose.gender = gender or pose.gender
        if category_slug is not _UNCHANGED:
            pose.category_id = category_by_slug(session, category_slug).id if category_slug else None
        if keypoints is not None:
            pose.keypoints = keypoints.to_json()
        pose.search_text = pose_search_text(pose.name, pose.description, list(pose.tags))
        pose.updated_at = utcnow()
        session.add(pose)
        session.flush()
        return pose


def delete_pose(db: Database, *, user_id: int, pose_id: int) -> None:
    """Delete the creator's own pose; its favourites go with it (database cascade)."""
    with db.session() as session:
        session.delete(_owned(session, user_id=user_id, pose_id=pose_id))


def duplicate_from_library(db: Database, *, user_id: int, pose_id: int, mirrored: bool = False) -> PoseDraft:
    """A draft for the editor, copied from any pose the creator can see (library or their own).

    Nothing is saved until the creator saves the draft with ``create_pose``.
    """
    with db.session() as session:
        pose = access.visible_pose(session, user_id=user_id, pose_id=pose_id)
        category = session.get(PoseCategory, pose.category_id) if pose.category_id else None
    keypoints = Keypoints.from_json(pose.keypoints)
    if mirrored:
        keypoints = keypoints.mirrored()
    suffix = " (mirrored)" if mirrored else " (copy)"
    return PoseDraft(
        name=(pose.name[: MAX_NAME - len(suffix)] + suffix), keypoints_json=keypoints.to_json(),
        category_slug=category.slug if category else None, description=pose.description,
        tags=tuple(pose.tags or ()), framing=pose.framing, difficulty=pose.difficulty, gender=pose.gender,
    )


def _owned(session: Session, *, user_id: int, pose_id: int) -> Pose:
    return access.own(session, Pose, pose_id, user_id=user_id, what="pose", note="you can only change poses you made")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("give the pose a name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the pose name is {len(name)} characters; use at most {MAX_NAME}")
    return name


def _clean_description(description: str) -> str:
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"the description is {len(description)} characters; use at most {MAX_DESCRIPTION}")
    return description


def clean_tags(tags: Iterable[str] | str) -> list[str]:
    """Lower-cased, trimmed, de-duplicated tags; a string is split on commas."""
    if isinstance(tags, str):
        tags = tags.split(",")
    out: list[str] = []
    for tag in tags:
        tag = " ".join(str(tag).lower().split())
        if not tag or tag in out:
            continue
        if len(tag) > MAX_TAG:
            raise InvalidInput(f"the tag {tag[:20]!r}... is too long; use at most {MAX_TAG} characters")
        out.append(tag)
    if len(out) > MAX_TAGS:
        raise InvalidInput(f"{len(out)} tags given; use at most {MAX_TAGS}")
    return out


def _check_enums(*, framing: str | None, difficulty: str | None, gender: str | None) -> None:
    for name, value, enum in (("framing", framing, Framing), ("difficulty", difficulty, Difficulty),
                              ("gender", gender, Gender)):
        if value is not None and value not in {e.value for e in enum}:
            raise InvalidInput(f"{name} must be one of {', '.join(e.value for e in enum)}; got {value!r}")
