"""The running studio: settings, database and job queue, made once at start.

UI handlers are module-level functions; they reach the studio through ``current()`` rather
than closures, so they can be tested on their own with a studio a test configured.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from studio.db.engine import Database
from studio.settings import Settings

if TYPE_CHECKING:
    from studio.jobs.queue import JobQueue


@dataclass
class Studio:
    settings: Settings
    db: Database
    queue: "JobQueue | None" = None
    problems: list[str] = field(default_factory=list)  # shown in the banner
    extras: dict[str, Any] = field(default_factory=dict)


_current: Studio | None = None


def configure(studio: Studio | None) -> None:
    global _current
    _current = studio


def current() -> Studio:
    if _current is None:
        raise RuntimeError("the studio is not started; call studio.startup.start() first")
    return _current
