"""The job queue of a studio with Redis: RQ jobs run by ``python -m studio worker`` processes."""

from __future__ import annotations

from typing import Any

QUEUE_NAME = "pose-studio"
# The job's function by import name (RQ stores names, not functions); the worker process runs it
# with its own studio (studio/jobs/worker_process.py).
JOB_FUNCTION = "studio.jobs.worker_process.run_generation"


def job_id(generation_id: int) -> str:
    # A stable job id: enqueueing the same generation twice while it waits is harmless.
    return f"generation-{generation_id}"


class RQJobQueue:
    backend = "redis"

    def __init__(self, redis_url: str, *, job_timeout: int = 6 * 3600):
        from redis import Redis
        from rq import Queue

        self.redis = Redis.from_url(redis_url)
        self.queue = Queue(QUEUE_NAME, connection=self.redis)
        self.job_timeout = job_timeout

    def enqueue(self, generation_id: int) -> None:
        self.queue.enqueue(JOB_FUNCTION, generation_id, job_id=job_id(generation_id),
                           job_timeout=self.job_timeout, result_ttl=3600, failure_ttl=7 * 86400)

    def has_job(self, generation_id: int) -> bool:
        """Whether the generation's job is waiting or running in Redis now."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            job = Job.fetch(job_id(generation_id), connection=self.redis)
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
