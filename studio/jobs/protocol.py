"""What a job queue is to the studio: one small interface, one backend per module.

- ``studio.jobs.in_process.InProcessJobQueue``: worker threads inside the web process, so a
  laptop needs nothing else.
- ``studio.jobs.rq_queue.RQJobQueue``: jobs go to Redis and ``python -m studio worker``
  processes (on GPU machines) run them; the web process never loads a model.

``studio.startup.make_queue`` picks one from the settings. A job is only ever a generation id;
the worker reads everything else from the database.
"""

from __future__ import annotations

from typing import Any, Protocol


class JobQueue(Protocol):
    backend: str

    def enqueue(self, generation_id: int) -> None:
        """Ask for the generation to be run; enqueueing one that already waits is harmless."""

    def has_job(self, generation_id: int) -> bool:
        """Whether the generation is waiting or running in this queue now (recovery asks)."""

    def health(self) -> dict[str, Any]:
        """``backend``, ``ok``, ``problem`` (for people) and what the backend can count."""

    def close(self) -> None: ...
