"""Export formats: every finished image in the sizes social and shop platforms want.

Which formats there are, what creators call them and where the files go is decided here:
one row in ``EXPORT_FORMATS`` per format. How a picture is framed around the person and
turned into file bytes is image work, in ``pipelines.framing`` and ``pipelines.encoding``.
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from PIL import Image
from sqlmodel import col, select

from pipelines.encoding import encode
from pipelines.framing import frame
from studio.core import Studio
from studio.db.tables import Avatar, AvatarProject, Generation, GenerationItem
from studio.db.types import utcnow
from studio.enums import ItemStatus
from studio.media import MediaStore, write_atomically
from studio.services import access
from studio.services.errors import InvalidInput, NotFound
from studio.services.quality import item_scores, kept_seed

log = logging.getLogger(__name__)

EXPORTS = "exports"  # media kind of exported files
ZIPS = "zips"


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    width: int | None  # None: the image's own size
    height: int | None
    image_format: str  # "JPEG" | "PNG"
    dpi: int | None = None  # written into print files so they print at the intended size

    @property
    def suffix(self) -> str:
        return ".jpg" if self.image_format == "JPEG" else ".png"

    @property
    def size(self) -> tuple[int, int] | None:
        return (self.width, self.height) if self.width and self.height else None

    @property
    def made_by_worker(self) -> bool:
        """Whether the worker writes this format as each picture is saved. Not the original (the
        saved PNG is the original) and not print sizes: an A4 file at 300 dpi took 2.2 s here, as
        long as a tenth of a picture on a CPU, so print files are made on first download instead
        and never hold up the next picture."""
        return self.key != "original" and self.dpi is None

    @property
    def size_label(self) -> str:
        return f"{self.width}x{self.height}" if self.width else "original size"


EXPORT_FORMATS: dict[str, ExportFormat] = {f.key: f for f in (
    ExportFormat("instagram_story", "Instagram story", 1080, 1920, "JPEG"),
    ExportFormat("instagram_feed", "Instagram feed (square)", 1080, 1080, "JPEG"),
    ExportFormat("instagram_portrait", "Instagram portrait", 1080, 1350, "JPEG"),
    ExportFormat("tiktok", "TikTok", 1080, 1920, "JPEG"),
    ExportFormat("shopee", "Shopee product", 1000, 1000, "JPEG"),
    ExportFormat("tokopedia", "Tokopedia product", 1200, 1200, "JPEG"),
    ExportFormat("lazada", "Lazada product", 1000, 1000, "JPEG"),
    ExportFormat("print_a4", "Print A4 (300 dpi)", 2480, 3508, "PNG", dpi=300),
    ExportFormat("print_4x6", "Print 4x6 in (300 dpi)", 1800, 1200, "PNG", dpi=300),
    ExportFormat("facebook", "Facebook post", 1200, 630, "JPEG"),
    ExportFormat("twitter", "X / Twitter post", 1200, 675, "JPEG"),
    ExportFormat("linkedin", "LinkedIn post", 1200, 627, "JPEG"),
    ExportFormat("original", "Original", None, None, "PNG"),
)}


def get_format(format_key: str) -> ExportFormat:
    try:
        return EXPORT_FORMATS[format_key]
    except (KeyError, TypeError):
        raise InvalidInput(f"unknown export format {format_key!r}; choose from "
                           f"{', '.join(EXPORT_FORMATS)}") from None


def check_formats(format_keys: Iterable[str]) -> list[str]:
    """The keys, checked, in order, without repeats (InvalidInput names the first unknown one)."""
    keys: list[str] = []
    for key in format_keys:
        if get_format(key).key not in keys:
            keys.append(key)
    return keys


def render_export(image: Image.Image, keypoints_json: dict[str, Any] | None, format_key: str) -> Image.Image:
    """``image`` framed around the person at the exact size of ``format_key``."""
    return frame(image, keypoints_json, get_format(format_key).size)


def export_bytes(image: Image.Image, keypoints_json: dict[str, Any] | None, fmt: ExportFormat,
                 parameters: str | None = None) -> bytes:
    """The file of ``image`` exported in ``fmt``: framed, then encoded, carrying ``parameters``
    or else those the saved original holds (its PNG ``parameters`` chunk: seed, prompt, preset)."""
    return encode(frame(image, keypoints_json, fmt.size), fmt.image_format, dpi=fmt.dpi,
                  parameters=parameters or image.info.get("parameters"))


def download_name(studio: Studio, *, user_id: int, item_id: int, format_key: str) -> str:
    """The name a downloaded image is saved under: project, pose, variation, seed and size,
    e.g. ``spring-catalogue_arms-crossed_v2_seed81234_instagram_feed.jpg``."""
    fmt = get_format(format_key)
    with studio.db.session() as session:
        item, generation = access.own_item(session, item_id, user_id=user_id)
        avatar = session.get(Avatar, generation.avatar_id) if generation.avatar_id else None
        project = session.get(AvatarProject, avatar.project_id) if avatar and avatar.project_id else None
        parts = [_slug(project.name) if project else "", _slug(item.pose_name) or f"pose-{item.position + 1}",
                 f"v{item.variation + 1}", f"seed{kept_seed(item)}", fmt.key]
    return "_".join(p for p in parts if p) + fmt.suffix


# files ---------------------------------------------------------------------------------

def save_exports(media: MediaStore, *, user_id: int, image: Image.Image, keypoints_json: dict[str, Any] | None,
                 format_keys: Iterable[str], parameters: str | None = None, worker: bool = False) -> dict[str, str]:
    """Write ``image`` in every format (``worker``: only those the worker makes, see
    ``ExportFormat.made_by_worker``); {format key: media path}. All keys are checked first, so a
    bad key writes nothing."""
    keys = [k for k in check_formats(format_keys) if not worker or EXPORT_FORMATS[k].made_by_worker]
    written: dict[str, str] = {}
    try:
        for key in keys:
            fmt = EXPORT_FORMATS[key]
            written[key] = _write(media, media.new_path(user_id, EXPORTS, fmt.suffix),
                                  export_bytes(image, keypoints_json, fmt, parameters))
    except BaseException:
        media.delete(*written.values())
        raise
    return written


def download_file(studio: Studio, *, user_id: int, item_id: int, format_key: str) -> str:
    """The media path of one finished image in ``format_key``: the saved original itself, the
    export kept on the item when its file is there, or else one made now and kept (print sizes
    are made on their first download)."""
    fmt = get_format(format_key)
    with studio.db.session() as session:
        item, _ = access.own_item(session, item_id, user_id=user_id)
        if item.status != ItemStatus.completed.value or not item.image_path:
            raise InvalidInput("this image is not finished, so it cannot be exported yet")
        kept = item.image_path if fmt.key == "original" else (item.exports or {}).get(fmt.key)
    if kept and studio.media.absolute(kept).is_file():
        return kept
    return reexport_item(studio, user_id=user_id, item_id=item_id, format_key=format_key)


def reexport_item(studio: Studio, *, user_id: int, item_id: int, format_key: str) -> str:
    """Export one finished image in ``format_key`` now (any format, chosen at submit or not),
    record it on the item and return its media path; an earlier file of that format is replaced."""
    fmt = get_format(format_key)
    media = studio.media
    with studio.db.session() as session:
        item, _ = access.own_item(session, item_id, user_id=user_id)
        if item.status != ItemStatus.completed.value or not item.image_path:
            raise InvalidInput("this image is not finished, so it cannot be exported yet")
        image_path, keypoints = item.image_path, item.keypoints
    image = _open_image(media, image_path)
    new_path = _write(media, media.new_path(user_id, EXPORTS, fmt.suffix), export_bytes(image, keypoints, fmt))
    try:
        with studio.db.session() as session:
            item, _ = access.own_item(session, item_id, user_id=user_id)
            old = (item.exports or {}).get(fmt.key)
            # A new dict: the JSON column notices assignment, not changes made inside it.
            item.exports = {**(item.exports or {}), fmt.key: new_path}
            session.add(item)
    except BaseException:
        media.delete(new_path)
        raise
    if old and old != new_path and old != image_path:
        media.delete(old)
    return new_path


def zip_path(user_id: int, generation_id: int) -> str:
    """Where a batch's ZIP is kept (made again on each download; deleted with the batch)."""
    return f"u{user_id}/{ZIPS}/pose-studio-generation-{generation_id}.zip"


def generation_zip(studio: Studio, *, user_id: int, generation_id: int) -> Path:
    """A ZIP of every finished image of the generation in every chosen format plus the
    original, with a manifest.json of the seeds and parameters; returns its absolute path."""
    media = studio.media
    with studio.db.session() as session:
        generation = access.own(session, Generation, generation_id, user_id=user_id, what="generation")
        items = session.exec(select(GenerationItem).where(GenerationItem.generation_id == generation.id)
                             .order_by(col(GenerationItem.position), col(GenerationItem.id))).all()
        avatar = session.get(Avatar, generation.avatar_id) if generation.avatar_id else None
    finished = [i for i in items if i.status == ItemStatus.completed.value and i.image_path]
    if not finished:
        raise InvalidInput("this generation has no finished images yet; download it when some are done")
    keys = [k for k in check_formats(generation.export_formats or []) if k != "original"] + ["original"]
    manifest = _manifest(generation, avatar, keys)
    target = media.absolute(zip_path(user_id, generation.id))
    target.parent.mkdir(parents=True, exist_ok=True)
    names: set[str] = set()
    made: dict[int, dict[str, str]] = {}
    with write_atomically(target) as part, zipfile.ZipFile(part, "w") as archive:
        for item in finished:
            entry = _zip_item(archive, media, item, keys, names, made, user_id)
            (manifest["items"] if entry["files"] else manifest["skipped"]).append(entry)
        finished_ids = {i.id for i in finished}
        for item in items:
            if item.id not in finished_ids:
                manifest["skipped"].append({"pose": item.pose_name, "variation": item.variation + 1,
                                            "status": item.status, "error": item.error})
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, default=str),
                         compress_type=zipfile.ZIP_DEFLATED)
    _keep_made(studio, made)
    log.info("zipped generation %s for user %s: %d images x %d formats", generation.id, user_id,
             len(manifest["items"]), len(keys))
    return target


def _keep_made(studio: Studio, made: dict[int, dict[str, str]]) -> None:
    """Record the chosen-format files a ZIP had to make (print sizes: made on first download), so the
    next download reuses them; a file whose item changed meanwhile is dropped."""
    for item_id, files in made.items():
        with studio.db.session() as session:
            item = session.get(GenerationItem, item_id)
            if item is None or item.status != ItemStatus.completed.value:
                studio.media.delete(*files.values())
                continue
            item.exports = {**(item.exports or {}), **files}  # a new dict: the JSON column sees assignment
            session.add(item)


def batch_zip_download(studio: Studio, *, user_id: int, generation_id: int) -> tuple[str, str]:
    """(media path, file name) of the batch's ZIP, made now: what a "download all" button links to."""
    archive = generation_zip(studio, user_id=user_id, generation_id=generation_id)
    relative = archive.resolve().relative_to(Path(studio.settings.media_dir).resolve()).as_posix()
    return relative, f"pose-studio-batch-{int(generation_id)}.zip"


def _zip_item(archive: zipfile.ZipFile, media: MediaStore, item: GenerationItem, keys: list[str],
              names: set[str], made: dict[int, dict[str, str]], user_id: int) -> dict[str, Any]:
    stem = f"{_slug(item.pose_name) or f'pose-{item.position + 1}'}_v{item.variation + 1}"
    if stem in names:  # the same pose twice in one batch
        stem = f"{stem}_{item.position + 1}"
    names.add(stem)
    entry: dict[str, Any] = {"pose": item.pose_name, "pose_id": item.pose_id, "variation": item.variation + 1,
                             "seed": kept_seed(item), "position": item.position, "seconds": item.seconds,
                             **item_scores(item), "files": {}}
    if not media.absolute(item.image_path).is_file():
        log.warning("generation item %s has no image file; left out of the ZIP", item.id)
        entry["error"] = "the image file is missing"
        return entry
    original: Image.Image | None = None
    for key in keys:
        fmt = EXPORT_FORMATS[key]
        name = f"{key}/{stem}_{key}{fmt.suffix}"
        stored = item.image_path if key == "original" else (item.exports or {}).get(key)
        path = media.absolute(stored) if stored else None
        if path is not None and path.is_file():
            archive.write(path, name)  # already compressed pictures: stored as they are
        else:
            # A chosen format the worker leaves to the first download (print sizes), or a lost file:
            # made now and kept on the item (see _keep_made).
            original = original or _open_image(media, item.image_path)
            data = export_bytes(original, item.keypoints, fmt)
            archive.writestr(name, data)
            if key != "original":
                made.setdefault(item.id, {})[key] = _write(media, media.new_path(user_id, EXPORTS, fmt.suffix), data)
        entry["files"][key] = name
    return entry


def _manifest(generation: Generation, avatar: Avatar | None, keys: list[str]) -> dict[str, Any]:
    return {
        "generation": generation.id, "created_at": generation.created_at, "exported_at": utcnow(),
        "status": generation.status, "preset": generation.preset_key, "params": generation.params,
        "background": generation.background,
        "avatar": {"id": avatar.id, "name": avatar.name} if avatar else None,
        # The bars each item's likeness and pose_match were held to, and every picture made
        # (re-rolls included: more than the items when drifts were redone, free).
        "checks": generation.checks or {}, "pictures_made": generation.pictures_made,
        "formats": {k: {"label": EXPORT_FORMATS[k].label, "size": EXPORT_FORMATS[k].size_label,
                        "type": EXPORT_FORMATS[k].image_format} for k in keys},
        "items": [], "skipped": [],
    }


def _open_image(media: MediaStore, relative: str) -> Image.Image:
    path = media.absolute(relative)
    if not path.is_file():
        raise NotFound("the image file is missing from the studio's media folder")
    with Image.open(path) as opened:
        opened.load()
        return opened.copy()


def _write(media: MediaStore, relative: str, data: bytes) -> str:
    with write_atomically(media.absolute(relative)) as part:
        part.write_bytes(data)
    return relative


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:60]
