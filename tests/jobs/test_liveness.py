"""Worker liveness comes from database heartbeats: a Redis flush (or restart) that wipes RQ's
worker registry must not make /healthz say that no worker runs while one does."""

from __future__ import annotations

import signal
import time
from datetime import timedelta

import httpx
from redis import Redis
from rq import Worker

from studio.db.types import utcnow
from studio.jobs import liveness
from studio.jobs.rq_queue import RQJobQueue
from tests.jobs.conftest import start_worker
from studio.web import BackgroundServer, health_app
from tests.ui.studio_server import free_port



def wait_until(condition, *, timeout: float, what: str, proc=None):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if proc is not None:
            assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, what
        time.sleep(0.1)
    return value


def test_heartbeats_count_fresh_workers_and_a_clean_stop_removes_at_once(job_studio):
    db = job_studio.db
    assert liveness.alive(db, stale_s=5) == 0
    beats = liveness.Heartbeats(db, "worker-a", stale_s=5).start()
    try:
        assert liveness.alive(db, stale_s=5) == 1
        # A worker that stopped beating (killed) no longer counts once its beat is stale.
        liveness.beat(db, "worker-killed", now=utcnow() - timedelta(seconds=6))
        assert liveness.alive(db, stale_s=5) == 1
        assert liveness.alive(db, stale_s=5, now=utcnow() + timedelta(seconds=6)) == 0
    finally:
        beats.stop()
    assert liveness.alive(db, stale_s=5) == 0
    # Rows of workers dead for a day are deleted by the next beat of any worker.
    liveness.beat(db, "worker-b", now=utcnow() + liveness.FORGET_AFTER + timedelta(seconds=1))
    with db.session() as session:
        from sqlmodel import select

        from studio.db.tables import WorkerHeartbeat

        assert [w.name for w in session.exec(select(WorkerHeartbeat))] == ["worker-b"]


def test_a_redis_flush_does_not_hide_a_running_worker(pg_job_studio, pg_batches, redis_url, shared_root):
    studio = pg_job_studio
    queue = RQJobQueue(redis_url)
    studio.queue = queue
    # /healthz over real HTTP, as a platform's health check reads it.
    with BackgroundServer(health_app(studio), port=free_port()) as server:

        def report_now() -> dict:
            return httpx.get(f"{server.url}/healthz", timeout=30).json()

        report = report_now()
        assert report["queue"]["workers_alive"] == 0 and any("No worker is running" in p for p in report["problems"])

        proc = start_worker(studio, redis_url, shared_root)
        try:
            wait_until(lambda: Worker.all(queue=queue.queue) and report_now()["queue"]["workers_alive"] == 1,
                       timeout=180, what="the worker never showed up", proc=proc)

            Redis.from_url(redis_url).flushdb()  # the test Redis database only
            assert Worker.all(queue=queue.queue) == []  # RQ's own registry is gone...
            report = report_now()  # ...yet the worker is reported at once,
            assert report["queue"]["workers_alive"] == 1 and report["ok"], report["problems"]
            time.sleep(6)  # and still after the stale window (5 s): it keeps beating
            report = report_now()
            assert report["queue"]["workers_alive"] == 1 and report["ok"], report["problems"]

            # It is not only reported alive: it still takes and finishes batches.
            uid = pg_batches.user()
            g = pg_batches.submit(uid, pg_batches.avatar(uid), pg_batches.poses(1))
            wait_until(lambda: pg_batches.generation(g.id).status == "completed", timeout=120,
                       what="the worker did not run a batch after the flush", proc=proc)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            proc.stderr.close()
        # A worker that stops in order leaves at once, without waiting out the stale window.
        assert report_now()["queue"]["workers_alive"] == 0
