"""Small pieces every tab uses: the current user, errors in the creator's words, media URLs."""

from __future__ import annotations

import functools
import html
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

import gradio as gr

from studio.context import current
from studio.db.tables import User
from studio.media import MediaStore
from studio.services.errors import StudioError
from studio.ui.identity import current_user

log = logging.getLogger(__name__)


@dataclass
class Shared:
    """Components several tabs read or write: the header, the pose selection, refresh signals."""

    user_box: gr.HTML
    selected_poses: gr.State  # list of pose ids, in the order picked
    # Page-load hooks the tabs register (fresh keys, first listings, a running batch).
    on_load: list[Callable[[gr.Blocks], None]] = field(default_factory=list)


def user_of(request: gr.Request | None) -> User:
    return current_user(request)


def creator_errors(fn: Callable) -> Callable:
    """Turn domain errors into gr.Error (a toast in the creator's words) and hide tracebacks.

    Works for plain handlers and for generator handlers (streaming progress).
    """
    import inspect

    def translate(exc: Exception) -> gr.Error:
        if isinstance(exc, gr.Error):
            return exc
        if isinstance(exc, (StudioError, ValueError)):
            return gr.Error(str(exc))
        log.exception("handler %s failed", fn.__name__)
        return gr.Error("Something went wrong on our side; nothing was charged for it. Please try again.")

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except Exception as exc:
                raise translate(exc) from None
        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise translate(exc) from None
    return wrapper


def media() -> MediaStore:
    return MediaStore(current().settings.media_dir)


def media_file(relative: str | None) -> str | None:
    """Absolute path of a stored file for Gradio to serve (it is under allowed_paths)."""
    if not relative:
        return None
    path = media().absolute(relative)
    return str(path) if path.exists() else None


def esc(value: Any) -> str:
    return html.escape(str(value))


def int_arg(value: Any, name: str, low: int, high: int) -> int:
    """Server-side validation of a number a client sent (any client can send anything)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise gr.Error(f"{name} must be a whole number between {low} and {high}") from None
    if not low <= number <= high or number != float(value):
        raise gr.Error(f"{name} must be a whole number between {low} and {high}; got {value}")
    return number


def new_key() -> str:
    """A submission key: made once per form, so a double click sends the same one (charged once)."""
    return uuid.uuid4().hex
