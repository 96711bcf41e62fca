"""The Redis path on real PostgreSQL and Redis: a batch through RQ and the studio's worker, and
a worker process killed with SIGKILL mid-batch whose batch another worker finishes."""

from __future__ import annotations

import signal
import time

from studio.db.types import utcnow
from studio.jobs.rq_queue import RQJobQueue
from tests.jobs.conftest import start_worker
from studio.jobs.recovery import recover
from studio.jobs.worker_process import StudioWorker



def work_burst(studio, queue: RQJobQueue) -> None:
    w = StudioWorker(studio, [queue.queue], connection=queue.redis)
    w.work(burst=True, with_scheduler=False)


def test_a_batch_through_redis_and_the_studio_worker(pg_job_studio, pg_batches, redis_url):
    queue = RQJobQueue(redis_url)
    pg_job_studio.queue = queue
    uid = pg_batches.user()
    g = pg_batches.submit(uid, pg_batches.avatar(uid), pg_batches.poses(2))
    assert queue.has_job(g.id) and len(queue.queue) == 1
    assert recover(pg_job_studio, queued_grace_s=0)["enqueued"] == []  # already waiting in Redis
    work_burst(pg_job_studio, queue)
    assert pg_batches.generation(g.id).status == "completed"
    assert not queue.has_job(g.id)
    pg_batches.assert_money_right(uid, g.id, 1000)


def test_a_killed_worker_process_is_recovered_and_nothing_is_made_twice(pg_job_studio, pg_batches, redis_url,
                                                                        shared_root):
    studio = pg_job_studio
    queue = RQJobQueue(redis_url)
    studio.queue = queue
    uid = pg_batches.user()
    g = pg_batches.submit(uid, pg_batches.avatar(uid), pg_batches.poses(8))
    proc = start_worker(studio, redis_url, shared_root)
    try:
        deadline = time.monotonic() + 180
        while pg_batches.generation(g.id).done_items < 2:
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the worker made no images in time"
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stderr.close()
    before = {i.id: i.image_path for i in pg_batches.items(g.id) if i.status == "completed"}
    g1 = pg_batches.generation(g.id)
    assert g1.status == "running" and 2 <= len(before) < 8 and g1.attempts == 1

    # Nothing moves while the heartbeat is fresh; once it is stale, the batch is re-queued.
    while (utcnow() - g1.heartbeat_at).total_seconds() <= 5.5:
        time.sleep(0.2)
        g1 = pg_batches.generation(g.id)
    report = recover(studio)
    assert report["requeued"] == [g.id] and report["enqueued"] == [g.id]
    work_burst(studio, queue)

    g2 = pg_batches.generation(g.id)
    items = pg_batches.items(g.id)
    assert (g2.status, g2.done_items, g2.attempts) == ("completed", 8, 2)
    assert len(items) == 8 and len({i.resume_key for i in items}) == 8
    assert len({i.image_path for i in items}) == 8
    assert all(i.image_path == before[i.id] for i in items if i.id in before)  # kept, not made again
    pg_batches.assert_money_right(uid, g.id, 1000)
