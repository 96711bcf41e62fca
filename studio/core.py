"""The running studio: what every feature is handed, built once by ``studio.startup``.

Nothing reaches the studio through a module global: the composition root (``app.py`` ->
``studio.startup.start``) builds one ``Studio`` and passes it on, to the page when it is
rendered and to the worker that runs jobs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from studio.db.engine import Database
from studio.media import MediaStore
from studio.settings import Settings

if TYPE_CHECKING:
    from studio.jobs.protocol import JobQueue


@dataclass
class Studio:
    settings: Settings
    db: Database
    media: MediaStore = field(default=None)  # type: ignore[assignment]  # made from settings when not given
    queue: "JobQueue | None" = None

    def __post_init__(self) -> None:
        if self.media is None:
            self.media = MediaStore(self.settings.media_dir)
