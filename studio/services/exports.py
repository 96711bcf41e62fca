"""Export formats: every finished image in the sizes social and shop platforms want.

A crop is framed around the person, not blindly at the centre: the pose's keypoints are
mapped into the image with the same fit the engine used to draw the skeleton (so they land
on the person it generated), padded for the top of the head and the feet, and the window
of the target shape is centred on that box and kept inside the image. When the target
shape cannot hold the whole person inside the image (a tall full-body picture as a wide
banner), the window reaches past the edges and the extra room is filled with a blurred,
enlarged copy of the picture instead of cutting the person or stretching anything.
"""

from __future__ import annotations

import inspect
import io
import json
import logging
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from PIL import Image, ImageFilter, ImageOps
from sqlmodel import col, select

from pipelines.keypoints import JOINT, Keypoints, PoseError
from pipelines.skeleton import fit_transform, render_pose
from studio.context import Studio
from studio.db.tables import Avatar, Generation, GenerationItem
from studio.db.types import utcnow
from studio.enums import ItemStatus
from studio.media import MediaStore
from studio.services.errors import InvalidInput, NotFound
from studio.services.fields import row_id

log = logging.getLogger(__name__)

EXPORTS = "exports"  # media kind of exported files
ZIPS = "zips"
JPEG_QUALITY = 92
# The engine draws every skeleton with render_pose's default margin; reading it from there
# keeps export crops on the person if that default ever changes.
POSE_MARGIN: float = inspect.signature(render_pose).parameters["margin"].default
# Room beyond the joints, as fractions of the person's size: OpenPose marks the eyes and
# ears at the top and the ankles at the bottom, but hair, the crown of the head, feet and
# fingers reach past them.
HEAD_ROOM, FOOT_ROOM, SIDE_ROOM = 0.12, 0.06, 0.08


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


# framing -------------------------------------------------------------------------------

def person_box(image_size: tuple[int, int], keypoints_json: dict[str, Any] | None,
               ) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) in image pixels around the person, padded for head and feet and kept
    inside the image; None when the pose is missing or unusable (then exports centre-crop)."""
    if not keypoints_json:
        return None
    width, height = image_size
    try:
        keypoints = Keypoints.from_json(keypoints_json)
        fit = fit_transform(keypoints, width, height, POSE_MARGIN)
        x0, y0, x1, y1 = fit.person_box(keypoints)
    except (PoseError, ValueError, TypeError) as exc:
        log.info("export falls back to a centre crop: %s", exc)
        return None
    size = max(x1 - x0, y1 - y0)
    head = _head_height(keypoints, fit)
    top = max(HEAD_ROOM * size, 1.2 * head)
    x0, x1 = x0 - SIDE_ROOM * size, x1 + SIDE_ROOM * size
    y0, y1 = y0 - top, y1 + FOOT_ROOM * size
    return max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1)


def _head_height(keypoints: Keypoints, fit) -> float:
    # Nose to neck is about a head's height: in a headshot it dwarfs the fraction-of-size
    # padding, which alone would cut the hair off.
    nose, neck = keypoints.body[JOINT["nose"]], keypoints.body[JOINT["neck"]]
    if nose[2] <= 0 or neck[2] <= 0:
        return 0.0
    (_, ny), (_, cy) = fit.apply(nose[0], nose[1]), fit.apply(neck[0], neck[1])
    return abs(cy - ny)


def crop_window(image_size: tuple[int, int], aspect: float,
                person: tuple[float, float, float, float] | None) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1): the window of ``aspect`` (width / height) to export, in image pixels.

    The largest such window inside the image, centred on the person and moved to stay inside;
    if the person does not fit in it, the smallest window holding the whole person, which
    then reaches past the image's edges (only where it must).
    """
    width, height = image_size
    if width / height > aspect:
        win_h = float(height)
        win_w = win_h * aspect
    else:
        win_w = float(width)
        win_h = win_w / aspect
    if person is None:
        cx, cy = width / 2, height / 2
    else:
        px0, py0, px1, py1 = person
        cx, cy = (px0 + px1) / 2, (py0 + py1) / 2
        if px1 - px0 > win_w + 1e-6 or py1 - py0 > win_h + 1e-6:
            win_w = max(win_w, px1 - px0, (py1 - py0) * aspect)
            win_h = win_w / aspect
    x0 = _place(cx - win_w / 2, win_w, width)
    y0 = _place(cy - win_h / 2, win_h, height)
    return x0, y0, x0 + win_w, y0 + win_h


def _place(start: float, span: float, limit: int) -> float:
    # Inside the image when the window fits; otherwise covering all of it, so no more of the
    # picture is lost or padded than the shape demands.
    low, high = (0.0, limit - span) if span <= limit else (limit - span, 0.0)
    return min(max(start, low), high)


def render_export(image: Image.Image, keypoints_json: dict[str, Any] | None, format_key: str) -> Image.Image:
    """``image`` framed around the person at the exact size of ``format_key``."""
    fmt = get_format(format_key)
    if fmt.width is None:
        return image.copy()
    image = _rgb(image)
    target = (fmt.width, fmt.height)
    box = crop_window(image.size, fmt.width / fmt.height, person_box(image.size, keypoints_json))
    x0, y0, x1, y1 = box
    eps = 1e-6
    if x0 >= -eps and y0 >= -eps and x1 <= image.width + eps and y1 <= image.height + eps:
        box = (max(0.0, x0), max(0.0, y0), min(float(image.width), x1), min(float(image.height), y1))
        return image.resize(target, Image.Resampling.LANCZOS, box=box)
    return _padded(image, box, target)


def _padded(image: Image.Image, box: tuple[float, float, float, float], target: tuple[int, int]) -> Image.Image:
    x0, y0, x1, _ = box
    scale = target[0] / (x1 - x0)
    canvas = _backdrop(image, target)
    placed = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                          Image.Resampling.LANCZOS)
    canvas.paste(placed, (round(-x0 * scale), round(-y0 * scale)))
    return canvas


def _backdrop(image: Image.Image, target: tuple[int, int]) -> Image.Image:
    """The picture enlarged to cover ``target``, heavily blurred and a little dimmed."""
    small_side = 48
    ratio = target[0] / target[1]
    small = (small_side, max(1, round(small_side / ratio))) if ratio >= 1 else (max(1, round(small_side * ratio)), small_side)
    blurred = ImageOps.fit(image, small, Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(3))
    blurred = Image.blend(blurred, Image.new("RGB", small, (128, 128, 128)), 0.2)
    return blurred.resize(target, Image.Resampling.BICUBIC)


def _rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if "A" in image.getbands() or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def encode(image: Image.Image, fmt: ExportFormat) -> bytes:
    """The file bytes of an exported image in its format."""
    buffer = io.BytesIO()
    if fmt.image_format == "JPEG":
        _rgb(image).save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        options: dict[str, Any] = {"dpi": (fmt.dpi, fmt.dpi)} if fmt.dpi else {}
        # Level 3 instead of Pillow's 6: an A4 print file took 6.3 s at 6, 2.2 s at 3, for 15% more bytes.
        image.save(buffer, format="PNG", compress_level=3, **options)
    return buffer.getvalue()


# files ---------------------------------------------------------------------------------

def save_exports(media: MediaStore, *, user_id: int, image: Image.Image, keypoints_json: dict[str, Any] | None,
                 format_keys: Iterable[str]) -> dict[str, str]:
    """Write ``image`` in every format; {format key: media path}. All keys are checked first,
    so a bad key writes nothing."""
    keys = check_formats(format_keys)
    written: dict[str, str] = {}
    try:
        for key in keys:
            fmt = EXPORT_FORMATS[key]
            written[key] = _write(media, media.new_path(user_id, EXPORTS, fmt.suffix),
                                  encode(render_export(image, keypoints_json, key), fmt))
    except BaseException:
        media.delete(*written.values())
        raise
    return written


def reexport_item(studio: Studio, *, user_id: int, item_id: int, format_key: str) -> str:
    """Export one finished image in ``format_key`` now (any format, chosen at submit or not),
    record it on the item and return its media path; an earlier file of that format is replaced."""
    fmt = get_format(format_key)
    media = MediaStore(studio.settings.media_dir)
    with studio.db.session() as session:
        item = _own_item(session, user_id, item_id)
        if item.status != ItemStatus.completed.value or not item.image_path:
            raise InvalidInput("this image is not finished, so it cannot be exported yet")
        image_path, keypoints = item.image_path, item.keypoints
    image = _open_image(media, image_path)
    new_path = _write(media, media.new_path(user_id, EXPORTS, fmt.suffix),
                      encode(render_export(image, keypoints, fmt.key), fmt))
    try:
        with studio.db.session() as session:
            item = _own_item(session, user_id, item_id)
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
    media = MediaStore(studio.settings.media_dir)
    with studio.db.session() as session:
        generation_id = row_id(generation_id)
        generation = session.get(Generation, generation_id) if generation_id is not None else None
        if generation is None or generation.user_id != user_id:
            raise NotFound("generation not found")
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
    tmp = target.with_name(target.name + ".part")
    names: set[str] = set()
    with zipfile.ZipFile(tmp, "w") as archive:
        for item in finished:
            entry = _zip_item(archive, media, item, keys, names)
            (manifest["items"] if entry["files"] else manifest["skipped"]).append(entry)
        finished_ids = {i.id for i in finished}
        for item in items:
            if item.id not in finished_ids:
                manifest["skipped"].append({"pose": item.pose_name, "variation": item.variation + 1,
                                            "status": item.status, "error": item.error})
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, default=str),
                         compress_type=zipfile.ZIP_DEFLATED)
    os.replace(tmp, target)
    log.info("zipped generation %s for user %s: %d images x %d formats", generation.id, user_id,
             len(manifest["items"]), len(keys))
    return target


def _zip_item(archive: zipfile.ZipFile, media: MediaStore, item: GenerationItem, keys: list[str],
              names: set[str]) -> dict[str, Any]:
    stem = f"{_slug(item.pose_name) or f'pose-{item.position + 1}'}_v{item.variation + 1}"
    if stem in names:  # the same pose twice in one batch
        stem = f"{stem}_{item.position + 1}"
    names.add(stem)
    entry: dict[str, Any] = {"pose": item.pose_name, "pose_id": item.pose_id, "variation": item.variation + 1,
                             "seed": item.seed, "position": item.position, "seconds": item.seconds, "files": {}}
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
            # A format chosen after the batch ran (or a lost file): made now, not kept.
            original = original or _open_image(media, item.image_path)
            archive.writestr(name, encode(render_export(original, item.keypoints, key), fmt))
        entry["files"][key] = name
    return entry


def _manifest(generation: Generation, avatar: Avatar | None, keys: list[str]) -> dict[str, Any]:
    return {
        "generation": generation.id, "created_at": generation.created_at, "exported_at": utcnow(),
        "status": generation.status, "preset": generation.preset_key, "params": generation.params,
        "background": generation.background,
        "avatar": {"id": avatar.id, "name": avatar.name} if avatar else None,
        "formats": {k: {"label": EXPORT_FORMATS[k].label, "size": EXPORT_FORMATS[k].size_label,
                        "type": EXPORT_FORMATS[k].image_format} for k in keys},
        "items": [], "skipped": [],
    }


def _own_item(session, user_id: int, item_id: int) -> GenerationItem:
    item_id = row_id(item_id)
    row = session.exec(select(GenerationItem).join(Generation, Generation.id == GenerationItem.generation_id)
                       .where(GenerationItem.id == item_id, Generation.user_id == user_id)).first() \
        if item_id is not None else None
    if row is None:
        raise NotFound("image not found")
    return row


def _open_image(media: MediaStore, relative: str) -> Image.Image:
    path = media.absolute(relative)
    if not path.is_file():
        raise NotFound("the image file is missing from the studio's media folder")
    with Image.open(path) as opened:
        opened.load()
        return opened.copy()


def _write(media: MediaStore, relative: str, data: bytes) -> str:
    target = media.absolute(relative)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, target)  # readers never see half a file
    return relative


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:60]
