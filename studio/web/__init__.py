"""The HTTP side: /healthz beside the Gradio app, the media route, the upload guard; uvicorn.

    studio/web/guard.py   event inputs may only name files this client uploaded; upload limits
    studio/web/links.py   signed, expiring links to a creator's files
    studio/web/media.py   the route that serves those links, to their owner only
    studio/web/watchers.py  live progress streams, bounded per creator and in all
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import gradio as gr
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.routing import Mount

from studio.core import Studio
from studio.services import health
from studio.uploads import MAX_BYTES
from studio.web import media
from studio.web.guard import EventLimits, UploadGuard, UploadLimits
from studio.web.links import MediaLinks
from studio.web.watchers import Watchers

log = logging.getLogger(__name__)

# Health has threads of its own: a flood of requests that fills the shared pool (streams,
# slow handlers) must not make the studio look dead to the platform's health check.
_HEALTH_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")


def health_app(studio: Studio, watchers: Watchers | None = None) -> FastAPI:
    """The HTTP app with /healthz alone: it answers even when the UI could not be built."""
    app = FastAPI(title="Pose Studio", docs_url=None, redoc_url=None)
    watchers = watchers or Watchers.from_settings(studio.settings)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        body = await asyncio.get_running_loop().run_in_executor(_HEALTH_POOL, health.report, studio)
        body["progress_streams"] = watchers.count()  # live Batch-tab streams, all creators
        return JSONResponse(body, status_code=200 if body["ok"] else 503)

    return app


def build_asgi(studio: Studio) -> UploadGuard:
    from studio.ui.layout import CSS, build_ui, theme

    settings = studio.settings
    # One signer and one stream ledger for the whole app: the page's handlers, the media
    # route and /healthz must all see the same ones.
    links, watchers = MediaLinks.from_settings(settings), Watchers.from_settings(settings)
    app = health_app(studio, watchers)
    demo = build_ui(studio, links, watchers)
    demo.queue(default_concurrency_limit=8, max_size=256)
    # No allowed_paths: Gradio serves no folder of ours; media go through studio.web.media.
    app = gr.mount_gradio_app(
        app, demo, path="/",
        auth=settings.password_logins or None,
        auth_message="Sign in to Pose Studio",
        max_file_size=MAX_BYTES + 1024,
        footer_links=["api"],
        theme=theme(), css=CSS,
        ssr_mode=False,
    )
    gradio_app = next(r.app for r in app.routes if isinstance(r, Mount))
    media.attach(gradio_app, studio, links)
    return UploadGuard(app, limits=UploadLimits(per_minute=settings.uploads_per_minute,
                                                per_hour=settings.uploads_per_hour),
                       events=EventLimits.from_rates(events_per_second=settings.events_per_second,
                                                     page_loads_per_minute=settings.page_loads_per_minute))


class BackgroundServer:
    """uvicorn in a thread, for tests and tools: ``with BackgroundServer(app, port): ...``."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 7860):
        self.url = f"http://{host}:{port}"
        # Streaming clients (gradio_client, browsers) keep connections open: do not wait on them.
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                                    timeout_graceful_shutdown=2))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "BackgroundServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the studio did not start on {self.url}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def serve(studio: Studio) -> None:
    settings = studio.settings
    app = build_asgi(studio)
    log.info("Pose Studio on http://%s:%s", settings.host, settings.port)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
