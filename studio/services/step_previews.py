"""The picture forming: the newest step preview of a running batch, one small file per batch.

The worker's heartbeat writes it (at most as often as it beats) over the same path, the Batch tab
shows it while the batch runs, and it is removed when the batch ends (the orphan sweep takes any
left behind by a worker that died). A file per batch, not a row: previews change every step and
are worth nothing once the picture is saved.
"""

from __future__ import annotations

from PIL import Image

from studio.media import MediaStore, write_atomically

PREVIEWS = "step-previews"  # media kind


def preview_path(user_id: int, generation_id: int) -> str:
    return f"u{int(user_id)}/{PREVIEWS}/generation-{int(generation_id)}.webp"


def save_preview(media: MediaStore, user_id: int, generation_id: int, image: Image.Image) -> None:
    target = media.absolute(preview_path(user_id, generation_id))
    target.parent.mkdir(parents=True, exist_ok=True)
    with write_atomically(target) as part:
        image.convert("RGB").save(part, format="WEBP", quality=70)


def current_preview(media: MediaStore, user_id: int, generation_id: int) -> str | None:
    """The preview's media path while there is one, else None."""
    path = preview_path(user_id, generation_id)
    return path if media.absolute(path).is_file() else None


def drop_preview(media: MediaStore, user_id: int, generation_id: int) -> None:
    media.delete(preview_path(user_id, generation_id))
