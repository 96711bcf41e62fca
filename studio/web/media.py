"""Serving a creator's files: only through a signed link, and only to the owner it names.

No folder is handed to Gradio to serve (its file route serves whatever it is allowed to
everyone signed in). The route lives inside the Gradio app, behind the same login: the
person asking is found the way the UI's handlers find them, and anything that is not
exactly theirs reads as "not found", so a stranger cannot even learn that a file exists.
"""

from __future__ import annotations

import inspect
import logging
import mimetypes
from pathlib import Path
from typing import Awaitable, Callable

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from studio.core import Studio
from studio.ui.identity import current_user
from studio.web.links import PREFIX, LinkRefused, MediaLinks

log = logging.getLogger(__name__)

# Only what the studio stores; anything else would go out as a download, never inline.
INLINE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
DOWNLOAD_TYPES = {".zip": "application/zip"}


def gradio_login(gradio_app) -> Callable[[Request], Awaitable[str | None]]:
    """Who Gradio says is signed in on a plain HTTP request (what it passes handlers as
    ``request.username``): its ``auth_dependency`` if set, else its login cookie.

    This mirrors Gradio's own ``/gradio_api/user`` route, reading the same attributes of its
    app; tests/ui/test_security_http.py fails if a Gradio upgrade changes them.
    """
    for name in ("tokens", "cookie_id", "auth_dependency"):
        if not hasattr(gradio_app, name):
            raise RuntimeError(f"this Gradio's app has no {name!r}; the media route cannot tell who is asking")

    async def username(request: Request) -> str | None:
        if gradio_app.auth_dependency is not None:
            user = gradio_app.auth_dependency(request)
            return await user if inspect.isawaitable(user) else user
        token = (request.cookies.get(f"access-token-{gradio_app.cookie_id}")
                 or request.cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}"))
        return gradio_app.tokens.get(token)

    return username


def _not_found() -> Response:
    return JSONResponse({"detail": "Not found"}, status_code=404, headers={"Cache-Control": "no-store"})


def attach(gradio_app: FastAPI, studio: Studio, links: MediaLinks) -> None:
    who = gradio_login(gradio_app)
    roots = {"media": Path(studio.settings.media_dir).resolve(), "preview": Path(studio.settings.previews_dir).resolve()}

    async def serve(token: str, filename: str, request: Request) -> Response:
        try:
            grant = links.check(token)
        except LinkRefused as why:
            log.info("media link refused: %s", why)
            return _not_found()
        username = await who(request)
        try:
            user = await run_in_threadpool(current_user, studio, gr.Request(request=request, username=username))
        except gr.Error:
            return _not_found()  # not signed in: the same answer as a stranger's
        if user.id != grant.user_id:
            log.info("media link of user %s opened by user %s: refused", grant.user_id, user.id)
            return _not_found()
        if grant.kind == "media" and not grant.relative.startswith(f"u{user.id}/"):
            return _not_found()
        root = roots[grant.kind]
        path = (root / grant.relative).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return _not_found()
        suffix = path.suffix.lower()
        media_type = INLINE_TYPES.get(suffix) or DOWNLOAD_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
        disposition = "inline" if suffix in INLINE_TYPES else "attachment"
        return FileResponse(path, media_type=media_type or "application/octet-stream", filename=filename,
                            content_disposition_type=disposition,
                            headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})

    gradio_app.add_api_route(PREFIX + "/{token}/{filename}", serve, methods=["GET", "HEAD"],
                             include_in_schema=False)
