"""A real studio served on a free local port, for browser and gradio_client tests."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from studio.core import Studio
from studio.startup import make_queue
from studio.settings import load_settings
from studio.startup import prepare_database
from studio.web import BackgroundServer, build_asgi
from tests.photos import portrait


def make_photo(path: Path) -> str:
    """A 320x400 photo of one person (Grace Hopper's portrait): an upload the face check accepts."""
    portrait().save(path)
    return str(path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_studio(data_dir: Path, database_url: str | None = None, **env) -> Iterator[tuple[Studio, str]]:
    """Migrate, seed, start the in-process worker and serve; yields (studio, base URL)."""
    # No re-rolls unless a test asks (tiny pictures are noise: every one would be redone).
    overrides = {"STUDIO_DATA_DIR": str(data_dir), "STUDIO_PRESET": "tiny", "STUDIO_MAX_REROLLS": 0, **env}
    if database_url:
        overrides["DATABASE_URL"] = database_url
    settings = load_settings(**overrides)
    settings.check_data_dir()
    studio = Studio(settings=settings, db=prepare_database(settings))
    studio.queue = make_queue(studio)
    try:
        with BackgroundServer(build_asgi(studio), port=free_port()) as server:
            yield studio, server.url
    finally:
        studio.queue.close()
        studio.db.dispose()


# Two password logins, for tests of who may see what.
LOGINS = {"ana": "ana-pass-71", "ben": "ben-pass-93"}
AUTH = ",".join(f"{user}:{password}" for user, password in LOGINS.items())


def client(url: str, user: str):
    """gradio_client signed in as ``user`` (one of LOGINS)."""
    from gradio_client import Client

    return Client(url, auth=(user, LOGINS[user]), verbose=False)


def wait_finished(c, generation_id: int, timeout: float = 120) -> dict:
    """Poll /status until the batch ends."""
    import time

    deadline = time.monotonic() + timeout
    status: dict = {}
    while time.monotonic() < deadline:
        status = c.predict(generation_id, api_name="/status")
        if status["finished"]:
            return status
        time.sleep(0.3)
    raise AssertionError(f"batch {generation_id} did not finish: {status}")
