"""The HTTP side: /healthz beside the Gradio app, served by uvicorn."""

from __future__ import annotations

import logging
import threading
import time

import gradio as gr
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from studio.context import Studio
from studio.services import health

log = logging.getLogger(__name__)


def health_app(studio: Studio) -> FastAPI:
    """The HTTP app with /healthz alone: it answers even when the UI could not be built."""
    app = FastAPI(title="Pose Studio", docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        body = health.report(studio)
        return JSONResponse(body, status_code=200 if body["ok"] else 503)

    return app


def build_asgi(studio: Studio) -> FastAPI:
    from studio.ui.layout import CSS, build_ui, theme

    app = health_app(studio)
    demo = build_ui(studio)
    demo.queue(default_concurrency_limit=8, max_size=256)
    settings = studio.settings
    return gr.mount_gradio_app(
        app, demo, path="/",
        auth=settings.password_logins or None,
        auth_message="Sign in to Pose Studio",
        allowed_paths=[str(settings.media_dir), str(settings.previews_dir)],
        max_file_size=10 * 1024 * 1024 + 1024,
        footer_links=["api"],
        theme=theme(), css=CSS,
        ssr_mode=False,
    )


class BackgroundServer:
    """uvicorn in a thread, for tests and tools: ``with BackgroundServer(app, port): ...``."""

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 7860):
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
