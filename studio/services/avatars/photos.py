"""Several photos at once: each becomes its own avatar in the project, checked and charged
exactly as one photo is (``photo.create_from_upload``: file, face, one charge in the same
transaction as the avatar). A photo that is refused is named with the reason and costs nothing;
the others are still made.

Nothing is charged twice: each photo's charge is keyed by the submission and the photo's bytes,
so the same press sent again (a double click, a retry) finds the avatars it made, and the same
photo chosen twice in one upload is made once.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from studio.core import Studio
from studio.db.tables import Avatar
from studio.services.avatars.persona import avatar_name
from studio.services.avatars.photo import create_from_upload
from studio.services.errors import InvalidInput, StudioError
from studio.services.projects import get_project

log = logging.getLogger(__name__)

MOST_PHOTOS = 20  # photos in one upload: each is read, checked for a face and stored in turn


@dataclass(frozen=True)
class PhotoRefused:
    file_name: str
    reason: str


@dataclass(frozen=True)
class PhotosSaved:
    made: tuple[Avatar, ...]
    refused: tuple[PhotoRefused, ...]


def create_from_uploads(studio: Studio, *, user_id: int, project_id: int, file_paths: Sequence[str | Path],
                        name: str = "", submission_key: str) -> PhotosSaved:
    """One avatar per photo, in the order given. ``name`` names them ("Amira", or "Amira 1",
    "Amira 2"... for several); without it each is named after its file ("amira_smile.jpg" ->
    "amira smile")."""
    paths = [Path(p) for p in file_paths]
    if not paths:
        raise InvalidInput("choose at least one photo of the person")
    if len(paths) > MOST_PHOTOS:
        raise InvalidInput(f"you chose {len(paths)} photos; upload at most {MOST_PHOTOS} at once")
    if not isinstance(submission_key, str) or not submission_key or len(submission_key) > 100:
        raise InvalidInput("the form's submission key is missing; reload the page and try again")
    name = name.strip() if isinstance(name, str) else name
    if name:
        avatar_name(name)  # a bad name is refused once, before any photo is read
    get_project(studio.db, user_id=user_id, project_id=project_id)  # someone else's: refused before any work
    made: list[Avatar] = []
    refused: list[PhotoRefused] = []
    seen: dict[str, str] = {}  # photo digest -> the file name it was first chosen as
    for number, path in enumerate(paths, start=1):
        try:
            digest = _digest(path)
            if digest in seen:
                refused.append(PhotoRefused(path.name, f"the same photo as {seen[digest]}, made once"))
                continue
            seen[digest] = path.name
            made.append(create_from_upload(
                studio, user_id=user_id, project_id=project_id, file_path=path,
                name=(f"{name} {number}" if len(paths) > 1 else name) if name else _name_of(path),
                submission_key=f"{submission_key}:{digest}"))
        except StudioError as exc:
            refused.append(PhotoRefused(path.name, str(exc)))
    log.info("user %s saved %d of %d photos as avatars", user_id, len(made), len(paths))
    return PhotosSaved(made=tuple(made), refused=tuple(refused))


def _digest(path: Path) -> str:
    """The photo's fingerprint (its bytes). The size cap is the upload's own (studio.uploads):
    a file that passed the web upload is at most about 10 MB."""
    if not path.is_file():
        raise InvalidInput("no file arrived; choose the photo and upload it again")
    return hashlib.sha256(path.read_bytes()).hexdigest()[:32]


def _name_of(path: Path) -> str:
    """An avatar name from a file name: "amira_smile-2.jpg" -> "amira smile 2"."""
    words = " ".join(re.split(r"[\s_\-.]+", path.stem)).strip()[:120]
    return words or "Avatar"
