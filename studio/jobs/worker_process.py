"""``python -m studio worker``: a non-forking RQ worker that keeps pipelines loaded.

RQ's default worker forks a child per job, which throws the loaded model away after every
job (and CUDA cannot start again in a forked child). ``StudioWorker`` runs jobs in its own
process instead, loads the studio's preset once at start, sweeps for stale batches between
jobs, and on SIGTERM stops after the step in flight: the finished items are saved and the
batch goes back to the queue for another worker (a second SIGTERM stops at once).
"""

from __future__ import annotations

import logging

from rq import SimpleWorker

from studio.jobs import worker as batch_worker
from studio.jobs.liveness import Heartbeats

log = logging.getLogger(__name__)


class StudioWorker(SimpleWorker):
    """SimpleWorker plus: SIGTERM stops the batch between steps; recovery with maintenance."""

    studio = None  # set by run_worker

    def handle_warm_shutdown_request(self):
        batch_worker.STOP.set()
        super().handle_warm_shutdown_request()

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        if self.studio is not None:
            from studio.jobs.recovery import recover

            try:
                recover(self.studio)
            except Exception:  # the next sweep tries again
                log.exception("recovery sweep failed")


def run_worker(*, burst: bool = False, preload: bool = True) -> int:
    from studio.jobs.queue import RQJobQueue
    from studio.jobs.recovery import recover
    from studio.startup import StartupError, start

    studio = start(with_queue=False)
    if not studio.settings.redis_url:
        raise StartupError("`python -m studio worker` needs REDIS_URL (e.g. redis://localhost:6379/0); "
                           "without Redis the web process runs batches itself")
    queue = RQJobQueue(studio.settings.redis_url)
    studio.queue = queue
    if preload:
        from studio.engine import engine_for

        engine = engine_for(studio)  # loaded once here, kept for every job of this process
        log.info("worker ready: preset %s on %s", engine.preset.key, engine.device)
    recover(studio)
    worker = StudioWorker([queue.queue], connection=queue.redis,
                          maintenance_interval=max(10, studio.settings.heartbeat_stale_s // 2))
    worker.studio = studio
    batch_worker.STOP.clear()
    # Liveness for /healthz comes from the database, not RQ's registry (studio/jobs/liveness.py).
    heartbeats = Heartbeats(studio.db, worker.name, stale_s=studio.settings.heartbeat_stale_s).start()
    try:
        worker.work(burst=burst, with_scheduler=False, logging_level="INFO")
    finally:
        heartbeats.stop()
    return 0
