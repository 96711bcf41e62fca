"""Recovery bookkeeping: stale batches resume, lost ones are enqueued, exhausted ones fail and
are refunded once, and the finishing step can run twice at once without a second refund."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from studio.db.tables import Generation, GenerationItem
from studio.db.types import utcnow
from studio.jobs import worker
from studio.jobs.recovery import recover
from studio.services import batch_pricing
from tests.jobs.conftest import RecordingQueue


def set_row(studio, generation_id, **values):
    with studio.db.session() as session:
        session.execute(sa.update(Generation).where(Generation.id == generation_id).values(**values))


def test_stale_running_batches_are_requeued_and_lost_queued_ones_enqueued(job_studio, batches):
    job_studio.queue = RecordingQueue()
    uid = batches.user()
    avatar = batches.avatar(uid)
    poses = batches.poses(2)
    stale, fresh, lost, new = (batches.submit(uid, avatar, poses) for _ in range(4))
    job_studio.queue.ids.clear()
    long_ago = utcnow() - timedelta(minutes=10)
    set_row(job_studio, stale.id, status="running", attempts=1, heartbeat_at=long_ago)
    set_row(job_studio, fresh.id, status="running", attempts=1, heartbeat_at=utcnow())
    set_row(job_studio, lost.id, created_at=long_ago)

    report = recover(job_studio)
    assert report["requeued"] == [stale.id]
    assert sorted(report["enqueued"]) == sorted([stale.id, lost.id])  # not the new one: submit enqueued it
    assert batches.generation(stale.id).status == "queued"
    assert batches.generation(fresh.id).status == "running"
    assert recover(job_studio)["requeued"] == []


def test_after_the_last_attempt_the_rest_fails_and_is_refunded_once(job_studio, batches):
    job_studio.queue = RecordingQueue()
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(3))
    first = batches.items(g.id)[0]
    with job_studio.db.session() as session:
        session.execute(sa.update(GenerationItem).where(GenerationItem.id == first.id)
                        .values(status="completed", image_path="u1/outputs/x.png"))
    set_row(job_studio, g.id, status="running", attempts=3, heartbeat_at=utcnow() - timedelta(minutes=5))
    assert recover(job_studio)["gave_up"] == [g.id]
    assert recover(job_studio)["gave_up"] == []
    assert worker.process_generation(job_studio, g.id) is None
    g = batches.generation(g.id)
    assert (g.status, g.done_items, g.failed_items) == ("partial", 1, 2)
    assert "gave up after 3 attempts" in batches.items(g.id)[1].error
    batches.assert_money_right(uid, g.id, 1000)


def test_a_queued_batch_past_its_attempts_is_failed_by_the_claim(job_studio, batches):
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(2))
    set_row(job_studio, g.id, attempts=3)
    assert worker.claim(job_studio, g.id) is None
    assert batches.generation(g.id).status == "failed"
    batches.assert_money_right(uid, g.id, 1000)


def test_the_finishing_step_twice_at_once_refunds_each_failed_item_once(job_studio, batches):
    uid = batches.user()
    g = batches.submit(uid, batches.avatar(uid), batches.poses(4))
    items = batches.items(g.id)
    with job_studio.db.session() as session:
        session.execute(sa.update(GenerationItem).where(GenerationItem.id.in_([i.id for i in items[:2]]))
                        .values(status="completed"))
        session.execute(sa.update(GenerationItem).where(GenerationItem.id == items[2].id).values(status="failed"))
    set_row(job_studio, g.id, status="running", attempts=1)
    barrier = threading.Barrier(4)
    errors = []

    def settle():
        barrier.wait()
        try:
            with job_studio.db.session() as session:
                batch_pricing.settle(session, g.id, leftover=batch_pricing.ItemStatus.failed, reason="worker lost")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=settle) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    g = batches.generation(g.id)
    assert (g.status, g.done_items, g.failed_items, g.credits_refunded) == ("partial", 2, 2, 30)
    batches.assert_money_right(uid, g.id, 1000)
