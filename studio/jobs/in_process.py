"""The job queue of a studio without Redis: worker threads inside the web process.

Batches left queued or running by a previous process are found by the recovery sweep, run on
a timer here, since no separate worker process exists to do it.
"""

from __future__ import annotations

import logging
import queue as stdlib_queue
import threading
from typing import Any, Callable

log = logging.getLogger(__name__)


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
