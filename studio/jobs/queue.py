"""One small interface, two backends.

- ``RQJobQueue`` when ``REDIS_URL`` is set: jobs go to Redis and ``python -m studio worker``
  processes (on GPU machines) run them; the web process never loads a model.
- ``InProcessJobQueue`` otherwise: a pool of worker threads inside the web process, so a
  laptop needs nothing else.

A job is only ever a generation id; the worker reads everything else from the database.
"""

from __future__ import annotations

import logging
import queue as stdlib_queue
import threading
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from studio.context import Studio

log = logging.getLogger(__name__)

QUEUE_NAME = "pose-studio"
JOB_FUNCTION = "studio.jobs.tasks.run_generation"


class JobQueue(Protocol):
    backend: str

    def enqueue(self, generation_id: int) -> None: ...
    def health(self) -> dict[str, Any]: ...
    def close(self) -> None: ...


class InProcessJobQueue:
    backend = "in-process"

    def __init__(self, run: Callable[[int], None], workers: int = 1, *,
                 sweep: Callable[[], Any] | None = None, sweep_interval_s: float = 60.0):
        self._run = run
        self._jobs: stdlib_queue.Queue[int | None] = stdlib_queue.Queue()
        self._queued: set[int] = set()
        self._running: set[int] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name=f"studio-worker-{i}", daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()
        # Recovery on a timer: batches left queued or running by a previous process resume.
        self._sweeper = None
        if sweep is not None:
            self._sweeper = threading.Thread(target=self._sweep_loop, args=(sweep, sweep_interval_s),
                                             name="studio-recovery", daemon=True)
            self._sweeper.start()

    def enqueue(self, generation_id: int) -> None:
        with self._lock:
            if generation_id in self._queued:  # already waiting: a second copy would only re-check it
                return
            self._queued.add(generation_id)
        self._jobs.put(generation_id)

    def _loop(self) -> None:
        while True:
            generation_id = self._jobs.get()
            if generation_id is None:
                return
            with self._lock:
                self._queued.discard(generation_id)
                self._running.add(generation_id)
            try:
                self._run(generation_id)
            except Exception:  # a job must never kill the worker thread
                log.exception("generation %s failed in the in-process worker", generation_id)
            finally:
                with self._lock:
                    self._running.discard(generation_id)

    def _sweep_loop(self, sweep: Callable[[], Any], interval: float) -> None:
        while not self._closed.wait(interval if self._sweeper_ran else 1.0):
            self._sweeper_ran = True
            try:
                sweep()
            except Exception:  # the next sweep tries again
                log.exception("recovery sweep failed")

    _sweeper_ran = False

    def has_job(self, generation_id: int) -> bool:
        with self._lock:
            return generation_id in self._queued or generation_id in self._running

    def pending(self) -> int:
        return self._jobs.qsize()

    def health(self) -> dict[str, Any]:
        alive = sum(t.is_alive() for t in self._threads)
        return {"backend": self.backend, "workers_alive": alive, "pending": self.pending(), "ok": alive > 0,
                "problem": "" if alive else "The in-process worker has stopped: restart the studio."}

    def close(self) -> None:
        self._closed.set()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join(timeout=30)


class RQJobQueue:
    backend = "redis"

    def __init__(self, redis_url: str, *, job_timeout: int = 6 * 3600):
        from redis import Redis
        from rq import Queue

        self.redis = Redis.from_url(redis_url)
        self.queue = Queue(QUEUE_NAME, connection=self.redis)
        self.job_timeout = job_timeout

    def enqueue(self, generation_id: int) -> None:
        # A stable job id: enqueueing the same generation twice while it waits is harmless.
        self.queue.enqueue(JOB_FUNCTION, generation_id, job_id=f"generation-{generation_id}",
                           job_timeout=self.job_timeout, result_ttl=3600, failure_ttl=7 * 86400)

    def has_job(self, generation_id: int) -> bool:
        """Whether the generation's job is waiting or running in Redis now."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            job = Job.fetch(f"generation-{generation_id}", connection=self.redis)
            status = job.get_status(refresh=False)
        except NoSuchJobError:
            return False
        return status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED)

    def health(self) -> dict[str, Any]:
        from rq import Worker

        try:
            self.redis.ping()
            registered = len(Worker.all(queue=self.queue))
            pending = len(self.queue)
        except Exception as exc:  # redis-py raises many connection error kinds
            return {"backend": self.backend, "workers_alive": 0, "ok": False,
                    "problem": f"Redis cannot be reached ({exc.__class__.__name__}): start Redis or fix REDIS_URL."}
        # Only what Redis knows. Whether a worker is alive is judged by studio.services.health
        # from the workers' database heartbeats: RQ's registry is lost when Redis restarts.
        return {"backend": self.backend, "workers_registered": registered, "pending": pending, "ok": True,
                "problem": ""}

    def close(self) -> None:
        self.redis.close()


def make_queue(studio: "Studio") -> JobQueue:
    if studio.settings.redis_url:
        return RQJobQueue(studio.settings.redis_url)
    from studio.jobs.recovery import recover
    from studio.jobs.tasks import run_generation_in

    return InProcessJobQueue(lambda gid: run_generation_in(studio, gid), workers=studio.settings.inprocess_workers,
                             sweep=lambda: recover(studio),
                             sweep_interval_s=max(5.0, studio.settings.heartbeat_stale_s / 2))
