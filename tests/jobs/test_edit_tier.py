"""The edit tier in the studio: a full batch on tiny-edit through the in-process queue and through
Redis + the studio's RQ worker (real PostgreSQL and Redis), and what the tier refuses before any
charge (no GPU big enough for best, avatars from words, scene backgrounds, the face pass)."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from PIL import Image

from studio.services import credits, generations
from studio.services.errors import InvalidInput

PRICE = 60  # the test catalog's price of one tiny-edit image (best's)


def price_tiny_edit(studio) -> None:
    """tiny-edit is internal (not in the shipped catalog): this studio's catalog prices it like best."""
    from studio.db.tables import ModelCatalog

    with studio.db.session() as session:
        session.add(ModelCatalog(key="pose.tiny-edit", label="Tiny edit (test)", kind="pose", tier="pro",
                                 credit_cost=PRICE, preset="tiny-edit"))


def submit(studio, uid, avatar, poses, *, preset="tiny-edit", variations=2, background=None, checks=None):
    from pipelines.params import GenerationParams

    request = generations.SubmitRequest(
        avatar_id=avatar, pose_ids=tuple(poses), variations=variations, preset_key=preset,
        params=GenerationParams(prompt="a portrait", seed=11), background=background,
        export_formats=("instagram_feed",), submission_key=uuid.uuid4().hex, checks=checks)
    return generations.submit(studio, user_id=uid, request=request)


def assert_made_on_the_edit_tier(batches, g) -> None:
    items = batches.items(g.id)
    assert [i.status for i in items] == ["completed"] * len(items)
    for item in items:
        with Image.open(batches.studio.media.absolute(item.image_path)) as png:
            meta = json.loads(png.text["parameters"])
            assert png.size == (64, 64)
        assert (meta["preset"], meta["kind"], meta["seed"]) == ("tiny-edit", "edit", item.seed)
        assert set(item.exports) == {"instagram_feed"}
    assert len({i.seed for i in items}) == len(items)


def test_a_batch_on_the_edit_tier_runs_through_the_in_process_queue(pg_job_studio, pg_batches):
    from studio.startup import make_queue

    studio, batches = pg_job_studio, pg_batches
    price_tiny_edit(studio)
    studio.queue = make_queue(studio)
    uid = batches.user()
    g = submit(studio, uid, batches.avatar(uid), batches.poses(2))
    steps = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        p = generations.progress(studio.db, user_id=uid, generation_id=g.id)
        if p.step:
            steps.add((p.step, p.total_steps))
        if p.finished:
            break
        time.sleep(0.05)
    assert p.status == "completed" and p.done == 4
    assert steps and all(total == 2 for _, total in steps)
    assert_made_on_the_edit_tier(batches, g)
    assert batches.generation(g.id).credits_charged == 4 * PRICE
    batches.assert_money_right(uid, g.id, 1000)


def test_a_batch_on_the_edit_tier_runs_through_redis_and_the_studio_worker(pg_job_studio, pg_batches, redis_url):
    from studio.jobs.rq_queue import RQJobQueue
    from studio.jobs.worker_process import StudioWorker

    studio, batches = pg_job_studio, pg_batches
    price_tiny_edit(studio)
    queue = RQJobQueue(redis_url)
    studio.queue = queue
    uid = batches.user()
    g = submit(studio, uid, batches.avatar(uid), batches.poses(1), variations=3)
    assert queue.has_job(g.id)
    StudioWorker(studio, [queue.queue], connection=queue.redis).work(burst=True, with_scheduler=False)
    assert batches.generation(g.id).status == "completed"
    assert_made_on_the_edit_tier(batches, g)
    batches.assert_money_right(uid, g.id, 1000)


def test_best_on_a_machine_without_a_big_enough_gpu_is_refused_before_any_charge(job_studio, batches):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: the refusal depends on its size")
    uid = batches.user()
    avatar, poses = batches.avatar(uid), batches.poses(1)
    with pytest.raises(InvalidInput, match=r"Quality: Best likeness \(GPU\) cannot run on this studio now: .*"
                                           r"needs an NVIDIA GPU with at least 60 GiB .*no CUDA GPU.*Nothing was "
                                           r"charged; choose another Quality"):
        submit(job_studio, uid, avatar, poses, preset="best")
    assert credits.balance(job_studio.db, user_id=uid) == 1000


def test_the_edit_tier_refuses_scene_backgrounds_and_the_face_pass_before_any_charge(job_studio, batches):
    price_tiny_edit(job_studio)
    uid = batches.user()
    avatar, poses = batches.avatar(uid), batches.poses(1)
    with pytest.raises(InvalidInput, match="New background: Tiny edit \\(test\\) does not make generated scene"):
        submit(job_studio, uid, avatar, poses, background={"prompt": "a beach"})
    with pytest.raises(InvalidInput, match="Face pass: not available with Tiny edit \\(test\\)"):
        submit(job_studio, uid, avatar, poses, checks={"face_pass": True})
    assert credits.balance(job_studio.db, user_id=uid) == 1000


def test_avatars_from_words_are_refused_on_a_studio_whose_preset_is_best(shared_root, sqlite_url):
    from studio.core import Studio
    from studio.services.avatars import drawing
    from tests.conftest import make_studio

    base = make_studio(shared_root, sqlite_url)
    studio = Studio(settings=base.settings.model_copy(update={"preset": "best"}), db=base.db)
    try:
        with pytest.raises(InvalidInput, match="An avatar from words cannot be drawn on this studio: its preset "
                                               "Best likeness \\(GPU\\) does not make avatars from words.*"
                                               "Nothing was charged"):
            drawing.refuse_edit_preset(studio, "an avatar from words")
    finally:
        studio.db.dispose()
