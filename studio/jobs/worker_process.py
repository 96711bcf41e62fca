"""``python -m studio worker``: a non-forking RQ worker that keeps pipelines loaded.

RQ's default worker forks a child per job, which throws the loaded model away after every
job (and CUDA cannot start again in a forked child). ``StudioWorker`` runs jobs in its own
process instead, loads the studio's preset once at start, sweeps for stale batches between
jobs, and on SIGTERM stops after the step in flight: the finished items are saved and the
batch goes back to the queue for another worker (a second SIGTERM stops at once).

The studio reaches a job through the worker that runs it: RQ resolves a job's function by its
import name and passes only the stored arguments (a generation id), so the worker's own job
class calls ``run_generation`` with the studio this process started.
"""

from __future__ import annotations

import logging

from rq import SimpleWorker
from rq.job import Job

from studio.core import Studio
from studio.jobs import worker as batch_worker
from studio.jobs.liveness import Heartbeats
from studio.jobs.recovery import recover
from studio.jobs.rq_queue import JOB_FUNCTION, RQJobQueue

log = logging.getLogger(__name__)


def run_generation(studio: Studio, generation_id: int) -> str | None:
    """The job: run one generation to its end (or a cancel, or a stop)."""
    return batch_worker.process_generation(studio, generation_id)


def job_class_for(studio: Studio) -> type[Job]:
    """RQ's Job, run with ``studio``: only the studio's own job function, with the generation id."""

    class StudioJob(Job):
        def _execute(self):
            if self.func_name != JOB_FUNCTION:
                raise ValueError(f"this worker runs Pose Studio generations only, not {self.func_name!r}")
            (generation_id,) = self.args
            return run_generation(studio, generation_id)

    return StudioJob


class StudioWorker(SimpleWorker):
    """SimpleWorker plus: the studio's jobs, SIGTERM stops the batch between steps, recovery
    with maintenance."""

    def __init__(self, studio: Studio, queues, **kwargs):
        super().__init__(queues, job_class=job_class_for(studio), **kwargs)
        self.studio = studio

    def handle_warm_shutdown_request(self):
        batch_worker.STOP.set()
        super().handle_warm_shutdown_request()

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        try:
            recover(self.studio)
        except Exception:  # the next sweep tries again
            log.exception("recovery sweep failed")


def run_worker(*, burst: bool = False, preload: bool = True) -> int:
    from studio.engine import engine_for
    from studio.startup import StartupError, start

    studio = start(with_queue=False)
    if not studio.settings.redis_url:
        raise StartupError("`python -m studio worker` needs REDIS_URL (e.g. redis://localhost:6379/0); "
                           "without Redis the web process runs batches itself")
    queue = RQJobQueue(studio.settings.redis_url)
    studio.queue = queue
    if preload:
        from pipelines.edit_loading import GPUTooSmallError
        from pipelines.loading import ModelUnavailableError

        try:
            engine = engine_for(studio)  # loaded once here, kept for every job of this process
        except (GPUTooSmallError, ModelUnavailableError) as exc:  # one line saying why, no traceback
            raise StartupError(f"the worker cannot run STUDIO_PRESET={studio.settings.preset}: {exc}") from None
        log.info("worker ready: preset %s on %s", engine.preset.key, engine.device)
    recover(studio)
    worker = StudioWorker(studio, [queue.queue], connection=queue.redis,
                          maintenance_interval=max(10, studio.settings.heartbeat_stale_s // 2))
    batch_worker.STOP.clear()
    # Liveness for /healthz comes from the database, not RQ's registry (studio/jobs/liveness.py).
    heartbeats = Heartbeats(studio.db, worker.name, stale_s=studio.settings.heartbeat_stale_s).start()
    try:
        worker.work(burst=burst, with_scheduler=False, logging_level="INFO")
    finally:
        heartbeats.stop()
    return 0
