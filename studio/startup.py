"""Start order for every process: settings -> data directory -> database -> migrate -> seed.

Each step fails with one clear line (``StartupError``) naming the problem and the fix, so a
missing migration or seed can never surface later as a bare HTTP 500 or an empty gallery.
"""

from __future__ import annotations

import logging
import threading

from studio.context import Studio, configure
from studio.db.engine import Database, DatabaseError
from studio.db.migrate import migration_lock, upgrade_to_head
from studio.db.seed import seed_all
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
    except (SettingsError, DatabaseError) as exc:
        raise StartupError(str(exc)) from None
    studio = Studio(settings=settings, db=db)
    if with_queue:
        from studio.jobs.queue import make_queue

        studio.queue = make_queue(studio)
    configure(studio)
    return studio


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
