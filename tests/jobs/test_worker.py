"""The worker on the tiny preset: every item saved once with its files, failures refunded once,
cancel refunds what did not run, progress in the database. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time

from PIL import Image

from studio.jobs import worker
from studio.startup import make_queue
from studio.services import exports, generations, stats
from tests.jobs.conftest import RecordingQueue


def test_a_batch_runs_to_completed_with_images_thumbnails_exports_and_metadata(job_studio, batches):
    uid = batches.user()
    avatar = batches.avatar(uid)
    g = batches.submit(uid, avatar, batches.poses(1), variations=2,
                       formats=("instagram_feed", "original", "print_4x6"))
    assert worker.process_generation(job_studio, g.id) == "completed"
    assert worker.process_generation(job_studio, g.id) is None  # finished: nothing to claim

    media = job_studio.media
    items = batches.items(g.id)
    assert [i.status for i in items] == ["completed"] * 2
    for item in items:
        with Image.open(media.absolute(item.image_path)) as png:
            meta = json.loads(png.text["parameters"])
            assert png.size == (64, 64)
        assert (meta["seed"], meta["item_id"], meta["preset"]) == (item.seed, item.id, "tiny")
        assert media.absolute(item.thumbnail_path).exists()
        # Made as each picture is saved: the social sizes. The original is the saved PNG itself (not
        # encoded twice) and the print size waits for its first download (never holding up the next picture).
        assert set(item.exports) == {"instagram_feed"}
        with Image.open(media.absolute(item.exports["instagram_feed"])) as feed:
            assert feed.size == (1080, 1080)
        assert exports.download_file(job_studio, user_id=uid, item_id=item.id, format_key="original") == item.image_path
        printed = exports.download_file(job_studio, user_id=uid, item_id=item.id, format_key="print_4x6")
        with Image.open(media.absolute(printed)) as print_file:
            assert print_file.size == (1800, 1200) and json.loads(print_file.text["parameters"])["seed"] == item.seed
        assert exports.download_file(job_studio, user_id=uid, item_id=item.id, format_key="print_4x6") == printed
        assert item.seconds and item.seconds > 0
    g = batches.generation(g.id)
    assert (g.status, g.done_items, g.failed_items, g.attempts, g.current_step) == ("completed", 2, 0, 1, 0)
    progress = generations.progress(job_studio.db, user_id=uid, generation_id=g.id)
    assert (progress.done, progress.left, progress.fraction, progress.eta_seconds) == (2, 0, 1.0, 0.0)
    assert len(progress.items) == 2 and all(p.path.endswith(".webp") for p in progress.items)
    batches.assert_money_right(uid, g.id, 1000)
    s = stats.user_stats(job_studio.db, user_id=uid)
    assert (s["generations"], s["images_completed"], s["images_failed"], s["credits_spent"]) == (1, 2, 0, 30)
    assert s["average_generation_seconds"] > 0 and s["top_avatars"][0]["avatar_id"] == avatar
    assert [p["images"] for p in s["top_poses"]] == [2]

    # Deleting it removes the files too.
    generations.delete_generation(job_studio, user_id=uid, generation_id=g.id)
    assert not any(media.absolute(p).exists() for i in items for p in (i.image_path, *i.exports.values()))
    assert not media.absolute(printed).exists()


def test_a_failed_item_is_recorded_refunded_once_and_the_rest_go_on(pg_job_studio, pg_batches):
    job_studio, batches = pg_job_studio, pg_batches
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(2, broken=1))
    assert worker.process_generation(job_studio, g.id) == "partial"
    items = batches.items(g.id)
    assert [i.status for i in items] == ["failed", "completed"]
    assert "neck" in items[0].error
    batches.assert_money_right(uid, g.id, 1000)
    assert stats.user_stats(job_studio.db, user_id=uid)["images_failed"] == 1


def test_cancel_mid_batch_stops_and_refunds_exactly_the_items_that_did_not_run(job_studio, batches, monkeypatch):
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(6))
    saved = []
    real_save = worker._save_result

    def save_then_cancel(*args, **kwargs):
        real_save(*args, **kwargs)
        saved.append(1)
        if len(saved) == 2:
            generations.cancel(job_studio, user_id=uid, generation_id=g.id)

    monkeypatch.setattr(worker, "_save_result", save_then_cancel)
    assert worker.process_generation(job_studio, g.id) == "cancelled"
    items = batches.items(g.id)
    done = [i for i in items if i.status == "completed"]
    assert 2 <= len(done) <= 4 and len(done) + sum(i.status == "cancelled" for i in items) == 6
    batches.assert_money_right(uid, g.id, 1000)
    g = batches.generation(g.id)
    assert (g.status, g.done_items, g.cancelled_items) == ("cancelled", len(done), 6 - len(done))


def test_the_in_process_queue_runs_a_batch_with_live_progress(pg_job_studio, pg_batches):
    job_studio, batches = pg_job_studio, pg_batches
    job_studio.queue = make_queue(job_studio)
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(2))
    seen_steps = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        p = generations.progress(job_studio.db, user_id=uid, generation_id=g.id)
        if p.step:
            seen_steps.add((p.step, p.total_steps))
        if p.finished:
            break
        time.sleep(0.02)
    assert p.status == "completed" and p.done == 2
    assert seen_steps and all(total == 2 for _, total in seen_steps)
    assert generations.latest_active(job_studio.db, user_id=uid) is None


def test_stop_on_shutdown_hands_the_batch_back_without_losing_or_repeating_items(pg_job_studio, pg_batches,
                                                                                monkeypatch):
    job_studio, batches = pg_job_studio, pg_batches
    job_studio.queue = RecordingQueue()
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(3))
    real_save = worker._save_result

    def save_then_stop(*args, **kwargs):
        real_save(*args, **kwargs)
        worker.STOP.set()

    monkeypatch.setattr(worker, "_save_result", save_then_stop)
    try:
        assert worker.process_generation(job_studio, g.id) == "queued"
    finally:
        worker.STOP.clear()
    first = {i.id: i.image_path for i in batches.items(g.id) if i.status == "completed"}
    assert 1 <= len(first) < 3 and job_studio.queue.ids[-1] == g.id
    assert batches.generation(g.id).attempts == 0
    monkeypatch.setattr(worker, "_save_result", real_save)
    assert worker.process_generation(job_studio, g.id) == "completed"
    items = batches.items(g.id)
    assert all(i.image_path == first[i.id] for i in items if i.id in first)  # not made again
    batches.assert_money_right(uid, g.id, 1000)


def test_concurrent_workers_claim_a_batch_once(job_studio, batches):
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(2))
    claims = []
    barrier = threading.Barrier(4)

    def one():
        barrier.wait()
        claims.append(worker.claim(job_studio, g.id))

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(c is not None for c in claims) == 1
    assert batches.generation(g.id).attempts == 1


def test_an_error_while_a_batch_sets_up_fails_it_at_once_with_every_item_refunded(job_studio, batches, monkeypatch):
    class BrokenEngine:  # the engine refuses before any image, as a lost GPU or a bad stored value would
        def generate_poses(self, *args, **kwargs):
            raise RuntimeError("CUDA error: out of memory")

    import studio.engine

    monkeypatch.setattr(studio.engine, "engine_for", lambda studio_, preset_key: BrokenEngine())
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(3))
    assert worker.process_generation(job_studio, g.id) == "failed"  # not left "running" for recovery
    g = batches.generation(g.id)
    assert (g.failed_items, g.credits_refunded) == (3, g.credits_charged) and "out of memory" in g.error
    assert all(i.status == "failed" and i.refunded for i in batches.items(g.id))
    batches.assert_money_right(uid, g.id, 1000)


def test_a_backdrop_path_stored_outside_the_creators_folder_is_never_opened(job_studio, batches):
    from sqlmodel import select

    from studio.db.tables import Avatar, Generation

    uid, bob = batches.user(), batches.user("bob")
    batches.avatar(bob)
    with job_studio.db.session() as session:
        bob_photo = session.exec(select(Avatar.image_path).where(Avatar.user_id == bob)).one()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(1), background={"colour": "#ffffff"})
    with job_studio.db.session() as session:  # a row stored before submit checked backdrop paths
        row = session.get(Generation, g.id)
        row.background = {"image": f"u{uid}/backdrops/../../{bob_photo}"}
        session.add(row)
    assert worker.process_generation(job_studio, g.id) == "failed"
    (item,) = batches.items(g.id)
    assert (item.status, item.refunded, item.image_path) == ("failed", True, "")
    batches.assert_money_right(uid, g.id, 1000)


def test_a_completed_batch_has_no_error_and_a_partial_one_counts_its_failed_items(job_studio, batches):
    # Issue 13 item 1: the generic "no image" text was stored on every finished batch.
    uid = batches.user()
    avatar = batches.avatar(uid)
    done = batches.submit(uid, avatar, batches.poses(2))
    assert worker.process_generation(job_studio, done.id) == "completed"
    assert not batches.generation(done.id).error
    assert not any(i.error for i in batches.items(done.id))

    partial = batches.submit(uid, avatar, batches.poses(3, broken=1))
    assert worker.process_generation(job_studio, partial.id) == "partial"
    failed, *completed = batches.items(partial.id)
    assert failed.status == "failed" and "neck" in failed.error  # the item keeps its own reason
    assert all(i.status == "completed" and not i.error for i in completed)
    error = batches.generation(partial.id).error
    assert error.startswith("1 of 3 items failed") and "no image" not in error


def test_a_running_batch_shows_its_picture_forming_and_the_preview_goes_at_the_end(job_studio, batches,
                                                                                  monkeypatch):
    """The heartbeat writes the newest step preview where the Batch tab reads it; the batch's end
    removes it (the finished pictures replace it)."""
    from studio.services import step_previews as previews

    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(2))
    seen = []
    real_save = previews.save_preview

    def save_and_look(media, user_id, generation_id, image):
        real_save(media, user_id, generation_id, image)
        shown = previews.current_preview(media, user_id, generation_id)  # what the Batch tab would read
        with Image.open(media.absolute(shown)) as picture:
            seen.append((shown, picture.format, picture.size))

    monkeypatch.setattr(previews, "save_preview", save_and_look)
    assert worker.process_generation(job_studio, g.id) == "completed"
    assert seen and all(shown == (previews.preview_path(uid, g.id), "WEBP", (64, 64)) for shown in seen)
    assert previews.current_preview(job_studio.media, uid, g.id) is None


def test_the_items_being_drawn_are_marked_running_and_every_one_ends_done(job_studio, batches, monkeypatch):
    """Issue 13: the Batch tab says which images are being drawn. The heartbeat marks the chunk
    in flight "running" (only items still waiting), and saving each one finishes it."""
    from studio.services import generations
    from studio.services import step_previews as previews

    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(3))
    seen = []
    real_save = previews.save_preview

    def save_and_look(media, user_id, generation_id, image):  # called by the beat, after its update
        real_save(media, user_id, generation_id, image)
        plan = generations.progress(job_studio.db, user_id=uid, generation_id=g.id).plan
        seen.append(tuple(item.status for item in plan))

    monkeypatch.setattr(previews, "save_preview", save_and_look)
    assert worker.process_generation(job_studio, g.id) == "completed"
    drawing = [states for states in seen if "running" in states]
    assert drawing, seen
    # The chunk in flight (two images here, STUDIO_BATCH_SIZE=2), in plan order: the images
    # before it are done and the ones after it wait.
    assert {states.count("running") for states in drawing} <= {1, 2}, drawing
    order = {"completed": 0, "running": 1, "pending": 2}
    assert all(list(states) == sorted(states, key=order.get) for states in drawing), drawing
    assert [i.status for i in batches.items(g.id)] == ["completed"] * 3
