"""The worker loop for one generation: claim, generate chunk by chunk, save each item, settle.

- Claim: one conditional update (queued, or running with a stale heartbeat -> running,
  attempts + 1), so two workers never run the same batch.
- Items: the pending ones only (a resumed batch skips what is done), through the engine in
  chunks; each finished item is saved (PNG with its parameters, thumbnail, exports) and
  committed before the next, with a conditional update (pending -> completed) so an item is
  never completed twice.
- Checks (``studio.jobs.checks``): each picture gets the face pass (where the batch has it on),
  then its likeness to the avatar and pose match are measured before it is saved; a drift below
  the batch's bars is redone with the next re-roll seed, free (the ledger settles per item, as
  ever), and the best attempt is the one saved. ``pictures_made`` counts every picture the
  engine made (re-rolls too, face passes not); ``done_items`` counts items.
- Progress: a small heartbeat thread writes the step in flight and the heartbeat to the
  generation row (any process can show it) and reads back the cancel flag; the pipeline's
  own thread never waits on the database between steps.
- The end: ``batch_pricing.settle`` refunds each failed or cancelled item once and sets the
  status. SIGTERM (``STOP``) stops after the step in flight and hands the batch back to the queue.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import select

from studio.core import Studio
from studio.db.sql import greatest
from studio.db.tables import Avatar, Generation, GenerationItem
from studio.db.types import UTCDateTime, utcnow
from studio.enums import GenerationStatus, ItemStatus
from studio.jobs import checks
from studio.services import step_previews as previews
from studio.jobs.liveness import beat_interval_s
from studio.media import MediaStore
from studio.services import batch_pricing

if TYPE_CHECKING:
    from pipelines.generation import PoseResult
    from studio.jobs.checks import Checked

log = logging.getLogger(__name__)

# Set by the worker process on SIGTERM: finish the step in flight, save, hand the batch back.
STOP = threading.Event()


def abandoned(stale_before: datetime) -> sa.ColumnElement[bool]:
    """A running batch whose worker has not beaten since ``stale_before``: it died, and the batch
    may be claimed again (by a worker) or re-queued (by recovery)."""
    return sa.and_(Generation.status == GenerationStatus.running.value,
                   sa.or_(Generation.heartbeat_at.is_(None), Generation.heartbeat_at < stale_before))


def claim(studio: Studio, generation_id: int) -> Generation | None:
    """Take ``generation_id`` for this worker, or None when it is not ours to run."""
    s = studio.settings
    now = utcnow()
    stale = now - timedelta(seconds=s.heartbeat_stale_s)
    with studio.db.session() as session:
        taken = session.execute(
            sa.update(Generation)
            .where(Generation.id == generation_id, Generation.cancel_requested == sa.false(),
                   Generation.attempts < s.max_attempts,
                   sa.or_(Generation.status == GenerationStatus.queued.value, abandoned(stale)))
            .values(status=GenerationStatus.running.value, attempts=Generation.attempts + 1, heartbeat_at=now,
                    started_at=sa.func.coalesce(Generation.started_at, sa.bindparam("now", now, UTCDateTime())),
                    current_step=0, current_total_steps=0)
        ).rowcount
        if taken == 1:
            return session.get(Generation, generation_id)
        generation = session.get(Generation, generation_id)
        if generation is None or generation.status not in (GenerationStatus.queued.value,
                                                          GenerationStatus.running.value):
            return None
        is_stale = generation.status == GenerationStatus.queued.value or not (
            generation.heartbeat_at and generation.heartbeat_at >= stale)
        if is_stale and generation.cancel_requested:
            batch_pricing.settle(session, generation_id, leftover=ItemStatus.cancelled, cancelled=True,
                                 reason="cancelled")
        elif is_stale and generation.attempts >= s.max_attempts:
            batch_pricing.settle(session, generation_id, leftover=ItemStatus.failed,
                                 reason=f"gave up after {generation.attempts} attempts")
    return None


class Heartbeat:
    """Writes the step in flight and the heartbeat from its own thread; reads the cancel flag."""

    # At most five writes a second, however fast the steps: the write also reads the cancel flag,
    # so a longer gap would let a fast batch run on past a cancel (a 1 s gap let all 6 tiny items
    # of tests/jobs/test_worker.py finish after a cancel at the second).
    MIN_GAP_S = 0.2

    def __init__(self, studio: Studio, generation_id: int, user_id: int | None = None):
        self.db = studio.db
        self.media = studio.media
        self.generation_id = generation_id
        self.user_id = user_id
        self.preview = None  # the newest step preview not written yet
        self.idle_s = beat_interval_s(studio.settings.heartbeat_stale_s)
        self.cancel_requested = False
        self.step = (0, 0)
        # The items of the chunk being drawn (ids, from the engine's progress), marked "running"
        # at the next beat so the Batch tab can say which images are being drawn.
        self.drawing: tuple[int, ...] = ()
        self._marked: set[int] = set()
        self._written: tuple[int, int] | None = None
        self._wake = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-{generation_id}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def progress(self, step: int, total_steps: int, preview=None) -> None:
        self.step = (step, total_steps)
        if preview is not None:
            self.preview = preview
        self._wake.set()

    def on_progress(self, progress) -> None:
        """The engine's progress callback: the items being drawn, the step and its preview."""
        self.drawing = tuple(int(key) for key in progress.item_keys if str(key).isdigit())
        self.progress(progress.step, progress.total_steps, progress.preview)

    def end(self) -> None:
        """The batch is over: its preview goes (a finished picture replaces it)."""
        if self.user_id is not None:
            self.preview = None
            previews.drop_preview(self.media, self.user_id, self.generation_id)

    def _loop(self) -> None:
        while not self._done.is_set():
            self._wake.wait(self.idle_s)
            self._wake.clear()
            if self._done.is_set():
                return
            try:
                self.beat()
            except Exception:  # a missed beat is retried; a stale one only lets recovery in
                log.warning("heartbeat of generation %s failed", self.generation_id, exc_info=True)
            # Not time.sleep: the batch's end must not wait out the gap (it cost ~0.1 s a batch).
            self._done.wait(self.MIN_GAP_S)

    def beat(self) -> None:
        step, total = self.step
        with self.db.session() as session:
            flag = session.execute(
                sa.update(Generation).where(Generation.id == self.generation_id)
                .values(heartbeat_at=utcnow(), current_step=step, current_total_steps=total)
                .returning(Generation.cancel_requested)).scalar_one_or_none()
            started = set(self.drawing) - self._marked
            if started:  # only items still waiting: one saved meanwhile keeps its own status
                session.execute(sa.update(GenerationItem).where(
                    GenerationItem.generation_id == self.generation_id, GenerationItem.id.in_(started),
                    GenerationItem.status == ItemStatus.pending.value).values(status=ItemStatus.running.value))
        self._marked |= started
        self._written = (step, total)
        self.cancel_requested = bool(flag)
        preview, self.preview = self.preview, None
        if preview is not None and self.user_id is not None:
            previews.save_preview(self.media, self.user_id, self.generation_id, preview)


def process_generation(studio: Studio, generation_id: int) -> str | None:
    """Run one generation to its end (or to a cancel or stop); returns the status it reached."""
    generation = claim(studio, generation_id)
    if generation is None:
        log.info("generation %s is not ours to run (finished, cancelled or running elsewhere)", generation_id)
        return None
    log.info("generation %s: attempt %d", generation_id, generation.attempts)
    heartbeat = Heartbeat(studio, generation_id, generation.user_id)
    try:
        with heartbeat:
            try:
                stopped = _run(studio, generation, heartbeat)
            except _Unrunnable as exc:
                with studio.db.session() as session:
                    done = batch_pricing.settle(session, generation_id, leftover=ItemStatus.failed, reason=str(exc))
                return done.status if done else None
    finally:
        heartbeat.end()  # after the heartbeat thread has stopped: no preview is written after this
    if stopped == "stop" and not heartbeat.cancel_requested:
        return _hand_back(studio, generation_id)
    with studio.db.session() as session:
        cancelled = stopped == "cancel" or heartbeat.cancel_requested
        # The reason lands only on items still open here (an image the engine never gave back);
        # settle words the batch's own error from its failed items.
        done = batch_pricing.settle(
            session, generation_id, cancelled=cancelled,
            leftover=ItemStatus.cancelled if cancelled else ItemStatus.failed,
            reason="cancelled" if cancelled else "the engine returned no image for this item")
    log.info("generation %s: %s", generation_id, done.status if done else "gone")
    return done.status if done else None


class _Unrunnable(Exception):
    """The whole batch cannot run (model missing, avatar image gone): every item fails with this."""


def _run(studio: Studio, generation: Generation, heartbeat: Heartbeat) -> str | None:
    def should_cancel() -> bool:
        return heartbeat.cancel_requested or STOP.is_set()

    try:
        ready = _set_up(studio, generation)
        if ready is None:
            return None
        engine, runnable, by_key, avatar_image, params = ready
        checker = checks.for_batch(studio, generation, avatar_image, engine, params)
        heartbeat.beat()  # the cancel flag as it is now, and a fresh heartbeat after loading the engine
        if should_cancel():
            return "cancel" if heartbeat.cancel_requested else "stop"
        # generate_poses checks the parameters, the batch size and the face before any work.
        run = engine.generate_poses(avatar_image, runnable, params,
                                    batch_size=studio.settings.batch_size or engine.compute.chunk_size,
                                    on_progress=heartbeat.on_progress,
                                    should_cancel=should_cancel)
    except _Unrunnable:
        raise
    except Exception as exc:  # anything before the first item: fail and refund now, never leave it running
        log.exception("generation %s cannot start", generation.id)
        raise _Unrunnable(str(exc)[:500] or exc.__class__.__name__) from None
    media = studio.media
    poses = {pose.key: pose for pose in runnable}
    for result in run:
        item = by_key[result.key]
        if result.ok:
            checked = None
            if checker is not None:
                checked = checker.check(result, poses[result.key].keypoints,
                                        reroll=checks.rerolls(engine, avatar_image, poses[result.key], result.seed,
                                                              params, heartbeat.progress, should_cancel),
                                        should_cancel=should_cancel)
            _save_result(studio, media, generation, item, result, engine, checked)
        else:
            # The engine names the pose by its key (the item's id here): the creator sees the
            # pose's name beside the reason, so the id is left out.
            reason = (result.error or "no image").removeprefix(f"pose {result.key!r}: ")
            _save_failure(studio, generation, item, reason, result.seconds)
        # No break on cancel here: the rest of this chunk is already made, so it is kept; the
        # engine checks the flag before the next chunk and at every step.
    if heartbeat.cancel_requested:
        return "cancel"
    if STOP.is_set():
        return "stop"
    return "cancel" if run.cancelled else None


def _set_up(studio: Studio, generation: Generation):
    """(engine, pose items, items by key, avatar picture, parameters), or None when nothing is pending."""
    from pipelines.keypoints import Keypoints, PoseError
    from pipelines.generation import PoseItem
    from pipelines.params import GenerationParams
    from PIL import Image, UnidentifiedImageError

    media = studio.media
    with studio.db.session() as session:
        avatar = session.get(Avatar, generation.avatar_id) if generation.avatar_id else None
        pending = list(session.exec(select(GenerationItem).where(
            GenerationItem.generation_id == generation.id,
            sa.or_(GenerationItem.status == ItemStatus.pending.value,
                   GenerationItem.status == ItemStatus.running.value))
            .order_by(GenerationItem.position, GenerationItem.variation)))
    if not pending:
        return None
    if avatar is None or not avatar.image_path:
        raise _Unrunnable("the avatar of this batch was deleted")
    try:
        with Image.open(media.absolute(avatar.image_path)) as img:
            avatar_image = img.convert("RGB")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise _Unrunnable(f"the avatar's picture cannot be read ({exc.__class__.__name__})") from None
    try:
        from studio.engine import engine_for

        engine = engine_for(studio, generation.preset_key)
        params = GenerationParams.from_json(generation.params)
    except Exception as exc:  # model missing, bad stored parameters: the creator gets the reason
        log.exception("generation %s cannot start", generation.id)
        raise _Unrunnable(str(exc)[:500] or exc.__class__.__name__) from None

    by_key: dict[str, GenerationItem] = {}
    runnable = []
    for item in pending:
        try:
            runnable.append(PoseItem(str(item.id), Keypoints.from_json(item.keypoints), item.seed))
            by_key[str(item.id)] = item
        except PoseError as exc:
            _save_failure(studio, generation, item, str(exc), 0.0)
    return engine, runnable, by_key, avatar_image, params


def _save_result(studio: Studio, media: MediaStore, generation: Generation, item: GenerationItem,
                 result: "PoseResult", engine: Any, checked: "Checked | None" = None) -> None:
    from pipelines.generation import parameters_text, png_info

    kept = checked.kept.result if checked else result
    image = kept.image
    metadata = {**kept.metadata, "generation_id": generation.id, "item_id": item.id,
                "pose_name": item.pose_name, "variation": item.variation,
                **(checked.metadata() if checked else {})}
    scores = checked.columns() if checked else {}
    pictures = len(checked.attempts) if checked else 1
    seconds = sum(a.result.seconds for a in checked.attempts) if checked else result.seconds
    paths: list[str] = []
    try:
        if generation.background:
            image = _with_background(image, item, generation, media, engine)
            metadata["background"] = generation.background
        image_path = media.save_png(generation.user_id, "outputs", image, pnginfo=png_info(metadata))
        paths.append(image_path)
        thumbnail_path = media.save_thumbnail(generation.user_id, "thumbnails", image)
        paths.append(thumbnail_path)
        exports: dict[str, str] = {}
        if generation.export_formats:
            from studio.services.exports import save_exports

            exports = save_exports(media, user_id=generation.user_id, image=image, keypoints_json=item.keypoints,
                                   format_keys=list(generation.export_formats),
                                   parameters=parameters_text(metadata), worker=True)
            paths.extend(exports.values())
    except Exception as exc:  # a full disk, a bad export or background fails this item, not the batch
        log.exception("saving item %s failed", item.id)
        media.delete(*paths)
        _save_failure(studio, generation, item, f"saving the image failed: {exc.__class__.__name__}", seconds)
        return
    with studio.db.session() as session:
        saved = session.execute(
            sa.update(GenerationItem)
            .where(GenerationItem.id == item.id, GenerationItem.status.in_(
                (ItemStatus.pending.value, ItemStatus.running.value)))
            .values(status=ItemStatus.completed.value, image_path=image_path, thumbnail_path=thumbnail_path,
                    exports=exports, seconds=seconds, finished_at=utcnow(), error="", **scores)).rowcount
        if saved == 1:
            _count(session, generation.id, done=1, pictures=pictures)
    if saved != 1:  # another worker finished it first: keep theirs, drop ours
        media.delete(*paths)


def _save_failure(studio: Studio, generation: Generation, item: GenerationItem, error: str, seconds: float) -> None:
    with studio.db.session() as session:
        saved = session.execute(
            sa.update(GenerationItem)
            .where(GenerationItem.id == item.id, GenerationItem.status.in_(
                (ItemStatus.pending.value, ItemStatus.running.value)))
            .values(status=ItemStatus.failed.value, error=error[:1000], seconds=seconds, finished_at=utcnow())
        ).rowcount
        if saved == 1:
            _count(session, generation.id, failed=1)


def _count(session, generation_id: int, *, done: int = 0, failed: int = 0, pictures: int = 0) -> None:
    session.execute(sa.update(Generation).where(Generation.id == generation_id).values(
        done_items=Generation.done_items + done, failed_items=Generation.failed_items + failed,
        pictures_made=Generation.pictures_made + pictures, heartbeat_at=utcnow()))


def _with_background(image, item: GenerationItem, generation: Generation, media: MediaStore, engine: Any):
    from pipelines.background import person_mask, replace_background, scene_background
    from pipelines.keypoints import Keypoints
    from PIL import Image

    from studio.services.generations import BACKDROPS

    background = generation.background
    mask = person_mask(image, Keypoints.from_json(item.keypoints))
    if background.get("prompt"):
        return scene_background(engine, image, mask, background["prompt"], item.seed)
    if background.get("image"):
        # Only the creator's own backdrops, even for a row stored before submit checked the path.
        backdrop_path = media.own_file(generation.user_id, BACKDROPS, background["image"])
        if backdrop_path is None:
            raise FileNotFoundError("the background picture is gone: upload it again")
        with Image.open(media.absolute(backdrop_path)) as backdrop:
            return replace_background(image, mask, backdrop=backdrop.convert("RGB"))
    return replace_background(image, mask, colour=background.get("colour"))


def _hand_back(studio: Studio, generation_id: int) -> str | None:
    """SIGTERM: give the batch back to the queue; an orderly stop is not a failed attempt."""
    with studio.db.session() as session:
        released = session.execute(
            sa.update(Generation).where(Generation.id == generation_id,
                                        Generation.status == GenerationStatus.running.value)
            .values(status=GenerationStatus.queued.value, attempts=greatest(Generation.attempts - 1, 0),
                    heartbeat_at=None, current_step=0, current_total_steps=0)).rowcount
    if released and studio.queue is not None:
        try:
            studio.queue.enqueue(generation_id)
        except Exception:
            log.exception("could not re-enqueue generation %s; recovery will", generation_id)
    log.info("generation %s handed back to the queue on shutdown", generation_id)
    return GenerationStatus.queued.value if released else None
