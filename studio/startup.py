"""The composition root: every process builds its ``Studio`` here and passes it on.

Start order: settings -> data directory -> database -> migrate -> seed -> job queue.

Each step fails with one clear line (``StartupError``) naming the problem and the fix, so a
missing migration or seed can never surface later as a bare HTTP 500 or an empty gallery.
"""

from __future__ import annotations

import logging
import threading

from studio.core import Studio
from studio.db.catalog import CatalogError
from studio.db.engine import Database, DatabaseError
from studio.db.migrate import migration_lock, upgrade_to_head
from studio.db.seed import seed_all
from studio.jobs.protocol import JobQueue
from studio.settings import Settings, SettingsError, get_settings

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    pass


def prepare_database(settings: Settings) -> Database:
    db = Database(settings.sqlalchemy_url)
    upgrade_to_head(db)
    # Seed under the same lock, so processes starting together do not race on the slugs.
    with migration_lock(db):
        seed_all(db)
    return db


def start(settings: Settings | None = None, *, with_queue: bool = True) -> Studio:
    try:
        settings = settings or get_settings()
        settings.check_data_dir()
        db = prepare_database(settings)
    except (SettingsError, DatabaseError, CatalogError) as exc:
        raise StartupError(str(exc)) from None
    studio = Studio(settings=settings, db=db)
    if with_queue:
        studio.queue = make_queue(studio)
    return studio


def make_queue(studio: Studio) -> JobQueue:
    """Redis and RQ workers when REDIS_URL is set, else worker threads in this process."""
    if studio.settings.redis_url:
        from studio.jobs.rq_queue import RQJobQueue

        return RQJobQueue(studio.settings.redis_url)
    from studio.jobs.in_process import InProcessJobQueue
    from studio.jobs.recovery import recover
    from studio.jobs.worker import process_generation

    return InProcessJobQueue(lambda gid: process_generation(studio, gid), workers=studio.settings.inprocess_workers,
                             sweep=lambda: recover(studio),
                             sweep_interval_s=max(5.0, studio.settings.heartbeat_stale_s / 2))


def warm_up(studio: Studio) -> threading.Thread:
    """Background work that makes the first page fast: the pose thumbnails."""
    from studio.services.poses import warm_previews

    def run():
        try:
            log.info("drew %d pose thumbnails", warm_previews(studio))
        except Exception:  # a thumbnail is drawn on first view anyway
            log.exception("warming the pose thumbnails failed")

    thread = threading.Thread(target=run, name="studio-warm-up", daemon=True)
    thread.start()
    return thread
