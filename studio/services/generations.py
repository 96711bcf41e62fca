"""Generations (batches): estimate, submit, follow, cancel, delete, re-run.

Submit follows DESIGN.md section 4: one transaction creates the generation and its items and
charges under the client's submission key, so a double click finds the first batch and pays
once; only after commit is the id enqueued (a failed enqueue leaves the row queued, and
recovery picks it up). Every read and change is scoped by the user: another user's id is
"not found", never "forbidden", so ids reveal nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from pipelines.params import MAX_VARIATIONS, GenerationParams, ParamsError, item_seed
from studio.core import Studio
from studio.db.engine import Database
from studio.db.tables import Avatar, Generation, GenerationItem, Pose
from studio.engine import refuse_unready
from studio.enums import GenerationStatus, ItemStatus
from studio.services import access, batch_pricing, exports
# The read side lives in batch_read; re-exported so callers keep writing ``generations.progress(...)``.
from studio.services.batch_read import (  # noqa: F401  (re-exported)
    ACTIVE, BatchProgress, FinishedItem, _owned, finished_item, get_generation, get_item, latest_active,
    list_generations, list_items, progress)
from studio.services.errors import InvalidInput, NotFound
from studio.services.fields import found_id, whole_number
from studio.services.quality import default_checks, validated_checks
from studio.services.results import skeleton_path

log = logging.getLogger(__name__)

MAX_POSES = 200
MAX_ITEMS = 500


@dataclass(frozen=True)
class Estimate:
    items: int
    price_per_item: int
    background_per_item: int
    total: int
    balance: int
    uses_quota: bool
    quota_left: int | None
    affordable: bool
    message: str
    work_factor: float = 1.0  # one image's pixels x steps over the preset's default (what scales the price)


@dataclass(frozen=True)
class SubmitRequest:
    avatar_id: int
    pose_ids: tuple[int, ...]
    variations: int
    preset_key: str
    params: GenerationParams  # or its JSON (a dict), as API clients send it
    background: dict[str, Any] | None = None
    export_formats: tuple[str, ...] = ()
    submission_key: str = ""
    # Quality checks (studio.services.quality): None for the studio's defaults (re-roll drifts on).
    checks: dict[str, Any] | None = None


def _check_counts(pose_count: int, variations: int) -> int:
    # Refused, never truncated: a client sending 2.5 variations gets told, not charged for 2.
    pose_count = whole_number(pose_count, "the number of poses", 0, 2**31)
    if pose_count < 1:
        raise InvalidInput("pick at least one pose")
    if pose_count > MAX_POSES:
        raise InvalidInput(f"{pose_count} poses is too many for one batch: pick at most {MAX_POSES}")
    variations = whole_number(variations, "variations", 1, MAX_VARIATIONS, " per pose")
    items = pose_count * variations
    if items > MAX_ITEMS:
        raise InvalidInput(f"{pose_count} poses x {variations} variations = {items} images; "
                           f"one batch makes at most {MAX_ITEMS}: pick fewer poses or variations")
    return items


def estimate(db: Database, *, user_id: int, pose_count: int, variations: int, preset_key: str,
             background: bool, params: GenerationParams | dict | None = None,
             now: datetime | None = None) -> Estimate:
    """What the batch would cost: the same quote ``submit`` charges, for the same ``params``."""
    items = _check_counts(pose_count, variations)
    params = _params_of(params) if params is not None else None
    with db.session() as session:
        q = batch_pricing.quote(session, user_id=user_id, items=items, preset_key=preset_key,
                                background=background, params=params, now=now)
    return Estimate(items=q.items, price_per_item=q.pose_price, background_per_item=q.background_per_item,
                    total=q.total, balance=q.balance, uses_quota=q.uses_quota, quota_left=q.quota_left,
                    affordable=q.affordable, message=q.message(), work_factor=float(q.work.factor))


def _params_of(params: GenerationParams | dict) -> GenerationParams:
    """The parameters as the frozen object; a dict (from an API client) is checked key by key."""
    if isinstance(params, GenerationParams):
        return params
    try:
        return GenerationParams.from_json(params)
    except (ParamsError, TypeError) as exc:
        raise InvalidInput(str(exc)) from None


@dataclass(frozen=True)
class _ItemSpec:
    pose_id: int | None
    pose_name: str
    keypoints: dict[str, Any]
    position: int
    variation: int
    seed: int


def _check_submission_key(key: object) -> None:
    # Checked before the key is looked up: the query compares it with a text column.
    if not isinstance(key, str) or not 8 <= len(key) <= 100:
        raise InvalidInput("the submission key must be 8 to 100 characters (the page makes one per submit)")


def _validated_request(studio: Studio, user_id: int, request: SubmitRequest) -> SubmitRequest:
    """The request with every value checked and normalised (ids, counts, resolved parameters,
    background, formats), or the error that names what to fix; nothing is charged before this."""
    from pipelines.presets import UnknownPresetError, get_preset
    from studio.services.exports import EXPORT_FORMATS

    if not isinstance(request.pose_ids, (list, tuple)):
        raise InvalidInput("pose ids must be a list of the poses' ids")
    variations = whole_number(request.variations, "variations", 1, MAX_VARIATIONS, " per pose")
    _check_counts(len(request.pose_ids), variations)
    pose_ids = tuple(found_id(p, "pose") for p in request.pose_ids)
    try:
        preset = get_preset(request.preset_key)
        params = replace(_params_of(request.params), variations=variations).resolved(preset)
    except (UnknownPresetError, ParamsError) as exc:
        raise InvalidInput(str(exc)) from None
    if request.checks is not None and not isinstance(request.checks, dict):
        raise InvalidInput("quality checks must be an object such as {\"reroll\": true, \"pose_bar\": 0.6}")
    formats = request.export_formats
    if not isinstance(formats, (list, tuple)):
        raise InvalidInput(f"export formats must be a list; choose from {', '.join(EXPORT_FORMATS)}")
    unknown = [f for f in formats if not isinstance(f, str) or f not in EXPORT_FORMATS]
    if unknown:
        raise InvalidInput(f"unknown export format(s): {', '.join(map(str, unknown))}; "
                           f"choose from {', '.join(EXPORT_FORMATS)}")
    background = _validated_background(studio, user_id, request.background)
    if preset.is_edit and background and "prompt" in background:
        from pipelines.edit_engine import unsupported

        raise InvalidInput(f"New background: {unsupported(preset, 'generated scene backgrounds')}, or pick a "
                           "colour or an uploaded picture (or describe the place in the prompt)")
    return replace(request, pose_ids=pose_ids, variations=variations, params=params, background=background,
                   export_formats=tuple(dict.fromkeys(formats)))


def _validated_background(studio: Studio, user_id: int, background: dict | None) -> dict | None:
    if not background:
        return None
    if not isinstance(background, dict):
        raise InvalidInput("the background must be a colour, a picture or a scene description")
    given = {k: v for k, v in background.items() if k in ("colour", "image", "prompt") and v}
    if len(given) != 1 or set(background) - {"colour", "image", "prompt"}:
        raise InvalidInput("choose one new background: a colour, an uploaded picture, or a scene to generate")
    if "prompt" in given and (not isinstance(given["prompt"], str) or len(given["prompt"]) > 500):
        raise InvalidInput("describe the scene in at most 500 characters")
    if "colour" in given:
        return {"colour": _hex_colour(given["colour"])}
    if "image" in given:
        return {"image": _check_backdrop(studio, user_id, given["image"])}
    return given


_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_RGB = re.compile(r"rgba?\(\s*(\d{1,3}(?:\.\d+)?)\s*,\s*(\d{1,3}(?:\.\d+)?)\s*,\s*(\d{1,3}(?:\.\d+)?)\s*"
                  r"(?:,\s*[\d.]+\s*)?\)")


def _hex_colour(value: object) -> str:
    """``value`` as ``#rrggbb``; the colour picker may also send ``rgb(...)`` or ``rgba(...)``."""
    text = value.strip() if isinstance(value, str) else ""
    if _HEX.fullmatch(text):
        digits = text[1:] if len(text) == 7 else "".join(c * 2 for c in text[1:])
        return f"#{digits.lower()}"
    rgb = _RGB.fullmatch(text)
    if rgb and all(float(c) <= 255 for c in rgb.groups()):
        return "#" + "".join(f"{round(float(c)):02x}" for c in rgb.groups())
    raise InvalidInput(f"Background colour: {str(value)[:40]!r} is not a colour; use #rrggbb, e.g. #ffffff")


BACKDROPS = "backdrops"


def save_backdrop(studio: Studio, *, user_id: int, file_path: str) -> str:
    """Keep an uploaded background picture (checked like any upload); returns its media path
    for ``SubmitRequest.background={"image": path}``. Free: it is charged per image in a batch."""
    from studio.services import limits
    from studio.uploads import read_photo

    media = studio.media
    # Before reading the upload, so a flood is refused without decoding its pictures.
    limits.check_files(media.root / f"u{user_id}" / BACKDROPS, limits.BACKDROPS, settings=studio.settings)
    picture = read_photo(file_path)
    return media.save_jpeg(user_id, BACKDROPS, picture)


def _check_backdrop(studio: Studio, user_id: int, relative: object) -> str:
    """The backdrop's normalised media path, if it is one of the creator's own saved backdrops.

    The path is resolved first (``..``, links), then checked: a prefix test alone lets
    ``u3/backdrops/../../u1/avatars/x.png`` reach someone else's photo. Anything else is "not found"."""
    path = studio.media.own_file(user_id, BACKDROPS, relative)
    if path is None:
        raise NotFound("background picture not found: upload it again")
    return path


def _usable_avatar(session: Session, user_id: int, avatar_id: int) -> Avatar:
    avatar = access.own(session, Avatar, avatar_id, user_id=user_id, what="avatar")
    if not avatar.image_path:  # still being made: as good as not there yet
        raise NotFound("avatar not found")
    return avatar


def _visible_poses(session: Session, user_id: int, pose_ids: tuple[int, ...]) -> dict[int, Pose]:
    poses = access.visible_poses(session, user_id=user_id, pose_ids=pose_ids)
    if len(poses) != len(set(pose_ids)):
        raise NotFound("pose not found")
    return poses


def submit(studio: Studio, *, user_id: int, request: SubmitRequest, now: datetime | None = None) -> Generation:
    """Create and pay for a batch in one transaction, then enqueue it. Same key: same batch."""
    _check_submission_key(request.submission_key)
    existing = _by_submission_key(studio.db, user_id, request.submission_key)
    if existing is not None:
        return existing
    request = _validated_request(studio, user_id, request)
    params = request.params

    def plan(session: Session) -> list[_ItemSpec]:
        poses = _visible_poses(session, user_id, request.pose_ids)
        return [_ItemSpec(pid, poses[pid].name, poses[pid].keypoints, p, v, item_seed(params.seed, p, v))
                for p, pid in enumerate(request.pose_ids) for v in range(request.variations)]

    return _create(studio, user_id=user_id, avatar_id=request.avatar_id, preset_key=request.preset_key,
                   params=params, background=request.background, formats=list(request.export_formats),
                   key=request.submission_key, plan=plan, checks=request.checks, now=now)


def _face_note(avatar: Avatar) -> str | None:
    """Why the avatar's likeness cannot be measured; None when it can (or is not known yet: an
    avatar made before likeness existed is described by the worker on its first batch)."""
    return avatar.face_note if avatar.face_descriptor is None and avatar.face_note else None


def _create(studio: Studio, *, user_id: int, avatar_id: int, preset_key: str, params: GenerationParams,
            background: dict | None, formats: list[str], key: str, plan, checks: dict | None,
            now: datetime | None) -> Generation:
    # A preset whose models are missing here would fail after the charge (and be refunded): say
    # so now instead, before anything is paid.
    from pipelines.presets import get_preset

    refuse_unready(studio, preset_key, what=f"Quality: {get_preset(preset_key).label}")
    try:
        with studio.db.session() as session:
            avatar = _usable_avatar(session, user_id, avatar_id)
            batch_checks = validated_checks(checks, settings=studio.settings, face_note=_face_note(avatar),
                                            preset=preset_key)
            specs = plan(session)
            q = batch_pricing.quote(session, user_id=user_id, items=len(specs), preset_key=preset_key,
                                    background=background is not None, params=params, now=now)
            generation = Generation(user_id=user_id, avatar_id=avatar.id, preset_key=preset_key,
                                    params=params.to_json(), background=background, export_formats=formats,
                                    submission_key=key, total_items=len(specs), checks=batch_checks.to_json())
            session.add(generation)
            session.flush()  # a concurrent double click stops here on the unique key
            session.add_all([GenerationItem(
                generation_id=generation.id, pose_id=s.pose_id, pose_name=s.pose_name, keypoints=s.keypoints,
                variation=s.variation, position=s.position, seed=s.seed,
                resume_key=f"{s.position}:{s.pose_id}:{s.variation}") for s in specs])
            batch_pricing.charge(session, generation, q, now=now)
            _record_use(session, generation, avatar, specs)
    except IntegrityError:
        existing = _by_submission_key(studio.db, user_id, key)
        if existing is None:
            raise
        return existing
    _enqueue(studio, generation.id)
    return generation


def _record_use(session: Session, generation: Generation, avatar: Avatar, specs: list[_ItemSpec]) -> None:
    uses: dict[int, int] = {}
    for s in specs:
        if s.pose_id is not None and s.variation == 0:
            uses[s.pose_id] = uses.get(s.pose_id, 0) + 1
    for pose_id, n in uses.items():
        session.execute(sa.update(Pose).where(Pose.id == pose_id).values(use_count=Pose.use_count + n))
    from studio.services.avatars import record_usage

    record_usage(session, avatar_id=avatar.id, user_id=generation.user_id, generation_id=generation.id,
                 poses=len(specs))


def _enqueue(studio: Studio, generation_id: int) -> None:
    if studio.queue is None:
        log.warning("no job queue: generation %s waits for `python -m studio recover`", generation_id)
        return
    try:
        studio.queue.enqueue(generation_id)
    except Exception:  # the row stays queued; recovery enqueues it later
        log.exception("could not enqueue generation %s; recovery will pick it up", generation_id)


def _by_submission_key(db: Database, user_id: int, key: str) -> Generation | None:
    with db.session() as session:
        return session.exec(select(Generation).where(Generation.user_id == user_id,
                                                     Generation.submission_key == key)).first()


def cancel(studio: Studio, *, user_id: int, generation_id: int) -> Generation:
    """Ask the worker to stop between steps; a batch still waiting is cancelled and refunded now."""
    with studio.db.session() as session:
        generation = _owned(session, user_id, generation_id)
        if GenerationStatus(generation.status).finished:
            return generation
        # Once this flag is committed no worker can claim the batch (the claim checks it).
        session.execute(sa.update(Generation).where(Generation.id == generation_id, col(Generation.status).in_(ACTIVE))
                        .values(cancel_requested=True))
    with studio.db.session() as session:
        generation = _owned(session, user_id, generation_id)
        if generation.status == GenerationStatus.queued.value:
            generation = batch_pricing.settle(session, generation_id, leftover=ItemStatus.cancelled,
                                              reason="cancelled before it started", cancelled=True)
        return generation


def delete_generation(studio: Studio, *, user_id: int, generation_id: int) -> None:
    with studio.db.session() as session:
        generation = _owned(session, user_id, generation_id)
        if generation.status in ACTIVE:
            raise InvalidInput("this batch is still running: cancel it first, then delete it")
        items = list(session.exec(select(GenerationItem).where(GenerationItem.generation_id == generation_id)))
        files = [p for i in items for p in (i.image_path, i.thumbnail_path, *i.exports.values(),
                                            skeleton_path(user_id, i.id))]
        files.append(exports.zip_path(user_id, generation.id))
        session.execute(sa.delete(GenerationItem).where(GenerationItem.generation_id == generation_id))
        session.delete(generation)
    studio.media.delete(*files)


def set_item_favourite(db: Database, *, user_id: int, item_id: int, favourite: bool) -> GenerationItem:
    with db.session() as session:
        item, _ = access.own_item(session, item_id, user_id=user_id)
        item.favourite = bool(favourite)
        session.add(item)
        return item


def rerun_estimate(db: Database, *, user_id: int, item_id: int, now: datetime | None = None) -> Estimate:
    """What ``rerun_item`` would charge for the item now: the same quote, said before the press."""
    with db.session() as session:
        _, source = access.own_item(session, item_id, user_id=user_id)
    return estimate(db, user_id=user_id, pose_count=1, variations=1, preset_key=source.preset_key,
                    background=source.background is not None,
                    params=replace(_params_of(source.params), variations=1), now=now)


def rerun_item(studio: Studio, *, user_id: int, item_id: int, submission_key: str,
               now: datetime | None = None) -> Generation:
    """A new one-image batch with the item's pose, seed and parameters, at today's price for its work."""
    _check_submission_key(submission_key)
    existing = _by_submission_key(studio.db, user_id, submission_key)
    if existing is not None:
        return existing
    with studio.db.session() as session:
        item, source = access.own_item(session, item_id, user_id=user_id)
    if source.avatar_id is None:
        raise NotFound("the avatar of this image was deleted, so it cannot be made again")
    params = replace(_params_of(source.params), variations=1)
    # Checked again: the backdrop may be gone, and rows saved before the checks were tightened may not pass.
    background = _validated_background(studio, user_id, source.background)
    spec = _ItemSpec(item.pose_id, item.pose_name, item.keypoints, 0, 0, item.seed)
    # The batch's own choices of checks, within today's limits.
    stored = source.checks or {}
    checks = {k: stored[k] for k in default_checks(studio.settings) if k in stored}
    if "max_rerolls" in checks:
        checks["max_rerolls"] = min(int(checks["max_rerolls"]), studio.settings.max_rerolls)
    return _create(studio, user_id=user_id, avatar_id=source.avatar_id, preset_key=source.preset_key,
                   params=params, background=background, formats=list(source.export_formats),
                   key=submission_key, plan=lambda session: [spec], checks=checks, now=now)
