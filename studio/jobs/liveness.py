"""Which worker processes are alive, judged from heartbeats they write to the database.

Why the database and not RQ's worker registry in Redis: RQ writes a worker's registration
once, at its birth, and afterwards only extends its expiry (about every seven minutes while
idle, not at all during a long batch). A Redis restart or flush removes the registration for
good while the worker keeps running and taking jobs, so /healthz and the banner said "no worker
is running" when one was (issue 9, item 8). Re-registering from inside RQ's loop would depend
on RQ internals and still wait minutes for the next idle beat. The database is where the
batches already live and what every web process reads; one row per worker process, beaten
from its own thread every few seconds (during a long batch too), survives anything that
happens to Redis, and a killed worker shows as a beat that has gone stale.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import func, select

from studio.db.engine import Database
from studio.db.tables import WorkerHeartbeat
from studio.db.types import utcnow

log = logging.getLogger(__name__)

# Rows of workers that died without a clean stop are deleted once this old, so the table only
# ever holds the workers of the last day.
FORGET_AFTER = timedelta(days=1)


def beat_interval_s(stale_s: float) -> float:
    """How often a worker beats: four beats fit in the stale window, so one missed beat (a slow
    database moment) never makes a live worker look dead."""
    return max(1.0, min(15.0, stale_s / 4))


def beat(db: Database, name: str, *, now: datetime | None = None) -> None:
    """Write (or create) the worker's row with a fresh heartbeat."""
    now = now or utcnow()
    with db.session() as session:
        updated = session.execute(sa.update(WorkerHeartbeat).where(WorkerHeartbeat.name == name)
                                  .values(heartbeat_at=now)).rowcount
        if not updated:
            session.add(WorkerHeartbeat(name=name, host=socket.gethostname()[:255], pid=os.getpid(),
                                        started_at=now, heartbeat_at=now))
        session.execute(sa.delete(WorkerHeartbeat).where(WorkerHeartbeat.heartbeat_at < now - FORGET_AFTER))


def forget(db: Database, name: str) -> None:
    """A worker that stops in order removes its row: it is gone at once, not after the stale window."""
    with db.session() as session:
        session.execute(sa.delete(WorkerHeartbeat).where(WorkerHeartbeat.name == name))


def alive(db: Database, *, stale_s: float, now: datetime | None = None) -> int:
    """How many workers beat within the last ``stale_s`` seconds."""
    since = (now or utcnow()) - timedelta(seconds=stale_s)
    with db.reading() as session:
        return int(session.exec(select(func.count()).select_from(WorkerHeartbeat)
                                .where(WorkerHeartbeat.heartbeat_at >= since)).one())


class Heartbeats:
    """A daemon thread that beats for one worker process until ``stop``."""

    def __init__(self, db: Database, name: str, *, stale_s: float):
        self.db, self.name = db, name
        self.interval_s = beat_interval_s(stale_s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="worker-liveness", daemon=True)

    def start(self) -> "Heartbeats":
        beat(self.db, self.name)  # alive from the first moment, before the first job
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        try:
            forget(self.db, self.name)
        except Exception:  # the row goes stale and is ignored anyway
            log.warning("could not remove worker %s from the heartbeats", self.name, exc_info=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                beat(self.db, self.name)
            except Exception:  # a missed beat is retried; only a run of them makes the worker look dead
                log.warning("worker heartbeat failed", exc_info=True)
