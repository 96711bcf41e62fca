"""Files the studio keeps: per user, with names the server chooses, under the data directory.

Rows store paths relative to the media root, so a data directory can move; ``absolute``
refuses any path that would leave the root, so no request can read outside it.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from pipelines.encoding import PNG_COMPRESS_LEVEL

THUMBNAIL_SIZE = 320
PART = ".part"  # the suffix of a file still being written


@contextmanager
def write_atomically(target: Path) -> Iterator[Path]:
    """A path beside ``target`` for the block to write; moved over ``target`` when the block
    ends without error, so readers never see half a file. A write that never finished stays
    behind as ``<name>.part``, which recovery sweeps (studio/jobs/orphans.py)."""
    part = target.with_name(target.name + PART)
    yield part
    os.replace(part, target)


class MediaStore:
    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def absolute(self, relative: str) -> Path:
        path = (self.root / relative).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"{relative!r} is outside the studio's media folder")
        return path

    def own_file(self, user_id: int, kind: str, relative: object) -> str | None:
        """``relative`` normalised (``..`` and links resolved), if it names an existing file in
        the user's own ``kind`` folder; None otherwise, so callers answer "not found"."""
        if not isinstance(relative, str) or not relative or "\x00" in relative:
            return None
        folder = (self.root / f"u{user_id}" / kind).resolve()
        try:
            path = (self.root / relative).resolve()
            inside = path.is_relative_to(folder) and path.is_file()
        except (OSError, ValueError):
            return None
        return path.relative_to(self.root).as_posix() if inside else None

    def new_path(self, user_id: int, kind: str, suffix: str) -> str:
        """A fresh relative path like ``u7/outputs/3f2a....png`` (the folder is created)."""
        folder = self.root / f"u{user_id}" / kind
        folder.mkdir(parents=True, exist_ok=True)
        return f"u{user_id}/{kind}/{uuid.uuid4().hex}{suffix}"

    def _write(self, relative: str, save) -> str:
        with write_atomically(self.absolute(relative)) as part:
            save(part)
        return relative

    def save_png(self, user_id: int, kind: str, image: Image.Image, *, pnginfo: PngInfo | None = None) -> str:
        rel = self.new_path(user_id, kind, ".png")
        return self._write(rel, lambda p: image.save(p, format="PNG", pnginfo=pnginfo,
                                                     compress_level=PNG_COMPRESS_LEVEL))

    def save_jpeg(self, user_id: int, kind: str, image: Image.Image, *, quality: int = 92) -> str:
        rel = self.new_path(user_id, kind, ".jpg")
        return self._write(rel, lambda p: image.convert("RGB").save(p, format="JPEG", quality=quality,
                                                                      optimize=True, progressive=True))

    def save_thumbnail(self, user_id: int, kind: str, image: Image.Image, size: int = THUMBNAIL_SIZE) -> str:
        thumb = image.convert("RGB")
        thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
        rel = self.new_path(user_id, kind, ".webp")
        return self._write(rel, lambda p: thumb.save(p, format="WEBP", quality=85))

    def delete(self, *relatives: str) -> None:
        for rel in relatives:
            if rel:
                self.absolute(rel).unlink(missing_ok=True)
